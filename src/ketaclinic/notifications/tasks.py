"""Sending, in the background (run by `ketaclinic worker`).

`message_send` claims its message with a conditional UPDATE (queued ->
sending) before it sends: whoever runs it, however often, a message goes out
at most once. A failed try puts the message back in the queue with a growing
delay, until KETACLINIC_MESSAGE_ATTEMPTS tries have failed; then it shows as
failed on the staff page (/messages/), where it can be sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from ketaclinic.notifications import senders
from ketaclinic.notifications.models import OutboundMessage

logger = logging.getLogger(__name__)
Status = OutboundMessage.Status

FIRST_RETRY_DELAY = timedelta(minutes=1)
RETRY_GROWTH = 4  # 1, 4, 16, 64 ... minutes

SENDERS: dict[str, Callable[[OutboundMessage], str]] = {
    OutboundMessage.Channel.EMAIL: senders.send_email,
    OutboundMessage.Channel.SMS: senders.send_sms,
}


def retry_delay(attempts: int) -> timedelta:
    return FIRST_RETRY_DELAY * RETRY_GROWTH ** max(attempts - 1, 0)


def message_claim(message_id: int) -> OutboundMessage | None:
    """Take a queued message for sending; None when it is not (or no longer) queued."""
    claimed = OutboundMessage.objects.filter(
        pk=message_id, status=Status.QUEUED
    ).update(
        status=Status.SENDING,
        attempts=F("attempts") + 1,
        claimed_at=timezone.now(),
        next_attempt_at=None,
    )
    if not claimed:
        return None
    return OutboundMessage.objects.get(pk=message_id)


@task()
def message_send(message_id: int) -> str:
    message = message_claim(message_id)
    if message is None:
        return "not queued"
    claimed = OutboundMessage.objects.filter(pk=message_id, status=Status.SENDING)
    try:
        provider_id = SENDERS[message.channel](message)
    except Exception as exc:
        error = str(exc) or type(exc).__name__
        if not isinstance(exc, senders.SendError):
            error = f"{type(exc).__name__}: {error}"
        permanent = isinstance(exc, senders.PermanentSendError)
        if permanent or message.attempts >= settings.KETACLINIC_MESSAGE_ATTEMPTS:
            claimed.update(status=Status.FAILED, last_error=error[:2000])
            logger.warning("Message %s failed for good: %s", message_id, error)
            return "failed"
        when = timezone.now() + retry_delay(message.attempts)
        claimed.update(
            status=Status.QUEUED, last_error=error[:2000], next_attempt_at=when
        )
        message_send.using(run_after=when).enqueue(message_id)
        return "retry"
    claimed.update(
        status=Status.SENT,
        sent_at=timezone.now(),
        provider_id=(provider_id or "")[:120],
    )
    return "sent"
