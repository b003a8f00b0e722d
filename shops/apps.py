from django.apps import AppConfig


class ShopsConfig(AppConfig):
    name = "shops"
    verbose_name = "Boutiques"

    def ready(self):
        from wagtail.signals import page_published, page_unpublished

        page_published.connect(_settle_bundle_consents, dispatch_uid="shops.bundles.published")
        page_published.connect(_renew_participants_bundles, dispatch_uid="shops.bundles.participant_published")
        page_unpublished.connect(_renew_participants_bundles, dispatch_uid="shops.bundles.participant_unpublished")


def _settle_bundle_consents(sender, instance, **kwargs):
    # Every way a page goes live (the editor, a schedule, code) passes here, unlike the admin's hooks.
    from shops.bundles import settle_published
    from shops.models import ProductKind, ProductPage

    if isinstance(instance, ProductPage) and instance.kind == ProductKind.BUNDLE:
        settle_published(instance)


def _renew_participants_bundles(sender, instance, **kwargs):
    # A bundle is for sale only while its participants' shops are live: their pages say so.
    from shops.models import ShopPage
    from shops.page_cache import participant_changed

    if isinstance(instance, ShopPage):
        participant_changed(instance)
