"""Finding time for an appointment: the slot finder, in plain Python.

An appointment type is a sequence of phases (``PhaseSpec``), each with a length in
minutes and the kinds of thing it holds (``Need``). An infusion is preparation (chair
and nurse), infusion (chair and a share of a nurse) and recovery (chair and a share of
a nurse); a consultation is one phase (provider and room, or provider alone when
remote). Phases follow each other without gaps.

What can be held:

- A chair or a room (``ResourceCalendar``) holds one patient at a time. Its ``busy``
  intervals are the times it is taken (bookings, maintenance).
- A nurse or a provider (``StaffCalendar``) sees up to ``capacity`` patients at once.
  Capacity is modelled as seats ``0 .. capacity - 1``: every staff booking occupies one
  seat (``Booked``), and two overlapping bookings of the same staff member never share
  a seat, a rule a database exclusion constraint on (staff, seat, time range) can
  enforce. A staff member has room for one more patient over an interval when one seat
  is free over the whole of it. ``working`` is when the staff member works at this
  location, time off already removed.

``find_slots`` answers "the next N times this appointment type fits"; ``check_fit``
re-checks one start (at booking time, inside the write transaction, or to move an
appointment). A start fits when:

1. it lies in the request's window, ``earliest <= start < latest`` (``earliest``
   carries the minimum notice);
2. the whole appointment lies inside one open interval (opening hours minus closures);
3. the start matches the patient's preferences, read on the location's clock: the
   weekday is in ``weekdays`` and the local time of day is in ``day_window``;
4. one chair (and one room) is free over every phase that needs it: the same chair
   for all of them, so an infusion keeps its chair from preparation to the end of
   recovery;
5. for every phase that needs a nurse (or a provider), a staff member of that kind
   works over the whole phase and has a free seat over it; with
   ``same_staff_throughout`` one nurse covers all those phases (and one provider
   likewise).

Choices are deterministic: the lowest id first, then the lowest seat. ``find_slots``
proposes starts on a grid of ``step_minutes`` on the location's wall clock (08:00,
08:15, ...), so a start stays at 08:00 local on both sides of a daylight-saving change;
``check_fit`` accepts any start.

Time: every datetime here is timezone-aware and held in UTC; a naive datetime is
refused with ``ValueError`` and an aware one in another zone is converted to UTC. The
location's zone (``SlotRequest.zone``) is used only to read preferences and to align
the grid. Intervals are half-open, ``[start, end)``: a booking ending at 09:00 and one
starting at 09:00 do not overlap.

Speed: calendars index their intervals once, when built (sorted starts with a running
maximum of ends, per chair and per seat), so each check is a binary search. When a
start fails, the blocking booking, the end of a staff member's hours or the patient's
preferences tell how far the next possible start is, and the search jumps there;
closed time is skipped by going straight to the next open interval.

This module imports nothing from Django or the rest of ketaclinic (an import-linter
contract keeps it so) and does no I/O.
"""

from __future__ import annotations

import enum
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from itertools import accumulate
from typing import Generic, TypeVar, overload
from zoneinfo import ZoneInfo

__all__ = [
    "RESOURCE_NEEDS",
    "STAFF_NEEDS",
    "Allocation",
    "Booked",
    "Interval",
    "Need",
    "PhaseSpec",
    "ResourceCalendar",
    "Slot",
    "Span",
    "SlotRequest",
    "StaffCalendar",
    "check_fit",
    "find_slots",
]


class Need(enum.StrEnum):
    """A kind of thing a phase holds: a place (chair, room) or a person."""

    CHAIR = "chair"
    ROOM = "room"
    NURSE = "nurse"
    PROVIDER = "provider"


RESOURCE_NEEDS = frozenset({Need.CHAIR, Need.ROOM})
STAFF_NEEDS = frozenset({Need.NURSE, Need.PROVIDER})

# Times inside the search are integers: microseconds since the Unix epoch (UTC).
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_US_PER_SECOND = 1_000_000
_US_PER_MINUTE = 60 * _US_PER_SECOND
_US_PER_DAY = 24 * 60 * _US_PER_MINUTE
_MINUTES_PER_DAY = 24 * 60
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday; Monday is 0
# Later than any real time: "no start from here on can fit".
_NEVER = 1 << 62


