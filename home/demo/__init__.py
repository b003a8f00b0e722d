"""Demo content for a local install: `python manage.py seed_demo`.

- `content`: the hand-written tables (territories, partners, shop archetypes
  and their products, FAQ and help texts), in French and English.
- `plan`: deterministic choices made from those tables (which shops, which
  products, identifiers, stock), pure Python, no database.
- `images`: illustrations drawn with Pillow, stored as Wagtail images.
- `translation`: English versions stored through wagtail-localize.
- `builder`: creates everything idempotently and reports what it did.

Access rules live in markets (`markets.editors`, `markets.merchants`)
because merchant onboarding uses them too.
"""
