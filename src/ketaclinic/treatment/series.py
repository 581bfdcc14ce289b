"""Booking a signed plan's whole series: propose every date, confirm all or none.

The proposal keeps the plan's cadence (how many infusions, within how many days,
at least how many days and hours apart) and finds each visit a free time with
the scheduling engine (opening hours, closures, chairs, nurses, the phases of
the protocol's appointment type). Confirming books every visit in one
transaction: a time taken meanwhile refuses the whole series, with a fresh
proposal, and nothing is booked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.clinical import overrides
from ketaclinic.clinics.models import Location
from ketaclinic.scheduling import eligibility
from ketaclinic.scheduling import queries as schedule_queries
from ketaclinic.scheduling import services as schedule
from ketaclinic.scheduling.models import Appointment, AppointmentType
from ketaclinic.treatment.models import SeriesVisit, TreatmentPlan

GONE = (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW)

# How many later first days a proposal tries when the series does not fit
# from the earliest one.
FIRST_DAY_TRIES = 14

# Each visit is one free time, most often found on the first day searched: the
# search loads a day's bookings first, then two days, four...
ONE_VISIT_WINDOW = timedelta(days=1)


class SeriesRefused(Exception):
    """The series cannot be proposed or booked; ``proposal`` is a fresh one
    when there is; ``needed``, the open urgent tasks still to acknowledge."""

    def __init__(
        self,
        message: str,
        proposal: list[datetime] | None = None,
        needed: tuple[overrides.OverrideNeeded, ...] = (),
    ):
        super().__init__(message)
        self.message = message
        self.proposal = proposal or []
        self.needed = needed


ACKNOWLEDGE_SERIES = (
    "This patient has an open urgent suicide-risk task. To book the series, "
    "acknowledge each open task with your reason (kept on every visit of the "
    "series): {tasks}"
)


def _type_of(plan: TreatmentPlan) -> AppointmentType:
    booked_as = plan.protocol.appointment_type
    if booked_as is None:
        raise SeriesRefused(
            "The plan's protocol names no appointment type: a clinic manager sets "
            "one under Protocols."
        )
    return booked_as


def _midnight(day: date, location: Location) -> datetime:
    return datetime.combine(day, time(0), location.zone)


def _not_before(
    previous: datetime, plan: TreatmentPlan, location: Location
) -> datetime:
    day = previous.astimezone(location.zone).date()
    by_days = _midnight(day + timedelta(days=plan.min_days_apart), location)
    hours = plan.protocol.min_hours_apart or 0
    return max(
        by_days, previous + timedelta(hours=hours), previous + timedelta(minutes=1)
    )


def _deadline(first: datetime, plan: TreatmentPlan, location: Location) -> datetime:
    day = first.astimezone(location.zone).date()
    return _midnight(day + timedelta(days=plan.within_days), location)


def cadence_problem(
    starts: list[datetime], plan: TreatmentPlan, location: Location
) -> str:
    """Why these times do not keep the plan's cadence, or ''."""
    if len(starts) != plan.infusions:
        return f"The series has {plan.infusions} infusions, not {len(starts)}."
    ordered = sorted(starts)
    deadline = _deadline(ordered[0], plan, location)
    for number, (before, after) in enumerate(
        zip(ordered, ordered[1:], strict=False), start=2
    ):
        if after < _not_before(before, plan, location):
            return (
                f"Infusion {number} is too close to the one before: at least "
                f"{plan.min_days_apart} days apart"
                + (
                    f" and {plan.protocol.min_hours_apart} hours"
                    if plan.protocol.min_hours_apart
                    else ""
                )
                + "."
            )
    if ordered[-1] >= deadline:
        return f"The series must fit within {plan.within_days} days."
    return ""


def _fit(
    plan: TreatmentPlan,
    loader: schedule_queries.ScheduleLoader,
    *,
    location: Location,
    start: datetime,
    wanted: int,
    previous: datetime | None,
    deadline: datetime | None,
    weekdays: frozenset[int] | None,
    day_window: tuple[time, time] | None,
) -> list[datetime] | None:
    """``wanted`` free times from ``start`` that keep the cadence after
    ``previous`` and end before ``deadline`` (the window of the first), or None."""
    starts: list[datetime] = []
    cursor = (
        start if previous is None else max(start, _not_before(previous, plan, location))
    )
    latest = deadline or start + timedelta(days=plan.within_days)
    while len(starts) < wanted:
        found = loader.find_free(
            earliest=cursor,
            latest=latest,
            count=1,
            weekdays=weekdays,
            day_window=day_window,
            first_window=ONE_VISIT_WINDOW,
        )
        if not found:
            return None
        starts.append(found[0].start)
        if deadline is None and len(starts) == 1:
            latest = _deadline(starts[0], plan, location)
        cursor = _not_before(starts[-1], plan, location)
    return starts


def visit_state(visit: Appointment) -> str:
    """A series visit in plain words: booked, done, or missed and why."""
    if visit.status == Appointment.Status.COMPLETED:
        return "Done"
    if visit.status == Appointment.Status.NO_SHOW:
        return "Missed (did not come)"
    if visit.status == Appointment.Status.CANCELLED:
        return "Missed (cancelled)"
    return "Booked"


def kept_visits(plan: TreatmentPlan) -> list[Appointment]:
    """The series' visits that count: not cancelled, not missed."""
    return [visit for visit in series_visits(plan) if visit.status not in GONE]


