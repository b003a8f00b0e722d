"""What the customer receives: the confirmation e-mail with code, QR code and PDF link; the PDF; the expiry reminder."""

import datetime
import io
from decimal import Decimal
from email.mime.image import MIMEImage

import pypdf
import pytest
from django.conf.urls.i18n import i18n_patterns
from django.core import mail
from django.urls import include, path
from django_q.models import Schedule

from checkout.models import Voucher, VoucherStatus
from checkout.vouchers import emails as voucher_emails
from checkout.vouchers import services as v
from checkout.vouchers.pdf import qr_png, render_voucher_pdf
from portal.urls import urlpatterns as portal_urlpatterns
from tests.checkout import voucher_fixtures
from tests.checkout.voucher_fixtures import order_of, pay, vouchers_of

# The portal's URLs with the printable vouchers, as portal.urls includes them.
urlpatterns = i18n_patterns(path("panier/", include("checkout.vouchers.urls")), prefix_default_language=True)
urlpatterns += portal_urlpatterns
pytestmark = pytest.mark.urls(__name__)

atelier_merchant = voucher_fixtures.atelier_merchant
gift = voucher_fixtures.gift


@pytest.fixture
def paid_with_vouchers(market, gift, django_capture_on_commit_callbacks):
    """Alice pays two 50.00 gift vouchers (one for Yann) and a santon; tasks run after the commit."""
    order = order_of(market, [(gift, 2), (market.santon, 1)])
    order.shop_orders.get().lines.filter(kind="voucher").update(beneficiary_name="Yann", gift_message="Joyeux Noël")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    return order, vouchers_of(order)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_the_confirmation_carries_each_voucher_with_code_qr_and_pdf_link(paid_with_vouchers):
    order, (first, second) = paid_with_vouchers
    confirmations = [m for m in mail.outbox if m.to == ["alice@example.org"]]
    assert len(confirmations) == 1
    message = confirmations[0]
    links = [f"http://testserver/fr/panier/commande/{order.token}/bons/{x.pk}.pdf" for x in (first, second)]
    for voucher, link in zip((first, second), links, strict=True):
        assert voucher.display_code in message.body
        assert link in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    for voucher, link in zip((first, second), links, strict=True):
        assert voucher.display_code in html
        assert f'href="{link}"' in html
        assert f'src="cid:voucher-{voucher.pk}@marche-de-noel"' in html
    images = [a for a in message.attachments if isinstance(a, MIMEImage)]
    assert [i["Content-ID"] for i in images] == [f"<voucher-{x.pk}@marche-de-noel>" for x in (first, second)]
    assert [i.get_payload(decode=True) for i in images] == [qr_png(first.code), qr_png(second.code)]
    assert message.mixed_subtype == "related"
    # the whole message serialises as one e-mail
    raw = message.message().as_bytes()
    assert b"multipart/related" in raw


def test_an_order_without_vouchers_has_no_voucher_section(market, django_capture_on_commit_callbacks):
    order = order_of(market, [(market.santon, 1)])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    [message] = [m for m in mail.outbox if m.to == ["alice@example.org"]]
    assert "Vos bons et prestations" not in message.body
    assert message.attachments == []


def test_the_qr_code_encodes_the_bare_code():
    import segno

    code = v.generate_code()
    expected = segno.make(code, error="m", micro=False)
    buffer = io.BytesIO()
    expected.save(buffer, kind="png", scale=6, border=2)
    assert qr_png(code) == buffer.getvalue()
    assert qr_png(code).startswith(b"\x89PNG")
    assert expected.mode == "alphanumeric"  # the code alone, which the look-up form accepts as scanned


