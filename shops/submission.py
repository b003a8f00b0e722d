"""What a shop needs before it is submitted for moderation: at least one product.

The check sits on the shop page's admin form, where Wagtail's edit view
validates before it runs the "submit" (or "restart workflow") action: a
refused submission keeps the merchant's edits on screen with the reason,
and nothing is saved or submitted.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

# The buttons of Wagtail's page editor that start (or restart) moderation.
SUBMIT_ACTIONS = ("action-submit", "action-restart-workflow")
NO_PRODUCT_MESSAGE = _("Ajoutez au moins un produit avant de soumettre votre boutique")


def has_products(shop) -> bool:
    """Whether `shop` (a saved ShopPage) has a product page under it, draft or live."""
    from shops.models import ProductPage

    return shop.pk is not None and ProductPage.objects.child_of(shop).exists()


class ShopPageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned_data = super().clean()
        submitting = any(self.data.get(action) for action in SUBMIT_ACTIONS)
        if submitting and not has_products(self.instance):
            raise ValidationError(NO_PRODUCT_MESSAGE, code="no_product")
        return cleaned_data


class ProductPageForm(WagtailAdminPageForm):
    """A product's admin form: a bundle's parts are checked here, where the rows are in hand.

    Each participant is another live shop of the same market, at most one
    part each, with an amount or a percentage (not both), and the parts
    leave the seller a rest that is not negative; a part's product is one
    of the participant's own. Only a bundle has parts.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        formset = self.formsets.get("bundle_parts")
        if formset is not None:
            shops, products = self._offered_participants()

            base = formset.form

            class LimitedPartForm(base):
                def __init__(self, *args, **kwargs):
                    super().__init__(*args, **kwargs)
                    self.fields["participant"].queryset = shops
                    self.fields["product"].queryset = products

            # The formset builds its rows, and its template row (`empty_form`) on each use, from this class.
            formset.form = LimitedPartForm

    def _offered_participants(self):
        """The other live shops of the seller's market and their goods: nothing of another market is listed."""
        from shops.models import ProductKind, ProductPage, ShopPage

        seller = self.parent_page if self.instance.pk is None else self.instance.get_parent()
        market_path = seller.path[: -ShopPage.steplen]
        shops = (
            ShopPage.objects.live().filter(path__startswith=market_path, depth=seller.depth, locale_id=seller.locale_id)
            .exclude(pk=seller.pk).order_by("title")
        )
        products = (
            ProductPage.objects.live().filter(
                path__startswith=market_path, depth=seller.depth + 1, kind=ProductKind.PHYSICAL,
                locale_id=seller.locale_id,
            )
            .exclude(path__startswith=seller.path).order_by("title")
        )
        # Goods of the live shops only: a closed or unpublished shop's titles are nobody else's to read.
        live_paths = set(shops.values_list("path", flat=True))
        step = ShopPage.steplen
        products = products.filter(pk__in=[pk for pk, path in products.values_list("pk", "path")
                                           if path[:-step] in live_paths])
        return shops, products

    def clean(self):
        from shops.bundles import BadSplit, unit_shares
        from shops.models import ProductKind, ProductPage, ShopPage

        cleaned_data = super().clean()
        formset = self.formsets.get("bundle_parts")
        if formset is None or not formset.is_valid():
            return cleaned_data
        rows = [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        # Rows of the page that the submission does not mention stay: they are checked with the others.
        mentioned = {f.instance.pk for f in formset.forms if f.instance.pk}
        rows += [
            {"participant": part.participant, "share_amount": part.share_amount, "share_percent": part.share_percent,
             "product": part.product}
            for part in (formset.queryset if self.instance.pk else []) if part.pk not in mentioned
        ]
        if cleaned_data.get("kind") != ProductKind.BUNDLE:
            if rows:
                self.add_error(None, _("Seul un coffret a des parts d'autres commerçants : retirez-les ou "
                                       "choisissez le type « Coffret »."))
            return cleaned_data
        if not rows:
            self.add_error(None, _("Un coffret a au moins la part d'un autre commerçant."))
            return cleaned_data
        seller = self.parent_page if self.instance.pk is None else self.instance.get_parent()
        market_path = seller.path[: -ShopPage.steplen]
        seen = set()
        for row in rows:
            shop, product = row.get("participant"), row.get("product")
            if shop is None:
                continue
            if shop.pk == seller.pk:
                self.add_error(None, _("Votre propre part est le reste du prix : ne vous ajoutez pas comme participant."))
            elif shop.path[: -ShopPage.steplen] != market_path or shop.locale_id != seller.locale_id:
                self.add_error(None, _("« %(shop)s » n'est pas une boutique de votre marché.") % {"shop": shop.title})
            elif shop.pk in seen:
                self.add_error(None, _("« %(shop)s » a déjà une part du coffret.") % {"shop": shop.title})
            seen.add(shop.pk)
            if (row.get("share_amount") is None) == (row.get("share_percent") is None):
                self.add_error(None, _("Indiquez pour « %(shop)s » un montant ou un pourcentage, pas les deux.")
                               % {"shop": shop.title})
            if product is not None and (
                not ProductPage.objects.child_of(shop).filter(pk=product.pk).exists() or product.kind != ProductKind.PHYSICAL
            ):
                self.add_error(None, _("Le produit d'une part doit être un produit de « %(shop)s ».") % {"shop": shop.title})
        price = cleaned_data.get("price")
        if price is not None and not self.errors:
            try:
                unit_shares(price, ((row.get("share_amount"), row.get("share_percent")) for row in rows))
            except BadSplit as error:
                self.add_error("price", str(error))
        return cleaned_data
