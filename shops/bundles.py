"""Bundles: one shop sells an offer that other shops of its market provide parts of.

A bundle is a `ProductPage` of kind "bundle" with `BundlePart` rows, one
per participating shop; the selling shop's own part is the rest of the
price. Three contracts live here:

- The split (`unit_shares`): each part's share of one unit's price, in
  cents: a fixed amount, or a percentage rounded half up; the seller gets
  the rest, so the shares always add up to the price exactly. An order line
  of n units multiplies each share by n, so the parts of any line add up to
  the line's amount to the cent too.
- Consent (`BundleConsent` rows, outside page revisions): each participant
  accepts the terms of their part (`part_terms`: the price, validity,
  share, VAT rate, text, product); a change of any of them asks again. A
  bundle sells only while every live part has a current acceptance of its
  live terms (`sale_refusal`), checked at publication (`wagtail_hooks`),
  and again when it is put in a basket and paid, since scheduled
  publishing and code never pass through the admin.
- Signals for the apps above, which shops may not import: `consent_asked`
  (tell the participants), `part_withdrawn` (a participant withdrew, or
  their shop closed: sales of their part are to be refunded).
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Locale

from portal.money import ZERO, quantize_eur
from shops.models import BundleConsent, BundlePart, ConsentStatus, ProductKind, ProductPage, ShopPage
from shops.page_cache import bundles_changed

# Sent with `consents`, the rows just asked for (a list of BundleConsent).
consent_asked = Signal()
# Sent with `bundle_key` and `participant_id` when an accepted part is withdrawn (by its shop, or as it closes).
part_withdrawn = Signal()


class ConsentRefused(Exception):
    """An answer to a consent we refuse; the message is for the merchant."""


class BadSplit(ValueError):
    """The parts take more than the price; the message is for the merchant."""


@dataclass(frozen=True)
class PartShare:
    """One shop's part of one unit of a bundle."""

    shop_id: int
    description: str
    unit_amount: Decimal
    vat_rate: Decimal
    withdrawal: str
    # The shop's own product whose stock is taken with each bundle sold; None when the part is a text only.
    product_key: UUID | None
    is_seller: bool
    # The part row's translation key (its words in other languages); None for the seller's part.
    part_key: UUID | None = None


def share_of(price: Decimal, share_amount: Decimal | None, share_percent: Decimal | None) -> Decimal:
    """A part's share of one unit at `price`: its amount, or its percentage of the price rounded half up to the cent."""
    if share_amount is not None:
        return quantize_eur(share_amount)
    return quantize_eur(Decimal(price) * Decimal(share_percent) / 100)


def unit_shares(price: Decimal, shares: Iterable[tuple[Decimal | None, Decimal | None]]) -> tuple[Decimal, list]:
    """(the seller's rest, each part's share) of one unit at `price`; `BadSplit` when the parts exceed the price
    or one of them rounds to nothing.

    The rest and the shares add up to `price` exactly, whatever the percentages.
    """
    price = quantize_eur(price)
    parts = [share_of(price, amount, percent) for amount, percent in shares]
    if any(part <= ZERO for part in parts):
        # A share that rounds to nothing would give a merchant a line, an invoice and a voucher of 0.00.
        raise BadSplit(_("La part de chaque participant doit valoir au moins 0,01 € au prix du coffret."))
    rest = price - sum(parts, ZERO)
    if rest < ZERO:
        raise BadSplit(_("Les parts des participants dépassent le prix du coffret."))
    return rest, parts


def live_parts(bundle: ProductPage) -> list[BundlePart]:
    """The parts of `bundle` as the page object holds them (live rows, or a revision's or form's in memory)."""
    return sorted(bundle.bundle_parts.all(), key=lambda part: (part.sort_order or 0, part.pk or 0))


def shares_of(bundle: ProductPage, shop_id: int, price: Decimal | None = None) -> list[PartShare]:
    """Each shop's part of one unit of `bundle` (a default-locale page of its shop `shop_id`), the seller's first.

    The seller's part is left out when the participants take the whole price.
    """
    parts = live_parts(bundle)
    price = quantize_eur(bundle.price if price is None else price)
    rest, amounts = unit_shares(price, ((p.share_amount, p.share_percent) for p in parts))
    found = []
    if rest > ZERO:
        found.append(PartShare(
            shop_id=shop_id, description=bundle.bundle_own_part or bundle.title, unit_amount=rest,
            vat_rate=Decimal(bundle.vat_rate), withdrawal=bundle.withdrawal, product_key=None, is_seller=True,
        ))
    for part, amount in zip(parts, amounts, strict=True):
        found.append(PartShare(
            shop_id=part.participant_id, description=part.description, unit_amount=amount,
            vat_rate=Decimal(part.vat_rate), withdrawal=part.withdrawal, product_key=_product_key(part),
            is_seller=False, part_key=part.translation_key,
        ))
    return found


