"""axe-core on the screens people use: no serious or critical accessibility violation.

axe-core is vendored in tests/e2e/vendor/ (npm package axe-core, MPL-2.0, its
LICENSE beside it): no CDN and no npm at test time. One browser, one login per
role, and every screen of a role visited in one test, to keep the run short.
"""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from checkout.models import ShopOrder
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import Customer, confirm_payment, place_order
from markets.editors import make_editor
from markets.merchants import make_merchant
from markets.models import CommissionRate, MerchantRegistration
from portal.money import to_cents
from shops.models import DeliveryKind, DeliveryOption
from tests.checkout.helpers import fake_payment
from tests.fixtures import factories as f

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
BLOCKING = ("serious", "critical")
PASSWORD = "Noel-2026-accessible"

# (rule id, start of the CSS selector axe reports): violations in Wagtail's own
# markup that this project cannot change. Each one says why; nothing broader.
KNOWN_WAGTAIL_VIOLATIONS: set[tuple[str, str]] = {
    # Draftail (Wagtail's rich text editor) renders its editable area as a
    # role="textbox" div named only by aria-describedby="placeholder-<random>";
    # the field's <label> is not tied to it. Wagtail core markup, random id.
    ("aria-input-field-name", 'div[aria-describedby="placeholder-'),
}

RUN_AXE = """
async () => {
    const results = await axe.run(document, {resultTypes: ["violations"]});
    return results.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary, impact: n.impact})),
    }));
}
"""


def violations(page) -> list[str]:
    """The page's serious and critical violations, one readable line per element."""
    page.add_script_tag(content=AXE)
    found = []
    for violation in page.evaluate(RUN_AXE):
        for node in violation["nodes"]:
            impact = node["impact"] or violation["impact"]
            if impact not in BLOCKING or any(
                violation["id"] == rule and node["target"].startswith(selector)
                for rule, selector in KNOWN_WAGTAIL_VIOLATIONS
            ):
                continue
            summary = " ".join((node["summary"] or "").split())
            found.append(f"{impact} {violation['id']} ({violation['help']}) at `{node['target']}`: {summary}")
    return found


def audit(page, urls) -> dict[str, list[str]]:
    """{url: violations} for every url that has some."""
    report = {}
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.status == 200, (url, response and response.status)
        found = violations(page)
        if found:
            report[url] = found
    return report


def readable(report: dict[str, list[str]]) -> str:
    return "\n".join(f"\n{url}\n  " + "\n  ".join(lines) for url, lines in report.items())


@pytest.fixture
def tab(browser, live_server):
    # CSP forbids inline scripts (django-csp); axe is injected by the test, not by the site.
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 900}, bypass_csp=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page, username):
    page.goto("/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/admin/")


def test_public_pages_in_french_and_english(tab, live_tree):
    t = live_tree
    tab.goto(t.santon_fr.url)
    tab.get_by_role("button", name="Ajouter au panier").click()
    urls = []
    for market, shop, product, language in (
        (t.market_fr, t.atelier_fr, t.santon_fr, "fr"),
        (t.market_en, t.atelier_en, t.santon_en, "en"),
    ):
        home = t.home_fr if language == "fr" else t.home_en
        urls += [
            home.url, market.url, shop.url, product.url,
            f"/{language}/panier/", f"/{language}/panier/validation/",
            market.url + market.reverse_subpage("registration"),
        ]
    report = audit(tab, urls)
    assert report == {}, readable(report)


def test_merchant_screens(tab, live_tree):
    t = live_tree
    merchant = get_user_model().objects.create_user("atelier", password=PASSWORD, email="atelier@example.org")
    make_merchant(merchant, t.atelier_fr)
    gift = f.make_product(t.atelier_fr, "Bon cadeau Atelier", price="50.00", kind="voucher", stock=None,
                          valid_until=datetime.date(2027, 6, 30))
    pickup = DeliveryOption.objects.filter(page=t.atelier_fr, kind=DeliveryKind.PICKUP).first()
    order = place_order(
        t.territory.pk, [BasketLine(t.santon_fr.pk, 1), BasketLine(gift.pk, 1)],
        {t.atelier_fr.pk: DeliveryChoice(pickup.pk)},
        Customer("Alice Le Goff", "alice@example.org", "06 12 34 56 78"), "fr",
    )
    confirm_payment(fake_payment(order).provider_id, to_cents(order.total), "eur")
    shop_order = ShopOrder.objects.get(order=order)

    log_in(tab, "atelier")
    report = audit(tab, [
        "/admin/",
        "/admin/commandes/",
        f"/admin/commandes/{shop_order.pk}/",
        "/admin/bons/",
        "/admin/stock/",
        f"/admin/pages/{t.atelier_fr.pk}/edit/",
    ])
    assert report == {}, readable(report)


def test_editor_screens(tab, live_tree):
    t = live_tree
    editor = get_user_model().objects.create_user("office", password=PASSWORD, email="office@example.org")
    make_editor(editor, t.territory)
    today = datetime.date.today()
    CommissionRate.objects.create(territory=t.territory, starts_on=today - datetime.timedelta(days=3),
                                  rate=Decimal("4.00"))
    CommissionRate.objects.create(territory=t.territory, starts_on=today + datetime.timedelta(days=10),
                                  rate=Decimal("3.00"))
    from tests.markets.promise_helpers import register

    register(t.territory, 1)
    assert MerchantRegistration.objects.count() == 1

    log_in(tab, "office")
    report = audit(tab, ["/admin/", "/admin/inscriptions/", "/admin/commissions/"])
    assert report == {}, readable(report)
