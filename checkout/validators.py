"""Bank details, checked with schwifty (country format, length and the IBAN's check digits)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException


def validate_iban(value: str) -> None:
    try:
        IBAN(value)
    except SchwiftyException as error:
        raise ValidationError(_("IBAN invalide : vérifiez-le sur votre RIB."), code="invalid_iban") from error


def validate_bic(value: str) -> None:
    if not value:
        return
    try:
        BIC(value)
    except SchwiftyException as error:
        raise ValidationError(_("BIC invalide."), code="invalid_bic") from error