def _utc(value: datetime, what: str) -> datetime:
    """Return ``value`` in UTC, refusing anything but an aware datetime."""
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, not {type(value).__name__}.")
    if value.tzinfo is UTC:
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (UTC), got naive {value}.")
    return value.astimezone(UTC)


def _us(value: datetime) -> int:
    """Microseconds since the epoch of an aware UTC datetime."""
    return (value - _EPOCH) // _ONE_US


def _datetime(us: int) -> datetime:
    """The aware UTC datetime of a count of microseconds since the epoch."""
    return _EPOCH + timedelta(microseconds=us)


Span = tuple[int, int]
"""A half-open stretch of time ``(start, end)`` in whole microseconds since the
Unix epoch (UTC), ``start < end``: how bookings are read from the database, and
what the search works with."""


def _checked(spans: Iterable[Span], whose: str) -> list[Span]:
    """``spans`` as a list, refused unless each is a non-empty ``(start,
    end)`` of ints (the rule of ``Interval``)."""
    checked = list(spans)
    if not all(type(a) is int and type(b) is int and a < b for a, b in checked):
        for span in checked:  # one is wrong: name it
            if not all(type(value) is int for value in span):
                raise TypeError(f"{whose}: a span is two ints, not {span!r}.")
            if span[1] <= span[0]:
                raise ValueError(f"{whose}: a span must end after it starts: {span!r}.")
    return checked


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open stretch of time ``[start, end)``, in UTC, never empty."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        start = _utc(self.start, "Interval start")
        end = _utc(self.end, "Interval end")
        if end <= start:
            raise ValueError(f"Interval must end after it starts: {start} to {end}.")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    def overlaps(self, other: Interval) -> bool:
        """True when the two intervals share some instant (touching ends do not)."""
        return self.start < other.end and other.start < self.end

    def contains(self, other: Interval | datetime) -> bool:
        """True when ``other`` (an interval, or an instant) lies wholly inside."""
        if isinstance(other, Interval):
            return self.start <= other.start and other.end <= self.end
        return self.start <= _utc(other, "instant") < self.end

    @property
    def minutes(self) -> float:
        """The length in minutes."""
        return (self.end - self.start) / timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class PhaseSpec:
    """One phase of an appointment type: its name, length and what it holds."""

    name: str
    minutes: int
    needs: frozenset[Need]

    def __post_init__(self) -> None:
        if isinstance(self.minutes, bool) or not isinstance(self.minutes, int):
            raise TypeError(f"Phase {self.name!r}: minutes must be an int.")
        if self.minutes <= 0:
            raise ValueError(f"Phase {self.name!r} must last at least one minute.")
        object.__setattr__(self, "needs", frozenset(Need(n) for n in self.needs))


class _Track:
    """Intervals of one chair, room or staff seat, indexed for "is it free?".

    ``starts`` is sorted and ``max_ends[i]`` is the latest end among the first ``i + 1``
    intervals, so the intervals that start before ``y`` end, at the latest, at
    ``max_ends[bisect_left(starts, y) - 1]``. This stays right even when intervals in
    the input overlap one another.
    """

    __slots__ = ("max_ends", "starts")

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [start for start, _ in ordered]
        self.max_ends = list(accumulate((end for _, end in ordered), max))

    def blocked_until(self, start: int, end: int) -> int:
        """0 when free over ``[start, end)``; else the latest end of what blocks it.

        Nothing that blocks ``[start, end)`` lets go before that end, so no later
        interval starting before it is free either.
        """
        i = bisect_left(self.starts, end)
        if i and self.max_ends[i - 1] > start:
            return self.max_ends[i - 1]
        return 0


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort intervals and join those that overlap or touch."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _spans(intervals: Iterable[Interval]) -> list[tuple[int, int]]:
    return [(_us(interval.start), _us(interval.end)) for interval in intervals]


_Raw = TypeVar("_Raw")
_Made = TypeVar("_Made")


