"""What the schedule tells patients and staff. Called on commit by services.

The sending machinery (messages, retries, senders) lives in
ketaclinic.notifications; this module decides what is said when.

Reminders: booking a visit enqueues one `reminder_send` task per offset of
KETACLINIC_REMINDER_OFFSETS_HOURS, to run that long before the start. When it
runs, the task writes the messages only if the visit still holds that very
start time; a moved visit gets new tasks for its new time and its old ones do
nothing, a cancelled visit's tasks do nothing. Each message's dedupe key names
the visit, its start and the offset, so no reminder is written twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ketaclinic.links import tokens as links
from ketaclinic.notifications import services as messages
from ketaclinic.patients.text import format_phone
from ketaclinic.scheduling import ics
from ketaclinic.scheduling.models import Appointment, AppointmentType, WaitlistEntry
from ketaclinic.words import labels_add

REMINDER = "reminder"
WAITLIST_OFFER = "waitlist_offer"
labels_add({REMINDER: "Visit reminder", WAITLIST_OFFER: "Waitlist offer"})
SENDABLE = (Appointment.Status.BOOKED, Appointment.Status.CONFIRMED)

# Said when an appointment type has no instructions of its own. Sources:
# CLINICAL.md 1.5 (fasting 6 h solids / 2 h clear liquids; an adult escort,
# without whom the infusion is cancelled) and 3 (no driving or heavy
# machinery for 24 hours).
DEFAULT_INSTRUCTIONS: dict[str, str] = {
    AppointmentType.Kind.INFUSION: (
        "No solid food or milk for 6 hours before your visit; clear liquids "
        "(water, black coffee) until 2 hours before.\n"
        "Bring an adult (18 or older) who will take you home: without an escort "
        "the infusion cannot go ahead.\n"
        "Do not drive or operate heavy machinery for 24 hours after the infusion."
    ),
}


def instructions_for(appointment_type: AppointmentType) -> str:
    text = appointment_type.instructions.strip()
    return text or DEFAULT_INSTRUCTIONS.get(appointment_type.kind, "")


def recipient(appointment: Appointment):
    """Whom a visit's messages go to: its patient, or the lead (an inquiry) of
    a free consultation booked before there is a chart."""
    return appointment.patient or appointment.inquiry


def local_when(moment: datetime, location) -> str:
    local = moment.astimezone(location.zone)
    return f"{local:%A, %B %-d at %-I:%M %p} ({local:%Z})"


# --- Hooks (services call these on commit) ------------------------------------


def appointment_booked(appointment: Appointment) -> None:
    """Plan the reminders of a new booking."""
    reminders_plan(appointment)


def appointment_moved(appointment: Appointment) -> None:
    """Reminders follow the new time; the old ones are not sent."""
    messages.messages_cancel(appointment=appointment, purpose=REMINDER)
    reminders_plan(appointment)


def appointment_cancelled(appointment: Appointment) -> None:
    """Pending reminders of a cancelled visit are not sent."""
    messages.messages_cancel(appointment=appointment)


def waitlist_offer(entry: WaitlistEntry) -> None:
    """Tell a waiting patient that a time has come free."""
    with transaction.atomic():
        offer_queue(entry)


# --- Reminders -----------------------------------------------------------------


def reminders_plan(appointment: Appointment) -> list[int]:
    """Enqueue the reminders of a visit; returns the offsets planned.

    Offsets already past are skipped; if every offset is past but the visit is
    not, one reminder goes out at once so that the instructions still arrive.
    """
    now = timezone.now()
    if appointment.starts_at <= now or appointment.status not in SENDABLE:
        return []
    offsets = settings.KETACLINIC_REMINDER_OFFSETS_HOURS
    planned: list[tuple[int, datetime | None]] = [
        (hours, appointment.starts_at - timedelta(hours=hours))
        for hours in offsets
        if appointment.starts_at - timedelta(hours=hours) > now
    ]
    if not planned and offsets:
        planned = [(min(offsets), None)]
    for hours, run_after in planned:
        reminder_send.using(run_after=run_after).enqueue(
            appointment.pk, appointment.starts_at.isoformat(), hours
        )
    return [hours for hours, _ in planned]


@task()
def reminder_send(appointment_id: int, starts_at: str, offset_hours: int) -> str:
    """Write the reminders of one visit at one offset, if it still holds its time."""
    expected = datetime.fromisoformat(starts_at)
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("patient", "inquiry", "type", "location")
            .filter(pk=appointment_id)
            .first()
        )
        if appointment is None:
            return "gone"
        if appointment.starts_at != expected:
            return "moved"
        if appointment.status not in SENDABLE:
            return f"not sent: {appointment.status}"
        if appointment.starts_at <= timezone.now():
            return "passed"
        written = reminder_queue(appointment, offset_hours)
    return f"written: {written}"


def reminder_context(appointment: Appointment) -> dict:
    person, location = recipient(appointment), appointment.location
    return {
        "appointment": appointment,
        "patient_name": getattr(person, "preferred_name", "") or person.first_name,
        "type_name": appointment.type.name,
        "when": local_when(appointment.starts_at, location),
        "location": location,
        "instructions": instructions_for(appointment.type),
        "questions": [
            q.get("label", "")
            for q in appointment.type.questions or []
            if isinstance(q, dict) and q.get("label")
        ],
        "confirmed": appointment.status == Appointment.Status.CONFIRMED,
        "confirm_url": links.url(
            links.Purpose.VISIT_CONFIRM, appointment.uuid, version=appointment.starts_at
        ),
        "cancel_url": links.url(
            links.Purpose.VISIT_CANCEL, appointment.uuid, version=appointment.starts_at
        ),
    }


def visit_event(appointment: Appointment, context: dict) -> ics.Event:
    location = appointment.location
    description = "\n\n".join(
        part
        for part in (
            context["instructions"],
            f"Confirm: {context['confirm_url']}",
            f"Cancel: {context['cancel_url']}",
            f"{location.name}: {format_phone(location.phone)}"
            if location.phone
            else "",
        )
        if part
    )
    return ics.Event(
        uid=f"{appointment.uuid}@ketaclinic",
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        summary=f"{appointment.type.name} at {location.name}",
        location=", ".join(
            part for part in (location.name, " ".join(location.address.split())) if part
        ),
        description=description,
        # Grows with every saved change, so calendars replace the older copy.
        sequence=appointment.history.count(),
    )


def _email_and_text(
    person, *, template: str, context: dict, purpose: str, key: str, **extra
) -> int:
    """Queue the email and the text message of one notice to whichever of the
    person's addresses exist; returns how many are new (not sent before)."""
    attachments = extra.pop("attachments", ())
    written = []
    if person.email:
        written.append(
            messages.email_queue(
                to=person.email,
                template=template,
                context=context,
                purpose=purpose,
                dedupe_key=f"{key}:email",
                attachments=attachments,
                **extra,
            )
        )
    if person.phone:
        written.append(
            messages.sms_queue(
                to=person.phone,
                template=template,
                context=context,
                purpose=purpose,
                dedupe_key=f"{key}:sms",
                **extra,
            )
        )
    return sum(message is not None for message in written)


