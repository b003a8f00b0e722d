"""Checks of French business identifiers, by their checksums (python-stdnum), and of delivery areas."""

import re

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
        raise ValidationError(_("Ce numéro de TVA intracommunautaire n'est pas valide."), code="invalid_vat") from None


def normalize_siret(value: str) -> str:
    return siret.compact(value)


def normalize_vat_number(value: str) -> str:
    return eu_vat.compact(value)


# A delivery area is a list of French postcodes (5 digits) and département
# prefixes: 2 digits ("68", "20" for Corsica) or 3 for overseas ("974").
_AREA_CODE = re.compile(r"[0-9]{5}|(?!00)[0-9]{2}|9[78][0-9]")
_AREA_SEPARATORS = re.compile(r"[\s,;]+")


def delivery_postcode_codes(value: str) -> list[str]:
    """The codes of a delivery area as typed ("68000, 68;  67600"), unique and sorted; invalid ones included."""
    return sorted({code for code in _AREA_SEPARATORS.split(value or "") if code})


def validate_delivery_postcodes(value: str) -> None:
    wrong = [code for code in delivery_postcode_codes(value) if not _AREA_CODE.fullmatch(code)]
    if wrong:
        raise ValidationError(
            _("Ces codes ne sont ni des codes postaux à 5 chiffres ni des départements à 2 chiffres : %(codes)s."),
            code="invalid_delivery_postcodes",
            params={"codes": ", ".join(wrong)},
        )


def normalize_delivery_postcodes(value: str) -> str:
    """A delivery area as stored: its codes, unique, sorted and separated by one space ("67600 68 68000")."""
    return " ".join(delivery_postcode_codes(value))
