"""Invoices in the merchant's name, credit notes and the platform's commission invoices: amounts to the cent,
numbering without gaps, idempotence, immutability."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from checkout.billing import invoices
from checkout.billing.invoices import (
    allocate,
    issue_commission_invoice,
    issue_credit_note,
    issue_sale_invoice,
    vat_breakdown,
)
from checkout.models import Invoice, InvoiceImmutable, InvoiceKind, InvoiceSequence
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import Confirmation, confirm_payment, place_order
from portal.money import to_cents
from shops.models import DeliveryKind, ProductPage, ShopPage, VatStatus
from tests.checkout.helpers import ALICE, two_shop_order
from tests.checkout.invoice_fixtures import PAID_AT, make_statement, pay_at, refund, sale_invoice
from tests.checkout.voucher_fixtures import order_of

D = Decimal


def amounts(invoice):
    return invoice.total_excl_vat, invoice.total_vat, invoice.total


def line_amounts(invoice):
    return [(line["vat_rate"], line["total_excl_vat"], line["vat"], line["total"]) for line in invoice.lines]


@pytest.fixture
def honey_at_reduced_rate(market):
    """The épicerie's honey is food: 5.5 % VAT."""
    ProductPage.objects.filter(pk=market.miel.pk).update(vat_rate="5.50")


@pytest.fixture
def paid_two_shops(market, honey_at_reduced_rate):
    """2 santons (12.50, 20 %) at the atelier, picked up; 1 honey (8.30, 5.5 %) at the épicerie, delivered (5.00)."""
    order = two_shop_order(market)
    assert pay_at(order) == Confirmation.CONFIRMED
    atelier_so, epicerie_so = order.shop_orders.order_by("pk")
    return order, atelier_so, epicerie_so


def shop_prefix(shop):
    return f"B{shop.pk}"


# Sale invoices ------------------------------------------------------------------------


def test_a_two_shop_order_gets_one_invoice_per_merchant_with_vat_per_rate(paid_two_shops, market):
    order, atelier_so, epicerie_so = paid_two_shops
    atelier, epicerie = sale_invoice(atelier_so), sale_invoice(epicerie_so)

    assert atelier.number == f"{shop_prefix(market.atelier)}-2025-000001"
    assert atelier.kind == InvoiceKind.SALE
    assert atelier.issued_at == PAID_AT
    assert line_amounts(atelier) == [("20.00", "20.83", "4.17", "25.00")]
    assert atelier.lines[0]["name"] == "Santon en bois"
    assert (atelier.lines[0]["quantity"], atelier.lines[0]["unit_price"]) == (2, "12.50")
    assert amounts(atelier) == (D("20.83"), D("4.17"), D("25.00"))
    assert atelier.total == atelier_so.total

    assert epicerie.number == f"{shop_prefix(market.epicerie)}-2025-000001"
    assert line_amounts(epicerie) == [("5.50", "7.87", "0.43", "8.30"), ("20.00", "4.17", "0.83", "5.00")]
    assert epicerie.lines[1]["name"] == "Frais de livraison (Livraison à domicile)"
    assert amounts(epicerie) == (D("12.04"), D("1.26"), D("13.30"))
    assert epicerie.total == epicerie_so.total
    assert [(r["vat_rate"], r["total_excl_vat"], r["vat"]) for r in vat_breakdown(epicerie.lines)] == [
        (D("5.50"), D("7.87"), D("0.43")),
        (D("20.00"), D("4.17"), D("0.83")),
    ]
    # what the customer paid, to the cent, across the merchants' invoices
    assert atelier.total + epicerie.total == order.total == D("38.30")