def reminder_queue(appointment: Appointment, offset_hours: int) -> int:
    """Write the email and text reminders of a visit; returns how many are new."""
    context = reminder_context(appointment)
    key = f"{REMINDER}:{appointment.uuid}:{appointment.starts_at.isoformat()}"
    key += f":{offset_hours}h"
    invite = ics.calendar([visit_event(appointment, context)])
    return _email_and_text(
        recipient(appointment),
        template="reminder",
        context=context,
        purpose=REMINDER,
        key=key,
        attachments=[messages.Attachment("visit.ics", "text/calendar", invite)],
        appointment=appointment,
    )


# --- Waitlist ------------------------------------------------------------------


def offer_queue(entry: WaitlistEntry) -> int:
    if entry.status != WaitlistEntry.Status.OFFERED or entry.offered_start is None:
        return 0
    patient, location = entry.patient, entry.location
    context = {
        "patient_name": patient.preferred_name or patient.first_name,
        "type_name": entry.type.name,
        "when": local_when(entry.offered_start, location),
        "location": location,
        "offer_url": links.url(
            links.Purpose.WAITLIST_OFFER, entry.pk, version=entry.offered_start
        ),
    }
    key = f"{WAITLIST_OFFER}:{entry.pk}:{entry.offered_start.isoformat()}"
    return _email_and_text(
        patient,
        template="waitlist_offer",
        context=context,
        purpose=WAITLIST_OFFER,
        key=key,
        location=location,
    )
