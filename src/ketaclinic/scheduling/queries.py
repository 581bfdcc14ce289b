"""Reads of the schedule: what the slot finder needs, and the calendars.

Gather, compute, save: `slot_inputs` loads everything the pure slot finder
(ketaclinic.scheduling.slots) needs for one location, type and window, in a
fixed number of queries whatever the number of bookings.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import Role
from ketaclinic.scheduling import slots
from ketaclinic.scheduling.models import (
    Allocation,
    AppointmentType,
    Closure,
    Location,
    OpeningHours,
    Resource,
    StaffHours,
    TimeOff,
)

Need = slots.Need
STAFF_NEEDS = {Role.NURSE: Need.NURSE, Role.PROVIDER: Need.PROVIDER}


@dataclass(frozen=True)
class SlotInputs:
    request: slots.SlotRequest
    resources: list[slots.ResourceCalendar]
    staff: list[slots.StaffCalendar]


def phase_specs(appointment_type: AppointmentType) -> tuple[slots.PhaseSpec, ...]:
    specs = []
    for phase in appointment_type.phases.all():
        needs = set()
        if phase.needs_chair:
            needs.add(Need.CHAIR)
        if phase.needs_room and not appointment_type.remote:
            needs.add(Need.ROOM)
        if phase.needs_nurse:
            needs.add(Need.NURSE)
        if phase.needs_provider:
            needs.add(Need.PROVIDER)
        specs.append(slots.PhaseSpec(phase.name, phase.minutes, frozenset(needs)))
    return tuple(specs)


def _days(start: datetime, end: datetime, location: Location) -> list[date]:
    zone = location.zone
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _local(day: date, at: time, location: Location) -> datetime:
    # Aware local time -> UTC; zoneinfo resolves a DST gap or fold for us.
    from datetime import UTC

    return datetime.combine(day, at, location.zone).astimezone(UTC)


def open_intervals(
    location: Location, start: datetime, end: datetime
) -> tuple[slots.Interval, ...]:
    """Opening hours minus closures, in UTC, over the days that touch the window."""
    hours = defaultdict(list)
    for row in OpeningHours.objects.filter(location=location):
        hours[row.weekday].append((row.opens, row.closes))
    days = _days(start, end, location)
    closed = set()
    for closure in Closure.objects.filter(
        location=location, starts_on__lte=days[-1], ends_on__gte=days[0]
    ):
        span = (closure.ends_on - closure.starts_on).days
        closed.update(closure.starts_on + timedelta(days=n) for n in range(span + 1))
    intervals = []
    for day in days:
        if day in closed:
            continue
        for opens, closes in sorted(hours[day.weekday()]):
            intervals.append(
                slots.Interval(
                    _local(day, opens, location), _local(day, closes, location)
                )
            )
    return tuple(intervals)


def _minus(
    working: list[slots.Interval], off: list[tuple[datetime, datetime]]
) -> list[slots.Interval]:
    result = []
    for interval in working:
        pieces = [(interval.start, interval.end)]
        for off_start, off_end in off:
            next_pieces = []
            for piece_start, piece_end in pieces:
                if off_end <= piece_start or off_start >= piece_end:
                    next_pieces.append((piece_start, piece_end))
                    continue
                if piece_start < off_start:
                    next_pieces.append((piece_start, off_start))
                if off_end < piece_end:
                    next_pieces.append((off_end, piece_end))
            pieces = next_pieces
        result.extend(slots.Interval(a, b) for a, b in pieces)
    return result


def slot_inputs(
    *,
    location: Location,
    appointment_type: AppointmentType,
    earliest: datetime,
    latest: datetime,
    count: int = 10,
    staff_ids: list[int] | None = None,
    weekdays: frozenset[int] | None = None,
    day_window: tuple[time, time] | None = None,
    exclude_appointment_id: int | None = None,
) -> SlotInputs:
    """Everything the slot finder needs; 8 queries whatever the bookings."""
    phases = phase_specs(appointment_type)
    needs = set().union(*(phase.needs for phase in phases)) if phases else set()
    length = timedelta(minutes=sum(phase.minutes for phase in phases))
    window_end = latest + length

    allocations = Allocation.objects.filter(
        active=True, starts_at__lt=window_end, ends_at__gt=earliest
    )
    if exclude_appointment_id is not None:
        allocations = allocations.exclude(appointment_id=exclude_appointment_id)

    resources = []
    kinds = [
        kind
        for kind, need in (
            (Resource.Kind.CHAIR, Need.CHAIR),
            (Resource.Kind.ROOM, Need.ROOM),
        )
        if need in needs
    ]
    if kinds:
        rows = list(
            Resource.objects.filter(location=location, active=True, kind__in=kinds)
            .order_by("id")
            .values_list("id", "kind")
        )
        busy = defaultdict(list)
        for resource_id, start, stop in allocations.filter(
            resource_id__in=[row[0] for row in rows]
        ).values_list("resource_id", "starts_at", "ends_at"):
            busy[resource_id].append(slots.Interval(start, stop))
        for resource_id, kind in rows:
            need = Need.CHAIR if kind == Resource.Kind.CHAIR else Need.ROOM
            resources.append(
                slots.ResourceCalendar(
                    resource_id, need, tuple(sorted(busy[resource_id], key=_start))
                )
            )

    staff = []
    roles = [role for role, need in STAFF_NEEDS.items() if need in needs]
    if roles:
        people = User.objects.filter(
            locations=location, role__in=roles, is_active=True
        ).order_by("id")
        if staff_ids is not None:
            people = people.filter(id__in=staff_ids)
        people = list(people.values_list("id", "role", "patients_at_once"))
        ids = [person[0] for person in people]
        days = _days(earliest, window_end, location)
        hours = defaultdict(list)
        for row in StaffHours.objects.filter(location=location, staff_id__in=ids):
            hours[(row.staff_id, row.weekday)].append((row.starts, row.ends))
        off = defaultdict(list)
        for staff_id, start, stop in TimeOff.objects.filter(
            staff_id__in=ids, starts_at__lt=window_end, ends_at__gt=earliest
        ).values_list("staff_id", "starts_at", "ends_at"):
            off[staff_id].append((start, stop))
        booked = defaultdict(list)
        for staff_id, seat, start, stop in allocations.filter(
            staff_id__in=ids
        ).values_list("staff_id", "seat", "starts_at", "ends_at"):
            booked[staff_id].append(slots.Booked(slots.Interval(start, stop), seat))
        for staff_id, role, capacity in people:
            working = [
                slots.Interval(_local(day, a, location), _local(day, b, location))
                for day in days
                for a, b in sorted(hours[(staff_id, day.weekday())])
            ]
            staff.append(
                slots.StaffCalendar(
                    staff_id,
                    STAFF_NEEDS[role],
                    max(1, capacity),
                    tuple(_minus(working, off[staff_id])),
                    tuple(sorted(booked[staff_id], key=lambda b: b.interval.start)),
                )
            )

    request = slots.SlotRequest(
        phases=phases,
        open=open_intervals(location, earliest, window_end),
        earliest=earliest,
        latest=latest,
        count=count,
        zone=location.zone,
        weekdays=weekdays,
        day_window=day_window,
    )
    return SlotInputs(request, resources, staff)


def _start(interval: slots.Interval) -> datetime:
    return interval.start


def staff_at(location: Location, roles: list[str]) -> list[User]:
    return list(
        User.objects.filter(Q(locations=location), role__in=roles, is_active=True)
    )
