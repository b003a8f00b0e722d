"""The search across every market of the visitor's language, under the language prefix (/fr/recherche/)."""

from django.urls import path

from markets.search import search_all_markets

app_name = "search"

urlpatterns = [
    path("", search_all_markets, name="all"),
]
