"""Payouts: which pending payouts are exported, once only; exported → paid; the backend named in the settings."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError
from wagtail.models import ModelLogEntry

from checkout.billing import payouts
from checkout.billing.payouts import PayoutRefused, export_pending_payouts, mark_paid, new_end_to_end_id
from checkout.models import Payout, PayoutAccount, PayoutBatch, WeeklyStatement
from markets.models import Territory
from portal.money import ZERO
from tests.fixtures import factories as f

WEEK = datetime.date(2026, 11, 23)  # a Monday
ATELIER_IBAN = "FR76 3000 4000 0312 3456 7890 143"  # BNP Paribas: schwifty derives BNPAFRPP
EPICERIE_IBAN = "DE89370400440532013000"
BAD_IBAN = "FR7612345678901234567890123"  # wrong check digits


def make_statement(shop, amount, week_start=WEEK, territory=None) -> WeeklyStatement:
    """A statement paying `amount` (sales 100.00, commission 8.00, fee 0.18, the rest carried in)."""
    amount = Decimal(amount)
    territory = territory or shop.get_parent().specific.territory
    sales, commission, fee = Decimal("100.00"), Decimal("8.00"), Decimal("0.18")
    return WeeklyStatement.objects.create(
        shop=shop,
        territory=territory,
        week_start=week_start,
        period_end=datetime.datetime(2026, 11, 30, 0, 0, tzinfo=datetime.UTC),
        trade_name=shop.title,
        legal_name=shop.legal_name,
        siret=shop.siret,
        vat_status=shop.vat_status,
        vat_number=shop.vat_number,
        carried_in=amount - sales + commission + fee,
        sales=sales,
        refunds=ZERO,
        commission=commission,
        commission_returned=ZERO,
        transfer_fee=fee,
        payout_amount=amount,
        carried_out=ZERO,
    )


def make_payout(shop, amount, week_start=WEEK) -> Payout:
    statement = make_statement(shop, amount, week_start)
    return Payout.objects.create(
        statement=statement,
        shop=shop,
        territory=statement.territory,
        amount=statement.payout_amount,
        end_to_end_id=new_end_to_end_id(statement),
    )


def account(shop, iban, holder=None, bic="") -> PayoutAccount:
    # objects.create skips the field validators: a bad IBAN can be stored, as from an old import
    return PayoutAccount.objects.create(shop=shop, holder=holder or shop.legal_name, iban=iban, bic=bic)


def states(*rows):
    return [Payout.objects.get(pk=row.pk).state for row in rows]


@pytest.fixture
def ferme(market):
    return f.make_shop(market.market, "Ferme de Kerozar")


@pytest.fixture
def two_payable(market):
    """Atelier 123.45 (IBAN only), épicerie 46.90 (IBAN and BIC), both with their accounts."""
    account(market.atelier, ATELIER_IBAN, holder="Atelier du Bois Flotté SARL")
    account(market.epicerie, EPICERIE_IBAN, holder="Épicerie Kerjean", bic="COBADEFFXXX")
    return make_payout(market.atelier, "123.45"), make_payout(market.epicerie, "46.90")


def test_end_to_end_id_names_the_statement_and_its_iso_week(market):
    statement = make_statement(market.atelier, "10.00")
    assert new_end_to_end_id(statement) == f"MN-{statement.pk}-2026W48"
    assert len(new_end_to_end_id(statement)) <= 35
    with pytest.raises(ValueError):
        new_end_to_end_id(WeeklyStatement(week_start=WEEK))


def test_export_takes_the_payable_payouts_and_copies_their_account(market, two_payable, django_user_model):
    atelier, epicerie = two_payable
    accountant = django_user_model.objects.create_superuser("compta")
    # when the pending payouts are exported
    batch = export_pending_payouts(user=accountant)
    # then one batch holds both, with the total to the cent
    assert batch.backend == "sepa"
    assert batch.payouts_count == 2
    assert batch.total == Decimal("170.35")
    assert batch.created_by == accountant
    assert batch.filename == f"virements-{batch.reference}.xml"
    assert bytes(batch.document).startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    rows = list(Payout.objects.filter(batch=batch).order_by("pk").values_list(
        "pk", "state", "holder", "iban", "bic"))
    assert rows == [
        (atelier.pk, "exported", "Atelier du Bois Flotté SARL", "FR7630004000031234567890143", "BNPAFRPP"),
        (epicerie.pk, "exported", "Épicerie Kerjean", "DE89370400440532013000", "COBADEFFXXX"),
    ]
    assert Payout.objects.filter(exported_at__isnull=True).count() == 0
    # and the export is in the batch's log
    entry = ModelLogEntry.objects.for_instance(batch).get()
    assert (entry.action, entry.user, entry.data) == (
        payouts.EXPORT_ACTION, accountant, {"count": 2, "total": "170.35", "backend": "sepa"}
    )


def test_payouts_without_a_valid_account_stay_pending_and_say_why(market, two_payable, ferme, other_market):
    atelier, epicerie = two_payable
    no_account = make_payout(ferme, "20.00")
    brest_shop, _product = other_market
    account(brest_shop, BAD_IBAN)
    bad_iban = make_payout(brest_shop, "30.00")
    # when exporting
    batch = export_pending_payouts()
    # then only the two payable ones are in the batch
    assert set(batch.payouts.values_list("pk", flat=True)) == {atelier.pk, epicerie.pk}
    assert batch.total == Decimal("170.35")
    assert states(no_account, bad_iban) == ["pending", "pending"]
    assert Payout.objects.get(pk=bad_iban.pk).iban == ""  # nothing copied onto a payout left out
    # and the others are reported with their reason
    assert [(p.pk, reason) for p, reason in payouts.unpayable_payouts()] == [
        (no_account.pk, "Aucune coordonnée bancaire enregistrée."),
        (bad_iban.pk, "IBAN invalide."),
    ]


def test_nothing_payable_exports_nothing(market, ferme):
    make_payout(ferme, "20.00")
    assert export_pending_payouts() is None
    assert PayoutBatch.objects.count() == 0


def test_exporting_twice_never_exports_a_payout_twice(market, two_payable):
    first = export_pending_payouts()
    # when exporting again
    second = export_pending_payouts()
    # then nothing is exported and the first batch is untouched
    assert second is None
    assert PayoutBatch.objects.count() == 1
    assert set(Payout.objects.values_list("batch_id", flat=True)) == {first.pk}
    # a payout made later goes into a new batch, alone
    ferme = f.make_shop(market.market, "Ferme de Kerozar")
    account(ferme, "FR7630001007941234567890185")
    late = make_payout(ferme, "9.99", week_start=WEEK + datetime.timedelta(days=7))
    third = export_pending_payouts()
    assert list(third.payouts.values_list("pk", flat=True)) == [late.pk]
    assert (third.payouts_count, third.total) == (1, Decimal("9.99"))
    assert third.reference != first.reference


def test_export_of_one_territory_leaves_the_others_pending(market, two_payable, other_market):
    brest_shop, _product = other_market
    account(brest_shop, "FR7630001007941234567890185")
    brest = make_payout(brest_shop, "30.00")
    batch = export_pending_payouts(territory=market.territory)
    assert batch.payouts_count == 2
    assert states(brest) == ["pending"]
    batch = export_pending_payouts(territory=Territory.objects.get(name="Pays de Brest"))
    assert list(batch.payouts.values_list("pk", flat=True)) == [brest.pk]


def test_an_account_on_the_english_shop_page_is_found(market, ferme):
    f.english_home()
    f.translate(market.market, "en")
    english = f.translate(ferme, "en", title="Kerozar farm")
    account(english, "FR7630001007941234567890185")
    payout = make_payout(ferme, "20.00")
    batch = export_pending_payouts()
    assert list(batch.payouts.values_list("pk", flat=True)) == [payout.pk]


def test_an_invalid_file_exports_nothing(market, two_payable, monkeypatch):
    # given a backend whose file fails the schema check (a BIC of two letters)
    monkeypatch.setattr(payouts.PayoutBackend, "payee", lambda self, acc: payouts.Payee("Nom", "DE89370400440532013000", "XX"))
    # when exporting
    from sepaxml.validation import ValidationError

    with pytest.raises(ValidationError):
        export_pending_payouts()
    # then nothing changed
    assert PayoutBatch.objects.count() == 0
    assert Payout.objects.filter(state="pending", iban="").count() == 2


def test_mark_paid_moves_an_exported_payout_once(market, two_payable, django_user_model):
    atelier, epicerie = two_payable
    accountant = django_user_model.objects.create_superuser("compta")
    # a pending payout cannot be paid
    with pytest.raises(PayoutRefused, match="pas encore été exporté"):
        mark_paid(atelier, accountant)
    export_pending_payouts()
    # when the bank confirms the atelier's transfer
    moved = mark_paid(atelier, accountant)
    # then it is paid, by whom, logged; the épicerie's is still exported
    assert [p.pk for p in moved] == [atelier.pk]
    atelier.refresh_from_db()
    assert (atelier.state, atelier.paid_by, atelier.paid_at is not None) == ("paid", accountant, True)
    assert states(epicerie) == ["exported"]
    entry = ModelLogEntry.objects.for_instance(atelier).get()
    assert (entry.action, entry.data) == (payouts.PAID_ACTION, {"amount": "123.45"})
    # and a second confirmation is refused without change
    paid_at = atelier.paid_at
    with pytest.raises(PayoutRefused, match="déjà marqué comme payé"):
        mark_paid(atelier, accountant)
    atelier.refresh_from_db()
    assert atelier.paid_at == paid_at
    assert ModelLogEntry.objects.for_instance(atelier).count() == 1


def test_mark_paid_on_a_batch_pays_what_is_left_of_it(market, two_payable, django_user_model):
    atelier, epicerie = two_payable
    accountant = django_user_model.objects.create_superuser("compta")
    batch = export_pending_payouts()
    mark_paid(atelier, accountant)
    # when the whole batch is confirmed
    moved = mark_paid(batch, accountant)
    # then only the épicerie's payout moved
    assert [p.pk for p in moved] == [epicerie.pk]
    assert states(atelier, epicerie) == ["paid", "paid"]
    entry = ModelLogEntry.objects.for_instance(batch).filter(action=payouts.BATCH_PAID_ACTION).get()
    assert entry.data == {"count": 1, "total": "46.90"}
    # and confirming it again is refused
    with pytest.raises(PayoutRefused, match="déjà marqués comme payés"):
        mark_paid(batch, accountant)


def test_payout_state_never_goes_back(market, two_payable, django_user_model):
    atelier, _epicerie = two_payable
    export_pending_payouts()
    mark_paid(atelier, django_user_model.objects.create_superuser("compta"))
    # exporting again does not take the paid payout back
    assert export_pending_payouts() is None
    assert states(atelier) == ["paid"]


def test_end_to_end_ids_are_unique(market):
    payout = make_payout(market.atelier, "10.00")
    statement = make_statement(market.atelier, "5.00", week_start=WEEK + datetime.timedelta(days=7))
    with pytest.raises(IntegrityError):
        Payout.objects.create(statement=statement, shop=market.atelier, territory=statement.territory,
                              amount=Decimal("5.00"), end_to_end_id=payout.end_to_end_id)


# Backends ---------------------------------------------------------------------------


class RecordingBackend(payouts.PayoutBackend):
    """A second backend, as Stripe Connect would be: no file, one transfer id per payout."""

    name = "recording"
    label = "Enregistrement"
    calls = []

    def export(self, payouts_, *, user):
        type(self).calls.append([(p.pk, p.iban, p.amount) for p in payouts_])
        return self.new_batch(payouts_, user=user, reference="REC-1")


def test_the_backend_named_in_the_settings_makes_the_batch(market, two_payable, settings):
    atelier, epicerie = two_payable
    settings.PAYOUT_BACKEND = "tests.checkout.test_payouts.RecordingBackend"
    RecordingBackend.calls.clear()
    assert isinstance(payouts.get_backend(), RecordingBackend)
    # when exporting
    batch = export_pending_payouts()
    # then the second backend got the payouts with their accounts, and made the batch
    assert RecordingBackend.calls == [
        [(atelier.pk, "FR7630004000031234567890143", Decimal("123.45")),
         (epicerie.pk, "DE89370400440532013000", Decimal("46.90"))]
    ]
    assert (batch.backend, batch.reference, batch.payouts_count, batch.total) == (
        "recording", "REC-1", 2, Decimal("170.35")
    )
    assert bytes(batch.document) == b""
    assert states(atelier, epicerie) == ["exported", "exported"]


def test_the_default_backend_is_sepa(settings):
    assert isinstance(payouts.get_backend(), payouts.SepaCreditTransferBackend)


# Concurrent exports (PostgreSQL) ------------------------------------------------------------

import threading  # noqa: E402
import time  # noqa: E402

from django.db import connection  # noqa: E402
from django.db.models import QuerySet  # noqa: E402

from tests.checkout.races import NO_RACE_ON_SQLITE  # noqa: E402

EXPORTERS = 4


class SlowSepaBackend(payouts.SepaCreditTransferBackend):
    """Takes its time making the file, so that every exporter arrives while the first is still at work."""

    def export(self, payouts_, *, user):
        time.sleep(0.3)
        return super().export(payouts_, user=user)


def run_exporters():
    barrier = threading.Barrier(EXPORTERS)
    results = []

    def export():
        try:
            barrier.wait(timeout=10)
            results.append(export_pending_payouts())
        finally:
            connection.close()

    threads = [threading.Thread(target=export) for _ in range(EXPORTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason=NO_RACE_ON_SQLITE)
def test_without_the_lock_concurrent_exports_pay_twice(market, two_payable, settings, monkeypatch):
    settings.PAYOUT_BACKEND = "tests.checkout.test_payouts.SlowSepaBackend"
    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, **kwargs: self)
    results = run_exporters()
    # every exporter saw both payouts pending and made its own file: the bank would pay them several times
    assert len([batch for batch in results if batch is not None]) > 1
    assert PayoutBatch.objects.count() > 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason=NO_RACE_ON_SQLITE)
def test_concurrent_exports_take_each_payout_once(market, two_payable, settings):
    atelier, epicerie = two_payable
    settings.PAYOUT_BACKEND = "tests.checkout.test_payouts.SlowSepaBackend"
    results = run_exporters()
    # one exporter made the batch; the others waited for the lock and found nothing pending
    batches = [batch for batch in results if batch is not None]
    assert len(results) == EXPORTERS
    assert len(batches) == 1
    assert PayoutBatch.objects.count() == 1
    assert (batches[0].payouts_count, batches[0].total) == (2, Decimal("170.35"))
    assert set(Payout.objects.values_list("pk", "batch_id")) == {(atelier.pk, batches[0].pk), (epicerie.pk, batches[0].pk)}
