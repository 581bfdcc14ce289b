"""How a message leaves the building: email through Django's mail, text
messages through an SmsSender.

Senders raise SendError when a later try may succeed (a timeout, a busy
server) and PermanentSendError when it cannot (an address the provider
refuses); the sending task retries only the first.
"""

from __future__ import annotations

import base64
import json
import smtplib
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, make_msgid

if TYPE_CHECKING:
    from ketaclinic.notifications.models import OutboundMessage

HTTP_TIMEOUT_S = 15


class SendError(Exception):
    """The message did not go out; trying again later may work."""


class PermanentSendError(SendError):
    """The message cannot go out as it is; trying again will not help."""


def send_email(message: OutboundMessage) -> str:
    """Send through Django's configured email backend; returns the Message-ID."""
    message_id = make_msgid(domain=settings.DEFAULT_FROM_EMAIL.rpartition("@")[2])
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={"Message-ID": message_id},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for attachment in message.attachments:
        email.attach(
            attachment["filename"], attachment["content"], attachment["mimetype"]
        )
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentSendError(f"The mail server refused {message.to}.") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(f"Mail server: {exc}") from exc
    return message_id


class SmsSender(Protocol):
    def send(self, *, to: str, body: str) -> str:
        """Send one text message; return the provider's id of it."""
        ...


class ConsoleSmsSender:
    """Development: prints each text message instead of sending it."""

    def send(self, *, to: str, body: str) -> str:
        sys.stdout.write(f"--- text message to {to} ---\n{body}\n---\n")
        sys.stdout.flush()
        return "console"


class MemorySmsSender:
    """Tests: keeps each text message in `outbox` (one process only)."""

    outbox: list[dict[str, str]] = []

    def send(self, *, to: str, body: str) -> str:
        self.outbox.append({"to": to, "body": body})
        return f"memory-{len(self.outbox)}"


class HttpSmsSender:
    """A Twilio-compatible API: a form POST to
    <base>/2010-04-01/Accounts/<sid>/Messages.json with HTTP basic auth,
    answered by JSON holding the message's "sid"."""

    def __init__(
        self, *, base_url: str, account_sid: str, auth_token: str, sender: str
    ) -> None:
        if urllib.parse.urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError(f"SMS URL must be http(s): {base_url!r}")
        sid = urllib.parse.quote(account_sid, safe="")
        self.url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
        credentials = f"{account_sid}:{auth_token}".encode()
        self.authorization = "Basic " + base64.b64encode(credentials).decode()
        self.sender = sender

    def send(self, *, to: str, body: str) -> str:
        form = urllib.parse.urlencode({"To": to, "From": self.sender, "Body": body})
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            self.url,
            data=form.encode(),
            method="POST",
            headers={
                "Authorization": self.authorization,
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=HTTP_TIMEOUT_S
            ) as response:
                answer = response.read()
        except urllib.error.HTTPError as exc:
            detail = _provider_message(exc.read()) or exc.reason
            text = f"SMS provider answered {exc.code}: {detail}"
            if exc.code == 429 or exc.code >= 500:
                raise SendError(text) from exc
            raise PermanentSendError(text) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SendError(f"SMS provider unreachable: {exc}") from exc
        try:
            return str(json.loads(answer)["sid"])[:120]
        except (ValueError, KeyError, TypeError):
            return ""


def _provider_message(raw: bytes) -> str:
    try:
        return str(json.loads(raw).get("message", ""))[:300]
    except (ValueError, AttributeError):
        return raw.decode(errors="replace")[:300]


def sms_sender() -> SmsSender:
    backend = settings.KETACLINIC_SMS_BACKEND
    if backend == "http":
        return HttpSmsSender(
            base_url=settings.KETACLINIC_SMS_URL,
            account_sid=settings.KETACLINIC_SMS_ACCOUNT_SID,
            auth_token=settings.KETACLINIC_SMS_AUTH_TOKEN,
            sender=settings.KETACLINIC_SMS_FROM,
        )
    if backend == "memory":
        return MemorySmsSender()
    return ConsoleSmsSender()


def send_sms(message: OutboundMessage) -> str:
    return sms_sender().send(to=message.to, body=message.body_text)
