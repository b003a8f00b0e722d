"""Issuing invoices and credit notes: once, numbered without gaps, copied in, never changed.

Who issues what
- A sale invoice for every paid shop order, to the customer. The platform
  issues it in the merchant's name and on its behalf (billing mandate,
  art. 289 I-2 CGI), so the seller printed is the merchant, and a mention
  says who issued it.
- A credit note for every refund, in the same sequence as the sale invoice
  it corrects.
- A commission invoice every week, from the platform to the merchant, for
  the statement's commission, commission returned and transfer fee.

Numbering
- Each merchant has their own sequence (key "shop:<shop translation key>",
  the UUID as 32 hex digits; one for all the shop's languages), the
  platform one (key "platform").
  A sequence row is created on first use and its next number taken under a
  row lock (`select_for_update`) in the caller's transaction: two payments
  of the same merchant wait for each other, and a rolled-back payment gives
  its number back. No gap, no duplicate.
- A number reads "<prefix>-<year>-<number on 6 digits>": "B12-2026-000042"
  for the shop whose page id (default language) is 12, "PF-2026-000007" for
  the platform. The prefix makes numbers unique across sequences; the year
  (Paris) is for the reader only: a sequence runs on across years, which is
  a continuous chronological sequence as the CGI asks.
- An order with several shops locks all their sequences at its first
  invoice, sorted by key, so two orders over the same shops in opposite
  orders never deadlock.

Amounts
- Money is stored as strings in the JSON lines; every amount is rounded half
  up to the cent (`portal.money.quantize_eur`).
- Prices are VAT-inclusive. A line's amount excl. VAT is its total divided
  by (1 + rate), rounded; its VAT is the difference, so lines add up to what
  the customer paid, to the cent.
- A merchant under the VAT franchise (art. 293 B CGI) charges no VAT: lines
  carry rate 0, the invoice the mention.
- Delivery fees bear VAT at the standard rate (20 %). Strictly, an
  accessory fee follows the VAT rate of the goods it carries (and is split
  when they have several rates); the standard rate is the simple and
  prudent choice (never less VAT than due), the one the issue asks for.
- Credit notes and the platform's credit notes carry negative amounts
  (lines, totals): adding up invoices and credit notes gives what was
  finally sold. A credit note's total is minus the refund.
"""

import logging
from collections import OrderedDict
from decimal import Decimal

from django.conf import settings
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.models import Locale

from checkout.models import Invoice, InvoiceKind, InvoiceSequence, Refund, ShopOrder, WeeklyStatement
from portal.dates import long_date
from portal.money import ZERO, quantize_eur
from shops.models import ShopPage, VatStatus

logger = logging.getLogger(__name__)

# What a delivery fee bears; see the module's docstring.
DELIVERY_VAT_RATE = Decimal("20.00")
PLATFORM_SEQUENCE_KEY = "platform"
PLATFORM_PREFIX = "PF"
SHOP_PREFIX = "B"  # "boutique": B<shop page id>


class InvoiceError(RuntimeError):
    """A sequence counter moved under our lock: a bug, never a user's mistake."""


# Amounts --------------------------------------------------------------------