def test_the_seller_is_the_merchant_as_on_the_order_and_the_mandate_is_mentioned(paid_two_shops, market):
    order, atelier_so, epicerie_so = paid_two_shops
    # a later edit of the shop changes nothing on an issued invoice
    ShopPage.objects.filter(pk=market.epicerie.pk).update(legal_name="Autre SARL")
    invoice = sale_invoice(epicerie_so)
    shop = market.epicerie
    assert invoice.seller == {
        "name": "Épicerie Kerjean",
        "legal_name": shop.legal_name,
        "address": f"{shop.street}\n29600 Morlaix",
        "siret": shop.siret,
        "vat_number": shop.vat_number,
        "vat_status": VatStatus.REGISTERED,
        "email": "epicerie@example.org",
    }
    assert invoice.buyer == {
        "name": "Alice Le Goff", "email": "alice@example.org", "address": "2 place des Otages\n29600 Morlaix"
    }
    assert sale_invoice(atelier_so).buyer["address"] == ""  # picked up
    assert invoice.mentions[0] == (
        f"Facture émise par Association Marché de Noël numérique au nom et pour le compte de {shop.legal_name} "
        "(mandat de facturation)."
    )
    assert invoice.mentions[1] == f"Payée par carte bancaire le 10 décembre 2025 (commande n° {order.number})."
    assert "TVA non applicable, art. 293 B du CGI" not in invoice.mentions
    assert (invoice.shop_id, invoice.territory_id, invoice.language) == (shop.pk, market.territory.pk, "fr")


def test_an_exempt_merchant_invoices_without_vat_and_says_why(market):
    ShopPage.objects.filter(pk=market.atelier.pk).update(vat_status=VatStatus.FRANCHISE, vat_number="")
    # postal delivery (7.90) to see the fee without VAT too
    order = place_order(
        market.territory.pk,
        [BasketLine(market.santon.pk, 3)],
        {market.atelier.pk: DeliveryChoice(market.option(market.atelier, DeliveryKind.POSTAL).pk, "1 rue X\nBrest")},
        ALICE,
    )
    pay_at(order)
    invoice = sale_invoice(order.shop_orders.get())
    assert line_amounts(invoice) == [("0.00", "37.50", "0.00", "37.50"), ("0.00", "7.90", "0.00", "7.90")]
    assert amounts(invoice) == (D("45.40"), D("0.00"), D("45.40"))
    assert "TVA non applicable, art. 293 B du CGI" in invoice.mentions
    assert invoice.seller["vat_status"] == VatStatus.FRANCHISE
    assert invoice.seller["vat_number"] == ""


def test_line_options_are_part_of_the_designation(market):
    deliveries = {market.atelier.pk: DeliveryChoice(market.option(market.atelier, DeliveryKind.PICKUP).pk)}
    order = place_order(market.territory.pk, [BasketLine(market.bonnet.pk, 1, {"Taille": "M"})], deliveries, ALICE)
    pay_at(order)
    assert sale_invoice(order.shop_orders.get()).lines[0]["name"] == "Bonnet en laine (Taille : M)"


def test_vat_split_rounds_half_up_and_lines_add_up(market):
    # 0.05 at 20 %: 0.041666 -> 0.04 excl., 0.01 VAT; 10.05 at 5.5 %: 9.526066 -> 9.53 excl., 0.52 VAT
    assert invoices.vat_split(D("0.05"), D("20.00")) == (D("0.04"), D("0.01"))
    assert invoices.vat_split(D("10.05"), D("5.50")) == (D("9.53"), D("0.52"))
    # 0.21 / 1.1 = 0.190909.. -> 0.19; 1.26 / 1.05 = 1.2 exactly; 0.63 / 1.2 = 0.525 -> 0.53 (half up)
    assert invoices.vat_split(D("0.21"), D("10.00")) == (D("0.19"), D("0.02"))
    assert invoices.vat_split(D("0.63"), D("20.00")) == (D("0.53"), D("0.10"))
    assert invoices.vat_split(D("-2.00"), D("20.00")) == (D("-1.67"), D("-0.33"))
    assert invoices.vat_split(D("7.90"), D("0.00")) == (D("7.90"), D("0.00"))


# Numbering --------------------------------------------------------------------------


