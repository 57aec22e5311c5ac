"""How a message leaves: e-mail over SMTP (STARTTLS or implicit TLS), or an SMS provider's adapter.

Both sit behind :class:`Transport`. A transport raises :class:`TransientFailure` when trying
again later may work (connection refused, 4xx replies, timeouts) and :class:`PermanentFailure`
when it will not (5xx replies, refused recipients); the worker retries only the first kind.
Failure texts are the server's codes and short messages, never the message body.
"""

from __future__ import annotations

import importlib
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from typing import Protocol, runtime_checkable

from runtime.notify.outbox import EMAIL, SMS
from runtime.notify.settings import NotifySettings
from runtime.resources import utcnow


class DeliveryFailure(Exception):
    """A message could not be handed over; ``reason`` is safe to store and show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:500]


class TransientFailure(DeliveryFailure):
    """Worth another attempt later."""


class PermanentFailure(DeliveryFailure):
    """Will not succeed by trying again."""


@dataclass(frozen=True)
class Letter:
    """What a transport sends: the row's text with its link put in."""

    message_id: str
    recipient: str
    recipient_name: str
    subject: str
    body: str


class Transport(Protocol):
    channel: str

    def open(self) -> None: ...

    def send(self, letter: Letter) -> None: ...

    def close(self) -> None: ...


class SmtpTransport:
    """One SMTP connection per batch of messages; certificates verified (system CAs or a given bundle)."""

    channel = EMAIL

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._domain = Address(addr_spec=parseaddr(settings.smtp_from)[1] or "noreply@localhost").domain

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.smtp_ca_file or None)

    def open(self) -> None:
        s = self.settings
        try:
            if s.smtp_security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds, context=self._tls()
                )
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
                if s.smtp_security == "starttls":
                    smtp.starttls(context=self._tls())
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
        except smtplib.SMTPAuthenticationError as err:
            raise TransientFailure(f"SMTP login refused ({err.smtp_code})") from None
        except smtplib.SMTPNotSupportedError:
            raise PermanentFailure("SMTP server does not offer STARTTLS") from None
        except (OSError, smtplib.SMTPException) as err:
            raise TransientFailure(f"SMTP connection failed: {type(err).__name__}") from None
        self._smtp = smtp

    def send(self, letter: Letter) -> None:
        if self._smtp is None:
            raise TransientFailure("SMTP not connected")
        msg = EmailMessage()
        msg["From"] = self.settings.smtp_from
        msg["To"] = formataddr((letter.recipient_name, letter.recipient))
        msg["Subject"] = letter.subject
        msg["Date"] = format_datetime(utcnow())
        msg["Message-ID"] = f"<{letter.message_id}@{self._domain}>"
        msg.set_content(letter.body)
        try:
            refused = self._smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as err:
            codes = sorted({code for code, _ in err.recipients.values()})
            kind = TransientFailure if all(400 <= c < 500 for c in codes) else PermanentFailure
            raise kind(f"recipient refused ({', '.join(map(str, codes))})") from None
        except smtplib.SMTPResponseException as err:
            kind = TransientFailure if 400 <= err.smtp_code < 500 else PermanentFailure
            raise kind(f"SMTP {err.smtp_code}") from None
        except (OSError, smtplib.SMTPException) as err:
            self._smtp = None
            raise TransientFailure(f"SMTP failed: {type(err).__name__}") from None
        if refused:
            raise PermanentFailure("recipient refused")

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


@runtime_checkable
class SmsSender(Protocol):
    """What a deployment binds to its SMS provider (``DGCP_SMS_ADAPTER=module:factory``).

    ``send`` hands one text to the provider and returns once it accepted it; it raises
    :class:`TransientFailure` or :class:`PermanentFailure` otherwise.
    """

    def send(self, phone: str, text: str) -> None: ...


class SmsTransport:
    """SMS through the bound sender: the text is the subject, then the body."""

    channel = SMS

    def __init__(self, sender: SmsSender) -> None:
        self.sender = sender

    def open(self) -> None:
        return None

    def send(self, letter: Letter) -> None:
        self.sender.send(letter.recipient, f"【{letter.subject}】{letter.body}")

    def close(self) -> None:
        return None


def load_sms_sender(spec: str) -> SmsSender:
    """The sender a ``module:factory`` names; the factory takes no arguments."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ValueError(f"DGCP_SMS_ADAPTER must be module:factory, not {spec!r}")
    sender = getattr(importlib.import_module(module_name), attr)()
    if not isinstance(sender, SmsSender):
        raise TypeError(f"{spec} did not return an object with send(phone, text)")
    return sender


def transports_from(settings: NotifySettings) -> list[Transport]:
    """The transports the settings configure (none when neither SMTP nor SMS is set)."""
    found: list[Transport] = []
    if settings.smtp_host:
        found.append(SmtpTransport(settings))
    if settings.sms_adapter:
        found.append(SmsTransport(load_sms_sender(settings.sms_adapter)))
    return found
