"""Notifications: an outbox per service, a delivery worker, SMTP and SMS transports.

- :mod:`runtime.notify.outbox`: the table, :func:`enqueue` (in the caller's transaction),
  :func:`pending_count` (the outbox depth for metrics).
- :mod:`runtime.notify.worker`: claims, sends, retries with backoff, records the outcome.
- :mod:`runtime.notify.transports`: SMTP (STARTTLS or TLS) and the SMS adapter interface.
- :mod:`runtime.notify.compose`: Chinese-first bilingual texts.

See runtime/notify/README.md.
"""

from runtime.notify.outbox import EMAIL as EMAIL_CHANNEL
from runtime.notify.outbox import LINK, Outgoing, counts, depth_source, enqueue, outbox_table, pending_count
from runtime.notify.outbox import SMS as SMS_CHANNEL

__all__ = [
    "EMAIL_CHANNEL",
    "LINK",
    "SMS_CHANNEL",
    "Outgoing",
    "counts",
    "depth_source",
    "enqueue",
    "outbox_table",
    "pending_count",
]
