"""Writing messages. The one way the app sends email and text messages.

Call `email_queue` / `sms_queue` inside the transaction of the change that
causes the message: the row is written with it, and its sending is enqueued
once that transaction commits (ketaclinic.notifications.tasks.message_send).
A message whose `dedupe_key` was written before is not written again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.notifications.models import CalendarFeedToken, OutboundMessage

if TYPE_CHECKING:
    from ketaclinic.clinics.models import Location
    from ketaclinic.scheduling.models import Appointment

Status = OutboundMessage.Status


@dataclass(frozen=True)
class Attachment:
    filename: str
    mimetype: str
    content: str

    def as_json(self) -> dict[str, str]:
        return {
            "filename": self.filename,
            "mimetype": self.mimetype,
            "content": self.content,
        }


def _enqueue_send(message_id: int) -> None:
    from ketaclinic.notifications.tasks import message_send

    message_send.enqueue(message_id)


def message_queue(
    *,
    channel: str,
    to: str,
    purpose: str,
    body_text: str,
    dedupe_key: str,
    subject: str = "",
    body_html: str = "",
    attachments: Iterable[Attachment] = (),
    appointment: Appointment | None = None,
    location: Location | None = None,
) -> OutboundMessage | None:
    """Write one message and send it after the caller's transaction commits.

    Returns None, and writes nothing, when `dedupe_key` was used before.
    """
    if location is None and appointment is not None:
        location = appointment.location
    try:
        # A savepoint: a duplicate key must not break the caller's transaction.
        with transaction.atomic():
            message = OutboundMessage.objects.create(
                channel=channel,
                to=to,
                purpose=purpose,
                subject=subject[:200],
                body_text=body_text,
                body_html=body_html,
                attachments=[a.as_json() for a in attachments],
                dedupe_key=dedupe_key,
                appointment=appointment,
                location=location,
            )
    except IntegrityError:
        if OutboundMessage.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    message_id = message.pk
    # robust: a failure to enqueue must not fail the caller's committed change;
    # the message then waits as "queued" on the staff page, with "Send now".
    transaction.on_commit(lambda: _enqueue_send(message_id), robust=True)
    return message


def email_render(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, plain text and HTML of an email from its three templates:
    notifications/email/<template>_subject.txt, <template>.txt, <template>.html."""
    base = f"notifications/email/{template}"
    # One line, whatever the template holds.
    subject = " ".join(
        render_to_string(f"{base}_subject.txt", context, using="text").split()
    )
    text = render_to_string(f"{base}.txt", context, using="text").strip() + "\n"
    html = render_to_string(f"{base}.html", context)
    return subject, text, html


def email_queue(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    purpose: str,
    dedupe_key: str,
    attachments: Iterable[Attachment] = (),
    appointment: Appointment | None = None,
    location: Location | None = None,
) -> OutboundMessage | None:
    subject, text, html = email_render(template, context)
    return message_queue(
        channel=OutboundMessage.Channel.EMAIL,
        to=to,
        purpose=purpose,
        subject=subject,
        body_text=text,
        body_html=html,
        attachments=attachments,
        dedupe_key=dedupe_key,
        appointment=appointment,
        location=location,
    )


def sms_queue(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    purpose: str,
    dedupe_key: str,
    appointment: Appointment | None = None,
    location: Location | None = None,
) -> OutboundMessage | None:
    """A text message from notifications/sms/<template>.txt."""
    body = render_to_string(f"notifications/sms/{template}.txt", context, using="text")
    return message_queue(
        channel=OutboundMessage.Channel.SMS,
        to=to,
        purpose=purpose,
        body_text=" ".join(body.split()),
        dedupe_key=dedupe_key,
        appointment=appointment,
        location=location,
    )


def messages_cancel(*, appointment: Appointment, purpose: str | None = None) -> int:
    """Messages of an appointment not yet sent will not be sent."""
    pending = OutboundMessage.objects.filter(
        appointment=appointment, status=Status.QUEUED
    )
    if purpose is not None:
        pending = pending.filter(purpose=purpose)
    return pending.update(status=Status.CANCELLED, next_attempt_at=None)


def message_retry(*, actor: Actor, message: OutboundMessage) -> bool:
    """Staff ask for one more try of a failed (or stuck queued) message now.

    False when it is no longer failed or queued (sent meanwhile, cancelled).
    """
    with transaction.atomic():
        retried = OutboundMessage.objects.filter(
            pk=message.pk, status__in=[Status.FAILED, Status.QUEUED]
        ).update(status=Status.QUEUED, next_attempt_at=None)
        if not retried:
            return False
        appointment = message.appointment
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            patient=appointment.patient if appointment is not None else None,
            obj=message,
            summary=f"Asked to send again: {message.get_channel_display().lower()} "
            f"({message.purpose}) to {message.to}",
        )
        message_id = message.pk
        transaction.on_commit(lambda: _enqueue_send(message_id), robust=True)
    return True


def feed_token_renew(*, actor: Actor) -> CalendarFeedToken:
    """A new secret calendar feed URL for the actor; the old one stops working."""
    user = actor.signer
    with transaction.atomic():
        CalendarFeedToken.objects.filter(user=user).delete()
        feed = CalendarFeedToken.objects.create(
            user=user, token=CalendarFeedToken.new_token()
        )
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=feed,
            summary="New calendar feed link",
        )
    return feed
