"""Record one returned e-mail, read from standard input as a mail server's pipe delivers it.

Postfix, for the bounce address's mailbox (README, "E-mail that arrives"):

    bounces: "|/app/manage.py record_bounce"              (aliases, recipient_delimiter = +)
    or a pipe transport: argv=/app/manage.py record_bounce --recipient ${original_recipient}

The address it was delivered to (`bounces+<token>@…`) comes from
`--recipient`, else from the pipe's environment (Postfix's local delivery
sets ORIGINAL_RECIPIENT and RECIPIENT), else from the message's
X-Original-To / Delivered-To / To headers.

Exit status: 0 when the message was read, recorded or not (an unknown
token, a delay report, an automatic reply are logged and dropped: a
non-zero status would make the server retry it, then bounce the bounce);
75 (EX_TEMPFAIL, "try again later") when the database cannot be reached,
so that the server keeps the message and delivers it again.
"""

import logging
import os
import sys

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from portal.bounces import record_bounce

logger = logging.getLogger(__name__)

EX_TEMPFAIL = 75
MAX_BYTES = 20 * 1024 * 1024  # a bounce may carry the original message back, attachments included


class Command(BaseCommand):
    help = "Record a bounce read from standard input against the e-mail its address names (mail server pipe)."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument(
            "--recipient",
            action="append",
            default=[],
            help="The address the mail server delivered the message to (bounces+<token>@…).",
        )

    def handle(self, *args, **options):
        stream = options.get("stdin") or sys.stdin.buffer
        raw = stream.read(MAX_BYTES)
        recipients = [
            *options["recipient"],
            *(os.environ.get(name, "") for name in ("ORIGINAL_RECIPIENT", "RECIPIENT")),
        ]
        try:
            sent = record_bounce(raw, recipients)
        except DatabaseError:
            logger.exception("Bounce not recorded: database unavailable, the mail server will retry")
            sys.exit(EX_TEMPFAIL)
        except Exception:
            # Retrying would fail the same way: logged, and the message dropped.
            logger.exception("Bounce not recorded: the message could not be read")
            return
        if sent is not None:
            self.stdout.write(f"bounce recorded for e-mail {sent.pk}")