def test_the_pdf_renders_with_code_amount_beneficiary_and_validity(paid_with_vouchers, client):
    order, (first, _second) = paid_with_vouchers
    response = client.get(f"/fr/panier/commande/{order.token}/bons/{first.pk}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    text = pdf_text(response.content)
    assert first.display_code in text
    assert "50,00" in text
    assert "Yann" in text
    assert "Joyeux Noël" in text
    assert "Valable jusqu'au 30 juin 2027" in text
    assert "Atelier du Bois Flotté" in text


def test_the_pdf_needs_the_orders_token(paid_with_vouchers, market, gift, client):
    order, (first, _second) = paid_with_vouchers
    other = order_of(market, [(gift, 1)])
    pay(other)
    assert client.get(f"/fr/panier/commande/{other.token}/bons/{first.pk}.pdf").status_code == 404
    assert client.get(f"/fr/panier/commande/{'x' * 43}/bons/{first.pk}.pdf").status_code == 404
    assert client.get(f"/fr/panier/commande/{'x' * 65}/bons/{first.pk}.pdf").status_code == 404


def test_render_voucher_pdf_directly(paid_with_vouchers):
    _order, (first, _second) = paid_with_vouchers
    content = render_voucher_pdf(Voucher.objects.get(pk=first.pk))
    assert content.startswith(b"%PDF")
    assert first.display_code in pdf_text(content)


# Reminders ---------------------------------------------------------------------


DEC_5 = datetime.datetime(2026, 12, 5, 8, 0, tzinfo=datetime.UTC)


def test_the_daily_reminder_is_scheduled(db):
    schedule = Schedule.objects.get(func="checkout.tasks.send_voucher_expiry_reminders")
    assert (schedule.schedule_type, schedule.repeats) == (Schedule.DAILY, -1)


def test_holders_are_reminded_once_of_vouchers_expiring_within_30_days(market, gift):
    # given a service valid until 31 December, a used-up one and a gift voucher valid until June
    services_order = order_of(market, [(market.atelier_visite, 2)])
    pay(services_order)
    due, used = vouchers_of(services_order)
    Voucher.objects.filter(pk=used.pk).update(balance=0, status=VoucherStatus.USED)
    gift_order = order_of(market, [(gift, 1)])
    pay(gift_order)
    mail.outbox.clear()
    # when the task runs on 5 December
    assert voucher_emails.send_expiry_reminders(now=DEC_5) == 1
    # then the holder of the service due is told, once
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert message.subject == "Votre bon Épicerie Kerjean expire le 31 décembre 2026"
    assert due.display_code in message.body
    assert "Il reste 15,00\xa0€ à utiliser." in message.body
    assert f"/fr/panier/commande/{services_order.token}/bons/{due.pk}.pdf" in message.body
    assert Voucher.objects.get(pk=due.pk).reminded_at == DEC_5
    # and the next day's run sends nothing more
    assert voucher_emails.send_expiry_reminders(now=DEC_5 + datetime.timedelta(days=1)) == 0
    assert len(mail.outbox) == 1


def test_no_reminder_too_early_after_expiry_or_when_cancelled(market):
    order = order_of(market, [(market.atelier_visite, 2)])
    pay(order)
    first, second = vouchers_of(order)
    Voucher.objects.filter(pk=second.pk).update(status=VoucherStatus.CANCELLED, balance=Decimal("0.00"))
    mail.outbox.clear()
    assert voucher_emails.send_expiry_reminders(now=datetime.datetime(2026, 11, 30, 8, tzinfo=datetime.UTC)) == 0  # 31 days ahead
    assert voucher_emails.send_expiry_reminders(now=datetime.datetime(2027, 1, 1, 8, tzinfo=datetime.UTC)) == 0  # expired
    assert mail.outbox == []
    assert voucher_emails.send_expiry_reminders(now=datetime.datetime(2026, 12, 1, 8, tzinfo=datetime.UTC)) == 1
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]


def test_the_order_page_block_lists_vouchers_with_balance_and_status(paid_with_vouchers, atelier_merchant):
    from django.template.loader import render_to_string

    from checkout.vouchers.pdf import order_voucher_items

    order, (first, second) = paid_with_vouchers
    v.redeem(atelier_merchant, first.pk, "20.00")
    html = render_to_string("checkout/vouchers/_order_vouchers.html", {"items": order_voucher_items(order)})
    assert first.display_code in html and second.display_code in html
    assert "Solde : 30,00\xa0€ sur 50,00\xa0€ — Valable" in html
    assert "Solde : 50,00\xa0€ sur 50,00\xa0€ — Valable" in html
    assert f'href="/fr/panier/commande/{order.token}/bons/{first.pk}.pdf"' in html
    assert html.count('src="data:image/png;base64,') == 2
