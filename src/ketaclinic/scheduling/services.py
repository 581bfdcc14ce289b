"""Every change of the schedule: booked, moved, cancelled, inside one transaction.

No double booking: the fit is re-checked inside the write transaction (which
holds SQLite's write lock from BEGIN), and on PostgreSQL the exclusion
constraints of Allocation refuse an overlap that a concurrent booking slipped
in; the loser gets the next free times.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.clinical import overrides
from ketaclinic.clinics.models import Closure, Location
from ketaclinic.inputs import OUT_OF_RANGE, in_calendar
from ketaclinic.scheduling import eligibility, notify, queries, slots
from ketaclinic.scheduling.models import (
    Allocation,
    Appointment,
    AppointmentType,
    TimeOff,
    WaitlistEntry,
)
from ketaclinic.words import duration_words

T = TypeVar("T")

FROM_A_LINK = "This visit cannot be booked from a link: please call the clinic."
# How far ahead alternatives are looked for when a time cannot be booked.
ALTERNATIVES_WINDOW = timedelta(days=28)
ALTERNATIVES_COUNT = 5


@dataclass
class BookingRefused(Exception):
    """The time cannot be booked; `alternatives` are the nearest that can."""

    message: str
    alternatives: list[slots.Slot] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message


class NotEligible(BookingRefused):
    """The patient may not be booked for this (scheduling.eligibility): no
    other time would help."""


@dataclass
class AcknowledgementNeeded(BookingRefused):
    """An infusion for a patient with open urgent tasks: each needs its
    acknowledgement, with a reason (`acknowledgements` of appointment_book)."""

    needed: tuple[overrides.OverrideNeeded, ...] = ()


@dataclass(frozen=True)
class Attendee:
    """Who the visit is for: a patient, or a lead before there is a chart. They
    are held like a chair: never in two visits at once."""

    patient_id: int | None = None
    inquiry_id: int | None = None
    name: str = ""

    @classmethod
    def of(cls, appointment: Appointment) -> Attendee:
        return cls.for_(patient=appointment.patient, inquiry=appointment.inquiry)

    @classmethod
    def for_(cls, *, patient=None, inquiry=None) -> Attendee:
        if patient is not None:
            return cls(patient_id=patient.pk, name=patient.display_name)
        if inquiry is not None:
            return cls(inquiry_id=inquiry.pk, name=inquiry.name)
        return cls()


def _alternatives(
    location: Location,
    appointment_type: AppointmentType,
    around: datetime,
    staff_ids: list[int] | None,
    exclude_appointment_id: int | None = None,
    attendee: Attendee = Attendee(),
) -> list[slots.Slot]:
    earliest = max(around, earliest_start(appointment_type))
    return queries.find_free(
        location=location,
        appointment_type=appointment_type,
        earliest=earliest,
        latest=earliest + ALTERNATIVES_WINDOW,
        count=ALTERNATIVES_COUNT,
        staff_ids=staff_ids,
        exclude_appointment_id=exclude_appointment_id,
        patient_id=attendee.patient_id,
        inquiry_id=attendee.inquiry_id,
    )


def earliest_start(appointment_type: AppointmentType) -> datetime:
    return timezone.now() + timedelta(hours=appointment_type.min_notice_hours)


def _why_not(
    location: Location,
    appointment_type: AppointmentType,
    starts_at: datetime,
    inputs: queries.SlotInputs,
    staff_ids: list[int] | None,
    attendee: Attendee = Attendee(),
    exclude_appointment_id: int | None = None,
) -> str:
    """A plain reason for a refused time, most basic first."""
    local = starts_at.astimezone(location.zone)
    when = f"{local:%a %b %-d, %H:%M}"
    if starts_at < timezone.now():
        return f"{when} is in the past."
    if starts_at < earliest_start(appointment_type):
        return (
            f"{appointment_type.name} needs {appointment_type.min_notice_hours} hours' "
            "notice."
        )
    closure = Closure.objects.filter(
        location=location, starts_on__lte=local.date(), ends_on__gte=local.date()
    ).first()
    if closure is not None:
        return f"{location.name} is closed on {local:%b %-d} ({closure.reason})."
    length = timedelta(minutes=sum(p.minutes for p in inputs.request.phases))
    visit = (starts_at, starts_at + length)
    overlap = _overlap(attendee, visit[0], visit[1], exclude_appointment_id)
    if overlap:
        return overlap
    if not any(i.start <= visit[0] and visit[1] <= i.end for i in inputs.request.open):
        return (
            f"{when} is outside opening hours "
            f"(the visit lasts {duration_words(length)})"
        ) + (
            ", or no provider is on site for all of it."
            if appointment_type.provider_on_site
            else "."
        )
    for need in sorted({n for p in inputs.request.phases for n in p.needs}):
        if need not in (slots.Need.NURSE, slots.Need.PROVIDER):
            continue
        people = [c for c in inputs.staff if c.need == need]
        if any(
            w.start <= visit[0] and visit[1] <= w.end for c in people for w in c.working
        ):
            continue
        leave = TimeOff.objects.filter(
            staff_id__in=[c.id for c in people],
            starts_at__lt=visit[1],
            ends_at__gt=visit[0],
        ).select_related("staff")
        names = "; ".join(
            f"{off.staff} is on leave ({off.reason or 'time off'})" for off in leave
        )
        return f"No {need} works at {when}" + (f": {names}." if names else ".")
    return f"Nothing is free at {when}: every chair, room or staff member is taken."


def _overlap(
    attendee: Attendee,
    start: datetime,
    end: datetime,
    exclude_appointment_id: int | None,
) -> str:
    """Names the attendee's other visit within [start, end), or ''."""
    other = (
        queries.visits_overlapping(
            patient_id=attendee.patient_id,
            inquiry_id=attendee.inquiry_id,
            start=start,
            end=end,
            exclude_appointment_id=exclude_appointment_id,
        )
        .select_related("type", "location")
        .first()
    )
    if other is None:
        return ""
    zone = other.location.zone
    start, end = other.starts_at.astimezone(zone), other.ends_at.astimezone(zone)
    return (
        f"{attendee.name} already has {other.type.name} on "
        f"{start:%a %b %-d}, {start:%H:%M}–{end:%H:%M} at {other.location.name}, "
        "and one person cannot be in two visits at once."
    )


