"""The merchant's "Share my shop" dashboard panel: the link, ready-made texts in French and English, visuals.

The texts are given in both languages whatever the admin's language: a
merchant posts to French and English-speaking visitors alike. Each live
shop gets its link (the English page's when the shop is translated), the
square visual and the cover visual (markets.visuals) to download. The
panel reads in a fixed number of queries however many shops the merchant runs.
"""

from django.urls import reverse
from wagtail.admin.ui.components import Component
from wagtail.models import Locale, Page

from markets.merchants import is_merchant
from markets.models import MarketPage
from shops.access import shops_managed_by
from shops.models import ShopPage


def share_texts(shop_name: str, market_title: str, url: str, shop_name_en: str, market_title_en: str, url_en: str):
    """The ready-made posts announcing a shop, French then English."""
    return {
        "fr": (
            f"{shop_name} est sur le {market_title} ! Découvrez nos idées cadeaux et commandez en ligne, "
            f"à retirer en boutique ou livrées chez vous : {url}"
        ),
        "en": (
            f"{shop_name_en} is on the {market_title_en}! Discover our gift ideas and order online, "
            f"for pick-up in store or delivery: {url_en}"
        ),
    }


class SharePanel(Component):
    name = "merchant_share"
    template_name = "markets/admin/share_panel.html"
    order = 20

    def __init__(self, shops):
        self.shops = shops

    @classmethod
    def for_request(cls, request):
        if not is_merchant(request.user):
            return None
        shops = list(shops_managed_by(request.user).live().order_by("path"))
        return cls(shops) if shops else None

    def get_context_data(self, parent_context=None):
        request = (parent_context or {}).get("request")
        markets = {m.path: m for m in MarketPage.objects.filter(path__in={s.path[: -Page.steplen] for s in self.shops})}
        english = Locale.objects.filter(language_code="en").first()
        english_shops, english_markets = {}, {}
        if english is not None:
            english_shops = {
                s.translation_key: s
                for s in ShopPage.objects.live().filter(
                    locale=english, translation_key__in=[s.translation_key for s in self.shops]
                )
            }
            english_markets = {
                m.translation_key: m
                for m in MarketPage.objects.filter(
                    locale=english, translation_key__in=[m.translation_key for m in markets.values()]
                )
            }
        items = []
        for shop in self.shops:
            market = markets[shop.path[: -Page.steplen]]
            market_en = english_markets.get(market.translation_key, market)
            shop_en = english_shops.get(shop.translation_key, shop)
            url, url_en = shop.get_full_url(request), shop_en.get_full_url(request)
            items.append(
                {
                    "shop": shop,
                    "url": url,
                    "texts": share_texts(shop.title, market.title, url, shop_en.title, market_en.title, url_en),
                    "square_url": reverse("markets:shop_visual", kwargs={"shop_id": shop.pk}),
                    "cover_url": reverse("markets:shop_cover_visual", kwargs={"shop_id": shop.pk}),
                }
            )
        return {"shops": items}
