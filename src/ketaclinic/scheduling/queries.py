"""Reads of the schedule: what the slot finder needs, and the calendars.

Gather, compute, save: `slot_inputs` loads everything the pure slot finder
(ketaclinic.scheduling.slots) needs for one location, type and window, in a
fixed number of queries whatever the number of bookings.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import Role
from ketaclinic.clinics.models import Closure, Location, OpeningHours, Resource
from ketaclinic.scheduling import eligibility, slots
from ketaclinic.scheduling.models import (
    Allocation,
    Appointment,
    AppointmentType,
    StaffHours,
    TimeOff,
)

Need = slots.Need
STAFF_NEEDS: dict[str, Need] = {Role.NURSE: Need.NURSE, Role.PROVIDER: Need.PROVIDER}


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


def _minus(
    working: list[slots.Interval], off: list[tuple[datetime, datetime]]
) -> list[slots.Interval]:
    result: list[slots.Interval] = []
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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micro(value) -> int:
    """Microseconds since the epoch of a raw database value."""
    return (_aware(value) - _EPOCH) // timedelta(microseconds=1)


def _span_start(row: tuple[int, int, int]) -> tuple[int, int]:
    """A staff booking (seat, start, end) in order of its times."""
    return row[1], row[2]


def _aware(value) -> datetime:
    """A UTC datetime from a raw database value: microseconds since the epoch,
    text (naive UTC, or with its offset) or a naive datetime."""
    if isinstance(value, int):
        return _EPOCH + timedelta(microseconds=value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# No visit is longer than this (a 4-hour pain infusion with recovery is 5 h);
# the booking search relies on it to bound its scans.
LONGEST_VISIT = timedelta(hours=24)


class ScheduleLoader:
    """Loads once what does not change while a search walks forward (chairs,
    staff, their hours, opening hours, closures), then each window's bookings
    and time off in two queries."""

    def __init__(
        self,
        *,
        location: Location,
        appointment_type: AppointmentType,
        earliest: datetime,
        latest: datetime,
        staff_ids: list[int] | None = None,
        exclude_appointment_id: int | None = None,
        patient_id: int | None = None,
        inquiry_id: int | None = None,
        resource_id: int | None = None,
    ) -> None:
        self.location = location
        self.patient_id, self.inquiry_id = patient_id, inquiry_id
        self.phases = phase_specs(appointment_type)
        self.length = timedelta(minutes=sum(phase.minutes for phase in self.phases))
        if self.length > LONGEST_VISIT:
            raise ValueError(f"{appointment_type} is longer than {LONGEST_VISIT}.")
        self.exclude_appointment_id = exclude_appointment_id
        needs = set().union(*(phase.needs for phase in self.phases))
        kinds = [
            kind
            for kind, need in (
                (Resource.Kind.CHAIR, Need.CHAIR),
                (Resource.Kind.ROOM, Need.ROOM),
            )
            if need in needs
        ]
        self.resources: list[tuple[int, Need]] = []
        if kinds:
            self.resources = [
                (pk, Need.CHAIR if kind == Resource.Kind.CHAIR else Need.ROOM)
                for pk, kind in Resource.objects.filter(
                    location=location, active=True, kind__in=kinds
                )
                .order_by("id")
                .values_list("id", "kind")
            ]
        if resource_id is not None:
            # The chair or room asked for: the visit takes it, not another of
            # its kind.
            asked = dict(self.resources).get(resource_id)
            self.resources = [
                (pk, need)
                for pk, need in self.resources
                if need != asked or pk == resource_id
            ]
        self.people: list[tuple[int, str, int]] = []
        self.hours: dict[tuple[int, int], list[tuple[time, time]]] = defaultdict(list)
        roles = [role for role, need in STAFF_NEEDS.items() if need in needs]
        if roles:
            people = User.objects.filter(
                locations=location, role__in=roles, is_active=True
            ).order_by("id")
            if staff_ids is not None:
                people = people.filter(id__in=staff_ids)
            self.people = list(people.values_list("id", "role", "patients_at_once"))
            for staff_id, weekday, a, b in StaffHours.objects.filter(
                location=location, staff_id__in=[p[0] for p in self.people]
            ).values_list("staff_id", "weekday", "starts", "ends"):
                self.hours[(staff_id, weekday)].append((a, b))
        # Types that need a provider on site: the visit must fall wholly within
        # the time some provider works here (merged over providers).
        self.presence: dict[tuple[int, int], list[tuple[time, time]]] | None = None
        if appointment_type.provider_on_site:
            self.presence = defaultdict(list)
            self.present_ids = list(
                User.objects.filter(
                    locations=location, role=Role.PROVIDER, is_active=True
                ).values_list("id", flat=True)
            )
            for staff_id, weekday, a, b in StaffHours.objects.filter(
                location=location, staff_id__in=self.present_ids
            ).values_list("staff_id", "weekday", "starts", "ends"):
                self.presence[(staff_id, weekday)].append((a, b))
        self.opening: dict[int, list[tuple[time, time]]] = defaultdict(list)
        for weekday, opens, closes in OpeningHours.objects.filter(
            location=location
        ).values_list("weekday", "opens", "closes"):
            self.opening[weekday].append((opens, closes))
        self.closed: set[date] = set()
        self.closures_known: tuple[date, date] | None = None
        # The staff's time off and the patient's own visits are few: read once
        # for the whole span searched, then sliced per window.
        self.span = (earliest, latest + self.length)
        self._held: tuple[list, list] | None = None
        # Each booking time read from the database as text or a datetime, in
        # microseconds since the epoch (see _busy).
        self._microseconds: dict[object, int] = {}
        self._hours_made: dict[tuple[date, time, time], slots.Interval] = {}
        self._closures(_days(earliest, latest + self.length, location))

    def _closures(self, days: list[date]) -> None:
        """Know the closures of ``days`` (loaded once for the span first asked,
        then again only for a window beyond what is known)."""
        known = self.closures_known
        if known is not None and known[0] <= days[0] and days[-1] <= known[1]:
            return
        first_day = days[0] if known is None else min(days[0], known[0])
        last_day = days[-1] if known is None else max(days[-1], known[1])
        for first, last in Closure.objects.filter(
            location=self.location, starts_on__lte=last_day, ends_on__gte=first_day
        ).values_list("starts_on", "ends_on"):
            span = (last - first).days
            self.closed.update(first + timedelta(days=n) for n in range(span + 1))
        self.closures_known = (first_day, last_day)

    def _busy(self, start: datetime, end: datetime):
        """Active allocations of this location's chairs or staff in the window:
        one query, read raw (the hot path of every search)."""
        table = Allocation._meta.db_table
        adapt = connection.ops.adapt_datetimefield_value
        # Bounded below as well as above, so that the range scan of the
        # (resource or staff, starts_at) indexes stays within the window.
        bounds = [adapt(start - LONGEST_VISIT), adapt(end), adapt(start)]
        parts, params = [], []
        # Read as whole microseconds since the epoch: Django would parse each
        # timestamp into a datetime in Python (most of the time of a search in
        # a busy clinic). PostgreSQL says them as integers. SQLite holds UTC
        # text, "YYYY-MM-DD HH:MM:SS" and ".ffffff" when there are
        # microseconds: read as text (its own date functions keep only
        # milliseconds, and cost more per row than reading the text), each
        # distinct text converted once per loader (bookings start and end on
        # a few grid times).
        times = {
            "postgresql": "(EXTRACT(EPOCH FROM {0}) * 1000000)::bigint",
            "sqlite": "CAST({0} AS TEXT)",
        }.get(connection.vendor, "{0}")
        times = ", ".join(times.format(column) for column in ("starts_at", "ends_at"))
        for column, ids in (
            ("resource_id", [pk for pk, _ in self.resources]),
            ("staff_id", [pk for pk, _, _ in self.people]),
        ):
            if not ids:
                continue
            sql = (
                f"SELECT resource_id, staff_id, seat, {times} "  # noqa: S608
                f"FROM {table} WHERE active AND {column} IN "
                f"({','.join(['%s'] * len(ids))}) "
                "AND starts_at > %s AND starts_at < %s AND ends_at > %s"
            )
            params += [*ids, *bounds]
            if self.exclude_appointment_id is not None:
                sql += " AND appointment_id <> %s"
                params.append(self.exclude_appointment_id)
            parts.append(sql)
        if not parts:
            return []
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            rows = cursor.fetchall()
        if connection.vendor == "postgresql":
            return rows
        known = self._microseconds
        for value in {value for row in rows for value in row[3:]} - known.keys():
            known[value] = _micro(value)
        return [
            (resource_id, staff_id, seat, known[start], known[stop])
            for resource_id, staff_id, seat, start, stop in rows
        ]

    def _with_provider(self, opening, days, start: datetime, end: datetime):
        off = defaultdict(list)
        for staff_id, a, b in TimeOff.objects.filter(
            staff_id__in=self.present_ids, starts_at__lt=end, ends_at__gt=start
        ).values_list("staff_id", "starts_at", "ends_at"):
            off[staff_id].append((a, b))
        present = []
        presence = self.presence or {}
        for staff_id in self.present_ids:
            working = [
                slots.Interval(
                    _local(day, a, self.location), _local(day, b, self.location)
                )
                for day in days
                for a, b in presence[(staff_id, day.weekday())]
            ]
            present += _minus(working, off[staff_id])
        return _intersect(opening, _merged(present))

    def _read_time_off_and_visits(
        self, start: datetime, end: datetime
    ) -> tuple[list, list]:
        """The staff's time off and the patient's visits within [start, end)."""
        time_off = []
        if self.people:
            time_off = list(
                TimeOff.objects.filter(
                    staff_id__in=[p[0] for p in self.people],
                    starts_at__lt=end,
                    ends_at__gt=start,
                ).values_list("staff_id", "starts_at", "ends_at")
            )
        theirs = list(
            visits_overlapping(
                patient_id=self.patient_id,
                inquiry_id=self.inquiry_id,
                start=start,
                end=end,
                exclude_appointment_id=self.exclude_appointment_id,
            ).values_list("starts_at", "ends_at")
        )
        return time_off, theirs

    def _time_off_and_visits(self, start: datetime, end: datetime) -> tuple[list, list]:
        """Those of one window: sliced from the loader's span when the window
        lies within it (read once), read for the window otherwise."""
        if not (self.span[0] <= start and end <= self.span[1]):
            return self._read_time_off_and_visits(start, end)
        if self._held is None:
            self._held = self._read_time_off_and_visits(*self.span)
        time_off, theirs = self._held
        return (
            [row for row in time_off if row[1] < end and row[2] > start],
            [row for row in theirs if row[0] < end and row[1] > start],
        )

    def _hours_on(self, day: date, opens: time, closes: time) -> slots.Interval:
        """From ``opens`` to ``closes`` on ``day`` at the location (staff
        share their hours, and windows their days: each is made once)."""
        key = (day, opens, closes)
        hours = self._hours_made.get(key)
        if hours is None:
            hours = self._hours_made[key] = slots.Interval(
                _local(day, opens, self.location), _local(day, closes, self.location)
            )
        return hours

    def window(
        self,
        *,
        earliest: datetime,
        latest: datetime,
        count: int = 10,
        weekdays: frozenset[int] | None = None,
        day_window: tuple[time, time] | None = None,
    ) -> SlotInputs:
        location = self.location
        window_end = latest + self.length
        days = _days(earliest, window_end, location)
        self._closures(days)
        # The bookings stay integers (microseconds since the epoch) from the
        # database to the slot finder: a busy window has hundreds of them.
        by_resource: dict[int, list[slots.Span]] = defaultdict(list)
        by_staff: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for resource_id, staff_id, seat, start, stop in self._busy(
            earliest, window_end
        ):
            if resource_id is not None:
                by_resource[resource_id].append((start, stop))
            else:
                by_staff[staff_id].append((seat, start, stop))
        resources = [
            slots.ResourceCalendar.from_spans(pk, need, sorted(by_resource[pk]))
            for pk, need in self.resources
        ]
        time_off, theirs = self._time_off_and_visits(earliest, window_end)
        off = defaultdict(list)
        for staff_id, start, stop in time_off:
            off[staff_id].append((start, stop))
        staff = []
        for staff_id, role, capacity in self.people:
            working = [
                self._hours_on(day, a, b)
                for day in days
                for a, b in sorted(self.hours[(staff_id, day.weekday())])
            ]
            staff.append(
                slots.StaffCalendar.from_spans(
                    staff_id,
                    STAFF_NEEDS[role],
                    max(1, capacity),
                    _minus(working, off[staff_id]),
                    sorted(by_staff[staff_id], key=_span_start),
                )
            )
        opening = tuple(
            self._hours_on(day, a, b)
            for day in days
            if day not in self.closed
            for a, b in sorted(self.opening[day.weekday()])
        )
        if self.presence is not None:
            opening = self._with_provider(opening, days, earliest, window_end)
        # The patient is held too: a visit never overlaps another of theirs.
        opening = tuple(_minus(list(opening), theirs))
        request = slots.SlotRequest(
            phases=self.phases,
            open=opening,
            earliest=earliest,
            latest=latest,
            count=count,
            zone=location.zone,
            weekdays=weekdays,
            day_window=day_window,
        )
        return SlotInputs(request, resources, staff)

    def find_free(
        self,
        *,
        earliest: datetime,
        latest: datetime,
        count: int = 10,
        weekdays: frozenset[int] | None = None,
        day_window: tuple[time, time] | None = None,
        first_window: timedelta | None = None,
    ) -> list[slots.Slot]:
        """The next `count` free times starting between `earliest` and `latest`:
        walks forward in growing windows (the first ``first_window`` long,
        SEARCH_WINDOW by default), loading each window's bookings, and stops as
        soon as it has found enough. One loader serves many searches (a series
        proposal makes one per visit)."""
        found: list[slots.Slot] = []
        cursor, step = earliest, first_window or SEARCH_WINDOW
        while len(found) < count and cursor < latest:
            end = min(cursor + step, latest)
            inputs = self.window(
                earliest=cursor,
                latest=end,
                count=count - len(found),
                weekdays=weekdays,
                day_window=day_window,
            )
            seen = {slot.start for slot in found}
            found += [
                slot
                for slot in slots.find_slots(
                    inputs.request, inputs.resources, inputs.staff
                )
                if slot.start not in seen
            ]
            cursor, step = end, step * 2
        return found[:count]


def visits_overlapping(
    *,
    patient_id: int | None,
    inquiry_id: int | None,
    start: datetime,
    end: datetime,
    exclude_appointment_id: int | None = None,
):
    """The visits of one patient (or of one lead, before there is a chart), at
    any location, that hold time within [start, end), earliest first."""
    if patient_id is None and inquiry_id is None:
        return Appointment.objects.none()
    visits = Appointment.objects.filter(
        status__in=Appointment.HOLDING, starts_at__lt=end, ends_at__gt=start
    )
    if patient_id is not None:
        visits = visits.filter(patient_id=patient_id)
    elif inquiry_id is not None:
        visits = visits.filter(inquiry_id=inquiry_id)
    if exclude_appointment_id is not None:
        visits = visits.exclude(pk=exclude_appointment_id)
    return visits.order_by("starts_at", "id")


def _intersect(
    first: tuple[slots.Interval, ...], second: list[slots.Interval]
) -> tuple[slots.Interval, ...]:
    result = []
    for a in first:
        for b in second:
            start, end = max(a.start, b.start), min(a.end, b.end)
            if start < end:
                result.append(slots.Interval(start, end))
    return tuple(result)


def _merged(intervals: list[slots.Interval]) -> list[slots.Interval]:
    merged: list[slots.Interval] = []
    for interval in sorted(intervals, key=_start):
        if merged and interval.start <= merged[-1].end:
            last = merged.pop()
            interval = slots.Interval(last.start, max(last.end, interval.end))
        merged.append(interval)
    return merged


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
    patient_id: int | None = None,
    inquiry_id: int | None = None,
    resource_id: int | None = None,
) -> SlotInputs:
    """Everything the slot finder needs for one window, in a fixed number of
    queries whatever the bookings."""
    loader = ScheduleLoader(
        location=location,
        appointment_type=appointment_type,
        earliest=earliest,
        latest=latest,
        staff_ids=staff_ids,
        exclude_appointment_id=exclude_appointment_id,
        patient_id=patient_id,
        inquiry_id=inquiry_id,
        resource_id=resource_id,
    )
    return loader.window(
        earliest=earliest,
        latest=latest,
        count=count,
        weekdays=weekdays,
        day_window=day_window,
    )


def _start(interval: slots.Interval) -> datetime:
    return interval.start


# The slot search walks forward in windows of this length, loading only the
# bookings of the window it searches, and stops as soon as it has found enough:
# its cost grows with the days it needs, not with how far it may look.
SEARCH_WINDOW = timedelta(days=2)


def find_free(
    *,
    location: Location,
    appointment_type: AppointmentType,
    earliest: datetime,
    latest: datetime,
    count: int = 10,
    staff_ids: list[int] | None = None,
    exclude_appointment_id: int | None = None,
    patient_id: int | None = None,
    inquiry_id: int | None = None,
    resource_id: int | None = None,
    weekdays: frozenset[int] | None = None,
    day_window: tuple[time, time] | None = None,
) -> list[slots.Slot]:
    """The next `count` free times starting between `earliest` and `latest`."""
    loader = ScheduleLoader(
        location=location,
        appointment_type=appointment_type,
        earliest=earliest,
        latest=latest,
        staff_ids=staff_ids,
        exclude_appointment_id=exclude_appointment_id,
        patient_id=patient_id,
        inquiry_id=inquiry_id,
        resource_id=resource_id,
    )
    return loader.find_free(
        earliest=earliest,
        latest=latest,
        count=count,
        weekdays=weekdays,
        day_window=day_window,
    )


# The calendar grid: 5-minute rows, so that a block covers its visit exactly.
ROW_MINUTES = 5


@dataclass(frozen=True)
class DayCalendar:
    """One day at a location as a grid: chairs and rooms as columns, 5-minute
    rows, a block per visit and place, a cell to book per free half hour of
    the opening hours still ahead, and the row of "now" when the day is today."""

    resources: list[Resource]
    blocks: list[dict]
    rows: int
    times: list[dict]
    closed: bool
    free_cells: list[dict]
    now_row: int | None


# The calendar offers each free half hour of a chair or room to book.
FREE_CELL_MINUTES = 30


def day_calendar(
    location: Location, day: date, now: datetime | None = None
) -> DayCalendar:
    """Queries: opening hours, closures, resources, allocations with their
    appointments and patients, staff allocations (5)."""
    now = now or datetime.now(UTC)
    start = datetime.combine(day, time.min, location.zone)
    end = datetime.combine(day + timedelta(days=1), time.min, location.zone)
    hours = list(OpeningHours.objects.filter(location=location, weekday=day.weekday()))
    first = min((h.opens for h in hours), default=time(8))
    last = max((h.closes for h in hours), default=time(18))
    grid_start = datetime.combine(day, time(first.hour), location.zone)
    grid_end = datetime.combine(day, last, location.zone)
    resources = list(Resource.objects.filter(location=location, active=True))
    column = {resource.pk: index + 2 for index, resource in enumerate(resources)}
    names = defaultdict(str, {resource.pk: resource.name for resource in resources})
    allocations = (
        Allocation.objects.filter(
            active=True,
            resource__location=location,
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .select_related(
            "appointment__patient",
            "appointment__inquiry",
            "appointment__type",
        )
        .annotate(urgent=eligibility.urgent_open("appointment__patient"))
        .order_by("starts_at")
    )
    blocks: dict[tuple[int, int], dict] = {}
    for allocation in allocations:
        if allocation.resource_id is None:
            continue  # a staff member's seat: not a column
        key = (allocation.appointment_id, allocation.resource_id)
        block = blocks.setdefault(
            key,
            {
                "appointment": allocation.appointment,
                "start": allocation.starts_at,
                "end": allocation.ends_at,
                "column": column.get(allocation.resource_id),
                "place": names[allocation.resource_id],
                "urgent": allocation.urgent,
            },
        )
        block["start"] = min(block["start"], allocation.starts_at)
        block["end"] = max(block["end"], allocation.ends_at)
    nurses = defaultdict(set)
    for appointment_id, first_name, last_name in Allocation.objects.filter(
        active=True,
        appointment_id__in={key[0] for key in blocks},
        staff__isnull=False,
    ).values_list("appointment_id", "staff__first_name", "staff__last_name"):
        nurses[appointment_id].add(f"{first_name} {last_name[:1]}.")
    rows = int((grid_end - grid_start).total_seconds() // (ROW_MINUTES * 60))
    row_seconds = ROW_MINUTES * 60

    def row_of(moment: datetime) -> int:
        return int((moment - grid_start).total_seconds() // row_seconds) + 2

    held: dict[int, set[int]] = defaultdict(set)
    for block in blocks.values():
        # Start rounded down and end rounded up: a block never looks shorter
        # than the visit, so a chair never looks free while it is held.
        first_row = max(row_of(block["start"]), 2)
        last_row = math.ceil((block["end"] - grid_start).total_seconds() / row_seconds)
        block["row"] = first_row
        block["span"] = max(last_row + 2 - first_row, 1)
        block["staff"] = ", ".join(sorted(nurses[block["appointment"].pk]))
        held[block["column"]].update(range(first_row, first_row + block["span"]))
    free_cells = []
    step = timedelta(minutes=FREE_CELL_MINUTES)
    closure = Closure.objects.filter(
        location=location, starts_on__lte=day, ends_on__gte=day
    ).exists()
    for opening in [] if closure else hours:
        cell = datetime.combine(day, opening.opens, location.zone)
        closes = datetime.combine(day, opening.closes, location.zone)
        while cell + step <= closes:
            cell_rows = range(row_of(cell), row_of(cell + step))
            for resource in resources if cell >= now else []:
                if held[column[resource.pk]].isdisjoint(cell_rows):
                    free_cells.append(
                        {
                            "resource": resource,
                            "start": cell,
                            "column": column[resource.pk],
                            "row": cell_rows.start,
                            "span": len(cell_rows),
                        }
                    )
            cell += step
    times = [
        {
            "label": (grid_start + timedelta(minutes=ROW_MINUTES * n)).strftime(
                "%H:%M"
            ),
            "row": n + 2,
        }
        for n in range(0, rows, 30 // ROW_MINUTES)
    ]
    return DayCalendar(
        resources=resources,
        blocks=[b for b in blocks.values() if b["column"]],
        rows=rows,
        times=times,
        closed=not hours,
        free_cells=free_cells,
        now_row=row_of(now) if grid_start <= now < grid_end else None,
    )


def week_calendar(location: Location, monday: date) -> list[dict]:
    """Seven days from `monday`, each with its visits and their places, and
    whether the clinic is closed. Queries: appointments with patients and
    types, their resource allocations, opening hours, closures (4)."""
    start = datetime.combine(monday, time.min, location.zone)
    end = datetime.combine(monday + timedelta(days=7), time.min, location.zone)
    appointments = list(
        Appointment.objects.filter(
            location=location, starts_at__lt=end, ends_at__gt=start
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("patient", "inquiry", "type")
        .annotate(urgent=eligibility.urgent_open())
    )
    places = defaultdict(set)
    for appointment_id, name in Allocation.objects.filter(
        active=True,
        appointment__in=[a.pk for a in appointments],
        resource__isnull=False,
    ).values_list("appointment_id", "resource__name"):
        places[appointment_id].add(name)
    open_days = set(
        OpeningHours.objects.filter(location=location).values_list("weekday", flat=True)
    )
    closures = list(
        Closure.objects.filter(
            location=location,
            starts_on__lte=monday + timedelta(days=6),
            ends_on__gte=monday,
        )
    )
    days = []
    for n in range(7):
        current = monday + timedelta(days=n)
        closure = next(
            (c for c in closures if c.starts_on <= current <= c.ends_on), None
        )
        days.append(
            {
                "date": current,
                "closed": current.weekday() not in open_days or closure is not None,
                "closure": closure,
                "appointments": [
                    {"appointment": a, "places": ", ".join(sorted(places[a.pk]))}
                    for a in appointments
                    if a.starts_at.astimezone(location.zone).date() == current
                ],
            }
        )
    return days


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    by: str
    what: str
    reason: str


def appointment_history(appointment: Appointment, limit: int = 20) -> list[HistoryRow]:
    """What happened to a visit, newest first: each status, and each move
    with the time it moved from ("Moved from Mon Nov 30 09:00 to ...")."""
    zone = appointment.location.zone
    records = appointment.history.select_related("history_user").order_by(
        "history_date", "history_id"
    )
    rows: list[HistoryRow] = []
    previous = None
    for record in records:
        what = record.get_status_display()
        moved = previous is not None and record.starts_at != previous.starts_at
        if previous is not None and moved:
            what = (
                f"Moved from {previous.starts_at.astimezone(zone):%a %b %-d %H:%M} "
                f"to {record.starts_at.astimezone(zone):%a %b %-d %H:%M}"
            )
        reason = record.status_reason
        if previous is not None and not moved and reason == previous.status_reason:
            reason = ""
        by = record.history_user
        rows.append(
            HistoryRow(
                record.history_date,
                str(by) if by is not None else "patient or system",
                what,
                reason,
            )
        )
        previous = record
    return rows[::-1][:limit]
