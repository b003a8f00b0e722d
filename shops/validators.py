"""Checks of French business identifiers, by their checksums (python-stdnum)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat as eu_vat
from stdnum.fr import siret


def validate_siret(value: str) -> None:
    try:
        siret.validate(value)
    except stdnum_errors.ValidationError:
        raise ValidationError(
            _("Ce numéro SIRET n'est pas valide : vérifiez les 14 chiffres."), code="invalid_siret"
        ) from None


def validate_eu_vat_number(value: str) -> None:
    try:
        eu_vat.validate(value)
    except stdnum_errors.ValidationError:
        raise ValidationError(
            _("Ce numéro de TVA intracommunautaire n'est pas valide."), code="invalid_vat"
        ) from None


def normalize_siret(value: str) -> str:
    return siret.compact(value)


def normalize_vat_number(value: str) -> str:
    return eu_vat.compact(value)
