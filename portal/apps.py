from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portail"

    def ready(self):
        from portal import page_cache, translation_sync

        translation_sync.connect()
        page_cache.connect()
