"""French postcodes and the communes they serve, from the vendored open data file (markets/data/README.md).

Helps the editors fill their territory's postcodes: they type a commune
name or a postcode, and get the postcodes to add.
"""

import gzip
from functools import cache
from pathlib import Path

from markets.chain_stores import normalized

DATA_FILE = Path(__file__).resolve().parent / "data" / "codes_postaux.csv.gz"


@cache
def communes_by_postcode() -> dict[str, tuple[str, ...]]:
    """{"29600": ("Morlaix", "Plourin-lès-Morlaix", …), …}: read once per process (about 6,000 postcodes)."""
    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as lines:
        next(lines)
        rows = (line.rstrip("\n").split(";", 1) for line in lines)
        return {postcode: tuple(names.split("|")) for postcode, names in rows}


def communes(postcode: str) -> tuple[str, ...]:
    """The communes served by `postcode`; () for a postcode that does not exist."""
    return communes_by_postcode().get(postcode.strip(), ())


def search(term: str, limit: int = 30) -> list[tuple[str, tuple[str, ...]]]:
    """(postcode, communes) pairs for a postcode (or its first digits) or a commune name (or its start).

    A commune name matches when one of its names starts with the term, or
    equals it, case, accents and hyphens ignored ("plourin les morlaix").
    """
    term = term.strip()
    if not term:
        return []
    table = communes_by_postcode()
    if term.isdigit():
        return [(code, table[code]) for code in sorted(table) if code.startswith(term)][:limit]
    wanted = normalized(term)
    if not wanted:
        return []
    found = []
    for code in sorted(table):
        if any(normalized(name).startswith(wanted) for name in table[code]):
            found.append((code, table[code]))
            if len(found) == limit:
                break
    return found


def postcodes_of_commune(term: str) -> list[str]:
    """The postcodes of the commune named exactly `term` (case, accents and hyphens ignored)."""
    wanted = normalized(term)
    return sorted(
        code for code, names in communes_by_postcode().items() if any(normalized(n) == wanted for n in names)
    )
