"""The project's stemming for search: one function for the indexed text and for the visitor's query.

Wagtail's database backend does no stemming on SQLite (FTS5's default
tokenizer) and one language's on PostgreSQL, so pages index a stemmed copy of
their text (`search_stems`) and queries are stemmed by the same function:
"Fromages" and "fromage" both become "fromag", "crème" and "creme" "crem",
whatever the database.

With an Elasticsearch or OpenSearch backend (`SEARCH_URL`), the engine's own
analysers do that work instead: pages index their plain text once per
language (`search_text_fr`, `search_text_en`, each under the analyser of
its language, see the backend's INDEX_SETTINGS in portal.settings.base),
queries go to the visitor's language's field unstemmed, and `search_stems`
stays empty. `uses_engine_analysers()` tells which of the two is in use.
"""

import html
import re
import unicodedata
from functools import cache

import snowballstemmer
from django.utils import translation
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe
from modelsearch.backends import import_backend
from modelsearch.backends.elasticsearchbase import ElasticsearchBaseSearchBackend
from modelsearch.conf import get_app_config

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


@cache
def _is_engine_backend(dotted_path: str) -> bool:
    # Every Elasticsearch and OpenSearch backend of Wagtail derives from this base
    # class, which imports without the engine's client library. The database
    # backend's `SearchBackend` is a function choosing a class by database vendor.
    backend = import_backend(dotted_path)
    return isinstance(backend, type) and issubclass(backend, ElasticsearchBaseSearchBackend)


def uses_engine_analysers() -> bool:
    """Whether the search backend is Elasticsearch/OpenSearch, whose language analysers replace the project's stems."""
    return _is_engine_backend(get_app_config().get_search_backend_config()["default"]["BACKEND"])


# The field each language's text is indexed in, under that language's analyser (see shops.models).
ENGINE_TEXT_FIELDS = {"fr": "search_text_fr", "en": "search_text_en"}


def analysed_language(language: str) -> str:
    """The language whose analyser handles `language`'s text: its own, French for a language without one."""
    return language if language in ENGINE_TEXT_FIELDS else "fr"


def engine_text_field(language: str) -> str:
    """The field a visitor's query in `language` searches with the engine's analysers."""
    return ENGINE_TEXT_FIELDS[analysed_language(language)]


def stemmed_text(page, parts: list[str]) -> str:
    """What `search_stems` indexes: the stems of `parts`, in each of the page's content languages.

    Empty with the engine's analysers, which index `engine_text` instead.
    """
    if uses_engine_analysers():
        return ""
    text = " ".join(p for p in parts if p)
    return " ".join(" ".join(stems(text, language)) for language in content_languages(page))


def engine_text(page, parts: list[str], language: str) -> str:
    """What `search_text_<language>` indexes: `parts` as plain text when `language` is one of the page's.

    Empty with the database backend (its index keeps only the stems) and
    for a page whose content languages do not include `language`, so that
    each language's analyser sees only text of its language; an untranslated
    alias's text goes to both languages' fields (see `content_languages`).
    """
    if not uses_engine_analysers():
        return ""
    if language not in {analysed_language(code) for code in content_languages(page)}:
        return ""
    return " ".join(p for p in parts if p)


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
