"""Invoices of a bundle: each shop invoices its own part, at its own VAT rate, in its own sequence.

The épicerie sells a 100.00 bundle: its own part (45.00, food, 5.5 %), the
atelier's santon (30 %, 20 %) and a crêperie's dinner (25.00, declared at
10 % but the crêperie is under the VAT franchise, so it charges none).
"""

from decimal import Decimal

import pytest

from checkout.models import Invoice, InvoiceKind
from checkout.pricing import BasketLine
from checkout.services import place_order
from shops.models import VatStatus
from tests.checkout.helpers import ALICE
from tests.checkout.invoice_fixtures import pay_at, refund, sale_invoice
from tests.checkout.voucher_fixtures import order_of
from tests.fixtures import factories as f

D = Decimal
FRANCHISE = "TVA non applicable, art. 293 B du CGI"


@pytest.fixture
def creperie(market):
    return f.make_shop(
        market.market, "Crêperie du Viaduc", vat_status=VatStatus.FRANCHISE, vat_number="",
        delivery_options=[f.pickup()],
    )


@pytest.fixture
def bundle(market, creperie):
    return f.make_bundle(
        market.epicerie, "Coffret de la Baie", price="100.00", vat_rate="5.50",
        bundle_own_part="Un panier de produits locaux",
        parts=[
            {"participant": market.atelier, "share_percent": D("30"), "vat_rate": "20.00",
             "description": "Un santon sculpté"},
            {"participant": creperie, "share_amount": D("25.00"), "vat_rate": "10.00",
             "description": "Un dîner pour deux"},
        ],
    )


def bundle_order(market, bundle, quantity=2):
    order = place_order(market.territory.pk, [BasketLine(bundle.pk, quantity)], {}, ALICE)
    pay_at(order)
    return order


def of_shop(order, shop):
    return order.shop_orders.get(shop=shop)


def line_amounts(invoice):
    return [(line["name"], line["quantity"], line["unit_price"], line["vat_rate"], line["total_excl_vat"], line["vat"],
             line["total"]) for line in invoice.lines]


def amounts(invoice):
    return invoice.total_excl_vat, invoice.total_vat, invoice.total


def test_each_shop_invoices_its_part_at_its_vat_rate(market, bundle, creperie):
    # when two bundles are paid
    order = bundle_order(market, bundle)

    # then each of the three shops issued one invoice, for its part only
    epicerie, atelier, crepes = (sale_invoice(of_shop(order, shop)) for shop in (market.epicerie, market.atelier, creperie))
    assert Invoice.objects.filter(kind=InvoiceKind.SALE).count() == 3
    # 90.00 at 5.5 %: 90 / 1.055 = 85.308… → 85.31 excl. VAT, 4.69 VAT
    assert line_amounts(epicerie) == [
        ("Coffret de la Baie — Un panier de produits locaux", 2, "45.00", "5.50", "85.31", "4.69", "90.00")
    ]
    assert amounts(epicerie) == (D("85.31"), D("4.69"), D("90.00"))
    # 60.00 at 20 %: 50.00 + 10.00
    assert line_amounts(atelier) == [("Coffret de la Baie — Un santon sculpté", 2, "30.00", "20.00", "50.00", "10.00",
                                      "60.00")]
    assert amounts(atelier) == (D("50.00"), D("10.00"), D("60.00"))
    # the crêperie charges no VAT, whatever rate its part declared, and says why
    assert line_amounts(crepes) == [("Coffret de la Baie — Un dîner pour deux", 2, "25.00", "0.00", "50.00", "0.00",
                                     "50.00")]
    assert amounts(crepes) == (D("50.00"), D("0.00"), D("50.00"))
    assert FRANCHISE in crepes.mentions
    assert FRANCHISE not in atelier.mentions and FRANCHISE not in epicerie.mentions
    assert (crepes.seller["vat_status"], crepes.seller["vat_number"]) == (VatStatus.FRANCHISE, "")

    # each in the name of its merchant, to the customer, and together what the customer paid
    assert [invoice.seller["name"] for invoice in (epicerie, atelier, crepes)] == [
        "Épicerie Kerjean", "Atelier du Bois Flotté", "Crêperie du Viaduc"
    ]
    assert crepes.mentions[0] == (
        f"Facture émise par Association Marché de Noël numérique au nom et pour le compte de {creperie.legal_name} "
        "(mandat de facturation)."
    )
    assert all(invoice.buyer == {"name": "Alice Le Goff", "email": "alice@example.org", "address": ""}
               for invoice in (epicerie, atelier, crepes))
    assert epicerie.total + atelier.total + crepes.total == order.total == D("200.00")


