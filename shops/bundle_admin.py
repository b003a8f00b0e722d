"""Shared bundles in the merchant's admin ("Coffrets partagés"), on one screen and for the shops the user manages.

- Their participations: the current (not superseded) consent rows of their
  shops, with the terms they were asked about; an asked row is accepted or
  declined, an accepted one withdrawn after a confirmation (the bundle
  goes off sale, and what customers have not used yet of the part is
  refunded by checkout on `shops.bundles.part_withdrawn`).
- Their bundles: each participant's answer to the terms the bundle has now
  (its latest draft, else its live version), so that the seller sees who
  is still to answer.

Who manages which shop is `shops.access.shops_managed_by` only (merchants,
their territory's editors, the operator): another shop's consent id answers
404. Answers go through `shops.bundles.answer` and `withdraw`, which lock the
row and refuse a second answer, so a double click has one effect; each is
written to Wagtail's log.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin import messages
from wagtail.log_actions import log
from wagtail.models import Locale

from shops.access import shops_managed_by
from shops.bundles import ConsentRefused, answer, asked_terms, sale_refusal, share_of, withdraw
from shops.models import (
    BundleConsent,
    ConsentStatus,
    ProductKind,
    ProductPage,
    ShopPage,
    withdrawal_notice,
)

ACCEPT_ACTION = "shops.bundle.accept"
DECLINE_ACTION = "shops.bundle.decline"
WITHDRAW_ACTION = "shops.bundle.withdraw"

# The participant's rows first by what they still have to do.
_STATUS_ORDER = {ConsentStatus.ASKED: 0, ConsentStatus.ACCEPTED: 1, ConsentStatus.DECLINED: 2, ConsentStatus.WITHDRAWN: 3}
# In a context of their own: the same French words name other states elsewhere ("Retirée": an order collected).
STATUS_LABELS = {
    ConsentStatus.ASKED: pgettext_lazy("bundle part", "En attente de réponse"),
    ConsentStatus.ACCEPTED: pgettext_lazy("bundle part", "Acceptée"),
    ConsentStatus.DECLINED: pgettext_lazy("bundle part", "Refusée"),
    ConsentStatus.WITHDRAWN: pgettext_lazy("bundle part", "Retirée"),
}


@dataclass(frozen=True)
class PartTerms:
    """The terms a participant was asked to accept (a `BundleConsent.terms`), as the admin and the e-mail show them."""

    bundle_name: str
    price: Decimal | None
    valid_until: date | None
    description: str
    share_amount: Decimal | None
    share_percent: Decimal | None
    # What the part makes per bundle sold: its amount, or its percentage of the price rounded half up.
    unit_amount: Decimal | None
    vat_rate: str
    withdrawal: str
    product_name: str

    @property
    def withdrawal_notice(self) -> str:
        return withdrawal_notice(self.withdrawal)


def _decimal(value) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None


def read_terms(terms: dict, product_names: dict | None = None) -> PartTerms:
    """`terms` as asked (`shops.bundles.part_terms`), with the name of its product from `product_names` (by key)."""
    price = _decimal(terms.get("price"))
    share_amount, share_percent = _decimal(terms.get("share_amount")), _decimal(terms.get("share_percent"))
    unit_amount = None
    if share_amount is not None or (share_percent is not None and price is not None):
        unit_amount = share_of(price, share_amount, share_percent)
    valid_until = terms.get("valid_until")
    product_key = terms.get("product")
    return PartTerms(
        bundle_name=terms.get("bundle") or "",
        price=price,
        valid_until=date.fromisoformat(valid_until) if valid_until else None,
        description=terms.get("description") or "",
        share_amount=share_amount,
        share_percent=share_percent,
        unit_amount=unit_amount,
        vat_rate=terms.get("vat_rate") or "",
        withdrawal=terms.get("withdrawal") or "",
        product_name=(product_names or {}).get(product_key, "") if product_key else "",
    )


def product_names(terms_list) -> dict[str, str]:
    """{product key: title of its default-locale page} for the products the terms name (one query)."""
    keys = {terms.get("product") for terms in terms_list if terms.get("product")}
    if not keys:
        return {}
    rows = ProductPage.objects.filter(translation_key__in=[UUID(key) for key in keys], locale=Locale.get_default())
    return {str(key): title for key, title in rows.values_list("translation_key", "title")}


def bundles_by_key(keys) -> dict[UUID, ProductPage]:
    """The default-locale bundle pages of `keys`, by translation key (one query)."""
    pages = ProductPage.objects.filter(translation_key__in=set(keys), locale=Locale.get_default())
    return {page.translation_key: page for page in pages}


def sellers_of(pages) -> dict[int, ShopPage]:
    """{page id: the shop it is a child of} (one query): a product's parent is its shop."""
    parent_paths = {page.pk: page.path[: -ShopPage.steplen] for page in pages}
    shops = {shop.path: shop for shop in ShopPage.objects.filter(path__in=set(parent_paths.values()))}
    return {pk: shops[path] for pk, path in parent_paths.items() if path in shops}


