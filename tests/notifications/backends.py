"""An e-mail backend for the worker-kill test: a mail server that hangs mid-delivery.

It announces the attempt by writing the file named in BLOCKING_EMAIL_MARKER, then waits (in the
worker process) until the test kills that worker with SIGKILL. It never sends anything itself.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.mail.backends.filebased import EmailBackend


class HangingEmailBackend(EmailBackend):
    def send_messages(self, email_messages: Sequence[Any]) -> int:
        marker = Path(os.environ["BLOCKING_EMAIL_MARKER"])
        marker.write_text("\n".join(str(m.extra_headers.get("Message-ID", "")) for m in email_messages))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # the test kills us long before this
            time.sleep(0.1)
        raise TimeoutError("the hanging mail server was never killed")


class SlowEmailBackend(EmailBackend):
    """A mail server that takes EMAIL_DELAY_SECONDS (1 s) per message, then writes it to
    EMAIL_FILE_PATH: deliveries stay in flight (unacknowledged in the broker) long enough for the
    broker-restart test to restart Redis in the middle of them."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        time.sleep(float(os.environ.get("EMAIL_DELAY_SECONDS", "1")) * len(email_messages))
        return super().send_messages(email_messages)
