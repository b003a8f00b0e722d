"""The SEPA credit-transfer file (pain.001.001.03): what the platform's bank reads, checked against the schema."""

import datetime
import os
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
import sepaxml
import xmlschema
from sepaxml.validation import ValidationError

from checkout.billing import payouts
from checkout.billing.payouts import (
    SepaCreditTransferBackend,
    export_pending_payouts,
    remittance_information,
    sepa_text,
)
from checkout.models import Payout
from tests.checkout import test_payouts
from tests.checkout.test_payouts import make_payout

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
SCHEMA = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.001.001.03.xsd")

two_payable = test_payouts.two_payable


def text(node, path):
    return node.find(path, NS).text


@pytest.fixture
def sepa_file(two_payable):
    batch = export_pending_payouts()
    return batch, bytes(batch.document)


def test_the_file_is_valid_against_the_pain_001_001_03_schema(sepa_file):
    _batch, document = sepa_file
    # checked here on its own, not only by sepaxml during the export
    xmlschema.XMLSchema(SCHEMA).validate(document.decode())


def test_the_file_holds_both_transfers_their_total_and_count(sepa_file, two_payable):
    batch, document = sepa_file
    atelier, epicerie = two_payable
    root = ET.fromstring(document)
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert text(header, "p:MsgId") == batch.reference
    assert text(header, "p:NbOfTxs") == "2"
    assert text(header, "p:CtrlSum") == "170.35"
    assert text(header, "p:InitgPty/p:Nm") == "Marche de Noel numerique"

    # the debtor is the platform
    (info,) = root.findall("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert text(info, "p:PmtMtd") == "TRF"
    assert text(info, "p:NbOfTxs") == "2"
    assert text(info, "p:CtrlSum") == "170.35"
    assert text(info, "p:PmtTpInf/p:SvcLvl/p:Cd") == "SEPA"
    assert text(info, "p:Dbtr/p:Nm") == "Marche de Noel numerique"
    assert text(info, "p:DbtrAcct/p:Id/p:IBAN") == "FR7630006000011234567890189"
    assert text(info, "p:DbtrAgt/p:FinInstnId/p:BIC") == "AGRIFRPP"
    assert text(info, "p:ChrgBr") == "SLEV"

    # one transaction per payout: creditor, account, amount, reference, remittance
    transactions = [
        (
            text(tx, "p:PmtId/p:EndToEndId"),
            text(tx, "p:Amt/p:InstdAmt"),
            tx.find("p:Amt/p:InstdAmt", NS).get("Ccy"),
            text(tx, "p:CdtrAgt/p:FinInstnId/p:BIC"),
            text(tx, "p:Cdtr/p:Nm"),
            text(tx, "p:CdtrAcct/p:Id/p:IBAN"),
            text(tx, "p:RmtInf/p:Ustrd"),
        )
        for tx in info.findall("p:CdtTrfTxInf", NS)
    ]
    assert transactions == [
        (atelier.end_to_end_id, "123.45", "EUR", "BNPAFRPP", "Atelier du Bois Flotte SARL",
         "FR7630004000031234567890143", "Marche de Noel -- semaine du 23/11/2026"),
        (epicerie.end_to_end_id, "46.90", "EUR", "COBADEFFXXX", "Epicerie Kerjean",
         "DE89370400440532013000", "Marche de Noel -- semaine du 23/11/2026"),
    ]
    assert atelier.end_to_end_id.startswith("MN-") and atelier.end_to_end_id.endswith("-2026W48")


def test_amounts_are_exact_to_the_cent(market):
    # amounts whose float would not be exact
    test_payouts.account(market.atelier, test_payouts.ATELIER_IBAN)
    test_payouts.account(market.epicerie, test_payouts.EPICERIE_IBAN)
    make_payout(market.atelier, "0.10")
    make_payout(market.epicerie, "1234567.89")
    batch = export_pending_payouts()
    root = ET.fromstring(bytes(batch.document))
    amounts = [node.text for node in root.iter("{{{}}}InstdAmt".format(NS["p"]))]
    assert amounts == ["0.10", "1234567.89"]
    assert text(root, "p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum") == "1234567.99"
    assert batch.total == Decimal("1234567.99")


def test_the_schema_check_is_real(market, two_payable):
    # given a payout whose BIC is malformed (two letters)
    atelier, _epicerie = two_payable
    bad = Payout(pk=atelier.pk, statement=atelier.statement, amount=Decimal("1.00"), holder="Nom",
                 iban="DE89370400440532013000", bic="XX", end_to_end_id="MN-1-2026W48")
    # then the file is refused
    with pytest.raises(ValidationError):
        SepaCreditTransferBackend().document(
            [bad], message_id="MN-TEST", execution_date=datetime.date(2026, 11, 30)
        )


def test_texts_keep_only_characters_every_bank_accepts():
    assert sepa_text("Épicerie « Chez Loïc » & fils", 70) == "Epicerie Chez Loic fils"
    assert sepa_text("x" * 80, 70) == "x" * 70
    assert remittance_information(datetime.date(2026, 11, 23)) == "Marché de Noël — semaine du 23/11/2026"


def test_the_platform_account_comes_from_the_settings(settings, two_payable):
    settings.PLATFORM = {**settings.PLATFORM, "name": "Office de Morlaix", "iban": "FR76 3000 1007 9412 3456 7890 185",
                         "bic": "BDFEFRPP"}
    batch = export_pending_payouts()
    info = ET.fromstring(bytes(batch.document)).find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert text(info, "p:Dbtr/p:Nm") == "Office de Morlaix"
    assert text(info, "p:DbtrAcct/p:Id/p:IBAN") == "FR7630001007941234567890185"
    assert text(info, "p:DbtrAgt/p:FinInstnId/p:BIC") == "BDFEFRPP"
    assert payouts.get_backend().name == batch.backend == "sepa"