def _slot_at(
    location: Location,
    appointment_type: AppointmentType,
    starts_at: datetime,
    staff_ids: list[int] | None,
    exclude_appointment_id: int | None = None,
    attendee: Attendee = Attendee(),
    resource_id: int | None = None,
) -> tuple[slots.Slot | None, queries.SlotInputs]:
    inputs = queries.slot_inputs(
        location=location,
        appointment_type=appointment_type,
        earliest=starts_at,
        latest=starts_at + timedelta(minutes=1),
        count=1,
        staff_ids=staff_ids,
        exclude_appointment_id=exclude_appointment_id,
        patient_id=attendee.patient_id,
        inquiry_id=attendee.inquiry_id,
        resource_id=resource_id,
    )
    slot = None
    if starts_at >= earliest_start(appointment_type):
        slot = slots.check_fit(
            inputs.request, starts_at, inputs.resources, inputs.staff
        )
    return slot, inputs


def _allocate(appointment: Appointment, slot: slots.Slot) -> None:
    Allocation.objects.bulk_create(
        Allocation(
            appointment=appointment,
            phase=part.phase,
            resource_id=part.resource_id,
            staff_id=part.staff_id,
            seat=part.seat,
            starts_at=part.interval.start,
            ends_at=part.interval.end,
        )
        for part in slot.allocations
    )


# The exclusion constraints of Allocation (migration 0003_no_double_booking).
NO_OVERLAP_CONSTRAINTS = frozenset(
    {
        "allocation_resource_no_overlap",
        "allocation_staff_seat_no_overlap",
        # One visit at a time per patient or lead (migration 0006): the next
        # try sees the other visit and refuses, naming it.
        "appointment_patient_no_overlap",
        "appointment_inquiry_no_overlap",
    }
)
# A safety net only: every lost race means another booking was committed, so
# the tries end once the time is full.
RACE_TRIES = 50