def _product_key(part: BundlePart) -> UUID | None:
    product = part.product
    return product.translation_key if product is not None else None


# Consent ----------------------------------------------------------------------


def _cents(value) -> str | None:
    # As the database will hold it: "35" typed in a form and "35.00" read back are the same terms.
    return str(quantize_eur(value)) if value is not None else None


def part_terms(bundle: ProductPage, part: BundlePart, seller_key=None) -> dict:
    """What a participant accepts: who sells the bundle, its price and validity, and everything of their part."""
    return {
        "bundle": bundle.title,
        "seller": str(seller_key) if seller_key else None,
        "price": _cents(bundle.price),
        "valid_until": bundle.valid_until.isoformat() if bundle.valid_until else None,
        "description": part.description,
        "share_amount": _cents(part.share_amount),
        "share_percent": _cents(part.share_percent),
        "vat_rate": str(part.vat_rate),
        "withdrawal": part.withdrawal,
        "product": str(_product_key(part)) if part.product_id else None,
    }


def fingerprint(terms: dict) -> str:
    """The digest of terms; the bundle's name is left out, so that renaming it asks nobody again."""
    significant = {key: value for key, value in terms.items() if key != "bundle"}
    return hashlib.sha256(json.dumps(significant, sort_keys=True).encode()).hexdigest()


def asked_terms(bundle: ProductPage) -> dict[int, tuple[dict, str]]:
    """{participant id: (terms, fingerprint)} for the parts `bundle` holds."""
    asked = {}
    parts = live_parts(bundle)
    seller_key = ShopPage.objects.filter(path=bundle.path[: -ShopPage.steplen]).values_list(
        "translation_key", flat=True
    ).first() if parts and bundle.path else None
    for part in parts:
        terms = part_terms(bundle, part, seller_key)
        asked[part.participant_id] = (terms, fingerprint(terms))
    return asked


def _current(bundle_key) -> Q:
    return Q(bundle_key=bundle_key, superseded_at__isnull=True)


def missing_consents(bundle: ProductPage) -> list[int]:
    """The participants of `bundle` (as the object holds it) without a current acceptance of their terms."""
    asked = asked_terms(bundle)
    if not asked:
        return []
    accepted = set(
        BundleConsent.objects.filter(_current(bundle.translation_key), status=ConsentStatus.ACCEPTED)
        .values_list("participant_id", "fingerprint")
    )
    return [shop_id for shop_id, (_terms, digest) in asked.items() if (shop_id, digest) not in accepted]


def ask_consents(bundle: ProductPage, now=None) -> list[BundleConsent]:
    """Ask each participant of `bundle` (a default-locale page, live or in memory) for terms not yet asked.

    Terms already asked, answered or not, are not asked again; a declined
    or withdrawn answer stands until the terms change. Returns the new rows,
    announced by `consent_asked` after commit.
    """
    if bundle.kind != ProductKind.BUNDLE or bundle.locale_id != Locale.get_default().pk:
        return []  # translations share the French page's parts and answers
    now = now or timezone.now()
    asked = asked_terms(bundle)
    standing = set(
        BundleConsent.objects.filter(_current(bundle.translation_key)).values_list("participant_id", "fingerprint")
    )
    new = [
        BundleConsent(
            bundle_key=bundle.translation_key, bundle_id=bundle.pk, participant_id=shop_id, fingerprint=digest,
            terms=terms, asked_at=now,
        )
        for shop_id, (terms, digest) in asked.items()
        if (shop_id, digest) not in standing
    ]
    if new:
        BundleConsent.objects.bulk_create(new, ignore_conflicts=True)
        created = list(
            BundleConsent.objects.filter(
                _current(bundle.translation_key), status=ConsentStatus.ASKED, asked_at=now,
                participant_id__in=[row.participant_id for row in new],
            )
        )
        transaction.on_commit(lambda: consent_asked.send(sender=BundleConsent, consents=created))
        return created
    return []


def settle_published(bundle: ProductPage, now=None) -> list[BundleConsent]:
    """After `bundle` went live: answers to any other terms stop counting for good, and its own are asked.

    Superseded rather than deleted, so that an acceptance of earlier terms
    never comes back with an old revision published again.
    """
    if bundle.kind != ProductKind.BUNDLE or bundle.locale_id != Locale.get_default().pk:
        return []
    now = now or timezone.now()
    live = {(shop_id, digest) for shop_id, (_terms, digest) in asked_terms(bundle).items()}
    stale = [
        pk for pk, shop_id, digest in BundleConsent.objects.filter(_current(bundle.translation_key))
        .values_list("pk", "participant_id", "fingerprint")
        if (shop_id, digest) not in live
    ]
    if stale:
        BundleConsent.objects.filter(pk__in=stale).update(superseded_at=now)
    return ask_consents(bundle, now)