def managed_consents(user) -> QuerySet[BundleConsent]:
    """The current consent rows of the shops `user` manages."""
    return BundleConsent.objects.filter(participant__in=shops_managed_by(user), superseded_at__isnull=True)


def _managed_consent(user, consent_id: int) -> BundleConsent:
    # Another shop's consent is as unknown as a missing one.
    consent = managed_consents(user).select_related("participant").filter(pk=consent_id).first()
    if consent is None:
        raise Http404
    return consent


def latest_version(bundle: ProductPage) -> ProductPage:
    """The bundle as its merchant last saved it: its latest draft, else the live page."""
    if bundle.has_unpublished_changes or not bundle.live:
        return bundle.get_latest_revision_as_object()
    return bundle


def _standing_digests(bundle: ProductPage) -> dict[int, set[str]]:
    """{participant id: fingerprints of its terms in the live bundle and in its latest draft}."""
    digests: dict[int, set[str]] = {}
    versions = [latest_version(bundle)]
    if bundle.live and versions[0] is not bundle:
        versions.append(bundle)
    for version in versions:
        for shop_id, (_terms, digest) in asked_terms(version).items():
            digests.setdefault(shop_id, set()).add(digest)
    return digests


@dataclass(frozen=True)
class Participation:
    consent: BundleConsent
    terms: PartTerms
    seller: ShopPage | None
    bundle: ProductPage | None
    # Terms the bundle no longer has, neither live nor in its latest draft: nothing to answer any more.
    outdated: bool

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.consent.status]

    @property
    def can_answer(self) -> bool:
        return self.consent.status == ConsentStatus.ASKED and not self.outdated

    @property
    def can_withdraw(self) -> bool:
        return self.consent.status == ConsentStatus.ACCEPTED


def participations(user) -> list[Participation]:
    """The user's shops' parts in other shops' bundles, those to answer first."""
    consents = list(managed_consents(user).select_related("participant", "answered_by"))
    bundles = bundles_by_key(c.bundle_key for c in consents)
    sellers = sellers_of(bundles.values())
    standing = {key: _standing_digests(bundle) for key, bundle in bundles.items()}
    names = product_names(c.terms for c in consents)
    rows = []
    for consent in consents:
        bundle = bundles.get(consent.bundle_key)
        rows.append(Participation(
            consent=consent,
            terms=read_terms(consent.terms, names),
            seller=sellers.get(bundle.pk) if bundle else None,
            bundle=bundle,
            outdated=bundle is None or consent.fingerprint not in standing[consent.bundle_key].get(
                consent.participant_id, set()
            ),
        ))
    rows.sort(key=lambda row: (row.outdated, _STATUS_ORDER.get(row.consent.status, 9), -row.consent.asked_at.timestamp()))
    return rows


@dataclass(frozen=True)
class ParticipantAnswer:
    participant: str
    terms: PartTerms
    # None while the participant was not asked these terms yet (the draft is asked about when saved).
    consent: BundleConsent | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.consent.status] if self.consent else _("pas encore demandée")


@dataclass(frozen=True)
class SellerBundle:
    bundle: ProductPage
    shop: ShopPage
    # "" when the live bundle sells; why not otherwise (for a draft: it is not live).
    refusal: str
    answers: list[ParticipantAnswer]

    @property
    def waiting_for(self) -> list[str]:
        return [a.participant for a in self.answers if a.consent is None or a.consent.status != ConsentStatus.ACCEPTED]


