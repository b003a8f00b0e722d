"""Chain stores: which registrations look like a chain, a national brand or a franchise.

The platform's rule is that the market is for independent shops. The
platform operator keeps a list of chains (markets.models.ChainStore: the
SIREN of their companies and their names); a registration matching one is
flagged for the editor, who decides. A name matches in whole words,
ignoring case, accents and punctuation: "carrefour" flags "Carrefour
City Morlaix" but not "Les Carrefours du Goût".
"""

import re
import unicodedata

from django.utils.translation import gettext

from markets.models import ChainStore


def normalized(text: str) -> str:
    """Lower case, no accents, words separated by one space: "L'Épi-d'Or" → "l epi d or"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.split(r"[^0-9a-z]+", plain)).strip()


def name_matches(pattern: str, name: str) -> bool:
    """Whether `pattern`'s words appear, in order and whole, in `name` (case and accents ignored)."""
    pattern = normalized(pattern)
    return bool(pattern) and f" {pattern} " in f" {normalized(name)} "


def chain_flag(siret: str, names: list[str]) -> str:
    """What the editor is told when the SIREN of `siret` or one of `names` matches a known chain; "" otherwise."""
    siren = siret[:9]
    for chain in ChainStore.objects.all():
        if siren in chain.siren_list:
            return gettext("%(chain)s : SIREN %(siren)s") % {"chain": chain.name, "siren": siren}
        for pattern in chain.name_list:
            matched = next((name for name in names if name_matches(pattern, name)), None)
            if matched is not None:
                return gettext("%(chain)s : nom « %(name)s »") % {"chain": chain.name, "name": matched}
    return ""