# PostgreSQL's answers to two bookings that lock each other's rows while their
# exclusion constraints are checked: one is stopped, and tries again.
RETRY_STATES = frozenset({"40P01", "40001"})  # deadlock, serialization failure


def _lost_race(error: IntegrityError | OperationalError) -> bool:
    if isinstance(error, OperationalError):
        return getattr(error.__cause__, "sqlstate", None) in RETRY_STATES
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) in NO_OVERLAP_CONSTRAINTS


def _until_no_race(write: Callable[[], T]) -> T:
    """Run `write` (a transaction, or a savepoint inside the caller's) again
    when a concurrent booking took the chair, room or staff seat it chose
    (PostgreSQL's exclusion constraints, or a deadlock while they are checked;
    SQLite serialises writers, so it never happens there). The next try sees
    that booking and takes the next free chair or seat of the same time, or
    refuses when there is none."""
    for _ in range(RACE_TRIES - 1):
        try:
            return write()
        except (IntegrityError, OperationalError) as error:
            if not _lost_race(error):
                raise
    try:
        return write()
    except (IntegrityError, OperationalError) as error:
        if not _lost_race(error):
            raise
        raise BookingRefused("Someone else just booked that time.") from None


def appointment_book(
    *,
    actor: Actor,
    patient=None,
    location: Location,
    appointment_type: AppointmentType,
    starts_at: datetime,
    staff_ids: list[int] | None = None,
    notes: str = "",
    inquiry=None,
    resource_id: int | None = None,
    acknowledgements: Mapping[str, str] | None = None,
) -> Appointment:
    """Book one visit, holding a chair/room and staff for each of its phases
    (the chair or room `resource_id` when one is asked for).

    The visit is for a patient, or (a free consultation) for a lead that has
    no chart yet: exactly one of `patient` and `inquiry`.
    Raises BookingRefused with a reason and the nearest free times;
    NotEligible when the patient may not have this visit at all, and
    AcknowledgementNeeded when an open urgent task needs its acknowledgement
    (`acknowledgements`: key -> reason) first (scheduling.eligibility).
    """
    if (patient is None) == (inquiry is None):
        raise ValueError("Book a visit for a patient or for a lead, not both.")
    if not in_calendar(starts_at):
        raise BookingRefused(OUT_OF_RANGE)
    attendee = Attendee.for_(patient=patient, inquiry=inquiry)

    def book() -> Appointment:
        with transaction.atomic():
            acknowledged = _eligible(actor, patient, appointment_type, acknowledgements)
            slot, inputs = _slot_at(
                location,
                appointment_type,
                starts_at,
                staff_ids,
                attendee=attendee,
                resource_id=resource_id,
            )
            if slot is None:
                raise BookingRefused(
                    _why_not(
                        location,
                        appointment_type,
                        starts_at,
                        inputs,
                        staff_ids,
                        attendee=attendee,
                    )
                )
            appointment = Appointment.objects.create(
                patient=patient,
                inquiry=inquiry,
                location=location,
                type=appointment_type,
                starts_at=slot.start,
                ends_at=slot.end,
                booked_by=actor.user,
                notes=notes,
                acknowledgements=acknowledged,
            )
            _allocate(appointment, slot)
            transaction.on_commit(lambda: notify.appointment_booked(appointment))
            audit_record(
                actor=actor,
                action=Action.CREATE,
                patient=patient,
                obj=appointment,
                summary=f"Booked {appointment_type.name} for "
                f"{slot.start.astimezone(location.zone):%Y-%m-%d %H:%M}"
                + _acknowledged_words(acknowledged),
            )
        return appointment

    try:
        return _until_no_race(book)
    except (NotEligible, AcknowledgementNeeded):
        raise
    except BookingRefused as refused:
        refused.alternatives = _alternatives(
            location, appointment_type, starts_at, staff_ids, attendee=attendee
        )
        raise