def vat_split(total: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(amount excl. VAT, VAT) of a VAT-inclusive `total` at `rate` percent; they add up to `total`."""
    excl = quantize_eur(Decimal(total) * 100 / (100 + Decimal(rate)))
    return excl, Decimal(total) - excl


def allocate(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`amount` split to the cent in proportion to `weights`, the parts adding up to `amount` exactly.

    Largest remainder method, in cents: each part is its share rounded
    down, then the cents left over go one each to the largest remainders
    (earliest first on ties). Unlike rounding each share half up, the parts
    always add up; and when `amount` ≤ sum(weights) each part lies between
    0 and its weight, so a refund never takes back more of a VAT rate than
    is left of it, and refunding all that is left gives back each weight.
    """
    cents = int(amount * 100)
    units = [int(weight * 100) for weight in weights]
    whole = sum(units)
    if not units:
        return []
    if whole <= 0:
        return [amount] + [ZERO] * (len(units) - 1)
    shares = [cents * unit // whole for unit in units]
    remainders = [cents * unit % whole for unit in units]
    left = cents - sum(shares)
    for index in sorted(range(len(units)), key=lambda i: (-remainders[i], i))[:left]:
        shares[index] += 1
    return [Decimal(share) / 100 for share in shares]


def _money(amount: Decimal) -> str:
    return str(quantize_eur(amount))


def _line(name: str, quantity: int, unit_price: Decimal, vat_rate: Decimal, total: Decimal) -> dict:
    excl, vat = vat_split(total, vat_rate)
    return {
        "name": name,
        "quantity": quantity,
        "unit_price": _money(unit_price),
        "vat_rate": str(Decimal(vat_rate).quantize(Decimal("0.01"))),
        "total": _money(total),
        "total_excl_vat": _money(excl),
        "vat": _money(vat),
    }


def _totals(lines: list[dict]) -> dict:
    return {
        field: sum((Decimal(line[key]) for line in lines), ZERO)
        for field, key in (("total_excl_vat", "total_excl_vat"), ("total_vat", "vat"), ("total", "total"))
    }


def vat_breakdown(lines: list[dict]) -> list[dict]:
    """Per VAT rate, in order of first appearance: {"key" (the rate as stored), "vat_rate", "total_excl_vat",
    "vat", "total"}, amounts as Decimals."""
    rates: OrderedDict[str, dict] = OrderedDict()
    for line in lines:
        row = rates.setdefault(
            line["vat_rate"],
            {"key": line["vat_rate"], "vat_rate": Decimal(line["vat_rate"]), "total_excl_vat": ZERO, "vat": ZERO,
             "total": ZERO},
        )
        for key in ("total_excl_vat", "vat", "total"):
            row[key] += Decimal(line[key])
    return list(rates.values())


# Parties ----------------------------------------------------------------------


def _address(shop: ShopPage | None) -> str:
    if shop is None:
        return ""
    return f"{shop.street}\n{shop.postcode} {shop.city}".strip()


def _platform_party() -> dict:
    platform = settings.PLATFORM
    registered = settings.PLATFORM_VAT_REGISTERED
    return {
        "name": platform["name"],
        "legal_name": platform["legal_name"],
        "address": platform["address"],
        "siret": platform["siret"],
        "vat_number": platform["vat_number"] if registered else "",
        "vat_status": VatStatus.REGISTERED.value if registered else VatStatus.FRANCHISE.value,
        "email": platform["email"],
    }


def _merchant_party(source: ShopOrder | WeeklyStatement, language: str | None = None) -> dict:
    """The merchant as copied on the shop order (or statement), at the shop's address.

    The trade name is given in `language` when the shop order kept it in that language.
    """
    return {
        "name": source.text_in("trade_name", language) if isinstance(source, ShopOrder) else source.trade_name,
        "legal_name": source.legal_name,
        "address": _address(source.shop),
        "siret": source.siret,
        "vat_number": source.vat_number,
        "vat_status": source.vat_status,
        "email": source.merchant_email,
    }


def _is_exempt(vat_status: str) -> bool:
    return vat_status == VatStatus.FRANCHISE


def _franchise_mention() -> str:
    return _("TVA non applicable, art. 293 B du CGI")


def _mandate_mention(merchant_legal_name: str, *, credit_note: bool = False) -> str:
    if credit_note:
        text = _("Avoir émis par %(platform)s au nom et pour le compte de %(merchant)s (mandat de facturation).")
    else:
        text = _("Facture émise par %(platform)s au nom et pour le compte de %(merchant)s (mandat de facturation).")
    return text % {"platform": settings.PLATFORM["legal_name"], "merchant": merchant_legal_name}


# Sequences --------------------------------------------------------------------


def _shop_sequence(shop_order: ShopOrder) -> tuple[str, str]:
    """(key, prefix) of the merchant's sequence: one per shop, whatever the language of its page."""
    shop = shop_order.shop
    if shop is None:
        # The shop page was deleted before the payment came in: number by SIREN, still one sequence per merchant.
        return f"siren:{shop_order.siret[:9]}", f"S{shop_order.siret[:9]}"
    default = (
        ShopPage.objects.filter(translation_key=shop.translation_key, locale=Locale.get_default())
        .values_list("pk", flat=True)
        .first()
    )
    # The key column holds 40 characters: the UUID as 32 hex digits, without its dashes, fits.
    return f"shop:{shop.translation_key.hex}", f"{SHOP_PREFIX}{default or shop.pk}"


def _shop_sequences(shop_orders) -> dict[int, tuple[str, str]]:
    """`_shop_sequence` of each shop order, by shop order id, in one query for all (their `shop` read along)."""
    shops = [so.shop for so in shop_orders if so.shop is not None]
    defaults = dict(
        ShopPage.objects.filter(translation_key__in={shop.translation_key for shop in shops}, locale=Locale.get_default())
        .values_list("translation_key", "pk")
    ) if shops else {}
    found = {}
    for shop_order in shop_orders:
        shop = shop_order.shop
        if shop is None:
            found[shop_order.pk] = _shop_sequence(shop_order)
        else:
            prefix = f"{SHOP_PREFIX}{defaults.get(shop.translation_key) or shop.pk}"
            found[shop_order.pk] = f"shop:{shop.translation_key.hex}", prefix
    return found


def _lock_sequences(keys_and_prefixes: dict[str, str]) -> dict[str, InvoiceSequence]:
    """Create the missing sequences, then lock them all, in the order of their keys; the locked rows by key.

    The rows are read under their locks: `_issue` numbers from them without reading them again.
    """
    keys = sorted(keys_and_prefixes)
    locked = InvoiceSequence.objects.select_for_update().filter(key__in=keys).order_by("key")
    # Every sequence but a merchant's first exists already: one query then, not an insert before each lock.
    rows = {sequence.key: sequence for sequence in locked}
    if len(rows) == len(keys):
        return rows
    # ON CONFLICT DO NOTHING: two first invoices of a merchant both insert, one row stays.
    InvoiceSequence.objects.bulk_create(
        [InvoiceSequence(key=key, prefix=keys_and_prefixes[key]) for key in keys], ignore_conflicts=True
    )
    return {sequence.key: sequence for sequence in locked.all()}


def _issue(sequence: InvoiceSequence, now, **fields) -> Invoice:
    """Take the next number of `sequence` (a row `_lock_sequences` locked and read) and write the invoice."""
    [invoice] = _issue_many(sequence, now, [fields])
    return invoice


def _issue_many(sequence: InvoiceSequence, now, documents: list[dict]) -> list[Invoice]:
    """The next numbers of `sequence`, one per document in their order, in one UPDATE, and the invoices in one INSERT.

    `sequence` is a row `_lock_sequences` locked and read; each document is
    the fields of an invoice but its number, totals and date.
    """
    first = sequence.last_number + 1
    moved = InvoiceSequence.objects.filter(pk=sequence.pk, last_number=sequence.last_number).update(
        last_number=F("last_number") + len(documents)
    )
    if moved != 1:
        raise InvoiceError(f"sequence {sequence.key} moved while locked")
    sequence.last_number += len(documents)
    year = timezone.localtime(now).year
    made = [
        Invoice(
            sequence=sequence,
            sequence_number=number,
            number=f"{sequence.prefix}-{year}-{number:06d}",
            issued_at=now,
            **_totals(fields["lines"]),
            **fields,
        )
        for number, fields in enumerate(documents, start=first)
    ]
    return Invoice.objects.bulk_create(made)


# Sale invoices ----------------------------------------------------------------


def _line_name(line) -> str:
    options = "".join(f" ({name} : {value})" for name, value in (line.options or {}).items())
    return f"{line.display_name}{options}"


def sale_lines(shop_order: ShopOrder) -> list[dict]:
    """The invoice lines of a shop order: its order lines, then the delivery fee if any."""
    exempt = _is_exempt(shop_order.vat_status)
    lines = [
        _line(_line_name(line), line.quantity, line.unit_price, ZERO if exempt else line.vat_rate, line.total)
        for line in shop_order.lines.order_by("pk")
    ]
    if shop_order.delivery_fee > 0:
        lines.append(
            _line(
                _("Frais de livraison (%(mode)s)") % {"mode": shop_order.delivery_label},
                1,
                shop_order.delivery_fee,
                ZERO if exempt else DELIVERY_VAT_RATE,
                shop_order.delivery_fee,
            )
        )
    return lines


def issue_sale_invoice(shop_order: ShopOrder, now) -> Invoice:
    """Issue the invoice of a shop order just paid, inside the caller's transaction.

    Idempotent: a second call for the same shop order returns its invoice.
    Locks the sequences of every shop of the order (see the module's
    docstring); the caller holds the order's row lock.
    """
    return issue_sale_invoices(shop_order.order, [shop_order], now)[0]


def issue_sale_invoices(order, shop_orders, now) -> list[Invoice]:
    """`issue_sale_invoice` for shop orders of `order` at once: the sequences found and locked once for all.

    Same rules: idempotent per shop order, every shop's sequence of the
    order locked in key order, inside the caller's transaction.
    """
    shop_orders = list(shop_orders)
    issued = {
        invoice.shop_order_id: invoice
        for invoice in Invoice.objects.filter(kind=InvoiceKind.SALE, shop_order__in=[so.pk for so in shop_orders])
    }
    if len(issued) < len(shop_orders):
        sequences = _shop_sequences(list(order.shop_orders.select_related("shop").order_by("pk")))
        for shop_order in shop_orders:
            if shop_order.pk not in sequences:
                sequences[shop_order.pk] = _shop_sequence(shop_order)
        locked = _lock_sequences(dict(sequences.values()))
        # Under the locks: another transaction may have issued them meanwhile.
        issued = {
            invoice.shop_order_id: invoice
            for invoice in Invoice.objects.filter(kind=InvoiceKind.SALE, shop_order__in=[so.pk for so in shop_orders])
        }
        for shop_order in shop_orders:
            if shop_order.pk not in issued:
                issued[shop_order.pk] = _issue_sale(order, shop_order, locked[sequences[shop_order.pk][0]], now)
    return [issued[shop_order.pk] for shop_order in shop_orders]


def _issue_sale(order, shop_order: ShopOrder, sequence: InvoiceSequence, now) -> Invoice:
    """Write one sale invoice (the sequences locked by the caller)."""
    with translation.override(order.language):
        lines = sale_lines(shop_order)
        mentions = [_mandate_mention(shop_order.legal_name)]
        if _is_exempt(shop_order.vat_status):
            mentions.append(_franchise_mention())
        mentions.append(
            _("Payée par carte bancaire le %(date)s (commande n° %(number)s).")
            % {"date": long_date(now), "number": order.number}
        )
    if _totals(lines)["total"] != shop_order.total:
        logger.error("Shop order %s: invoice lines add up to %s, not %s", shop_order.pk, _totals(lines)["total"],
                     shop_order.total)
    return _issue(
        sequence,
        now,
        kind=InvoiceKind.SALE,
        language=order.language,
        shop=shop_order.shop,
        territory_id=order.territory_id,
        shop_order=shop_order,
        seller=_merchant_party(shop_order, order.language),
        buyer={
            "name": order.customer_name,
            "email": order.customer_email,
            "address": shop_order.delivery_address,
        },
        lines=lines,
        mentions=mentions,
    )


# Credit notes -------------------------------------------------------------------


def _left_by_rate(invoice: Invoice) -> OrderedDict[str, tuple[Decimal, Decimal]]:
    """Per VAT rate of `invoice`: (amount incl. VAT, VAT) not yet given back by its credit notes."""
    left = OrderedDict((row["key"], [row["total"], row["vat"]]) for row in vat_breakdown(invoice.lines))
    for note in invoice.credit_notes.all():
        for row in vat_breakdown(note.lines):
            if row["key"] in left:
                left[row["key"]][0] += row["total"]  # credit notes are negative
                left[row["key"]][1] += row["vat"]
    return OrderedDict((rate, (total, vat)) for rate, (total, vat) in left.items())


def credit_lines(invoice: Invoice, amount: Decimal) -> list[dict]:
    """The lines of a credit note of `amount` (positive) on `invoice`: one "Remboursement" per VAT rate, negative.

    The amount is split over the invoice's VAT rates in proportion to what
    is left of each (see `allocate`); each part takes its share of the VAT
    left at that rate, rounded half up, or all of it when the part empties
    the rate. So credit notes adding up to the invoice reverse it exactly,
    VAT included.
    """
    left = _left_by_rate(invoice)
    rates = list(left)
    parts = allocate(amount, [max(left[rate][0], ZERO) for rate in rates])
    lines = []
    for rate, part in zip(rates, parts, strict=True):
        if part == 0:
            continue
        left_total, left_vat = left[rate]
        if part == left_total:
            vat = left_vat
        elif left_total > 0:
            vat = quantize_eur(left_vat * part / left_total)
        else:
            vat = vat_split(part, Decimal(rate))[1]
        lines.append({
            "name": _("Remboursement"),
            "quantity": 1,
            "unit_price": _money(-part),
            "vat_rate": rate,
            "total": _money(-part),
            "total_excl_vat": _money(-(part - vat)),
            "vat": _money(-vat),
        })
    if not lines:  # a refund of nothing cannot happen (Refund.amount ≥ 0.01); keep the note readable anyway
        lines.append(_line(_("Remboursement"), 1, -amount, Decimal(rates[0]) if rates else ZERO, -amount))
    return lines


def issue_credit_note(refund: Refund, now) -> Invoice:
    """Issue the credit note of a refund just made, inside the caller's transaction.

    Negative amounts, total = −refund.amount, in the sequence of the shop
    order's sale invoice, which it `corrects`. Idempotent per refund. A shop
    order paid before invoices existed gets its sale invoice first.
    """
    existing = Invoice.objects.filter(refund=refund).first()
    if existing is not None:
        return existing
    shop_order = refund.shop_order
    original = Invoice.objects.filter(kind=InvoiceKind.SALE, shop_order=shop_order).first()
    if original is None:
        original = issue_sale_invoice(shop_order, now)
    [sequence] = _lock_sequences({original.sequence.key: original.sequence.prefix}).values()
    existing = Invoice.objects.filter(refund=refund).first()
    if existing is not None:
        return existing

    order = shop_order.order
    with translation.override(original.language):
        lines = credit_lines(original, refund.amount)
        mentions = [
            _mandate_mention(original.seller.get("legal_name", ""), credit_note=True),
            _("Avoir sur la facture n° %(number)s du %(date)s.")
            % {"number": original.number, "date": long_date(original.issued_at)},
        ]
        if _is_exempt(original.seller.get("vat_status", "")):
            mentions.append(_franchise_mention())
        mentions.append(_("Remboursé sur la carte bancaire utilisée pour le paiement."))
    return _issue(
        sequence,
        now,
        kind=InvoiceKind.CREDIT_NOTE,
        language=original.language,
        shop=shop_order.shop,
        territory_id=order.territory_id,
        shop_order=shop_order,
        refund=refund,
        corrects=original,
        seller=original.seller,
        buyer=original.buyer,
        lines=lines,
        mentions=mentions,
    )


# Commission invoices ------------------------------------------------------------


def _platform_vat_rate() -> Decimal:
    return Decimal(str(settings.PLATFORM_VAT_RATE)) if settings.PLATFORM_VAT_REGISTERED else ZERO


def commission_lines(statement: WeeklyStatement) -> list[dict]:
    """The platform's lines for a statement: commission, commission returned (negative), transfer fee.

    Every amount on a statement is VAT-inclusive (the commission rate is,
    and the transfer fee is stored with its VAT), so each line is split
    into excl. VAT + VAT at the platform's rate.
    """
    rate = _platform_vat_rate()
    week = long_date(statement.week_start)
    lines = []
    if statement.commission:
        lines.append(_line(_("Commission sur les ventes de la semaine du %(week)s") % {"week": week}, 1,
                           statement.commission, rate, statement.commission))
    if statement.commission_returned:
        lines.append(_line(_("Commission restituée sur les remboursements de la semaine du %(week)s") % {"week": week},
                           1, -statement.commission_returned, rate, -statement.commission_returned))
    if statement.transfer_fee:
        lines.append(_line(_("Frais de virement"), 1, statement.transfer_fee, rate, statement.transfer_fee))
    return lines


def issue_commission_invoice(statement: WeeklyStatement, *, now=None) -> Invoice | None:
    """Issue the platform's weekly invoice to the statement's merchant, inside the caller's transaction.

    For commission − commission returned + transfer fee, in the platform's
    sequence. None when all three are zero. When more commission was
    returned than taken (the total is negative), the document is a credit
    note (kind credit_note, negative amounts) of the same sequence,
    correcting the merchant's latest commission invoice. Idempotent per
    statement.
    """
    if not _invoiced(statement):
        return None
    now = now or timezone.now()
    # Asked once, under the sequence's lock: a second run waits for the first and finds its invoice.
    [sequence] = _lock_sequences({PLATFORM_SEQUENCE_KEY: PLATFORM_PREFIX}).values()
    existing = Invoice.objects.filter(statement=statement).first()
    if existing is not None:
        return existing
    return _issue(sequence, now, **_commission_document(statement))


def issue_commission_invoices_of_new_statements(statements: list[WeeklyStatement], *, now=None) -> list[Invoice]:
    """`issue_commission_invoice` for statements the caller's transaction has just inserted, numbered in their order.

    One lock of the platform's sequence, one UPDATE of it and one INSERT for
    all of them. No invoice of a statement made in the same transaction can
    exist, so none is looked for: use `issue_commission_invoice` for a
    statement that may already have its invoice.
    """
    due = [statement for statement in statements if _invoiced(statement)]
    if not due:
        return []
    now = now or timezone.now()
    [sequence] = _lock_sequences({PLATFORM_SEQUENCE_KEY: PLATFORM_PREFIX}).values()
    return _issue_many(sequence, now, [_commission_document(statement) for statement in due])


def _invoiced(statement: WeeklyStatement) -> bool:
    return bool(statement.commission or statement.commission_returned or statement.transfer_fee)


def _commission_document(statement: WeeklyStatement) -> dict:
    """The fields of a statement's commission invoice (or credit note), in the merchant's language, but its number."""
    language = statement.merchant_language or settings.LANGUAGE_CODE
    with translation.override(language):
        lines = commission_lines(statement)
        total = _totals(lines)["total"]
        kind = InvoiceKind.COMMISSION if total >= 0 else InvoiceKind.CREDIT_NOTE
        corrects = None
        mentions = []
        if kind == InvoiceKind.CREDIT_NOTE:
            corrects = (
                Invoice.objects.filter(kind=InvoiceKind.COMMISSION, statement__shop=statement.shop)
                .exclude(statement__shop=None)
                .order_by("-issued_at", "-pk")
                .first()
            )
            if corrects is not None:
                mentions.append(
                    _("Avoir sur les commissions facturées, dernière facture n° %(number)s du %(date)s.")
                    % {"number": corrects.number, "date": long_date(corrects.issued_at)}
                )
        if not settings.PLATFORM_VAT_REGISTERED:
            mentions.append(_franchise_mention())
        mentions.append(
            _("Réglée par compensation sur les sommes reversées au titre du relevé de la semaine du %(week)s.")
            % {"week": long_date(statement.week_start)}
        )
    return {
        "kind": kind,
        "language": language,
        "shop": statement.shop,
        "territory_id": statement.territory_id,
        "statement": statement,
        "corrects": corrects,
        "seller": _platform_party(),
        "buyer": _merchant_party(statement),
        "lines": lines,
        "mentions": mentions,
    }