def test_each_shop_numbers_its_part_in_its_own_sequence_without_gaps(market, bundle, creperie):
    # given a bundle, then a santon alone at the atelier, then a bundle again
    first = bundle_order(market, bundle, 1)
    santon = order_of(market, [(market.santon, 1)])
    pay_at(santon)
    second = bundle_order(market, bundle, 1)

    # then each shop's invoices run 1, 2 (3) in its own sequence, whatever the others did
    def numbers(shop):
        return list(Invoice.objects.filter(shop=shop).order_by("sequence_number").values_list("number", flat=True))

    assert numbers(market.epicerie) == [f"B{market.epicerie.pk}-2025-000001", f"B{market.epicerie.pk}-2025-000002"]
    assert numbers(market.atelier) == [f"B{market.atelier.pk}-2025-00000{n}" for n in (1, 2, 3)]
    assert numbers(creperie) == [f"B{creperie.pk}-2025-000001", f"B{creperie.pk}-2025-000002"]
    assert sale_invoice(of_shop(santon, market.atelier)).number == f"B{market.atelier.pk}-2025-000002"
    assert [sale_invoice(of_shop(order, creperie)).sequence_number for order in (first, second)] == [1, 2]
    sequences = {invoice.sequence_id for invoice in Invoice.objects.all()}
    assert len(sequences) == 3


def test_a_refund_of_one_part_is_a_credit_note_of_that_shops_invoice_only(market, bundle, creperie, monkeypatch):
    order = bundle_order(market, bundle)
    atelier_so = of_shop(order, market.atelier)
    original = sale_invoice(atelier_so)

    # when the atelier refunds 20.00 of its part
    refunded = refund(monkeypatch, atelier_so, "20.00")

    # then one credit note, on the atelier's invoice, next in its sequence: 20.00 at 20 % is 16.67 + 3.33
    note = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE)
    assert (note.refund, note.corrects, note.shop_order, note.sequence) == (
        refunded, original, atelier_so, original.sequence
    )
    assert note.number == f"B{market.atelier.pk}-2025-000002"
    assert [(line["vat_rate"], line["total_excl_vat"], line["vat"], line["total"]) for line in note.lines] == [
        ("20.00", "-16.67", "-3.33", "-20.00")
    ]
    assert amounts(note) == (D("-16.67"), D("-3.33"), D("-20.00"))
    # and nothing for the épicerie or the crêperie, whose parts stand
    for shop in (market.epicerie, creperie):
        assert list(Invoice.objects.filter(shop=shop).values_list("kind", flat=True)) == [InvoiceKind.SALE]


def test_the_exempt_participants_credit_note_has_no_vat(market, bundle, creperie, monkeypatch):
    order = bundle_order(market, bundle)
    crepes_so = of_shop(order, creperie)

    refund(monkeypatch, crepes_so, "50.00")

    note = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE)
    assert note.corrects == sale_invoice(crepes_so)
    assert [(line["vat_rate"], line["total_excl_vat"], line["vat"], line["total"]) for line in note.lines] == [
        ("0.00", "-50.00", "0.00", "-50.00")
    ]
    assert FRANCHISE in note.mentions
    assert note.number == f"B{creperie.pk}-2025-000002"
    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).exclude(shop=creperie).count() == 0
