"""The project's stemming for search: one function for the indexed text and for the visitor's query.

Wagtail's database backend does no stemming on SQLite (FTS5's default
tokenizer) and one language's on PostgreSQL, so pages index a stemmed copy of
their text (`search_stems`) and queries are stemmed by the same function:
"Fromages" and "fromage" both become "fromag", "crème" and "creme" "crem",
whatever the database.
"""

import html
import re
import unicodedata
from functools import cache

import snowballstemmer
from django.utils import translation
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

STEMMER_LANGUAGES = {"fr": "french", "en": "english"}


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words too common to tell pages apart; dropped from the text and the query
# alike, so that "fromage de chèvre" asks for "fromag" and "chevr" only.
# Written folded (no accents), as they are compared after folding.
STOP_WORDS = {
    "fr": _word_set(
        "a au aux avec ce ces cet cette dans de des du en et il elle ils elles je la le les leur leurs ma mes mon "
        "ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta tes ton tu un une vos votre vous "
        "y est sont l d j m n s t c"
    ),
    "en": _word_set(
        "a an and are as at be by for from has have in is it its of on or our that the their this to was were "
        "with we you your s t"
    ),
}

# Letters NFKD does not decompose.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_WORD = re.compile(r"\w+")
_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|div|ul|ol|blockquote)>|<br\s*/?>", re.IGNORECASE)


def fold(text: str) -> str:
    """`text` lowercased, without accents or ligatures ("Crème brûlée" -> "creme brulee")."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@cache
def _stemmer(language: str):
    return snowballstemmer.stemmer(STEMMER_LANGUAGES.get(language, "french"))


def stem_word(word: str, language: str) -> str:
    """One word's stem in `language` ("fr" or "en"; anything else is stemmed as French), accents folded."""
    return _stemmer(language).stemWord(fold(word))


def stems(text: str, language: str) -> list[str]:
    """The stems of the words of `text`, in order, stop words dropped.

    Accents are folded before stemming, so that a word typed without its
    accents gets the same stem as the accented word of the page.
    """
    stop_words = STOP_WORDS.get(language, STOP_WORDS["fr"])
    words = _WORD.findall(fold(text))
    stemmer = _stemmer(language)
    return stemmer.stemWords([w for w in words if w not in stop_words])


def plain_text(rich_text: str) -> str:
    """The words of a rich text field, tags removed and entities decoded (escape again before showing it)."""
    # Blocks end with a space, or "fêtes.</p><p>Une" would read "fêtes.Une".
    spaced = _BLOCK_END.sub(" ", rich_text or "")
    return " ".join(html.unescape(strip_tags(spaced)).split())


def content_languages(page) -> list[str]:
    """The languages a page's text is stemmed in: its locale's, and its source's for an untranslated alias.

    An alias made by the locale synchronisation shows the French text on the
    English site; stemming it both ways lets an English query find its
    title where the words agree and a French one find it too.
    """
    languages = [page.locale.language_code]
    alias_of = getattr(page, "alias_of", None)
    if alias_of is not None and alias_of.locale_id != page.locale_id:
        languages.append(alias_of.locale.language_code)
    return languages


def stemmed_text(page, parts: list[str]) -> str:
    """What `search_stems` indexes: the stems of `parts`, in each of the page's content languages."""
    text = " ".join(p for p in parts if p)
    return " ".join(" ".join(stems(text, language)) for language in content_languages(page))


def shop_search_parts(shop) -> list[str]:
    """The searchable words of a shop: name, presentation, town and category label in the page's language."""
    with translation.override(shop.locale.language_code):
        category = str(shop.get_category_display())
    return [shop.title, plain_text(shop.description), shop.city, category]


def product_search_parts(product) -> list[str]:
    return [product.title, plain_text(product.description)]


SNIPPET_WORDS = 24
SNIPPET_LEAD = 6


def highlight(text: str, query_stems: set[str], language: str, *, window: int | None = SNIPPET_WORDS) -> SafeString:
    """`text` (plain, unescaped) escaped, its words whose stem is in `query_stems` wrapped in <mark>.

    With `window`, only about that many words are kept around the first match
    (or from the start when nothing matches), with "…" where text was cut.
    Every piece of `text` goes through `escape`; only the <mark> tags are ours.
    """
    words = list(_WORD.finditer(text))
    if not words:
        return escape(text)
    matches = [i for i, w in enumerate(words) if stem_word(w.group(), language) in query_stems]
    start_word, end_word = 0, len(words)
    if window is not None:
        first = matches[0] if matches else 0
        start_word = max(0, first - SNIPPET_LEAD)
        end_word = min(len(words), start_word + window)
    begin = words[start_word].start() if start_word else 0
    end = words[end_word - 1].end() if end_word < len(words) else len(text)
    pieces = ["… "] if begin else []
    position = begin
    for i in matches:
        if not start_word <= i < end_word:
            continue
        word = words[i]
        pieces.append(escape(text[position : word.start()]))
        pieces.append(f"<mark>{escape(word.group())}</mark>")
        position = word.end()
    pieces.append(escape(text[position:end]))
    if end < len(text):
        pieces.append(" …")
    return mark_safe("".join(pieces))
