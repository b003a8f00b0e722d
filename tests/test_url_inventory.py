"""Every URL the site has ever published keeps its path and its name.

Links sit in e-mails already sent, in bookmarks and in templates that
reverse names: `url_inventory.txt` lists each pattern with its name (French
prefix), and none may disappear. New URLs are welcome; add them to the file
when a route is meant to last.
"""

from pathlib import Path

from django.urls import URLResolver, get_resolver
from django.utils import translation

INVENTORY = Path(__file__).with_name("url_inventory.txt")


def published_urls(patterns, prefix="", namespaces=()):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            yield from published_urls(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            name = ":".join((*namespaces, pattern.name)) if pattern.name else ""
            yield f"{prefix}{pattern.pattern}\t{name}"


def test_no_url_path_or_name_disappears():
    with translation.override("fr"):
        current = set(published_urls(get_resolver().url_patterns))
    listed = set(INVENTORY.read_text().splitlines())

    assert sorted(listed - current) == []


def test_the_inventory_names_the_customers_links():
    listed = INVENTORY.read_text().splitlines()

    assert "fr/panier/commande/<str:token>/\tcheckout:order" in listed
    assert "fr/panier/commande/<str:token>/bons/<pk:voucher_id>.pdf\tvouchers:pdf" in listed
    assert "fr/panier/commande/<str:token>/factures/<pk:invoice_id>.pdf\tinvoices:pdf" in listed
    assert "checkout/webhooks/stripe/\tcheckout_webhooks:stripe_webhook" in listed
