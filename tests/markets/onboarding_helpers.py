"""Helpers for the onboarding tests: a small portal, valid registration data, admin form harvesting."""

import datetime
from html.parser import HTMLParser

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from markets.editors import make_editor
from markets.models import TermsAcceptance, TermsVersion
from shops.models import ShopCategory, VatStatus
from tests.fixtures import factories as f


def portal(territory_name="Pays de Morlaix"):
    """French and English homes, one territory with its market in both languages."""
    home_fr = f.french_home()
    f.english_home()
    territory = f.make_territory(territory_name)
    market_fr = f.make_market(home_fr, territory, title=f"Marché de Noël de {territory_name}")
    market_en = f.translate(market_fr, title=f"Christmas market of {territory_name}", slug=f"{market_fr.slug}-en")
    return territory, market_fr, market_en


def registration_data(n: int = 1, **overrides) -> dict:
    siret = f.siret_number(9000 + n)
    data = {
        "trade_name": f"Les Délices de Morlaix {n}",
        "legal_name": f"SARL Délices {n}",
        "siret": siret,
        "vat_status": VatStatus.REGISTERED,
        "vat_number": f.vat_number_for(siret),
        "street": "3 place des Otages",
        "postcode": "29600",
        "city": "Morlaix",
        "category": ShopCategory.FOOD,
        "contact_name": "Maïwenn Le Bihan",
        "email": f"maiwenn{n}@example.org",
        "phone": "02 61 91 12 34",
        "chain": "no",
        "declared_independent": "on",
        "photo": photo(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def photo(name="vitrine.png", content=None, content_type="image/png"):
    return SimpleUploadedFile(name, content if content is not None else f.png_bytes(64, 48), content_type)


def registration_url(market) -> str:
    return market.url + market.reverse_subpage("registration")


def editor_of(territory, username="editeur"):
    user = User.objects.create_user(username, email=f"{username}@example.org")
    make_editor(user, territory)
    return user


def terms(version="v1", days_ago=1) -> TermsVersion:
    return TermsVersion.objects.create(
        version=version, text="<p>Conditions générales du marché.</p>",
        published_at=timezone.now() - datetime.timedelta(days=days_ago),
    )


def accept_current_terms(user):
    current = TermsVersion.current()
    if current is not None:
        TermsAcceptance.objects.get_or_create(user=user, version=current)


class _FormHarvester(HTMLParser):
    """The values a browser would submit from the form with `form_id` (no button pressed)."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self._select = None
        self._select_value = None
        self._select_first = None
        self._textarea = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.setdefault(name, []).append(attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select, self._select_value, self._select_first = name, None, None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self._select_value = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            value = self._select_value if self._select_value is not None else self._select_first
            self.data.setdefault(self._select, []).append(value or "")
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.data.setdefault(self._textarea, []).append("".join(self._text).lstrip("\n"))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def harvest_form(html: str, form_id: str) -> dict:
    parser = _FormHarvester(form_id)
    parser.feed(html)
    return {k: v if len(v) > 1 else v[0] for k, v in parser.data.items()}