def seller_bundles(shops: list[ShopPage]) -> list[SellerBundle]:
    """The bundles of `shops` (default-locale pages), each participant's answer to the bundle's terms as they are now."""
    # Bundles are few: read them all and keep the managed shops' children, rather than one
    # path condition per shop (an editor or the operator manages many).
    shop_of = {shop.path: shop for shop in shops}
    bundles = [
        bundle for bundle in ProductPage.objects.filter(kind=ProductKind.BUNDLE, locale=Locale.get_default())
        .order_by("path")
        if bundle.path[: -ProductPage.steplen] in shop_of
    ]
    if not bundles:
        return []
    consents = {}
    for consent in BundleConsent.objects.filter(
        bundle_key__in=[b.translation_key for b in bundles], superseded_at__isnull=True
    ).select_related("answered_by"):
        consents[(consent.bundle_key, consent.participant_id, consent.fingerprint)] = consent
    current = {b.pk: asked_terms(latest_version(b)) for b in bundles}
    participant_ids = {shop_id for asked in current.values() for shop_id in asked}
    titles = dict(ShopPage.objects.filter(pk__in=participant_ids).values_list("pk", "title"))
    names = product_names(terms for asked in current.values() for terms, _digest in asked.values())
    found = []
    for bundle in bundles:
        answers = [
            ParticipantAnswer(
                participant=titles.get(shop_id, ""),
                terms=read_terms(terms, names),
                consent=consents.get((bundle.translation_key, shop_id, digest)),
            )
            for shop_id, (terms, digest) in current[bundle.pk].items()
        ]
        refusal = sale_refusal(bundle) if bundle.live else _("Brouillon : pas encore publié.")
        found.append(SellerBundle(
            bundle=bundle, shop=shop_of[bundle.path[: -ProductPage.steplen]], refusal=refusal, answers=answers,
        ))
    return found


# Views -------------------------------------------------------------------------


def _log(consent: BundleConsent, action: str, user) -> None:
    log(instance=consent, action=action, user=user, data={
        "bundle_key": str(consent.bundle_key), "bundle": consent.terms.get("bundle", ""),
        "participant": consent.participant_id, "fingerprint": consent.fingerprint,
    })


def bundles_index(request):
    shops = list(shops_managed_by(request.user).order_by("title"))
    if not shops:
        raise PermissionDenied
    return TemplateResponse(request, "shops/bundles/index.html", {
        "participations": participations(request.user),
        "seller_bundles": seller_bundles(shops),
        "page_title": _("Coffrets partagés"), "header_title": _("Coffrets partagés"), "header_icon": "group",
    })


def _answer(request, consent_id: int, accept: bool):
    consent = _managed_consent(request.user, consent_id)
    try:
        with transaction.atomic():
            consent = answer(consent.pk, request.user, accept=accept)
            _log(consent, ACCEPT_ACTION if accept else DECLINE_ACTION, request.user)
    except ConsentRefused as refusal:
        messages.error(request, str(refusal))
    else:
        name = consent.terms.get("bundle", "")
        if accept:
            messages.success(request, _("Vous participez au coffret « %(bundle)s ».") % {"bundle": name})
        else:
            messages.success(request, _("Vous avez refusé de participer au coffret « %(bundle)s ».") % {"bundle": name})
    return redirect("shops_bundles")


@require_POST
def accept_part(request, consent_id: int):
    return _answer(request, consent_id, accept=True)


@require_POST
def decline_part(request, consent_id: int):
    return _answer(request, consent_id, accept=False)


def withdraw_part(request, consent_id: int):
    """GET: what withdrawing means, to confirm; POST: withdraw."""
    consent = _managed_consent(request.user, consent_id)
    if request.method == "POST":
        try:
            with transaction.atomic():
                consent = withdraw(consent.pk, request.user)
                _log(consent, WITHDRAW_ACTION, request.user)
        except ConsentRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _(
                "Votre part du coffret « %(bundle)s » est retirée : le coffret n'est plus en vente, et les clients "
                "qui n'ont pas encore utilisé votre part sont remboursés."
            ) % {"bundle": consent.terms.get("bundle", "")})
        return redirect("shops_bundles")
    if consent.status != ConsentStatus.ACCEPTED:
        messages.error(request, _("Seule une participation acceptée peut être retirée."))
        return redirect("shops_bundles")
    bundles = bundles_by_key([consent.bundle_key])
    bundle = bundles.get(consent.bundle_key)
    return TemplateResponse(request, "shops/bundles/withdraw.html", {
        "consent": consent,
        "terms": read_terms(consent.terms, product_names([consent.terms])),
        "seller": sellers_of([bundle]).get(bundle.pk) if bundle else None,
        "page_title": _("Coffrets partagés"), "header_title": _("Retirer ma part d'un coffret"),
        "header_icon": "group",
    })