class _MadeOnRead(Sequence[_Made], Generic[_Raw, _Made]):
    """A read-only sequence of objects made from raw items only when read:
    the ``busy`` of a calendar built from spans (the search itself reads the
    spans, never these objects). Equal to any sequence of the same objects."""

    __slots__ = ("_make", "_raw")

    def __init__(self, raw: Sequence[_Raw], make: Callable[[_Raw], _Made]) -> None:
        self._raw = raw
        self._make = make

    def __len__(self) -> int:
        return len(self._raw)

    @overload
    def __getitem__(self, index: int) -> _Made: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[_Made, ...]: ...

    def __getitem__(self, index: int | slice) -> _Made | tuple[_Made, ...]:
        if isinstance(index, slice):
            return tuple(self._make(item) for item in self._raw[index])
        return self._make(self._raw[index])

    def __iter__(self) -> Iterator[_Made]:
        return (self._make(item) for item in self._raw)

    def __add__(self, other: Sequence[_Made]) -> tuple[_Made, ...]:
        return (*self, *other)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(
            a == b for a, b in zip(self, other, strict=True)
        )

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))


def _interval_of(span: Span) -> Interval:
    return Interval(_datetime(span[0]), _datetime(span[1]))


@dataclass(frozen=True, slots=True)
class ResourceCalendar:
    """A chair or room: one patient at a time, taken during ``busy``.

    ``from_spans`` builds one straight from the busy times as integers (what a
    search of a busy clinic does: no ``Interval`` is made unless ``busy`` is
    read)."""

    id: int
    need: Need
    busy: Sequence[Interval] = ()
    _track: _Track = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "need", _resource_need(self.need, self.id))
        object.__setattr__(self, "busy", tuple(self.busy))
        object.__setattr__(self, "_track", _Track(_spans(self.busy)))

    @classmethod
    def from_spans(cls, id: int, need: Need, spans: Iterable[Span]) -> ResourceCalendar:
        """The calendar whose ``busy`` is ``spans``: the same as one built from
        their intervals."""
        checked = _checked(spans, f"Resource {id}")
        calendar = object.__new__(cls)
        object.__setattr__(calendar, "id", id)
        object.__setattr__(calendar, "need", _resource_need(need, id))
        object.__setattr__(calendar, "busy", _MadeOnRead(checked, _interval_of))
        object.__setattr__(calendar, "_track", _Track(checked))
        return calendar


def _resource_need(need: Need | str, id: int) -> Need:
    need = Need(need)
    if need not in RESOURCE_NEEDS:
        raise ValueError(f"Resource {id} must be a chair or a room, not {need}.")
    return need


@dataclass(frozen=True, slots=True)
class Booked:
    """A staff booking: the time it holds and the seat it occupies."""

    interval: Interval
    seat: int

    def __post_init__(self) -> None:
        if isinstance(self.seat, bool) or not isinstance(self.seat, int):
            raise TypeError("A seat must be an int.")
        if self.seat < 0:
            raise ValueError(f"A seat is 0 or more, not {self.seat}.")


