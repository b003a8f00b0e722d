"""Bounces: each e-mail's envelope sender names it; a returned report is filed against the order it was about.

The SMTP backend gives `EmailMessage.from_email` as MAIL FROM (the
envelope sender, where bounces go) and the `From` header from the
message's headers: both are checked on the message Django would send.
"""

import io
from datetime import UTC, datetime
from email.header import decode_header, make_header

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from checkout.accounts.erasure import erase_email
from checkout.emails import send_order_confirmation
from checkout.models import Order
from portal.models import SentEmail
from tests.checkout.conftest import market  # noqa: F401  (the fixture)
from tests.checkout.helpers import ALICE, two_shop_order
from tests.checkout.invoice_fixtures import pay_at
from tests.checkout.test_merchant_orders import user_of

BOUNCES = "bounces@marche-noel.example"
FROM = "Marché de Noël numérique <noreply@marche-noel.localhost>"


def dsn(original_recipient: str, *, to: str = "", action: str = "failed", status: str = "5.1.1") -> bytes:
    """A delivery status notification (RFC 3464) as Postfix writes one."""
    return f"""Return-Path: <>
X-Original-To: {original_recipient}
Delivered-To: {original_recipient}
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: {to or original_recipient}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B0UND"

--B0UND
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

--B0UND
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: Wed,  2 Dec 2026 15:00:00 +0100 (CET)

Final-Recipient: rfc822; alice@example.org
Original-Recipient: rfc822;alice@example.org
Action: {action}
Status: {status}
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <alice@example.org>: Recipient address
    rejected: User unknown in virtual mailbox table

--B0UND
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: {FROM}
Subject: Votre commande

--B0UND--
""".replace("\n", "\r\n").encode()


def header_from(message) -> str:
    """The From header of the message Django would send, decoded."""
    return str(make_header(decode_header(message.message()["From"])))


def feed(raw: bytes, *args) -> str:
    out = io.StringIO()
    call_command("record_bounce", *args, stdin=io.BytesIO(raw), stdout=out)
    return out.getvalue()


@pytest.fixture
def paid_order(market):
    order = two_shop_order(market)
    pay_at(order)
    mail.outbox.clear()
    return order


@pytest.fixture
def confirmed(paid_order, settings):
    """The order's confirmation, sent with BOUNCE_ADDRESS set: (order, its SentEmail row, the message)."""
    settings.BOUNCE_ADDRESS = BOUNCES
    assert send_order_confirmation(paid_order.pk) is True
    [message] = mail.outbox
    return paid_order, SentEmail.objects.get(), message


def test_the_order_confirmation_goes_out_with_its_own_bounce_address(confirmed):
    order, sent, message = confirmed

    # The envelope sender is bounces+<token>; the reader still sees the portal as sender.
    assert message.from_email == f"bounces+{sent.token}@marche-noel.example"
    assert header_from(message) == FROM
    assert message.to == ["alice@example.org"]
    assert len(sent.token) == 24
    assert sent.recipient == "alice@example.org"
    assert sent.template == "checkout/emails/order_confirmation"
    assert sent.about == order
    assert sent.bounced_at is None


def test_each_e_mail_gets_another_token(confirmed, settings):
    order, sent, _message = confirmed
    shop_order = order.shop_orders.order_by("pk").first()

    from checkout.emails import notify_merchants

    notify_merchants(order.pk)

    tokens = set(SentEmail.objects.values_list("token", flat=True))
    assert len(tokens) == SentEmail.objects.count() == 3  # the confirmation and one notice per shop
    notice = SentEmail.objects.get(recipient="atelier@example.org")
    assert notice.about == shop_order
    assert notice.template == "checkout/emails/merchant_new_order"


def test_a_report_fed_to_record_bounce_marks_the_e_mail_bounced_against_its_order(confirmed, caplog):
    order, sent, _message = confirmed

    output = feed(dsn(f"bounces+{sent.token}@marche-noel.example"))

    sent.refresh_from_db()
    assert output == f"bounce recorded for e-mail {sent.pk}\n"
    assert sent.bounced_at is not None
    assert sent.bounce_status == "5.1.1"
    assert sent.bounce_diagnostic == (
        "550 5.1.1 <alice@example.org>: Recipient address rejected: User unknown in virtual mailbox table"
    )
    assert (sent.content_type, sent.object_id) == (ContentType.objects.get_for_model(Order), order.pk)
    [warning] = [r for r in caplog.records if r.name == "portal.bounces" and r.levelname == "WARNING"]
    assert warning.getMessage() == (
        f"E-mail {sent.pk} (checkout/emails/order_confirmation) about checkout.order {order.pk} bounced: status 5.1.1"
    )