def series_propose(
    plan: TreatmentPlan,
    *,
    location: Location,
    earliest: datetime | None = None,
    weekdays: frozenset[int] | None = None,
    day_window: tuple[time, time] | None = None,
) -> list[datetime]:
    """A free time for every infusion of the plan not booked yet (a missed or
    cancelled one is proposed again), keeping its cadence."""
    booked_as = _type_of(plan)
    start = max(earliest or timezone.now(), schedule.earliest_start(booked_as))
    kept = list(
        _series_of(plan)
        .exclude(status__in=GONE)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )
    wanted = plan.infusions - len(kept)
    if wanted <= 0:
        raise SeriesRefused("Every infusion of the series is booked.")
    # One loader for every search of the proposal: the chairs, the staff and
    # their hours, the opening hours and the closures are read once.
    loader = schedule_queries.ScheduleLoader(
        location=location,
        appointment_type=booked_as,
        earliest=start,
        latest=start + timedelta(days=FIRST_DAY_TRIES + plan.within_days),
        patient_id=plan.patient_id,
    )

    def fit(
        start: datetime, previous: datetime | None, deadline: datetime | None
    ) -> list[datetime] | None:
        return _fit(
            plan,
            loader,
            location=location,
            start=start,
            wanted=wanted,
            previous=previous,
            deadline=deadline,
            weekdays=weekdays,
            day_window=day_window,
        )

    if kept:
        starts = fit(start, kept[-1], _deadline(kept[0], plan, location))
        if starts:
            return starts
        raise SeriesRefused(
            f"The {wanted} infusion(s) left do not fit within {plan.within_days} days "
            "of the first one. Try other times, or change the plan."
        )
    for _ in range(FIRST_DAY_TRIES):
        starts = fit(start, None, None)
        if starts:
            return starts
        day = start.astimezone(location.zone).date() + timedelta(days=1)
        start = _midnight(day, location)
    raise SeriesRefused(
        f"{plan.infusions} infusions within {plan.within_days} days do not fit the "
        "free times of the coming weeks. Try other days or times, or a later start."
    )


def series_check(plan: TreatmentPlan) -> eligibility.BookingCheck:
    """Whether the plan's patient may be booked for its infusions now (the
    booking rule of every visit): refused, or allowed once each open urgent
    task is acknowledged."""
    return eligibility.booking_check(plan.patient, _type_of(plan))


def series_confirm(
    *,
    actor: Actor,
    plan: TreatmentPlan,
    location: Location,
    starts: list[datetime],
    acknowledgements: Mapping[str, str] | None = None,
) -> list[Appointment]:
    """Book every visit of the series, or none.

    Each visit is booked under the rules of a single booking: while the
    patient has an open urgent task, one acknowledgement per task
    (``acknowledgements``: key -> reason) is given once for the whole series
    and kept, with who gave it, on every visit booked; without it nothing is
    booked (SeriesRefused with ``needed``, the times kept)."""
    if not plan.in_force:
        raise SeriesRefused("This plan was replaced: book from the plan in force.")
    kept = kept_visits(plan)
    problem = cadence_problem([v.starts_at for v in kept] + starts, plan, location)
    if problem:
        raise SeriesRefused(problem)
    booked_as = _type_of(plan)
    ordered = sorted(starts)
    first_number = len(kept) + 1
    try:
        with transaction.atomic():
            visits = [
                schedule.appointment_book(
                    actor=actor,
                    patient=plan.patient,
                    location=location,
                    appointment_type=booked_as,
                    starts_at=starts_at,
                    notes=(
                        f"Infusion {number} of {plan.infusions}: {plan.protocol_name}, "
                        f"plan version {plan.version}"
                    ),
                    acknowledgements=acknowledgements,
                )
                for number, starts_at in enumerate(ordered, start=first_number)
            ]
            SeriesVisit.objects.bulk_create(
                SeriesVisit(plan=plan, appointment=visit, number=number)
                for number, visit in enumerate(visits, start=first_number)
            )
            audit_record(
                actor=actor,
                action=Action.CREATE,
                patient=plan.patient,
                obj=plan,
                summary=f"Booked the series of {len(visits)} infusions",
            )
    except schedule.AcknowledgementNeeded as asked:
        raise SeriesRefused(
            "Nothing was booked. "
            + ACKNOWLEDGE_SERIES.format(
                tasks="; ".join(item.about for item in asked.needed)
            ),
            ordered,
            needed=asked.needed,
        ) from None
    except schedule.NotEligible as refused:
        # No other time would help: the times stay as they were.
        raise SeriesRefused(f"Nothing was booked: {refused.message}", ordered) from None
    except schedule.BookingRefused as refused:
        fresh: list[datetime] = []
        with contextlib.suppress(SeriesRefused):
            fresh = series_propose(plan, location=location, earliest=ordered[0])
        raise SeriesRefused(
            f"Nothing was booked: {refused.message} Here is a fresh proposal.", fresh
        ) from None
    return visits


def _series_of(plan: TreatmentPlan) -> QuerySet[Appointment]:
    """The visits booked for this plan's series, any version."""
    return Appointment.objects.filter(
        plan_visit__plan__patient_id=plan.patient_id,
        plan_visit__plan__protocol_id=plan.protocol_id,
    )


def series_visits(plan: TreatmentPlan) -> list[Appointment]:
    """The visits booked for this plan's series, any version, in order."""
    return list(_series_of(plan).select_related("type").order_by("starts_at"))
