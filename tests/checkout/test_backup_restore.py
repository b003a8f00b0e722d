"""A backup restored elsewhere: the books still add up, invoices run without gaps, erasures since the dump redone."""

import os
import subprocess
from decimal import Decimal
from io import StringIO
from urllib.parse import quote

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from checkout.accounts.erasure import ERASED, erase_email
from checkout.accounts.erasure_log import erasure_records, personal_data_left, read_erasure_log, replay_erasures
from checkout.billing.restore_checks import check_statements_against_ledger
from checkout.billing.statements import build_weekly_statements
from checkout.models import Invoice, InvoiceKind, Order, WeeklyStatement
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import Customer, confirm_payment, place_order
from portal.money import to_cents
from shops.models import DeliveryKind
from tests.checkout.helpers import ALICE, fake_payment
from tests.checkout.statement_helpers import paris, provider_refunds, refund_at  # noqa: F401 (fixture)
from tests.checkout.test_statements import MONDAY_MORNING, WEEK

NEEDS_POSTGRES = "needs PostgreSQL: pg_dump and pg_restore work on a PostgreSQL database only"
BOB = Customer("Bob Kerouac", "bob@example.org", "06 98 76 54 32")



def on_postgres(test):
    """PostgreSQL only, with committed rows so that pg_dump (another connection) sees them."""
    for mark in (
        pytest.mark.postgres,
        pytest.mark.django_db(transaction=True, serialized_rollback=True),
        pytest.mark.skipif(connection.vendor != "postgresql", reason=NEEDS_POSTGRES),
    ):
        test = mark(test)
    return test


def server_params() -> dict:
    db = connection.settings_dict
    params = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "password": db["PASSWORD"]}
    return {key: str(value) for key, value in params.items() if value}


def pg_dump(path) -> None:
    params = server_params()
    command = ["pg_dump", "-Fc", "-f", str(path), "--dbname", connection.settings_dict["NAME"]]
    for flag, key in (("--host", "host"), ("--port", "port"), ("--username", "user")):
        if key in params:
            command += [flag, params[key]]
    env = {"PGPASSWORD": params["password"]} if "password" in params else {}
    subprocess.run(command, check=True, env={**os.environ, **env})


@pytest.fixture
def restore_db():
    """The URL of `<test database>_restore`, dropped at the end whatever happens."""
    name = f"{connection.settings_dict['NAME']}_restore"
    params = server_params()
    credentials = quote(params.get("user", ""))
    if "password" in params:
        credentials += ":" + quote(params["password"])
    url = f"postgres://{credentials}@{params.get('host', '')}:{params.get('port', '5432')}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    yield url, name
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def restored(name: str, query: str, args=()) -> list:
    with psycopg.connect(dbname=name, autocommit=True, **server_params()) as database:
        return database.execute(query, args).fetchall()


def paid_order(m, customer, quantity, when):
    """`quantity` santons picked up at the atelier by `customer`, paid at `when`; returns the shop order."""
    shop = m.atelier
    order = place_order(
        m.territory.pk, [BasketLine(m.santon.pk, quantity)], {shop.pk: DeliveryChoice(m.option(shop, DeliveryKind.PICKUP).pk)},
        customer,
    )
    confirm_payment(fake_payment(order).provider_id, to_cents(order.total), "eur", now=when)
    return order.shop_orders.get()


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