def _eligible(
    actor: Actor,
    patient,
    appointment_type: AppointmentType,
    reasons: Mapping[str, str] | None,
) -> list[dict[str, str]]:
    """The acknowledgements to keep on the visit, or NotEligible /
    AcknowledgementNeeded (inside the booking's transaction)."""
    if patient is None:
        return []  # a lead's free consultation
    check = eligibility.booking_check(patient, appointment_type)
    if actor.user is None and (check.refusal or check.to_acknowledge):
        # A patient's own link: the clinic explains, not the page.
        raise NotEligible(FROM_A_LINK)
    if not check.allowed:
        raise NotEligible(check.refusal)
    if not check.to_acknowledge:
        return []
    given, missing = eligibility.acknowledgements(
        check, reasons or {}, by=str(actor.user)
    )
    if missing:
        raise AcknowledgementNeeded(
            "This patient has an open urgent suicide-risk task. To book the "
            "infusion, acknowledge each open task with your reason: "
            + "; ".join(item.about for item in missing),
            needed=missing,
        )
    return given


def _acknowledged_words(acknowledged: list[dict[str, str]]) -> str:
    """The acknowledgements given, for the audit row."""
    return "".join(
        f"; acknowledged open urgent task “{item['about']}”: {item['reason']}"
        for item in acknowledged
    )


def appointment_move(
    *,
    actor: Actor,
    appointment: Appointment,
    starts_at: datetime,
    reason: str,
    acknowledgements: Mapping[str, str] | None = None,
) -> Appointment:
    """Move a visit to a new start, under the rules of a booking: a new time
    for an infusion is a new booking decision, so the patient must still be a
    signed candidate, and each open urgent task needs its acknowledgement
    again (`acknowledgements`: key -> reason), kept on the appointment beside
    the earlier ones. Raises BookingRefused (with the nearest free times),
    NotEligible or AcknowledgementNeeded, as appointment_book does."""
    if not reason.strip():
        raise BookingRefused("Say why the appointment moves.")
    if not appointment.holds_time or appointment.status not in (
        Appointment.Status.BOOKED,
        Appointment.Status.CONFIRMED,
    ):
        raise BookingRefused(
            f"A {appointment.get_status_display().lower()} appointment cannot move."
        )
    if not in_calendar(starts_at):
        raise BookingRefused(OUT_OF_RANGE)
    location, kind = appointment.location, appointment.type
    old_start = appointment.starts_at
    attendee = Attendee.of(appointment)
    earlier = list(appointment.acknowledgements or [])

    def move() -> None:
        with transaction.atomic():
            acknowledged = _eligible(actor, appointment.patient, kind, acknowledgements)
            slot, inputs = _slot_at(
                location,
                kind,
                starts_at,
                None,
                exclude_appointment_id=appointment.pk,
                attendee=attendee,
            )
            if slot is None:
                raise BookingRefused(
                    _why_not(
                        location,
                        kind,
                        starts_at,
                        inputs,
                        None,
                        attendee=attendee,
                        exclude_appointment_id=appointment.pk,
                    )
                )
            appointment.allocations.filter(active=True).update(active=False)
            _allocate(appointment, slot)
            appointment.starts_at, appointment.ends_at = slot.start, slot.end
            appointment.status_reason = reason[:200]
            appointment.acknowledgements = [*earlier, *acknowledged]
            appointment.save(
                update_fields=[
                    "starts_at",
                    "ends_at",
                    "status_reason",
                    "acknowledgements",
                ]
            )
            transaction.on_commit(lambda: notify.appointment_moved(appointment))
            audit_record(
                actor=actor,
                action=Action.UPDATE,
                patient=appointment.patient,
                obj=appointment,
                summary=f"Moved {kind.name} from "
                f"{old_start.astimezone(location.zone):%Y-%m-%d %H:%M} to "
                f"{slot.start.astimezone(location.zone):%Y-%m-%d %H:%M}: {reason}"
                + _acknowledged_words(acknowledged),
            )

    try:
        _until_no_race(move)
    except (NotEligible, AcknowledgementNeeded):
        raise
    except BookingRefused as refused:
        refused.alternatives = _alternatives(
            location,
            kind,
            starts_at,
            None,
            exclude_appointment_id=appointment.pk,
            attendee=attendee,
        )
        raise
    waitlist_offer_freed(appointment.location, appointment.type, old_start)
    return appointment


