"""The editors' form of their territories' postcodes: where a merchant's shop must be to join the market.

An editor edits only the territories they edit (markets.editors), a
superuser every territory; another territory's URL answers 404. Postcodes
are checked against the vendored list of French postcodes
(markets.postcodes), and a commune's name adds its postcodes.
"""

import re

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin import messages

from markets import postcodes
from markets.editors import territories_edited_by
from markets.models import Territory

POSTCODES_MAX_LENGTH = Territory._meta.get_field("registration_postcodes").max_length


def department(postcode: str) -> str:
    """The département a postcode belongs to: its first two digits, three overseas (971…976)."""
    return postcode[:3] if postcode.startswith("97") else postcode[:2]


def may_edit_postcodes(user) -> bool:
    """Editors (who review registrations) and superusers; the territories are narrowed by `territories_edited_by`."""
    return user.is_superuser or user.has_perm("markets.view_merchantregistration")


class TerritoryPostcodesForm(forms.Form):
    postcodes = forms.CharField(
        label=gettext_lazy("Codes postaux du territoire"), required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Séparés par des espaces, des virgules ou des retours à la ligne. Aucun code "
                               "postal : les inscriptions sont acceptées quelle que soit l'adresse."),
    )
    add = forms.CharField(
        label=gettext_lazy("Ajouter une commune ou un code postal"), required=False, max_length=120,
        help_text=gettext_lazy("Par exemple « Morlaix » ou « 29600 » : les codes postaux de la commune sont ajoutés."),
    )

    def clean_postcodes(self) -> list[str]:
        codes = re.split(r"[\s,;]+", self.cleaned_data["postcodes"].strip())
        codes = [code for code in codes if code]
        unknown = [code for code in codes if not postcodes.communes(code)]
        if unknown:
            raise ValidationError(
                _("Codes postaux inconnus : %(codes)s.") % {"codes": ", ".join(unknown)}, code="unknown_postcode"
            )
        return codes

    def clean_add(self) -> list[str]:
        term = self.cleaned_data["add"].strip()
        if not term:
            return []
        if re.fullmatch(r"\d{5}", term):
            if not postcodes.communes(term):
                raise ValidationError(_("Ce code postal n'existe pas."), code="unknown_postcode")
            return [term]
        found = postcodes.postcodes_of_commune(term)
        if not found:
            raise ValidationError(
                _("Aucune commune de ce nom : cherchez-la ci-dessous, puis saisissez son code postal."),
                code="unknown_commune",
            )
        return found

    def clean(self):
        cleaned = super().clean()
        added = cleaned.get("add", [])
        if len({department(code) for code in added}) > 1:
            # Homonymous communes ("Saint-Martin-des-Champs" is in five départements): keep
            # those of the territory's départements, or ask for the postcode.
            ours = {department(code) for code in cleaned.get("postcodes", [])}
            added = [code for code in added if department(code) in ours]
            if len({department(code) for code in added}) != 1:
                self.add_error("add", ValidationError(
                    _("Plusieurs communes portent ce nom (%(codes)s) : saisissez le code postal voulu.")
                    % {"codes": ", ".join(cleaned["add"])}, code="ambiguous_commune",
                ))
                added = []
            cleaned["add"] = added
        codes = sorted(set(cleaned.get("postcodes", [])) | set(added))
        cleaned["all"] = " ".join(codes)
        if len(cleaned["all"]) > POSTCODES_MAX_LENGTH:
            raise ValidationError(_("Trop de codes postaux pour un territoire."), code="too_many")
        return cleaned


def postcodes_index(request):
    """The territories whose postcodes the user edits; straight to the form when there is one."""
    if not may_edit_postcodes(request.user):
        raise PermissionDenied
    territories = list(territories_edited_by(request.user))
    if len(territories) == 1:
        return redirect("markets_territory_postcodes", territories[0].pk)
    return TemplateResponse(request, "markets/admin/territory_postcodes_index.html", {
        "territories": territories,
        "page_title": _("Codes postaux des inscriptions"), "header_title": _("Codes postaux des inscriptions"),
    })


def postcodes_edit(request, territory_id: int):
    """Edit one territory's postcodes; `?q=` looks up communes and postcodes in the national list."""
    if not may_edit_postcodes(request.user):
        raise PermissionDenied
    territory = get_object_or_404(territories_edited_by(request.user), pk=territory_id)
    form = TerritoryPostcodesForm(
        request.POST or None,
        initial={"postcodes": " ".join(sorted(territory.accepted_postcodes))},
    )
    if request.method == "POST" and form.is_valid():
        territory.registration_postcodes = form.cleaned_data["all"]
        territory.save(update_fields=["registration_postcodes"])
        messages.success(request, _("Codes postaux de %(territory)s enregistrés.") % {"territory": territory.name})
        return redirect("markets_territory_postcodes", territory.pk)
    query = request.GET.get("q", "").strip()[:60]
    return TemplateResponse(request, "markets/admin/territory_postcodes.html", {
        "territory": territory,
        "form": form,
        "current": [(code, postcodes.communes(code)) for code in sorted(territory.accepted_postcodes)],
        "query": query,
        "found": postcodes.search(query) if query else [],
        "page_title": _("Codes postaux des inscriptions"), "header_title": territory.name,
    })