@on_postgres
def test_a_restored_dump_passes_the_checks_gets_the_later_erasures_and_a_missing_invoice_fails_it(
    market, provider_refunds, restore_db, tmp_path
):
    url, name = restore_db
    # given Alice's order refunded in full and Bob's paid, in the atelier's sequence 1, 2, 3 (the credit note)
    alice = paid_order(market, ALICE, 2, paris(2026, 11, 24, 10, 0))
    bob = paid_order(market, BOB, 1, paris(2026, 11, 25, 10, 0))
    refund_at(alice, "25.00", paris(2026, 11, 26, 10, 0))
    # and the week stated: the atelier's statement, payout and commission invoice
    [statement] = build_weekly_statements(WEEK, now=MONDAY_MORNING)
    assert statement.payout_amount > 0
    sale_alice, sale_bob, credit_note = Invoice.objects.exclude(kind=InvoiceKind.COMMISSION).order_by(
        "sequence_number"
    )
    assert [(i.kind, i.sequence_number) for i in (sale_alice, sale_bob, credit_note)] == [
        (InvoiceKind.SALE, 1), (InvoiceKind.SALE, 2), (InvoiceKind.CREDIT_NOTE, 3)
    ]
    assert sale_bob.shop_order == bob
    # and the database dumped, then Alice's data erased after the dump and the erasures exported
    dump = tmp_path / "portal.dump"
    pg_dump(dump)
    erase_email(ALICE.email, alice.order, now=paris(2026, 12, 1, 9, 0))
    log = tmp_path / "erasures.jsonl"
    run("export_erasure_log", output=str(log))
    assert f'"orders": ["{alice.order.number}"]' in log.read_text()

    # when the dump is restored into its own database and checked with the erasure log
    report = run("check_restore", dump=str(dump), database_url=url, erasure_log=str(log))

    # then every check passes
    assert "[OK] Données effacées absentes" in report
    assert "[OK] Relevés hebdomadaires et grand livre : 1 relevé(s) de 1 boutique(s)" in report
    assert "[OK] Numérotation des factures et avoirs : 4 facture(s) et avoir(s) dans 2 séquence(s)" in report
    assert "Effacements rejoués : 1 sur 1 (1 commande(s) anonymisée(s), 0 compte(s) effacé(s))." in report
    # and the restored Alice's order has lost her, Bob's kept him, and the live database is as it was
    query = "SELECT customer_name, customer_email, customer_phone FROM checkout_order WHERE id = %s"
    assert restored(name, query, [alice.order.pk]) == [(ERASED, "", "")]
    assert restored(name, query, [bob.order.pk]) == [(BOB.name, BOB.email, BOB.phone)]
    assert Order.objects.get(pk=bob.order.pk).customer_name == BOB.name
    assert WeeklyStatement.objects.count() == 1
    # and the replay is logged there, so a later export carries it
    [replayed] = restored(name, "SELECT data FROM wagtailcore_modellogentry WHERE data::jsonb ? 'replayed'")
    assert replayed[0]["orders"] == [alice.order.number] and replayed[0]["erased_at"]

    # when the restored database holds tables, a second restore into it is refused
    with pytest.raises(CommandError, match="contient déjà"):
        run("check_restore", dump=str(dump), database_url=url)

    # when Bob's invoice, in the middle of the atelier's sequence, is deleted from the restored database
    restored(name, "DELETE FROM checkout_invoice WHERE id = %s RETURNING id", [sale_bob.pk])
    out = StringIO()
    with pytest.raises(CommandError, match="1 contrôle\\(s\\) en échec : Numérotation des factures et avoirs"):
        call_command("check_restore", database_url=url, stdout=out, stderr=StringIO())

    # then the report names the sequence and the missing number, and only that check fails
    report = out.getvalue()
    assert "[ÉCHEC] Numérotation des factures et avoirs" in report
    assert f"  - séquence {sale_bob.sequence.prefix} : 1 numéro(s) manquant(s) : 2" in report
    assert "[OK] Relevés hebdomadaires et grand livre" in report


def test_the_ledger_check_finds_a_statement_that_no_longer_matches_the_ledger(market, provider_refunds):
    # given a week stated, the checks pass
    shop_order = paid_order(market, ALICE, 2, paris(2026, 11, 24, 10, 0))
    refund_at(shop_order, "12.50", paris(2026, 11, 26, 10, 0))
    [statement] = build_weekly_statements(WEEK, now=MONDAY_MORNING)
    assert check_statements_against_ledger().problems == []
    # when the stored statement is changed behind the ledger's back
    WeeklyStatement.objects.filter(pk=statement.pk).update(refunds=Decimal("10.00"), carried_out=Decimal("1.00"))
    # then the check names the statement, the figure and the carried balance
    where = f"boutique {market.atelier.pk}, relevé du 23/11/2026 (n° {statement.pk})"
    assert check_statements_against_ledger().problems == [
        f"{where} : refunds 10.00 au relevé, 12.50 au grand livre",
        # 25.00 − 10.00 − 2.00 + 1.00 against 0.18 + 11.32 + 1.00
        f"{where} : solde 14.00 ≠ frais + versement + report (12.50)",
        f"{where} : le grand livre de la boutique totalise 0.00 à ce relevé, qui a reporté 1.00",
    ]


def test_the_erasure_check_finds_personal_data_of_an_erasure_not_replayed(market, provider_refunds):
    # given Alice's refunded order erased, and its log record
    shop_order = paid_order(market, ALICE, 1, paris(2026, 11, 24, 10, 0))
    refund_at(shop_order, "12.50", paris(2026, 11, 26, 10, 0))
    erase_email(ALICE.email, shop_order.order, now=paris(2026, 12, 1, 9, 0))
    [record] = read_erasure_log([line.to_json() for line in erasure_records()])
    assert (record.scope, record.orders, record.account) == ("email", [shop_order.order.pk], None)
    assert personal_data_left([record]) == (1, [])
    # when her data come back (as from a dump older than the erasure)
    Order.objects.filter(pk=shop_order.order.pk).update(customer_name=ALICE.name, anonymised_at=None)
    # then the check finds them, a replay removes them again and logs it once, a second replay does nothing
    assert personal_data_left([record])[1] == [
        f"effacement du {record.at:%d/%m/%Y %H:%M} : la commande {shop_order.order.number} "
        "garde le nom, l'e-mail ou le téléphone du client"
    ]
    assert replay_erasures([record]).orders == 1
    assert personal_data_left([record]) == (1, [])
    assert replay_erasures([record]).erasures == 0
    assert len(erasure_records()) == 2
