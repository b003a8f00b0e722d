from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "checkout"
    verbose_name = "Commandes et paiements"

    def ready(self):
        from checkout.bundle_refunds import on_part_withdrawn
        from checkout.shop_closing import orders_to_hand_over
        from markets import closing
        from shops.bundles import part_withdrawn

        closing.closing_blockers.append(orders_to_hand_over)
        part_withdrawn.connect(on_part_withdrawn, dispatch_uid="checkout.bundle_refunds.part_withdrawn")
