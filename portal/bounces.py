"""Bounces: each e-mail's envelope sender names it, a returned message is recorded against what it concerns.

VERP: with `BOUNCE_ADDRESS` = `bounces@marche-noel.example`, every e-mail
`send_templated_email` sends goes out with the envelope sender (SMTP
`MAIL FROM`, the `Return-Path` the receiving server keeps)
`bounces+<token>@marche-noel.example`, where `<token>` is the random key of
a `SentEmail` row: the template, the recipient and the order or shop the
e-mail is about. The `From:` header stays `DEFAULT_FROM_EMAIL`. A server
that cannot deliver sends its report to that address; the bounce mailbox
pipes it to `manage.py record_bounce`, which finds the token in the address
it was delivered to, reads the report (RFC 3464 delivery status) and marks
the row bounced with the status and the diagnostic.

The token is 96 random bits: nobody can guess one to mark someone else's
e-mail as bounced. Without `BOUNCE_ADDRESS` nothing is recorded and the
envelope sender is `DEFAULT_FROM_EMAIL`, as Django does by default.
"""

import email
import email.policy
import logging
import re
import secrets
from dataclasses import dataclass
from email.message import EmailMessage as ParsedMessage
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q
from django.utils import timezone

from portal import log_context
from portal.models import SentEmail

logger = logging.getLogger(__name__)

TOKEN_LENGTH = 24  # hex digits: lower case, as some servers lower-case a local part
TOKEN = re.compile(rf"^[0-9a-f]{{{TOKEN_LENGTH}}}$")
DIAGNOSTIC_MAX = 1000
# The headers a mail server writes with the address it delivered to (Postfix: X-Original-To, Delivered-To).
DELIVERY_HEADERS = ("X-Original-To", "Delivered-To", "Envelope-To", "To")
# Actions of RFC 3464 that say the message was not delivered (the others: delayed, delivered, relayed, expanded).
FAILED = "failed"


def bounce_address() -> tuple[str, str] | None:
    """(local part, domain) of the `BOUNCE_ADDRESS` setting, or None when it is not set."""
    address = parseaddr(getattr(settings, "BOUNCE_ADDRESS", "") or "")[1]
    if "@" not in address:
        return None
    local, domain = address.rsplit("@", 1)
    return local, domain


