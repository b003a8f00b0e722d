"""What keeps a merchant from closing their shop, as far as its orders go.

`markets.closing` may not import checkout; `CheckoutConfig.ready` registers
`orders_to_hand_over` among its `closing_blockers`.
"""

from django.utils.translation import ngettext

from checkout.models import ShopOrder


def orders_to_hand_over(shop) -> list[str]:
    """A sentence for the merchant while paid orders of `shop` (any language's page) wait to be handed over."""
    count = ShopOrder.objects.to_hand_over().filter(shop__translation_key=shop.translation_key).count()
    if not count:
        return []
    return [
        ngettext(
            "%(count)d commande payée attend d'être remise à son client : expédiez-la, faites-la retirer "
            "ou remboursez-la depuis « Commandes ».",
            "%(count)d commandes payées attendent d'être remises à leurs clients : expédiez-les, faites-les "
            "retirer ou remboursez-les depuis « Commandes ».",
            count,
        )
        % {"count": count}
    ]