@dataclass(frozen=True, slots=True)
class StaffCalendar:
    """A nurse or provider at one location.

    ``working`` is when they work here, time off removed (overlapping or touching
    intervals are joined); ``busy`` is their bookings, each in one of ``capacity``
    seats.
    """

    id: int
    need: Need
    capacity: int
    working: tuple[Interval, ...]
    busy: Sequence[Booked] = ()
    _working_starts: list[int] = field(init=False, repr=False, compare=False)
    _working_ends: list[int] = field(init=False, repr=False, compare=False)
    _seats: tuple[_Track, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "busy", tuple(self.busy))
        self._prepare(
            [(b.seat, _us(b.interval.start), _us(b.interval.end)) for b in self.busy]
        )

    @classmethod
    def from_spans(
        cls,
        id: int,
        need: Need,
        capacity: int,
        working: Iterable[Interval],
        seated: Iterable[tuple[int, int, int]],
    ) -> StaffCalendar:
        """The calendar whose ``busy`` is ``seated``, each (seat, start, end)
        with the times as in a ``Span``: the same as one built from their
        ``Booked``."""
        rows = list(seated)
        for seat, _, _ in rows:
            if type(seat) is not int:
                raise TypeError("A seat must be an int.")
            if seat < 0:
                raise ValueError(f"A seat is 0 or more, not {seat}.")
        _checked(((start, end) for _, start, end in rows), f"Staff member {id}")
        calendar = object.__new__(cls)
        object.__setattr__(calendar, "id", id)
        object.__setattr__(calendar, "need", need)
        object.__setattr__(calendar, "capacity", capacity)
        object.__setattr__(calendar, "working", working)
        object.__setattr__(calendar, "busy", _MadeOnRead(rows, _booked_of))
        calendar._prepare(rows)
        return calendar

    def _prepare(self, seated: list[tuple[int, int, int]]) -> None:
        """Check the fields and index the bookings, each (seat, start, end)."""
        need = Need(self.need)
        if need not in STAFF_NEEDS:
            raise ValueError(
                f"Staff member {self.id} must be a nurse or a provider, not {need}."
            )
        if isinstance(self.capacity, bool) or not isinstance(self.capacity, int):
            raise TypeError(f"Staff member {self.id}: capacity must be an int.")
        if self.capacity < 1:
            raise ValueError(f"Staff member {self.id}: capacity must be 1 or more.")
        object.__setattr__(self, "need", need)
        object.__setattr__(self, "working", tuple(self.working))
        by_seat: list[list[tuple[int, int]]] = [[] for _ in range(self.capacity)]
        for seat, start, end in seated:
            if seat >= self.capacity:
                raise ValueError(
                    f"Staff member {self.id} has seats 0 to {self.capacity - 1}, "
                    f"a booking is in seat {seat}."
                )
            by_seat[seat].append((start, end))
        working = _merged(_spans(self.working))
        object.__setattr__(self, "_working_starts", [start for start, _ in working])
        object.__setattr__(self, "_working_ends", [end for _, end in working])
        object.__setattr__(self, "_seats", tuple(_Track(seat) for seat in by_seat))


def _booked_of(row: tuple[int, int, int]) -> Booked:
    seat, start, end = row
    return Booked(_interval_of((start, end)), seat)


@dataclass(frozen=True, slots=True, kw_only=True)
class SlotRequest:
    """What to look for, where, and when.

    - ``phases``: the appointment type, in order.
    - ``open``: the location's opening hours minus closures, in UTC (overlapping or
      touching intervals are joined).
    - ``earliest``, ``latest``: starts are sought in ``[earliest, latest)``; put the
      minimum notice into ``earliest``.
    - ``count``: how many starts ``find_slots`` returns at most.
    - ``step_minutes``: the grid of starts on the location's clock; it must divide a
      day (5, 10, 15, 20, 30, 60, ...), so the grid starts at every local midnight.
    - ``zone``: the location's time zone.
    - ``weekdays``: local weekdays allowed (0 is Monday), or None for any day.
    - ``day_window``: local times ``(from, until)`` a start may take,
      ``from <= time < until``, or None for any time.
    - ``same_staff_throughout``: one nurse (and one provider) for all the phases that
      need one; otherwise each phase takes the first staff member free.
    """

    phases: tuple[PhaseSpec, ...]
    open: tuple[Interval, ...]
    earliest: datetime
    latest: datetime
    count: int = 10
    step_minutes: int = 15
    zone: ZoneInfo
    weekdays: frozenset[int] | None = None
    day_window: tuple[time, time] | None = None
    same_staff_throughout: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "phases", tuple(self.phases))
        object.__setattr__(self, "open", tuple(self.open))
        earliest = _utc(self.earliest, "earliest")
        latest = _utc(self.latest, "latest")
        object.__setattr__(self, "earliest", earliest)
        object.__setattr__(self, "latest", latest)
        if not self.phases:
            raise ValueError("An appointment type needs at least one phase.")
        if latest <= earliest:
            raise ValueError(
                f"latest ({latest}) must come after earliest ({earliest})."
            )
        if self.count < 1:
            raise ValueError(f"count must be 1 or more, not {self.count}.")
        if self.step_minutes < 1 or _MINUTES_PER_DAY % self.step_minutes:
            raise ValueError(
                "step_minutes must divide a day (1440 minutes), "
                f"not {self.step_minutes}."
            )
        if self.zone is None:
            raise ValueError("A zone is needed to read preferences and align starts.")
        if self.weekdays is not None:
            weekdays = frozenset(self.weekdays)
            if not weekdays <= frozenset(range(7)):
                raise ValueError(f"weekdays are 0 (Monday) to 6, not {set(weekdays)}.")
            object.__setattr__(self, "weekdays", weekdays)
        if self.day_window is not None:
            since, until = self.day_window
            if since.tzinfo is not None or until.tzinfo is not None:
                raise ValueError("day_window is a local clock time, without a zone.")
            if until <= since:
                raise ValueError(
                    f"day_window must end after it starts: {since}-{until}."
                )

    @property
    def minutes(self) -> int:
        """The length of the whole appointment in minutes."""
        return sum(phase.minutes for phase in self.phases)