def test_each_merchant_numbers_1_2_3_on_its_own(market):
    m = market
    numbers = []
    for product in (m.santon, m.miel, m.santon, m.santon, m.miel):
        order = order_of(m, [(product, 1)])
        pay_at(order)
        numbers.append(sale_invoice(order.shop_orders.get()).number)
    a, e = shop_prefix(m.atelier), shop_prefix(m.epicerie)
    assert numbers == [f"{a}-2025-000001", f"{e}-2025-000001", f"{a}-2025-000002", f"{a}-2025-000003",
                       f"{e}-2025-000002"]
    atelier_seq = InvoiceSequence.objects.get(key=f"shop:{m.atelier.translation_key.hex}")
    epicerie_seq = InvoiceSequence.objects.get(key=f"shop:{m.epicerie.translation_key.hex}")
    assert (atelier_seq.prefix, atelier_seq.last_number) == (a, 3)
    assert (epicerie_seq.prefix, epicerie_seq.last_number) == (e, 2)
    assert list(atelier_seq.invoices.order_by("sequence_number").values_list("sequence_number", flat=True)) == [1, 2, 3]


def test_sequences_that_exist_are_locked_in_one_query_and_a_missing_one_is_created_first(
    db, django_assert_num_queries
):
    InvoiceSequence.objects.create(key="shop:a", prefix="A")
    with transaction.atomic(), django_assert_num_queries(1):
        invoices._lock_sequences({"shop:a": "A"})
    with transaction.atomic(), django_assert_num_queries(3):  # the lock finds one of two, inserts, locks again
        invoices._lock_sequences({"shop:a": "A", "shop:b": "B"})
    assert sorted(InvoiceSequence.objects.values_list("key", "prefix", "last_number")) == [
        ("shop:a", "A", 0),
        ("shop:b", "B", 0),
    ]


def test_the_year_of_the_number_is_paris_time(market):
    # 31 December 23:30 UTC is already 1 January in Paris
    order = order_of(market, [(market.santon, 1)])
    pay_at(order, datetime.datetime(2025, 12, 31, 23, 30, tzinfo=datetime.UTC))
    assert sale_invoice(order.shop_orders.get()).number == f"{shop_prefix(market.atelier)}-2026-000001"


def test_a_rolled_back_payment_gives_its_number_back(market):
    first = order_of(market, [(market.santon, 1)])
    second = order_of(market, [(market.santon, 1)])
    with pytest.raises(RuntimeError), transaction.atomic():
        pay_at(first)
        assert sale_invoice(first.shop_orders.get()).sequence_number == 1
        raise RuntimeError("the payment's transaction fails after the invoice")
    assert not Invoice.objects.exists()
    pay_at(second)
    assert sale_invoice(second.shop_orders.get()).sequence_number == 1


def test_confirming_twice_issues_one_invoice(market):
    order = order_of(market, [(market.santon, 2)])
    assert pay_at(order) == Confirmation.CONFIRMED
    payment = order.payments.get()
    assert confirm_payment(payment.provider_id, to_cents(order.total), "eur", now=PAID_AT) == Confirmation.ALREADY_PAID
    shop_order = order.shop_orders.get()
    invoice = sale_invoice(shop_order)
    # and calling the service again returns the same invoice, taking no number
    assert issue_sale_invoice(shop_order, PAID_AT).pk == invoice.pk
    assert Invoice.objects.count() == 1
    assert invoice.sequence.last_number == 1


def test_an_unpaid_order_has_no_invoice(market):
    order_of(market, [(market.santon, 1)])
    assert not Invoice.objects.exists()
    assert not InvoiceSequence.objects.exists()


# Immutability -------------------------------------------------------------------------


