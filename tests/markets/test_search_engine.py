"""The search with Elasticsearch/OpenSearch (SEARCH_URL): the engine's analysers per language, not the project's stems.

No engine runs here and its client library is not installed: the backend
under test is Wagtail's Elasticsearch base backend (from which every
Elasticsearch and OpenSearch backend derives, with the same mapping and query
compiler) talking to a stand-in client that records what it is sent and
answers with the hits a test gives it. The settings are those of the
SEARCH_URL branch of portal/settings/base.py, read with SEARCH_URL set.
"""

import runpy
from pathlib import Path
from unittest.mock import MagicMock

import pytest
from modelsearch.backends.elasticsearchbase import ElasticsearchBaseMapping, ElasticsearchBaseSearchBackend
from wagtail.search.backends import get_search_backend

from markets.search import EngineQuery, engine_query, find
from shops.models import ProductPage, ShopPage
from shops.search import uses_engine_analysers

BASE_SETTINGS = Path(__file__).resolve().parents[2] / "portal" / "settings" / "base.py"


class EngineClient:
    """Stands for the engine's client: records index creations and searches, answers searches with `answer(request)`."""

    created: list[dict] = []
    searches: list[dict] = []
    answer = staticmethod(lambda request: [])

    def __init__(self, hosts, **options):
        self.indices = MagicMock()
        self.indices.create.side_effect = lambda **request: EngineClient.created.append(request)

    def search(self, **request):
        EngineClient.searches.append(request)
        return {"hits": {"hits": [{"fields": {"pk": [str(pk)]}, "_score": 1.0} for pk in EngineClient.answer(request)]}}

    def index(self, **request):
        pass

    def delete(self, **request):
        pass


class EngineBackend(ElasticsearchBaseSearchBackend):
    client_class = EngineClient
    NotFoundError = LookupError
    use_new_elasticsearch_api = True

    def bulk(self, *args, **kwargs):
        pass


def search_url_branch(monkeypatch) -> dict:
    """WAGTAILSEARCH_BACKENDS["default"] as portal/settings/base.py makes it with SEARCH_URL set."""
    monkeypatch.setenv("SEARCH_URL", "http://search.internal:9200")
    monkeypatch.setenv("SEARCH_BACKEND", "elasticsearch8")
    return runpy.run_path(str(BASE_SETTINGS))["WAGTAILSEARCH_BACKENDS"]["default"]


@pytest.fixture
def engine(settings, monkeypatch):
    """The SEARCH_URL settings, with the stand-in backend in place of Wagtail's elasticsearch8 (same base class)."""
    config = search_url_branch(monkeypatch)
    assert config["BACKEND"] == "wagtail.search.backends.elasticsearch8"
    settings.WAGTAILSEARCH_BACKENDS = {"default": {**config, "BACKEND": f"{__name__}.EngineBackend"}}
    monkeypatch.setattr(EngineClient, "created", [])
    monkeypatch.setattr(EngineClient, "searches", [])
    monkeypatch.setattr(EngineClient, "answer", staticmethod(lambda request: []))
    return EngineClient


def text_query(request: dict) -> dict:
    """What a search sent to the engine asks of the text (beside its filters: content type, live, market)."""
    return request["query"]["bool"]["must"]["match"]


def search_url(market, q: str) -> str:
    return market.url + market.reverse_subpage("search") + "?q=" + q


# What the engine is told to build


@pytest.mark.parametrize(("model", "prefix"), [(ShopPage, "shops_shoppage__"), (ProductPage, "shops_productpage__")])
def test_the_mapping_puts_each_language_field_under_its_analyser(model, prefix):
    properties = ElasticsearchBaseMapping(model).get_mapping()["properties"]

    assert properties[prefix + "search_text_fr"] == {
        "type": "text",
        "analyzer": "portal_french",
        "copy_to": "_all_text",
    }
    assert properties[prefix + "search_text_en"] == {
        "type": "text",
        "analyzer": "portal_english",
        "copy_to": "_all_text",
    }
    # The project's stems are a plain field, without an analyser of their own.
    assert "analyzer" not in properties[prefix + "search_stems"]