@dataclass(frozen=True, slots=True)
class Allocation:
    """What one phase holds: a chair or room (``resource_id``, seat 0) or a staff
    member (``staff_id``) in one of their seats, over ``interval``."""

    phase: str
    need: Need
    resource_id: int | None
    staff_id: int | None
    seat: int
    interval: Interval


@dataclass(frozen=True, slots=True)
class Slot:
    """A start that fits, with everything it would hold, phase by phase."""

    start: datetime
    end: datetime
    allocations: tuple[Allocation, ...]


def find_slots(
    request: SlotRequest,
    resources: Sequence[ResourceCalendar],
    staff: Sequence[StaffCalendar],
) -> list[Slot]:
    """The next ``request.count`` starts at which the appointment fits, in order.

    Starts are taken on the ``step_minutes`` grid of the location's clock from
    ``earliest`` up to ``latest``; fewer are returned when the window ends first.
    """
    return _Search(request, resources, staff).slots()


def check_fit(
    request: SlotRequest,
    start: datetime,
    resources: Sequence[ResourceCalendar],
    staff: Sequence[StaffCalendar],
) -> Slot | None:
    """The slot at ``start`` if the appointment fits there, else None.

    The rules are those of ``find_slots`` (window, opening hours, preferences, chairs,
    rooms, staff hours and seats), for one start; ``start`` need not be on the grid.
    For a start that ``find_slots`` proposes, the answer is the same slot.
    """
    return _Search(request, resources, staff).slot_at(_us(_utc(start, "start")))


class _Member:
    """A staff member as the search reads them."""

    __slots__ = ("id", "seats", "working_ends", "working_starts")

    def __init__(self, calendar: StaffCalendar) -> None:
        self.id = calendar.id
        self.working_starts = calendar._working_starts
        self.working_ends = calendar._working_ends
        self.seats = calendar._seats

    def seats_for(self, spans: Sequence[tuple[int, int, int]]) -> tuple[list[int], int]:
        """Seats taking every phase in ``spans`` ((offset, start, end) each).

        Returns (seats, 0) when the member works over every phase with a seat free in
        each, else ([], the earliest appointment start that could do better).
        """
        seats = []
        for offset, start, end in spans:
            i = bisect_right(self.working_starts, start)
            if not i or self.working_ends[i - 1] < end:
                # Not working over the phase: wait for the next stretch of work.
                if i < len(self.working_starts):
                    return [], self.working_starts[i] - offset
                return [], _NEVER
            soonest = _NEVER
            for seat, track in enumerate(self.seats):
                blocked_until = track.blocked_until(start, end)
                if not blocked_until:
                    seats.append(seat)
                    break
                soonest = min(soonest, blocked_until)
            else:
                return [], soonest - offset
        return seats, 0


