from django.apps import AppConfig


class MarketsConfig(AppConfig):
    name = "markets"
    verbose_name = "Marchés"

    def ready(self):
        from markets import bundle_emails, signal_handlers

        signal_handlers.connect()
        bundle_emails.connect()
