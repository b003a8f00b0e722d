from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "checkout"
    verbose_name = "Commandes et paiements"

    def ready(self):
        from checkout.shop_closing import orders_to_hand_over
        from markets import closing

        closing.closing_blockers.append(orders_to_hand_over)