def answer(consent_id: int, user, accept: bool, now=None) -> BundleConsent:
    """Accept or decline an asked part, as one who manages the participant's shop (checked by the caller)."""
    with transaction.atomic():
        consent = BundleConsent.objects.select_for_update().get(pk=consent_id)
        if consent.superseded_at is not None:
            raise ConsentRefused(_("Ce coffret a changé depuis : répondez à la nouvelle demande."))
        if consent.status != ConsentStatus.ASKED:
            raise ConsentRefused(_("Vous avez déjà répondu à cette demande."))
        consent.status = ConsentStatus.ACCEPTED if accept else ConsentStatus.DECLINED
        consent.answered_at = now or timezone.now()
        consent.answered_by = user
        consent.save(update_fields=["status", "answered_at", "answered_by"])
        bundles_changed([consent.bundle_key])
    return consent


def withdraw(consent_id: int, user, now=None) -> BundleConsent:
    """Withdraw from a bundle: the bundle goes off sale, and `part_withdrawn` refunds what is still to provide.

    The shop leaves the bundle, not one version of its terms: every current
    answer of the shop about the bundle (the live terms' and a draft's,
    accepted or still asked) becomes a withdrawal, so that publishing a
    draft it had accepted does not bring it back; other terms ask it again.
    """
    now = now or timezone.now()
    with transaction.atomic():
        consent = BundleConsent.objects.select_for_update().get(pk=consent_id)
        if consent.status != ConsentStatus.ACCEPTED or consent.superseded_at is not None:
            raise ConsentRefused(_("Seule une participation acceptée peut être retirée."))
        bundle_key, participant_id = consent.bundle_key, consent.participant_id
        BundleConsent.objects.select_for_update().filter(
            _current(bundle_key), participant_id=participant_id,
            status__in=[ConsentStatus.ACCEPTED, ConsentStatus.ASKED],
        ).update(status=ConsentStatus.WITHDRAWN, answered_at=now, answered_by=user)
        consent.refresh_from_db()
        bundles_changed([bundle_key])
        transaction.on_commit(
            lambda: part_withdrawn.send(sender=BundleConsent, bundle_key=bundle_key, participant_id=participant_id)
        )
    return consent


def withdraw_shop(shop: ShopPage, user=None, now=None) -> int:
    """Withdraw a closing shop from every bundle it accepted a part of; returns from how many."""
    first_accepted = {}
    for consent_id, bundle_key in (
        BundleConsent.objects.filter(participant=shop, status=ConsentStatus.ACCEPTED, superseded_at__isnull=True)
        .order_by("pk").values_list("pk", "bundle_key")
    ):
        first_accepted.setdefault(bundle_key, consent_id)
    for consent_id in first_accepted.values():
        withdraw(consent_id, user, now)
    return len(first_accepted)


def withdrawn_participants(bundle_key, participant_ids) -> set[int]:
    """Those of `participant_ids` whose latest answer about `bundle_key` is a withdrawal."""
    latest = {}
    for shop_id, status in (
        BundleConsent.objects.filter(bundle_key=bundle_key, participant_id__in=participant_ids)
        .exclude(status=ConsentStatus.ASKED).order_by("answered_at", "pk").values_list("participant_id", "status")
    ):
        latest[shop_id] = status
    return {shop_id for shop_id, status in latest.items() if status == ConsentStatus.WITHDRAWN}


def sale_refusal(bundle: ProductPage) -> str:
    """Why the live bundle (its default-locale page) cannot be sold now, for the customer; "" when it can.

    Every live part's shop must be live, and must have accepted the live
    terms of its part (a current acceptance of their fingerprint).
    """
    refusal = _("« %(product)s » n'est pas en vente pour le moment.") % {"product": bundle.title}
    parts = live_parts(bundle)
    participants = [part.participant_id for part in parts]
    if not parts or len(set(participants)) != len(participants):
        return refusal  # one part per shop: a second one would escape its consent
    # Other live shops of the seller's market: a bundle moved elsewhere sells with nobody's consent.
    seller_path = bundle.path[: -ShopPage.steplen]
    live_shops = set(
        ShopPage.objects.live().filter(
            pk__in=participants, path__startswith=seller_path[: -ShopPage.steplen], depth=bundle.depth - 1
        ).exclude(path=seller_path).values_list("pk", flat=True)
    )
    if set(participants) - live_shops or missing_consents(bundle):
        return refusal
    return ""
