from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "Accueil"

    def ready(self):
        from portal import locale_cache

        # Locales, sites and the restriction flag from each process's snapshot (portal.locale_cache).
        locale_cache.connect()
