from django.apps import AppConfig


class ShopsConfig(AppConfig):
    name = "shops"
    verbose_name = "Boutiques"

    def ready(self):
        from wagtail.signals import page_published

        page_published.connect(_settle_bundle_consents, dispatch_uid="shops.bundles.published")


def _settle_bundle_consents(sender, instance, **kwargs):
    # Every way a page goes live (the editor, a schedule, code) passes here, unlike the admin's hooks.
    from shops.bundles import settle_published
    from shops.models import ProductKind, ProductPage

    if isinstance(instance, ProductPage) and instance.kind == ProductKind.BUNDLE:
        settle_published(instance)
