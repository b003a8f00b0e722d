"""Finding a market, shop or product page from its URL in one query, instead of two per URL level.

Wagtail's router walks the tree: for /fr/<market>/<shop>/<product>/ it asks
for each level's child by slug, then for its specific page, six queries.
Every public page of a market sits at a known place in the tree (a market
under the home page, a shop under its market, a product under its shop:
see each model's `parent_page_types`), so the page type follows from the
number of path components, and the page is the one whose `url_path` (kept
by Wagtail on every save and move) is the home's plus those components.

Anything else (a help page, a legal page, a market's sub-routes such as
`recherche/` or `inscription/`, an unknown or unpublished page) is not
found here and goes through Wagtail's own routing, unchanged.
"""

from wagtail.models import Page

# The page type at each level under the home page, and what its page and its children's pages read of it.
LEVELS = (
    ("marketpage", ("territory", "hero_image")),
    ("shoppage", ("cover_image",)),
    ("productpage", ("cover_image",)),
)


def find_public_page(home: Page, path_components: list[str]) -> Page | None:
    """The live market, shop or product page at `path_components` under `home`, with its parents; else None.

    One query, for the page and the market and shop above it, each of its
    specific type (the child tables joined from the page). Each page's
    parent is set as Wagtail's router does (`_cached_parent_obj`), so
    `get_parent()` and the breadcrumbs read no more.
    """
    from django.core.exceptions import ObjectDoesNotExist

    if not 1 <= len(path_components) <= len(LEVELS):
        return None
    levels = LEVELS[: len(path_components)]
    url_paths = [home.url_path + "".join(f"{c}/" for c in path_components[:n]) for n in range(1, len(levels) + 1)]
    related = ["locale"] + [f"{name}__{field}" for name, fields in levels for field in fields]
    rows = {
        row.url_path: row
        for row in Page.objects.filter(url_path__in=url_paths, locale_id=home.locale_id).select_related(*related)
    }
    pages = []
    for url_path, (name, _fields) in zip(url_paths, levels, strict=True):
        row = rows.get(url_path)
        try:
            page = getattr(row, name) if row is not None else None
        except ObjectDoesNotExist:  # another page type at this place (a help page): Wagtail's routing will do
            page = None
        if page is None:
            return None
        page.locale = row.locale
        page._cached_parent_obj = pages[-1] if pages else home
        pages.append(page)
    return pages[-1] if pages[-1].live else None