def record_sent(template: str, to: str, about: Model | None = None) -> SentEmail | None:
    """The row of an e-mail about to be sent to `to`, or None without `BOUNCE_ADDRESS` or recipient."""
    if bounce_address() is None or not to:
        return None
    about_fields = {}
    if about is not None and about.pk is not None:
        about_fields = {"content_type": ContentType.objects.get_for_model(about), "object_id": about.pk}
    return SentEmail.objects.create(
        token=secrets.token_hex(TOKEN_LENGTH // 2),
        recipient=parseaddr(to)[1] or to,
        template=template,
        **about_fields,
    )


def envelope_sender(sent: SentEmail | None) -> str:
    """The address bounces of `sent` go to: `local+token@domain`, else `DEFAULT_FROM_EMAIL`."""
    parts = bounce_address()
    if sent is None or parts is None:
        return settings.DEFAULT_FROM_EMAIL
    local, domain = parts
    return f"{local}+{sent.token}@{domain}"


def token_in(address: str) -> str | None:
    """The token of `local+token@domain` (the bounce address's local part and domain), else None."""
    parts = bounce_address()
    if parts is None:
        return None
    local, domain = parts
    address = parseaddr(address)[1].lower()
    prefix, suffix = f"{local.lower()}+", f"@{domain.lower()}"
    if not (address.startswith(prefix) and address.endswith(suffix)):
        return None
    token = address[len(prefix) : -len(suffix)]
    return token if TOKEN.match(token) else None


@dataclass(frozen=True)
class Bounce:
    """What a returned message says: the RFC 3464 action ("failed"…), status ("5.1.1") and diagnostic."""

    action: str
    status: str
    diagnostic: str

    @property
    def is_failure(self) -> bool:
        return self.action == FAILED


def _text(value) -> str:
    return " ".join(str(value or "").split())


def _after_type(value) -> str:
    # "smtp; 550 5.1.1 unknown user" / "rfc822; x@y": the value without its type.
    text = _text(value)
    return text.split(";", 1)[1].strip() if ";" in text else text


def read_bounce(message: ParsedMessage) -> Bounce | None:
    """The delivery report in `message`, or None for an automatic reply (which is no bounce).

    A message without a report (an old server's plain-text bounce) counts
    as a failure, its subject as the diagnostic.
    """
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        # The first block is about the message, each next one about one recipient.
        blocks = [block for block in part.get_payload() if isinstance(block, email.message.Message)][1:]
        if not blocks:
            continue
        block = next((b for b in blocks if _text(b.get("Action")).lower() == FAILED), blocks[0])
        return Bounce(
            action=_text(block.get("Action")).lower(),
            status=_text(block.get("Status"))[:32],
            diagnostic=_after_type(block.get("Diagnostic-Code"))[:DIAGNOSTIC_MAX],
        )
    auto = _text(message.get("Auto-Submitted")).lower()
    if auto.startswith("auto-replied") or message.get("X-Autoreply") or message.get("X-Autorespond"):
        return None
    return Bounce(action=FAILED, status="", diagnostic=_text(message.get("Subject"))[:DIAGNOSTIC_MAX])


def find_token(message: ParsedMessage, recipients=()) -> str | None:
    """The token of the address the message was delivered to: given by the mail server, else in its headers."""
    candidates = [address for address in recipients if address]
    for header in DELIVERY_HEADERS:
        candidates.extend(address for _name, address in getaddresses(message.get_all(header) or []))
    for address in candidates:
        token = token_in(address)
        if token:
            return token
    return None


def record_bounce(raw: bytes, recipients=()) -> SentEmail | None:
    """Mark the e-mail whose bounce `raw` is as bounced; the row, or None when nothing was recorded.

    `recipients`: the addresses the mail server says it delivered `raw` to
    (the pipe's argument or environment). An unknown token, a report of a
    delay or an automatic reply records nothing and is logged.
    """
    message = email.message_from_bytes(raw, policy=email.policy.default)
    token = find_token(message, recipients)
    if token is None:
        logger.warning("Bounce without a token of ours ignored (subject %r)", _text(message.get("Subject"))[:100])
        return None
    sent = SentEmail.objects.select_related("content_type").filter(token=token).first()
    if sent is None:
        logger.warning("Bounce for an unknown token ignored")
        return None
    bounce = read_bounce(message)
    if bounce is None or not bounce.is_failure:
        logger.info(
            "Report for e-mail %s (%s) is no failure: %s",
            sent.pk,
            sent.template,
            bounce.action if bounce else "auto-reply",
        )
        return None
    SentEmail.objects.filter(pk=sent.pk).update(
        bounced_at=timezone.now(), bounce_status=bounce.status, bounce_diagnostic=bounce.diagnostic
    )
    sent.refresh_from_db()
    about = f"{sent.content_type.app_label}.{sent.content_type.model} {sent.object_id}" if sent.content_type else "-"
    if sent.content_type is not None and sent.content_type.model == "order":
        log_context.bind(order_id=sent.object_id)
    # Not the diagnostic: it usually quotes the address, and the logs outlive a customer's erasure.
    logger.warning("E-mail %s (%s) about %s bounced: status %s", sent.pk, sent.template, about, bounce.status or "-")
    return sent


def forget_recipients(addresses) -> int:
    """Clear these addresses from the e-mails sent to them (and the diagnostics, which quote them); how many rows.

    For a customer's erasure (`checkout.accounts.erasure`): the rows stay,
    with what they were about and whether they bounced.
    """
    matches = Q()
    for address in {address.lower() for address in addresses if address}:
        matches |= Q(recipient__iexact=address)
    if not matches:
        return 0
    return SentEmail.objects.filter(matches).update(recipient="", bounce_diagnostic="")
