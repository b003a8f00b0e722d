"""The project's stemming and highlighting (shops.search): plain functions, no database."""

from shops.search import fold, highlight, plain_text, stem_word, stems


def test_a_french_plural_has_the_stem_of_its_singular():
    assert stems("Fromages", "fr") == stems("fromage", "fr") == ["fromag"]


def test_accents_are_folded_before_stemming():
    assert stems("crème", "fr") == stems("creme", "fr") == ["crem"]
    assert stems("Parfumée", "fr") == stems("parfumee", "fr")
    assert fold("Crème brûlée, bœuf") == "creme brulee, boeuf"


def test_english_words_take_the_english_stemmer():
    assert stems("cheeses", "en") == ["chees"]
    assert stems("Cheese", "en") == ["chees"]
    # The French stemmer would not strip the English plural the same way.
    assert stem_word("figurines", "en") == stem_word("figurine", "en")


def test_stop_words_are_dropped_from_text_and_query_alike():
    assert stems("Plateau de fromages et de l'huile", "fr") == ["plateau", "fromag", "huil"]
    assert stems("The cheeses of the valley", "en") == ["chees", "valley"]
    assert stems("de la", "fr") == []


def test_an_unknown_language_is_stemmed_as_french():
    assert stems("fromages", "de") == ["fromag"]


def test_rich_text_becomes_plain_words_with_blocks_apart():
    assert plain_text("<p>Des fêtes.</p><p>Une &amp; deux</p>") == "Des fêtes. Une & deux"
    assert plain_text("") == ""


def test_highlight_marks_the_matched_words_and_escapes_everything_else():
    text = 'Fromage <script>alert("x")</script> & fromages fermiers'

    marked = highlight(text, {"fromag"}, "fr", window=None)

    assert marked == (
        "<mark>Fromage</mark> &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; <mark>fromages</mark> fermiers"
    )


def test_a_word_that_looks_like_markup_is_escaped_inside_its_mark():
    marked = highlight("<b>crème</b>", {"crem"}, "fr", window=None)

    assert marked == "&lt;b&gt;<mark>crème</mark>&lt;/b&gt;"


def test_the_snippet_is_a_window_around_the_first_match():
    words = [f"mot{i}" for i in range(60)]
    words[40] = "Fromages"
    text = " ".join(words)

    snippet = highlight(text, {"fromag"}, "fr")

    assert snippet == "… " + " ".join(words[34:40]) + " <mark>Fromages</mark> " + " ".join(words[41:58]) + " …"


def test_without_a_match_the_snippet_is_the_start_of_the_text():
    text = " ".join(f"mot{i}" for i in range(30))

    assert highlight(text, {"fromag"}, "fr") == " ".join(f"mot{i}" for i in range(24)) + " …"
    assert highlight("", {"fromag"}, "fr") == ""