class _Search:
    """One request against one set of calendars, prepared for many candidate starts."""

    def __init__(
        self,
        request: SlotRequest,
        resources: Sequence[ResourceCalendar],
        staff: Sequence[StaffCalendar],
    ) -> None:
        self.request = request
        self.zone = request.zone
        self.step = request.step_minutes * _US_PER_MINUTE
        self.earliest = _us(request.earliest)
        self.latest = _us(request.latest)
        self.open = _merged(_spans(request.open))
        self.open_starts = [start for start, _ in self.open]
        self.weekdays = request.weekdays
        window = request.day_window
        self.window = (
            None if window is None else (_time_us(window[0]), _time_us(window[1]))
        )
        self.offsets: dict[timedelta, int] = {}

        # Phases as (offset from the start, length), in microseconds.
        self.phases: list[tuple[int, int]] = []
        offset = 0
        for phase in request.phases:
            length = phase.minutes * _US_PER_MINUTE
            self.phases.append((offset, length))
            offset += length
        self.duration = offset

        if not all(isinstance(r, ResourceCalendar) for r in resources):
            raise TypeError("resources must be ResourceCalendar objects.")
        if not all(isinstance(s, StaffCalendar) for s in staff):
            raise TypeError("staff must be StaffCalendar objects.")
        seen: set[tuple[Need, int]] = set()
        calendars: list[ResourceCalendar | StaffCalendar] = [*resources, *staff]
        for calendar in calendars:
            key = (calendar.need, calendar.id)
            if key in seen:
                raise ValueError(f"{calendar.need} {calendar.id} is given twice.")
            seen.add(key)
        # For each need the appointment has: the phases needing it, and the
        # candidates, lowest id first.
        self.resource_needs: list[tuple[Need, list[int], list[ResourceCalendar]]] = []
        self.staff_needs: list[tuple[Need, list[int], list[_Member]]] = []
        for need in Need:
            indexes = [i for i, p in enumerate(request.phases) if need in p.needs]
            if not indexes:
                continue
            if need in RESOURCE_NEEDS:
                places = sorted((r for r in resources if r.need is need), key=_by_id)
                self.resource_needs.append((need, indexes, places))
            else:
                people = sorted((s for s in staff if s.need is need), key=_by_id)
                members = [_Member(calendar) for calendar in people]
                self.staff_needs.append((need, indexes, members))

    # --- the search ---------------------------------------------------------------

    def slots(self) -> list[Slot]:
        found: list[Slot] = []
        count = self.request.count
        soonest = self.earliest  # no start before this can fit
        first = max(bisect_right(self.open_starts, soonest) - 1, 0)
        for open_start, open_end in self.open[first:]:
            if open_start >= self.latest:
                break
            last = min(open_end - self.duration, self.latest - 1)
            start, offset = self._aligned(max(open_start, soonest))
            while start <= last:
                soonest = self._preference_bound(start, offset)
                if not soonest:
                    allocations, soonest = self._fit(start)
                    if allocations is not None:
                        found.append(self._slot(start, allocations))
                        if len(found) == count:
                            return found
                if soonest >= _NEVER:
                    return found
                start, offset = self._aligned(max(soonest, start + 1))
            soonest = max(soonest, start)
        return found

    def slot_at(self, start: int) -> Slot | None:
        if not self.earliest <= start < self.latest:
            return None
        i = bisect_right(self.open_starts, start) - 1
        if i < 0 or self.open[i][1] < start + self.duration:
            return None
        if self._preference_bound(start, self._offset(start)):
            return None
        allocations, _ = self._fit(start)
        return None if allocations is None else self._slot(start, allocations)

    def _fit(self, start: int) -> tuple[list[tuple[int, Need, int, int]] | None, int]:
        """Chairs, rooms and staff for an appointment starting at ``start``.

        Returns (allocations, 0), each allocation (phase index, need, id, seat), or
        (None, the earliest start that could fit) when something is missing.
        """
        allocations: list[tuple[int, Need, int, int]] = []
        phases = self.phases
        for need, indexes, candidates in self.resource_needs:
            soonest = _NEVER
            for resource in candidates:
                track = resource._track
                for i in indexes:
                    offset, length = phases[i]
                    blocked_until = track.blocked_until(
                        start + offset, start + offset + length
                    )
                    if blocked_until:
                        soonest = min(soonest, blocked_until - offset)
                        break
                else:
                    allocations.extend((i, need, resource.id, 0) for i in indexes)
                    break
            else:
                return None, soonest
        for need, indexes, members in self.staff_needs:
            spans = [
                (
                    phases[i][0],
                    start + phases[i][0],
                    start + phases[i][0] + phases[i][1],
                )
                for i in indexes
            ]
            if self.request.same_staff_throughout:
                groups = [(indexes, spans)]
            else:
                groups = [([i], [span]) for i, span in zip(indexes, spans, strict=True)]
            for group, group_spans in groups:
                soonest = _NEVER
                for member in members:
                    seats, could_fit_at = member.seats_for(group_spans)
                    if seats:
                        allocations.extend(
                            (i, need, member.id, seat)
                            for i, seat in zip(group, seats, strict=True)
                        )
                        break
                    soonest = min(soonest, could_fit_at)
                else:
                    return None, soonest
        return allocations, 0

    def _slot(self, start: int, found: list[tuple[int, Need, int, int]]) -> Slot:
        names = [phase.name for phase in self.request.phases]
        need_order = {need: n for n, need in enumerate(Need)}
        allocations = []
        for i, need, holder_id, seat in sorted(
            found, key=lambda a: (a[0], need_order[a[1]])
        ):
            offset, length = self.phases[i]
            interval = Interval(
                _datetime(start + offset), _datetime(start + offset + length)
            )
            is_resource = need in RESOURCE_NEEDS
            allocations.append(
                Allocation(
                    phase=names[i],
                    need=need,
                    resource_id=holder_id if is_resource else None,
                    staff_id=None if is_resource else holder_id,
                    seat=seat,
                    interval=interval,
                )
            )
        return Slot(
            start=_datetime(start),
            end=_datetime(start + self.duration),
            allocations=tuple(allocations),
        )

    # --- the location's clock -----------------------------------------------------

    def _offset(self, instant: int) -> int:
        """The location's UTC offset at ``instant``, in microseconds."""
        seconds = instant // _US_PER_SECOND
        offset = datetime.fromtimestamp(seconds, self.zone).utcoffset()
        assert offset is not None
        us = self.offsets.get(offset)
        if us is None:
            us = self.offsets[offset] = offset // _ONE_US
        return us

    def _aligned(self, instant: int) -> tuple[int, int]:
        """The first start at or after ``instant`` that is on the grid of the local
        clock, with the UTC offset there."""
        step = self.step
        while True:
            offset = self._offset(instant)
            start = instant + (-(instant + offset)) % step
            if self._offset(start) == offset:
                return start, offset
            # The clocks change between instant and start: there is no grid time
            # before the change (start was the first under the old offset), so
            # carry on from the change, found to the second.
            before, after = instant, start
            while after - before > _US_PER_SECOND:
                middle = (before + after) // 2
                if self._offset(middle) == offset:
                    before = middle
                else:
                    after = middle
            instant = after - after % _US_PER_SECOND

    def _preference_bound(self, start: int, offset: int) -> int:
        """0 when ``start`` meets the patient's preferences, else the earliest later
        start that might."""
        weekdays, window = self.weekdays, self.window
        if weekdays is None and window is None:
            return 0
        wall = start + offset
        day, time_of_day = divmod(wall, _US_PER_DAY)
        good_day = weekdays is None or (day + _EPOCH_WEEKDAY) % 7 in weekdays
        if good_day and (window is None or window[0] <= time_of_day < window[1]):
            return 0
        opens = 0 if window is None else window[0]
        if good_day and time_of_day < opens:
            wall_target = day * _US_PER_DAY + opens
        else:
            wall_target = (day + 1) * _US_PER_DAY + opens
        target = wall_target - offset
        if self._offset(target) != offset:
            # The clocks change before then, and the local time may pass the same
            # hour twice: go one step at a time rather than risk jumping over a start.
            return start + 1
        return target


def _by_id(calendar: ResourceCalendar | StaffCalendar) -> int:
    return calendar.id


def _time_us(value: time) -> int:
    """Microseconds since midnight of a clock time."""
    return (
        (value.hour * 60 + value.minute) * 60 + value.second
    ) * _US_PER_SECOND + value.microsecond
