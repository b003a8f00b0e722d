"""The public registration form and the editors' rejection form."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from markets.models import MerchantRegistration
from shops.models import ShopCategory, VatStatus
from shops.validators import normalize_siret, normalize_vat_number, validate_eu_vat_number, validate_siret

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# Pillow refuses to open images past this many pixels (decompression bombs).
PHOTO_MAX_PIXELS = 40_000_000
# The honeypot: a field people never see, that form-filling robots fill.
# A name no browser or password manager autofills, and a label that tells a
# person who meets it anyway (styles not loaded) to leave it empty.
HONEYPOT_FIELD = "fax"
CONTACT_NAME_MAX_LENGTH = 80
# What would make a mail reader show a name as a link: a scheme, "www.", an
# address, or a domain-like word ("example.com"). A name goes into the
# acknowledgement e-mail sent to the address typed next to it.
LINK_IN_TEXT = re.compile(r"[a-z][a-z0-9+.-]*:/|www\.|@|\w\.(?:[a-z]{2,})\b|[<>]", re.IGNORECASE)


def checked_photo(upload) -> str:
    """The file extension of an acceptable photo; raises ValidationError otherwise.

    The content decides, never the name or the browser's content type:
    Pillow must recognise a JPEG, PNG or WebP image and verify it whole.
    """
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(_("La photo dépasse 5 Mo : choisissez une image plus légère."), code="photo_size")
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("Ce fichier n'est pas une image lisible : envoyez une photo JPEG, PNG ou WebP."), code="photo_type"
        ) from None
    finally:
        upload.seek(0)
    if image_format not in PHOTO_FORMATS:
        raise ValidationError(_("Envoyez une photo au format JPEG, PNG ou WebP."), code="photo_type")
    if width * height > PHOTO_MAX_PIXELS:
        raise ValidationError(_("Cette image est trop grande (en pixels)."), code="photo_size")
    return PHOTO_FORMATS[image_format]


class RegistrationForm(forms.Form):
    """A merchant's registration. Fields that only some merchants must fill say so (`required_when`).

    `required_when` maps a field to the (field, value) that makes it
    required: the server checks it in `clean`, the label drops its
    "(optional)" and the script of the form does the same while the
    merchant changes the answer.
    """

    required_when = {"vat_number": ("vat_status", VatStatus.REGISTERED)}

    trade_name = forms.CharField(label=_("Nom commercial"), max_length=200,
                                 help_text=_("Le nom de la boutique, tel que vos clients le connaissent."))
    legal_name = forms.CharField(label=_("Raison sociale"), max_length=200,
                                 help_text=_("Par exemple : SARL Le Fournil, ou Marie Martin EI."))
    siret = forms.CharField(label=_("SIRET"), max_length=20, help_text=_("14 chiffres."))
    vat_status = forms.ChoiceField(label=_("Régime de TVA"), choices=VatStatus.choices, widget=forms.RadioSelect)
    vat_number = forms.CharField(
        label=_("N° de TVA intracommunautaire"), max_length=20, required=False,
        help_text=_("Uniquement si votre entreprise est assujettie à la TVA, par exemple FR12345678901."),
    )
    street = forms.CharField(label=_("Adresse de la boutique"), max_length=255)
    postcode = forms.RegexField(label=_("Code postal"), regex=r"^\d{5}$", max_length=5,
                                error_messages={"invalid": _("Un code postal a 5 chiffres.")})
    city = forms.CharField(label=_("Commune"), max_length=120)
    category = forms.ChoiceField(label=_("Catégorie"), choices=[("", "—")] + list(ShopCategory.choices))
    contact_name = forms.CharField(label=_("Votre nom"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), help_text=_("Nous vous écrirons à cette adresse."))
    phone = forms.RegexField(label=_("Téléphone"), regex=r"^\+?[\d .\-()]{8,20}$", max_length=30,
                             error_messages={"invalid": _("Indiquez un numéro de téléphone.")})
    photo = forms.FileField(
        label=_("Photo de la boutique"),
        help_text=_("Votre vitrine ou votre devanture : JPEG, PNG ou WebP, 5 Mo au plus."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    chain = forms.TypedChoiceField(
        label=_("Votre commerce fait-il partie d'une chaîne, d'une enseigne nationale ou d'un réseau de franchise ?"),
        choices=[("no", _("Non")), ("yes", _("Oui"))], widget=forms.RadioSelect,
    )
    fax = forms.CharField(
        # The honeypot (HONEYPOT_FIELD): hidden from people and screen readers by the template, out of the
        # tab order, never autofilled. Filled in, the registration is answered as accepted, logged and dropped.
        label=_("Ne remplissez pas ce champ"), required=False, max_length=500,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    declared_independent = forms.BooleanField(
        label=_("Je déclare que mon entreprise est un commerce indépendant et qu'elle a une boutique physique "
                "sur le territoire."),
        error_messages={"required": _("Cette déclaration est nécessaire pour participer au marché.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (controller, value) in self.required_when.items():
            field = self.fields[name]
            field.required_now = self.is_bound and self.data.get(controller) == value
            field.widget.attrs["data-required-when"] = f"{controller}={value}"
            if field.required_now:
                field.widget.attrs["aria-required"] = "true"

    @property
    def is_trapped(self) -> bool:
        """Whether the honeypot was filled in: a robot, whatever the other fields say."""
        return bool(self.data.get(HONEYPOT_FIELD, "").strip()) if self.is_bound else False

    def clean_contact_name(self):
        value = " ".join(self.cleaned_data["contact_name"].split())
        # The name is the one text of the applicant's that the acknowledgement e-mail repeats, to an
        # address typed next to it: a person's name, short, with no link and no phone number to call.
        if len(value) > CONTACT_NAME_MAX_LENGTH or any(character.isdigit() for character in value):
            raise ValidationError(
                _("Indiquez seulement votre prénom et votre nom (%(max)d caractères au plus, sans chiffres).")
                % {"max": CONTACT_NAME_MAX_LENGTH}, code="name_shape",
            )
        if LINK_IN_TEXT.search(value):
            raise ValidationError(
                _("Indiquez seulement votre prénom et votre nom, sans adresse web ni e-mail."), code="name_link"
            )
        return value

    def clean_siret(self):
        value = normalize_siret(self.cleaned_data["siret"])
        validate_siret(value)
        if MerchantRegistration.objects.filter(
            siret=value, status__in=MerchantRegistration.OPEN_STATUSES
        ).exists():
            raise ValidationError(
                _("Une inscription avec ce SIRET est déjà en cours d'examen : l'office de tourisme vous répondra "
                  "par e-mail, inutile de la renvoyer."),
                code="duplicate_siret",
            )
        return value

    def clean_chain(self):
        if self.cleaned_data["chain"] == "yes":
            raise ValidationError(
                _("Le marché de Noël est réservé aux commerces indépendants : les chaînes, enseignes nationales "
                  "et réseaux de franchise ne peuvent pas y participer."),
                code="chain",
            )
        return "no"

    def clean_photo(self):
        photo = self.cleaned_data["photo"]
        self.photo_extension = checked_photo(photo)
        return photo

    def clean(self):
        cleaned = super().clean()
        status, number = cleaned.get("vat_status"), cleaned.get("vat_number", "").strip()
        if status == VatStatus.REGISTERED:
            if not number:
                self.add_error("vat_number", _("Indiquez le numéro de TVA d'une entreprise assujettie."))
                return cleaned
            number = normalize_vat_number(number)
            try:
                validate_eu_vat_number(number)
            except ValidationError as error:
                self.add_error("vat_number", error)
                return cleaned
            siret = cleaned.get("siret")
            if siret and number.startswith("FR") and number[4:] != siret[:9]:
                self.add_error("vat_number", _("Ce numéro de TVA ne correspond pas au SIREN de votre SIRET."))
                return cleaned
            cleaned["vat_number"] = number
        elif status == VatStatus.FRANCHISE:
            # Art. 293 B du CGI: no VAT is charged, so there is no number to give.
            cleaned["vat_number"] = ""
        return cleaned


class RejectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000,
        help_text=_("Il sera envoyé tel quel au commerçant."),
    )


class TermsAcceptanceForm(forms.Form):
    accept = forms.BooleanField(
        label=_("J'ai lu et j'accepte ces conditions générales."),
        error_messages={"required": _("Cochez la case pour accepter les conditions.")},
    )