def appointment_set_status(
    *, actor: Actor, appointment: Appointment, status: str, reason: str = ""
) -> Appointment:
    """Confirm, check in (on the visit's day), start, complete, cancel (with a
    reason) or mark a no-show (once the visit has started)."""
    refusal = appointment.refusal(status, timezone.now())
    if refusal:
        raise BookingRefused(refusal)
    if status == Appointment.Status.CANCELLED and not reason.strip():
        raise BookingRefused("Say why the appointment is cancelled.")
    with transaction.atomic():
        _status_write(
            actor=actor,
            appointment=appointment,
            status=status,
            reason=reason,
        )
    if status == Appointment.Status.CANCELLED:
        waitlist_offer_freed(
            appointment.location, appointment.type, appointment.starts_at
        )
    return appointment


def _status_write(
    *,
    actor: Actor,
    appointment: Appointment,
    status: str,
    reason: str,
) -> None:
    """The status change itself, inside the caller's transaction."""
    # Re-read under a row lock: a patient's link and a staff member may act
    # at the same moment; the second sees the first's status.
    current = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("location")
        .get(pk=appointment.pk)
    )
    refusal = current.refusal(status, timezone.now())
    if refusal and current.status != appointment.status:
        refusal = f"The appointment is already {current.get_status_display().lower()}."
    if refusal:
        raise BookingRefused(refusal)
    appointment.status = status
    if reason:
        appointment.status_reason = reason[:200]
    appointment.save(update_fields=["status", "status_reason"])
    if status in (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW):
        appointment.allocations.filter(active=True).update(active=False)
        transaction.on_commit(lambda: notify.appointment_cancelled(appointment))
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        patient=appointment.patient,
        obj=appointment,
        summary=f"{Appointment.Status(status).label}: {appointment.type.name}"
        + (f" ({reason})" if reason else ""),
    )


def waitlist_add(
    *, actor: Actor, patient, location, appointment_type, earliest, latest, notes=""
) -> WaitlistEntry:
    with transaction.atomic():
        entry = WaitlistEntry.objects.create(
            patient=patient,
            location=location,
            type=appointment_type,
            earliest=earliest,
            latest=latest,
            notes=notes,
            created_by=actor.user,
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=patient,
            obj=entry,
            summary=f"Waitlist for {appointment_type.name}",
        )
    return entry


def waitlist_offer_freed(
    location: Location, appointment_type: AppointmentType, freed_start: datetime
) -> WaitlistEntry | None:
    """Offer a freed time to the first waiting patient whose dates include it."""
    day = freed_start.astimezone(location.zone).date()
    if freed_start < timezone.now():
        return None
    with transaction.atomic():
        entry = (
            WaitlistEntry.objects.filter(
                location=location,
                type=appointment_type,
                status=WaitlistEntry.Status.WAITING,
                earliest__lte=day,
                latest__gte=day,
            )
            .order_by("created_at", "id")
            .first()
        )
        if entry is None:
            return None
        claimed = WaitlistEntry.objects.filter(
            pk=entry.pk, status=WaitlistEntry.Status.WAITING
        ).update(status=WaitlistEntry.Status.OFFERED, offered_start=freed_start)
        if not claimed:
            return None
        entry.refresh_from_db()
    transaction.on_commit(lambda: notify.waitlist_offer(entry))
    return entry


def visit_answers_save(
    *, actor: Actor, appointment: Appointment, answers: dict[str, str]
) -> Appointment:
    """Store the patient's pre-visit answers on the visit, where check-in reads them."""
    with transaction.atomic():
        given = appointment.answers if isinstance(appointment.answers, dict) else {}
        appointment.answers = {**given, **answers}
        appointment.save(update_fields=["answers"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            patient=appointment.patient,
            obj=appointment,
            summary=f"Pre-visit answers for {appointment.type.name} given by the "
            "patient through the reminder link",
        )
    return appointment