def test_an_issued_invoice_never_changes_nor_goes(paid_two_shops):
    _order, atelier_so, _epicerie_so = paid_two_shops
    invoice = sale_invoice(atelier_so)
    invoice.total = D("1.00")
    with pytest.raises(InvoiceImmutable):
        invoice.save()
    with pytest.raises(InvoiceImmutable):
        invoice.save(update_fields=["total"])
    with pytest.raises(InvoiceImmutable):
        Invoice.objects.filter(pk=invoice.pk).update(total=D("1.00"))
    with pytest.raises(InvoiceImmutable):
        invoice.delete()
    with pytest.raises(InvoiceImmutable):
        Invoice.objects.filter(pk=invoice.pk).delete()
    invoice.refresh_from_db()
    assert invoice.total == D("25.00")
    # only the PDF may be attached later
    invoice.pdf.name = "invoices/2025/12/x.pdf"
    invoice.save(update_fields=["pdf"])
    invoice.refresh_from_db()
    assert (invoice.pdf.name, invoice.total) == ("invoices/2025/12/x.pdf", D("25.00"))


# Credit notes ---------------------------------------------------------------------------


def test_a_partial_then_the_final_refund_reverse_the_invoice_exactly(paid_two_shops, monkeypatch, market):
    _order, _atelier_so, epicerie_so = paid_two_shops
    original = sale_invoice(epicerie_so)

    first = issue_credit_note(refund(monkeypatch, epicerie_so, "5.00"), PAID_AT)
    # 5.00 over what is left per rate (8.30 at 5.5 %, 5.00 at 20 %): 3.12 and 1.88
    assert first.kind == InvoiceKind.CREDIT_NOTE
    assert first.corrects == original
    assert first.sequence == original.sequence
    assert first.number == f"{shop_prefix(market.epicerie)}-2025-000002"
    assert line_amounts(first) == [("5.50", "-2.96", "-0.16", "-3.12"), ("20.00", "-1.57", "-0.31", "-1.88")]
    assert [line["name"] for line in first.lines] == ["Remboursement", "Remboursement"]
    assert amounts(first) == (D("-4.53"), D("-0.47"), D("-5.00"))
    assert first.mentions[:2] == [
        f"Avoir émis par Association Marché de Noël numérique au nom et pour le compte de {market.epicerie.legal_name} "
        "(mandat de facturation).",
        f"Avoir sur la facture n° {original.number} du 10 décembre 2025.",
    ]

    final = Invoice.objects.get(refund=refund(monkeypatch, epicerie_so, "8.30"))
    assert final.number == f"{shop_prefix(market.epicerie)}-2025-000003"
    assert line_amounts(final) == [("5.50", "-4.91", "-0.27", "-5.18"), ("20.00", "-2.60", "-0.52", "-3.12")]
    assert amounts(final) == (D("-7.51"), D("-0.79"), D("-8.30"))
    # invoice + credit notes = nothing, per rate and in total
    notes = [first, final]
    assert sum(n.total for n in notes) + original.total == 0
    assert sum(n.total_vat for n in notes) + original.total_vat == 0
    assert sum(n.total_excl_vat for n in notes) + original.total_excl_vat == 0
    assert list(original.credit_notes.order_by("sequence_number")) == notes


def test_a_full_refund_reverses_each_rate(paid_two_shops, monkeypatch):
    _order, _atelier_so, epicerie_so = paid_two_shops
    refunded = refund(monkeypatch, epicerie_so, "13.30")
    note = Invoice.objects.get(refund=refunded)
    assert line_amounts(note) == [("5.50", "-7.87", "-0.43", "-8.30"), ("20.00", "-4.17", "-0.83", "-5.00")]
    assert amounts(note) == (D("-12.04"), D("-1.26"), D("-13.30"))
    assert note.corrects == sale_invoice(epicerie_so)
    assert note.shop_order == epicerie_so
    assert note.seller == note.corrects.seller and note.buyer == note.corrects.buyer


