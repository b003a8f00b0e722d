"""Forms of the public checkout: what the customer chooses, never a price."""

from django import forms
from django.utils.translation import gettext_lazy as _

from checkout.pricing import (
    MAX_ADDRESS_LENGTH,
    MAX_BENEFICIARY_LENGTH,
    MAX_MESSAGE_LENGTH,
    MAX_QUANTITY,
)
from portal.converters import MAX_ID, MIN_ID
from shops.models import DeliveryKind, DeliveryOption

NEEDS_ADDRESS = (DeliveryKind.HOME, DeliveryKind.POSTAL)


class AddToBasketForm(forms.Form):
    """The product page's form; option choices come as `option-<n>` = index of the value."""

    # Bounded like a URL id (portal.converters): an id the database cannot hold is
    # a form error, not an overflow in the product lookup.
    product = forms.IntegerField(
        min_value=MIN_ID, max_value=MAX_ID, widget=forms.HiddenInput,
        error_messages={
            "min_value": _("Produit inconnu."),
            "max_value": _("Produit inconnu."),
            "invalid": _("Produit inconnu."),
            "required": _("Produit inconnu."),
        },
    )
    quantity = forms.IntegerField(
        label=_("Quantité"), min_value=1, max_value=MAX_QUANTITY, initial=1,
        error_messages={
            "min_value": _("Choisissez une quantité entre 1 et 99."),
            "max_value": _("Choisissez une quantité entre 1 et 99."),
            "invalid": _("La quantité doit être un nombre entier."),
            "required": _("Indiquez une quantité."),
        },
    )
    # A free-amount gift voucher: the amount, checked by the basket against the
    # merchant's bounds; ignored for any other product.
    amount = forms.CharField(label=_("Montant (€)"), required=False, max_length=20, strip=True)
    # A gift voucher or a service: kept for those only.
    beneficiary = forms.CharField(
        label=_("Pour (bénéficiaire)"), required=False, max_length=MAX_BENEFICIARY_LENGTH,
        error_messages={"max_length": _("Le nom du bénéficiaire ne doit pas dépasser %(limit_value)d caractères.")},
    )
    message = forms.CharField(
        label=_("Message"), required=False, max_length=MAX_MESSAGE_LENGTH, widget=forms.Textarea,
        error_messages={"max_length": _("Le message ne doit pas dépasser %(limit_value)d caractères.")},
    )

    def option_indexes(self) -> dict[int, int] | None:
        """{option position: value index} posted, or None when one is malformed."""
        indexes = {}
        for name, value in self.data.items():
            if not name.startswith("option-"):
                continue
            position, index = name.removeprefix("option-"), value
            if not (position.isdigit() and isinstance(index, str) and index.isdigit()):
                return None
            if len(position) > 3 or len(index) > 3:
                return None
            indexes[int(position)] = int(index)
        return indexes


class QuantityForm(forms.Form):
    line = forms.CharField(max_length=32)
    quantity = forms.IntegerField(min_value=0, max_value=MAX_QUANTITY)


class ContactForm(forms.Form):
    name = forms.CharField(
        label=_("Nom et prénom"), max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Indiquez votre nom.")},
    )
    email = forms.EmailField(
        label=_("E-mail"), max_length=254,
        help_text=_("Nous y envoyons la confirmation et le lien vers votre commande."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": _("Indiquez votre adresse e-mail."), "invalid": _("Indiquez une adresse e-mail valide.")},
    )
    phone = forms.CharField(
        label=_("Téléphone"), max_length=30, required=False,
        help_text=_("Pour que la boutique puisse vous joindre au sujet de la livraison."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    accept_terms = forms.BooleanField(
        # The checkout page follows it with each shop's name, linked to its terms.
        label=_("J'ai lu et j'accepte les conditions de vente de :"),
        error_messages={"required": _("Acceptez les conditions générales de vente pour commander.")},
    )


class DeliveryForm(forms.Form):
    """One shop's delivery choice; the address is asked for home delivery and postal shipping."""

    option = forms.TypedChoiceField(
        label=_("Mode de livraison"), coerce=int, widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez un mode de livraison."), "invalid_choice": _("Choisissez un mode de livraison proposé.")},
    )
    address = forms.CharField(
        label=_("Adresse de livraison"), required=False, max_length=MAX_ADDRESS_LENGTH,
        help_text=_("Numéro et rue, code postal et commune."),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )

    def __init__(self, *args, shop, options: list[DeliveryOption], translations: dict | None = None, **kwargs):
        """`options`: the shop's default-locale rows, whose ids are what pricing accepts.

        `translations`: those options in the customer's language, by translation key; each
        option's `shown` is the row whose words the page shows (itself when not translated).
        """
        super().__init__(*args, **kwargs)
        self.shop = shop
        self.options = options
        for option in options:
            option.shown = (translations or {}).get(option.translation_key, option)
        self.options_by_id = {option.pk: option for option in options}
        # checkout.html writes each radio with its fee and `shown` words; the choices only validate the id.
        self.fields["option"].choices = [(option.pk, option.get_kind_display()) for option in options]
        if len(options) == 1 and not self.is_bound:
            self.initial["option"] = options[0].pk

    def clean(self):
        cleaned = super().clean()
        option = self.options_by_id.get(cleaned.get("option"))
        if option is not None and option.kind in NEEDS_ADDRESS and not (cleaned.get("address") or "").strip():
            self.add_error("address", _("Indiquez l'adresse de livraison."))
        return cleaned

    @property
    def chosen(self) -> DeliveryOption | None:
        value = self.cleaned_data.get("option") if hasattr(self, "cleaned_data") else None
        if value is None:
            value = self.data.get(self.add_prefix("option")) if self.is_bound else self.initial.get("option")
            try:
                value = int(value)
            except (TypeError, ValueError):
                return None
        return self.options_by_id.get(value)