def test_the_token_is_read_from_the_recipient_the_mail_server_gives(confirmed):
    _order, sent, _message = confirmed
    # Headers that name no address of ours: only --recipient does.
    raw = dsn("postmaster@marche-noel.example", to="postmaster@marche-noel.example")

    feed(raw, "--recipient", f"BOUNCES+{sent.token.upper()}@Marche-Noel.example")

    sent.refresh_from_db()
    assert sent.bounce_status == "5.1.1"


@pytest.mark.parametrize(
    "address",
    [
        "bounces+0123456789abcdef01234567@marche-noel.example",  # well formed, no such e-mail
        "bounces+{token}x@marche-noel.example",  # tampered
        "bounces+{token}@other.example",  # another domain
        "bounces@marche-noel.example",  # no token
    ],
)
def test_an_unknown_or_tampered_token_records_nothing_and_exits_zero(confirmed, address):
    _order, sent, _message = confirmed

    # call_command raises SystemExit on a non-zero exit: returning is exiting 0.
    output = feed(dsn(address.format(token=sent.token)))

    assert output == ""
    assert SentEmail.objects.filter(bounced_at__isnull=False).count() == 0


def test_a_delay_report_is_no_bounce(confirmed):
    _order, sent, _message = confirmed

    feed(dsn(f"bounces+{sent.token}@marche-noel.example", action="delayed", status="4.4.1"))

    sent.refresh_from_db()
    assert sent.bounced_at is None and sent.bounce_status == ""


def test_an_automatic_reply_is_no_bounce_but_an_old_style_bounce_is(confirmed):
    _order, sent, _message = confirmed
    address = f"bounces+{sent.token}@marche-noel.example"
    header = f"To: {address}\r\nSubject: Absent until Monday\r\n"

    feed(f"{header}Auto-Submitted: auto-replied\r\n\r\nI am away.\r\n".encode())
    sent.refresh_from_db()
    assert sent.bounced_at is None

    feed(f"To: {address}\r\nSubject: failure notice\r\n\r\nSorry, no mailbox here by that name.\r\n".encode())
    sent.refresh_from_db()
    assert sent.bounced_at is not None
    assert (sent.bounce_status, sent.bounce_diagnostic) == ("", "failure notice")


def test_without_bounce_address_the_envelope_sender_is_the_from_address_and_nothing_is_recorded(paid_order, settings):
    settings.BOUNCE_ADDRESS = ""

    send_order_confirmation(paid_order.pk)

    [message] = mail.outbox
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert header_from(message) == FROM
    assert SentEmail.objects.count() == 0


def bounces_page(user):
    client = Client()
    client.force_login(user)
    return client.get(reverse("bounces:index"))


def test_the_list_of_undelivered_e_mails_shows_them_to_a_superuser(confirmed):
    order, sent, _message = confirmed
    feed(dsn(f"bounces+{sent.token}@marche-noel.example"))
    admin = get_user_model().objects.create_superuser("operatrice", "op@example.org", "pw")

    response = bounces_page(admin)

    assert response.status_code == 200
    text = response.content.decode()
    assert f"Commande n° {order.number}" in text
    assert "checkout/emails/order_confirmation" in text
    assert "5.1.1" in text
    assert "User unknown in virtual mailbox table" in text
    assert [row.pk for row in response.context["object_list"]] == [sent.pk]


def test_the_list_shows_only_bounced_e_mails(confirmed):
    admin = get_user_model().objects.create_superuser("operatrice", "op@example.org", "pw")

    response = bounces_page(admin)

    assert response.status_code == 200
    assert list(response.context["object_list"]) == []


def test_a_merchant_is_refused_the_list(confirmed, market):
    _order, sent, _message = confirmed
    feed(dsn(f"bounces+{sent.token}@marche-noel.example"))
    merchant = user_of(market.atelier, "atelier")

    response = bounces_page(merchant)

    assert response.status_code in (302, 403)
    assert "alice@example.org" not in response.content.decode()


def test_erasing_a_customer_clears_their_address_from_the_sent_e_mails(confirmed):
    order, sent, _message = confirmed
    feed(dsn(f"bounces+{sent.token}@marche-noel.example"))
    other = SentEmail.objects.create(token="f" * 24, recipient="someone@example.org", template="x")
    # The order is handed over, so erasure does not wait for it.
    order.shop_orders.update(fulfilment_status="collected")

    erase_email(ALICE.email, order, now=datetime(2026, 12, 20, tzinfo=UTC))

    sent.refresh_from_db()
    assert (sent.recipient, sent.bounce_diagnostic) == ("", "")
    assert sent.bounce_status == "5.1.1" and sent.about == order  # what it was about, and that it bounced, stay
    other.refresh_from_db()
    assert other.recipient == "someone@example.org"
