"""The other queued tasks can run twice too: the second run with the same arguments sends nothing and changes no row.

Complements test_tasks_run_twice.py (same `run_twice`/`snapshot`). Covered
elsewhere, with the same assertion, and not repeated here:
refund_unfulfilled_payment (test_refund_recovery), refund_withdrawn_part and
send_part_withdrawn_notice (test_bundle_withdrawal), run_weekly_statements,
make_weekly_statements_batch and send_weekly_report (test_weekly_run_batches), send_bank_details_confirmation
(test_bank_details_confirmation), markets.closing.send_closure_notice
(tests/markets/test_merchant_closing). Not idempotent before, fixed with a
claimed marker: send_bank_details_changed, send_personal_data_link.
"""

from decimal import Decimal

from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_q.models import Task

from checkout import tasks
from checkout.accounts import tasks as account_tasks
from checkout.models import PayoutAccount, Refund, RefundState
from markets import tasks as market_tasks
from markets.editors import make_editor
from markets.models import MerchantRegistration
from portal import task_queue
from portal.models import WorkerHeartbeat
from tests.checkout.helpers import two_shop_order
from tests.checkout.invoice_fixtures import pay_at
from tests.checkout.test_tasks_run_twice import run_twice
from tests.fixtures import factories as f

Status = MerchantRegistration.Status


def sent_since(before: int) -> list[tuple[str, ...]]:
    return [tuple(m.to) for m in mail.outbox[before:]]


def test_the_refund_notice_is_sent_once(market):
    # given a succeeded refund of the atelier's part of a paid order
    order = two_shop_order(market)
    pay_at(order)
    shop_order = order.shop_orders.get(shop=market.atelier)
    refund = Refund.objects.create(
        shop_order=shop_order, payment=order.payments.first(), amount=Decimal("25.00"), state=RefundState.SUCCEEDED
    )
    mail.outbox.clear()

    # when the notice task runs twice
    first, second = run_twice(tasks.send_refund_notice, refund.pk)

    # then the customer was told once, and the second run changed nothing
    assert first[1] == [(mail.outbox[0].subject, ("alice@example.org",))]
    assert second == first


def test_bank_details_changed_is_told_once_per_change(market):
    # given the atelier's payout account just written
    account = PayoutAccount.objects.create(
        shop=market.atelier, holder="Atelier SARL", iban="FR7630004000031234567890143"
    )
    mail.outbox.clear()

    # when the task runs twice with the same arguments
    first, second = run_twice(tasks.send_bank_details_changed, account.pk, None)

    # then the shop's address was told once, the second run sent nothing
    assert [to for _, to in first[1]] == [("atelier@example.org",)]
    assert second == first
    # and a later change of the account is told again, once
    account.holder = "Atelier du Bois Flotté SARL"
    account.save()
    before = len(mail.outbox)
    assert tasks.send_bank_details_changed(account.pk, None) == 1
    assert tasks.send_bank_details_changed(account.pk, None) == 0
    assert sent_since(before) == [("atelier@example.org",)]


def registration(territory, status=Status.PENDING) -> MerchantRegistration:
    return MerchantRegistration.objects.create(
        territory=territory,
        status=status,
        trade_name="Les Délices de Morlaix",
        legal_name="SARL Délices",
        siret=f.siret_number(9001),
        vat_status="registered",
        street="3 place des Otages",
        postcode="29600",
        city="Morlaix",
        category="food",
        contact_name="Maïwenn Le Bihan",
        email="maiwenn@example.org",
        phone="02 61 91 12 34",
        photo="inscriptions/x.png",
        language="fr",
    )


def test_registration_emails_are_sent_once(market):
    # given a pending registration in a territory with one editor, and a rejected one
    editor = User.objects.create_user("gwen", "gwen@example.org", "x")
    make_editor(editor, market.territory)
    pending = registration(market.territory)
    rejected = registration(market.territory, status=Status.REJECTED)
    mail.outbox.clear()

    for task, registration_id, recipients in (
        (market_tasks.send_registration_acknowledgement, pending.pk, [("maiwenn@example.org",)]),
        (market_tasks.send_registration_notice, pending.pk, [("gwen@example.org",)]),
        (market_tasks.send_rejection, rejected.pk, [("maiwenn@example.org",)]),
    ):
        before = len(mail.outbox)
        # when each task runs twice
        first, second = run_twice(task, registration_id)
        # then its e-mails went out on the first run only
        assert sent_since(before) == recipients, task.__name__
        assert second == first, task.__name__


def test_invitation_and_shop_online_send_nothing_before_their_time_however_often_they_run(market):
    # given a registration still pending: no account, no shop online
    pending = registration(market.territory)
    mail.outbox.clear()

    for task in (market_tasks.send_invitation, market_tasks.send_shop_online):
        first, second = run_twice(task, pending.pk)
        assert first[1] == []
        assert second == first, task.__name__


def test_the_heartbeat_stays_one_row(db):
    # when the heartbeat runs twice
    task_queue.record_heartbeat()
    first = WorkerHeartbeat.objects.get().beat_at
    task_queue.record_heartbeat()

    # then there is still one row, its time moved forward (it is the beat), and no e-mail
    beat = WorkerHeartbeat.objects.get()
    assert beat.pk == WorkerHeartbeat.SINGLETON_PK
    assert beat.beat_at >= first
    assert mail.outbox == []


def test_a_personal_data_link_goes_once_per_request(market, django_capture_on_commit_callbacks):
    # given a guest order, and its customer asking for their data on the order's page
    order = two_shop_order(market)
    pay_at(order)
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(f"/fr/compte/donnees/commande/{order.token}/", {"action": "export"})
    assert response.context["sent"] is True
    queued = Task.objects.get(func="checkout.accounts.tasks.send_personal_data_link")
    assert mail.outbox[-1].to == ["alice@example.org"]
    sent = len(mail.outbox)

    # when the queue runs the same task again, with the same arguments
    again = account_tasks.send_personal_data_link(*queued.args)

    # then nothing more is sent
    assert again is False
    assert len(mail.outbox) == sent
    # but a new request (later) gets a new link, once
    later = timezone.now().isoformat()
    assert account_tasks.send_personal_data_link(order.pk, "export", later) is True
    assert account_tasks.send_personal_data_link(order.pk, "export", later) is False
    # and a request to erase is answered on its own, though the export's link just went
    assert account_tasks.send_personal_data_link(order.pk, "erase", later) is True
    assert [m.to for m in mail.outbox[sent:]] == [["alice@example.org"], ["alice@example.org"]]
