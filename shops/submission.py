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