def test_the_index_settings_define_the_analysers_with_accents_folded_and_stemmers(engine):
    # Given the backend of the SEARCH_URL settings, when it creates the pages' index (as update_index does)
    get_search_backend().get_index_for_model(ShopPage).put()

    # Then the index is created with both analysers, stop words dropped and words stemmed after folding
    (created,) = engine.created
    analysis = created["settings"]["analysis"]
    analysers, filters = analysis["analyzer"], analysis["filter"]
    assert analysers["portal_french"] == {
        "type": "custom",
        "tokenizer": "standard",
        "filter": ["french_elision", "lowercase", "asciifolding", "french_stop", "french_stemmer"],
    }
    assert analysers["portal_english"] == {
        "type": "custom",
        "tokenizer": "standard",
        "filter": ["english_possessive_stemmer", "lowercase", "asciifolding", "english_stop", "english_stemmer"],
    }
    assert filters["french_stemmer"] == {"type": "stemmer", "language": "light_french"}
    assert filters["english_stemmer"] == {"type": "stemmer", "language": "english"}
    assert filters["french_stop"] == {"type": "stop", "stopwords": "_french_"}
    assert filters["english_stop"] == {"type": "stop", "stopwords": "_english_"}
    assert filters["french_elision"]["type"] == "elision"
    assert "l" in filters["french_elision"]["articles"]
    assert filters["english_possessive_stemmer"] == {"type": "stemmer", "language": "possessive_english"}
    # Every filter named is either the engine's own or defined here.
    built_in = {"lowercase", "asciifolding"}
    for name in ("portal_french", "portal_english"):
        assert set(analysers[name]["filter"]) <= built_in | set(filters)
    # Wagtail's own analysers (autocomplete) are kept beside ours.
    assert {"edgengram_analyzer", "ngram_analyzer"} <= set(analysers)


def test_the_backend_in_use_decides_who_stems(settings, engine):
    assert uses_engine_analysers() is True

    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

    assert uses_engine_analysers() is False


# What pages give the engine


def test_a_page_gives_the_engine_its_plain_text_in_its_own_language_only(engine, tree):
    tree.santon_fr.description = "<p>Sculpté à la main, l'été.</p>"
    tree.santon_en.description = "<p>Hand-carved driftwood.</p>"
    mapping = ElasticsearchBaseMapping(ProductPage)

    french = mapping.get_document(tree.santon_fr)
    english = mapping.get_document(tree.santon_en)

    assert french["shops_productpage__search_text_fr"] == "Santon en bois Sculpté à la main, l'été."
    assert french["shops_productpage__search_text_en"] == ""
    assert english["shops_productpage__search_text_en"] == "Wooden figurine Hand-carved driftwood."
    assert english["shops_productpage__search_text_fr"] == ""
    # The project's stems are not sent as well: the analysers do that work.
    assert french["shops_productpage__search_stems"] == english["shops_productpage__search_stems"] == ""


def test_a_shop_gives_the_engine_its_town_and_category_label_too(engine, tree):
    document = ElasticsearchBaseMapping(ShopPage).get_document(tree.epicerie_en)

    assert document["shops_shoppage__search_text_en"] == "Kerjean Grocery Morlaix Grocery and local produce"
    assert document["shops_shoppage__search_text_fr"] == ""


def test_with_the_database_backend_the_language_fields_stay_empty(tree):
    # The database backend indexes every search field: its index keeps only the stems.
    assert tree.santon_fr.search_text_fr == tree.santon_fr.search_text_en == ""
    assert tree.santon_fr.search_stems == "santon bois"


# What a visitor's query asks