def test_the_credit_note_is_issued_once_per_refund(paid_two_shops, monkeypatch):
    _order, atelier_so, _epicerie_so = paid_two_shops
    refunded = refund(monkeypatch, atelier_so, "10.00")
    note = Invoice.objects.get(refund=refunded)
    assert issue_credit_note(refunded, PAID_AT).pk == note.pk
    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).count() == 1
    assert note.sequence.last_number == 2
    assert amounts(note) == (D("-8.33"), D("-1.67"), D("-10.00"))


def test_an_exempt_merchants_credit_note_has_no_vat(market, monkeypatch):
    ShopPage.objects.filter(pk=market.atelier.pk).update(vat_status=VatStatus.FRANCHISE, vat_number="")
    order = order_of(market, [(market.santon, 2)])
    pay_at(order)
    note = Invoice.objects.get(refund=refund(monkeypatch, order.shop_orders.get(), "7.77"))
    assert line_amounts(note) == [("0.00", "-7.77", "0.00", "-7.77")]
    assert "TVA non applicable, art. 293 B du CGI" in note.mentions


def test_allocation_adds_up_and_never_takes_more_than_is_left():
    assert allocate(D("0.01"), [D("8.30"), D("5.00")]) == [D("0.01"), D("0.00")]
    assert allocate(D("0.02"), [D("1.00"), D("1.00")]) == [D("0.01"), D("0.01")]
    assert allocate(D("0.01"), [D("1.00"), D("1.00")]) == [D("0.01"), D("0.00")]
    assert allocate(D("13.30"), [D("8.30"), D("5.00")]) == [D("8.30"), D("5.00")]
    for cents in range(1, 1001, 7):
        amount = D(cents) / 100
        weights = [D("3.33"), D("0.01"), D("6.66")]
        parts = allocate(amount, weights)
        assert sum(parts) == amount
        assert all(D(0) <= part <= weight for part, weight in zip(parts, weights, strict=True))


def test_many_small_refunds_add_up_to_the_invoice(market, monkeypatch, honey_at_reduced_rate):
    order = two_shop_order(market)
    pay_at(order)
    shop_order = order.shop_orders.order_by("pk")[1]  # 8.30 at 5.5 %, 5.00 at 20 %
    for amount in ("0.01", "0.03", "1.99", "0.07", "4.44", "0.01", "6.75"):
        refund(monkeypatch, shop_order, amount)
    notes = Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE, shop_order=shop_order)
    original = sale_invoice(shop_order)
    assert notes.count() == 7
    assert sum(n.total for n in notes) == -original.total
    assert sum(n.total_vat for n in notes) == -original.total_vat
    per_rate = {}
    for note in notes:
        for row in vat_breakdown(note.lines):
            per_rate[row["key"]] = per_rate.get(row["key"], D(0)) + row["vat"]
    assert per_rate == {"5.50": D("-0.43"), "20.00": D("-0.83")}


# Commission invoices ----------------------------------------------------------------------


def test_commission_invoice_of_a_vat_registered_platform(market, settings):
    settings.PLATFORM_VAT_REGISTERED = True
    statement = make_statement(market.atelier, market.territory, commission="12.34", commission_returned="1.00",
                               transfer_fee="0.18")
    invoice = issue_commission_invoice(statement, now=PAID_AT)
    assert invoice.kind == InvoiceKind.COMMISSION
    assert invoice.number == "PF-2025-000001"
    assert invoice.sequence.key == "platform"
    assert line_amounts(invoice) == [
        ("20.00", "10.28", "2.06", "12.34"),
        ("20.00", "-0.83", "-0.17", "-1.00"),
        ("20.00", "0.15", "0.03", "0.18"),
    ]
    assert [line["name"] for line in invoice.lines] == [
        "Commission sur les ventes de la semaine du 8 décembre 2025",
        "Commission restituée sur les remboursements de la semaine du 8 décembre 2025",
        "Frais de virement",
    ]
    assert amounts(invoice) == (D("9.60"), D("1.92"), D("11.52"))
    assert invoice.seller["legal_name"] == "Association Marché de Noël numérique"
    assert invoice.seller["vat_number"] == "FR44732829320"
    assert invoice.buyer["legal_name"] == market.atelier.legal_name
    assert invoice.buyer["siret"] == market.atelier.siret
    assert (invoice.statement, invoice.shop_id, invoice.shop_order) == (statement, market.atelier.pk, None)
    assert "TVA non applicable, art. 293 B du CGI" not in invoice.mentions
    assert invoice.mentions[-1] == (
        "Réglée par compensation sur les sommes reversées au titre du relevé de la semaine du 8 décembre 2025."
    )


