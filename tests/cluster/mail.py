"""An e-mail backend for processes the test does not run in: each message a file, so the test counts them."""

import os
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

# Set by the killed-worker test: seconds a send lasts, after a file that says it began.
SLOW_SEND_ENV = "CLUSTER_MAIL_DELAY"


class OneFilePerMessageBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        delay = float(os.environ.get(SLOW_SEND_ENV, "0"))
        for message in email_messages:
            name = uuid.uuid4().hex
            if delay:
                (folder / f"{name}.sending").write_text(message.subject)
                time.sleep(delay)
            (folder / f"{name}.eml").write_bytes(message.message().as_bytes())
        return len(email_messages)


def sent_messages(folder) -> list:
    """The messages written so far, parsed, oldest first."""
    import email
    from email import policy

    paths = sorted(Path(folder).glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)
    return [email.message_from_bytes(path.read_bytes(), policy=policy.default) for path in paths]