def test_a_french_visitor_s_words_go_unstemmed_to_the_french_field(engine, tree):
    # Given nothing matches every word
    outcome = find("Fromages  de chèvre", "fr", [tree.market_fr])

    # Then shops and products were asked for every word, then for any, in the French field, as typed
    assert [text_query(request) for request in engine.searches] == [
        {"shops_shoppage__search_text_fr": {"query": "Fromages de chèvre", "operator": "and"}},
        {"shops_productpage__search_text_fr": {"query": "Fromages de chèvre", "operator": "and"}},
        {"shops_shoppage__search_text_fr": {"query": "Fromages de chèvre"}},
        {"shops_productpage__search_text_fr": {"query": "Fromages de chèvre"}},
    ]
    # within the market's live pages: shops one level under it, products two
    shop_filters, product_filters = (
        request["query"]["bool"]["filter"][1]["bool"]["must"] for request in engine.searches[:2]
    )
    assert shop_filters == [
        {"term": {"live_filter": True}},
        {"term": {"depth_filter": tree.market_fr.depth + 1}},
        {"prefix": {"path_filter": tree.market_fr.path}},
    ]
    assert product_filters[1:] == [
        {"term": {"depth_filter": tree.market_fr.depth + 2}},
        {"prefix": {"path_filter": tree.market_fr.path}},
    ]
    assert outcome.groups == []
    assert outcome.all_words is False


def test_an_english_visitor_s_words_go_to_the_english_field(engine, tree):
    find("figurines", "en", [tree.market_en])

    assert [text_query(request) for request in engine.searches] == [
        {"shops_shoppage__search_text_en": {"query": "figurines", "operator": "and"}},
        {"shops_productpage__search_text_en": {"query": "figurines", "operator": "and"}},
    ]


def test_the_query_is_built_by_the_backend_in_use(settings, engine):
    assert engine_query(" Fromages  de chèvre ", "fr") == EngineQuery("Fromages de chèvre", ["search_text_fr"])
    assert engine_query("Figurines", "en") == EngineQuery("Figurines", ["search_text_en"])
    # A language without its analyser is read as French, as the project's stemmer does.
    assert engine_query("Fromages", "br") == EngineQuery("Fromages", ["search_text_fr"])

    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

    assert engine_query("Fromages de chèvre", "fr") == EngineQuery("fromag chevr")


def test_the_engine_s_hits_are_shown_grouped_by_shop_with_the_project_s_highlighting(client, engine, tree):
    # Given the engine finds the figurine for the products' query, nothing for the shops'
    def answer(request):
        return [tree.santon_fr.pk] if "shops_productpage__search_text_fr" in text_query(request) else []

    engine.answer = staticmethod(answer)

    response = client.get(search_url(tree.market_fr, "santons"))

    # Then the results page shows it under its shop, the visitor's word marked by the project's highlighter
    assert response.status_code == 200
    results = response.context["results"]
    assert [(r.shop.title, [p.product.title for p in r.products]) for r in results] == [
        ("Atelier du Bois Flotté", ["Santon en bois"])
    ]
    assert str(results[0].products[0].title) == "<mark>Santon</mark> en bois"
    # and the engine was asked once per kind: every word was found
    assert [text_query(request) for request in engine.searches] == [
        {"shops_shoppage__search_text_fr": {"query": "santons", "operator": "and"}},
        {"shops_productpage__search_text_fr": {"query": "santons", "operator": "and"}},
    ]


def test_searching_within_a_shop_sends_the_shop_s_filter_to_the_engine(client, engine, tree):
    # Given a search within the workshop
    response = client.get(search_url(tree.market_fr, "bougies") + f"&shop={tree.atelier_fr.pk}")

    assert response.status_code == 200
    shop_request, product_request = engine.searches[:2]
    assert text_query(shop_request) == {"shops_shoppage__search_text_fr": {"query": "bougies", "operator": "and"}}
    assert text_query(product_request) == {"shops_productpage__search_text_fr": {"query": "bougies", "operator": "and"}}
    # The shop itself and its products only: a filter the engine cannot apply would be dropped, not refused.
    assert shop_request["query"]["bool"]["filter"][1] == {
        "bool": {"must": [{"term": {"live_filter": True}}, {"term": {"path_filter": tree.atelier_fr.path}}]}
    }
    assert {"prefix": {"path_filter": tree.atelier_fr.path}} in product_request["query"]["bool"]["filter"][1]["bool"][
        "must"
    ]