def test_commission_invoice_of_a_platform_without_vat(market, settings):
    settings.PLATFORM_VAT_REGISTERED = False
    statement = make_statement(market.atelier, market.territory, commission="12.34", transfer_fee="0.15")
    invoice = issue_commission_invoice(statement, now=PAID_AT)
    assert line_amounts(invoice) == [("0.00", "12.34", "0.00", "12.34"), ("0.00", "0.15", "0.00", "0.15")]
    assert amounts(invoice) == (D("12.49"), D("0.00"), D("12.49"))
    assert invoice.seller["vat_number"] == ""
    assert "TVA non applicable, art. 293 B du CGI" in invoice.mentions


def test_more_commission_returned_than_taken_is_a_credit_note_of_the_platform(market, settings):
    settings.PLATFORM_VAT_REGISTERED = True
    earlier = issue_commission_invoice(
        make_statement(market.atelier, market.territory, week_start=datetime.date(2025, 12, 1), commission="4.00"),
        now=PAID_AT - datetime.timedelta(days=7),
    )
    statement = make_statement(market.atelier, market.territory, commission="0.50", commission_returned="2.00")
    note = issue_commission_invoice(statement, now=PAID_AT)
    assert note.kind == InvoiceKind.CREDIT_NOTE
    assert note.number == "PF-2025-000002"
    assert note.sequence == earlier.sequence
    assert line_amounts(note) == [("20.00", "0.42", "0.08", "0.50"), ("20.00", "-1.67", "-0.33", "-2.00")]
    assert amounts(note) == (D("-1.25"), D("-0.25"), D("-1.50"))
    assert note.corrects == earlier
    assert note.mentions[0] == f"Avoir sur les commissions facturées, dernière facture n° {earlier.number} du 3 décembre 2025."


def test_nothing_to_invoice_issues_nothing_and_takes_no_number(market):
    statement = make_statement(market.atelier, market.territory)
    assert issue_commission_invoice(statement, now=PAID_AT) is None
    assert not Invoice.objects.exists()
    assert not InvoiceSequence.objects.filter(key="platform").exists()


def test_commission_invoices_are_issued_once_per_statement_in_one_sequence(market):
    atelier = make_statement(market.atelier, market.territory, commission="3.00", transfer_fee="0.18")
    epicerie = make_statement(market.epicerie, market.territory, commission="1.00")
    with transaction.atomic():  # the statements' run issues them all in one transaction
        first = issue_commission_invoice(atelier, now=PAID_AT)
        second = issue_commission_invoice(epicerie, now=PAID_AT)
        again = issue_commission_invoice(atelier, now=PAID_AT)
    assert [first.number, second.number] == ["PF-2025-000001", "PF-2025-000002"]
    assert again.pk == first.pk
    assert Invoice.objects.filter(statement__isnull=False).count() == 2
    assert InvoiceSequence.objects.get(key="platform").last_number == 2


def test_a_sale_and_a_commission_in_the_same_week_do_not_share_numbers(paid_two_shops, market):
    statement = make_statement(market.atelier, market.territory, commission="2.00")
    commission = issue_commission_invoice(statement, now=PAID_AT + datetime.timedelta(days=5))
    assert commission.number == "PF-2025-000001"
    assert sale_invoice(paid_two_shops[1]).number == f"{shop_prefix(market.atelier)}-2025-000001"
    assert Invoice.objects.filter(sequence=commission.sequence).count() == 1
