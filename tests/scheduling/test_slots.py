"""The slot finder: worked examples, daylight-saving weeks, and properties.

No database: calendars are built by hand, or by booking the first fit again and again.
The property tests compare ``find_slots`` with a plain reference search written here
(every grid time, every chair, every seat, no index, no jumps) and check that no
proposed slot puts a chair, room or staff member over capacity.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketaclinic.scheduling.slots import (
    Allocation,
    Booked,
    Interval,
    Need,
    PhaseSpec,
    ResourceCalendar,
    Slot,
    SlotRequest,
    StaffCalendar,
    check_fit,
    find_slots,
)

DENVER = ZoneInfo("America/Denver")
MINUTE = timedelta(minutes=1)

CHAIR_AND_NURSE = frozenset({Need.CHAIR, Need.NURSE})
INFUSION = (
    PhaseSpec("preparation", 15, CHAIR_AND_NURSE),
    PhaseSpec("infusion", 40, CHAIR_AND_NURSE),
    PhaseSpec("recovery", 30, CHAIR_AND_NURSE),
)
CONSULTATION = (PhaseSpec("consultation", 30, frozenset({Need.PROVIDER, Need.ROOM})),)
REMOTE_CONSULTATION = (PhaseSpec("consultation", 30, frozenset({Need.PROVIDER})),)

# Monday 2 March 2026; the clocks in Denver go forward on Sunday 8 March.
MONDAY = date(2026, 3, 2)


def local(day: date, hour: int, minute: int = 0, zone: ZoneInfo = DENVER) -> datetime:
    """The UTC instant of a wall-clock time at the location."""
    return datetime.combine(day, time(hour, minute), zone).astimezone(UTC)


def hours(day: date, opens: int, closes: int, zone: ZoneInfo = DENVER) -> Interval:
    return Interval(local(day, opens, zone=zone), local(day, closes, zone=zone))


def days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(count)]


def week_open(first: date = MONDAY, opens: int = 8, closes: int = 17) -> tuple:
    return tuple(hours(day, opens, closes) for day in days(first, 7))


def request(**changes) -> SlotRequest:
    values = {
        "phases": INFUSION,
        "open": week_open(),
        "earliest": local(MONDAY, 0),
        "latest": local(MONDAY, 0) + timedelta(days=7),
        "count": 5,
        "zone": DENVER,
    }
    return SlotRequest(**(values | changes))


def chair(id: int, *busy: Interval) -> ResourceCalendar:
    return ResourceCalendar(id, Need.CHAIR, busy)


def nurse(id: int, capacity: int = 3, working: tuple | None = None) -> StaffCalendar:
    return StaffCalendar(id, Need.NURSE, capacity, working or week_open())


def local_starts(slots: list[Slot], zone: ZoneInfo = DENVER) -> list[str]:
    return [f"{s.start.astimezone(zone):%a %H:%M}" for s in slots]


def book(
    slot: Slot,
    resources: list[ResourceCalendar],
    staff: list[StaffCalendar],
) -> tuple[list[ResourceCalendar], list[StaffCalendar]]:
    """The calendars once ``slot`` is booked."""
    held: dict[tuple[Need, int], list] = defaultdict(list)
    for a in slot.allocations:
        if a.resource_id is not None:
            held[a.need, a.resource_id].append(a.interval)
        else:
            held[a.need, a.staff_id].append(Booked(a.interval, a.seat))
    resources = [
        ResourceCalendar(r.id, r.need, r.busy + tuple(held[r.need, r.id]))
        for r in resources
    ]
    staff = [
        StaffCalendar(
            s.id, s.need, s.capacity, s.working, s.busy + tuple(held[s.need, s.id])
        )
        for s in staff
    ]
    return resources, staff


def holders(slot: Slot, need: Need) -> set[tuple[int | None, int]]:
    """(id, seat) of what the slot holds of one kind."""
    return {
        (a.resource_id if a.resource_id is not None else a.staff_id, a.seat)
        for a in slot.allocations
        if a.need is need
    }


# --- worked examples ----------------------------------------------------------------


def test_an_empty_clinic_offers_the_opening_time_then_each_step() -> None:
    slots = find_slots(request(), [chair(1)], [nurse(1)])

    assert local_starts(slots) == [
        "Mon 08:00",
        "Mon 08:15",
        "Mon 08:30",
        "Mon 08:45",
        "Mon 09:00",
    ]
    first = slots[0]
    assert first.start == local(MONDAY, 8)
    assert first.end == local(MONDAY, 9, 25)
    assert first.allocations == (
        Allocation(
            "preparation",
            Need.CHAIR,
            1,
            None,
            0,
            Interval(local(MONDAY, 8), local(MONDAY, 8, 15)),
        ),
        Allocation(
            "preparation",
            Need.NURSE,
            None,
            1,
            0,
            Interval(local(MONDAY, 8), local(MONDAY, 8, 15)),
        ),
        Allocation(
            "infusion",
            Need.CHAIR,
            1,
            None,
            0,
            Interval(local(MONDAY, 8, 15), local(MONDAY, 8, 55)),
        ),
        Allocation(
            "infusion",
            Need.NURSE,
            None,
            1,
            0,
            Interval(local(MONDAY, 8, 15), local(MONDAY, 8, 55)),
        ),
        Allocation(
            "recovery",
            Need.CHAIR,
            1,
            None,
            0,
            Interval(local(MONDAY, 8, 55), local(MONDAY, 9, 25)),
        ),
        Allocation(
            "recovery",
            Need.NURSE,
            None,
            1,
            0,
            Interval(local(MONDAY, 8, 55), local(MONDAY, 9, 25)),
        ),
    )


def test_minimum_notice_moves_the_first_start_to_the_next_quarter_hour() -> None:
    # Booked at 07:52 with 48 hours' notice: nothing before Wednesday 08:00.
    now = local(MONDAY, 7, 52)
    slots = find_slots(
        request(earliest=now + timedelta(hours=48)), [chair(1)], [nurse(1)]
    )

    assert local_starts(slots)[:2] == ["Wed 08:00", "Wed 08:15"]


def test_an_appointment_must_end_before_closing_and_closed_days_are_skipped() -> None:
    # Monday 08:00-10:00 only, Tuesday closed, Wednesday all day: an 85-minute infusion
    # fits Monday at 08:00, 08:15 and 08:30 (ends 09:55), then Wednesday.
    open_ = (hours(MONDAY, 8, 10), hours(MONDAY + timedelta(days=2), 8, 17))

    slots = find_slots(request(open=open_), [chair(1)], [nurse(1)])

    assert local_starts(slots) == [
        "Mon 08:00",
        "Mon 08:15",
        "Mon 08:30",
        "Wed 08:00",
        "Wed 08:15",
    ]


def test_an_appointment_may_end_exactly_at_closing() -> None:
    open_ = (hours(MONDAY, 8, 9), Interval(local(MONDAY, 9), local(MONDAY, 9, 25)))

    slots = find_slots(request(open=open_), [chair(1)], [nurse(1)])

    assert local_starts(slots) == ["Mon 08:00"]
    assert slots[0].end == local(MONDAY, 9, 25)


@pytest.mark.parametrize("blocked", ["chair", "nurse seat", "nurse hours"])
def test_a_later_phase_waits_only_as_long_as_it_must(blocked: str) -> None:
    # A 60-minute phase needing only a nurse, then 30 minutes needing only a chair
    # (or the other way round). What the second phase needs is unavailable from
    # 09:00 to 10:00, so the first start is 09:00: its second phase begins at 10:00.
    if blocked == "chair":
        phases = (
            PhaseSpec("infusion", 60, frozenset({Need.NURSE})),
            PhaseSpec("recovery", 30, frozenset({Need.CHAIR})),
        )
    else:
        phases = (
            PhaseSpec("infusion", 60, frozenset({Need.CHAIR})),
            PhaseSpec("recovery", 30, frozenset({Need.NURSE})),
        )
    nine_to_ten = Interval(local(MONDAY, 9), local(MONDAY, 10))
    resources = [chair(1, nine_to_ten) if blocked == "chair" else chair(1)]
    if blocked == "nurse seat":
        staff = [
            StaffCalendar(1, Need.NURSE, 1, week_open(), (Booked(nine_to_ten, 0),))
        ]
    elif blocked == "nurse hours":
        working = (hours(MONDAY, 7, 9), hours(MONDAY, 10, 17))
        staff = [nurse(1, working=working)]
    else:
        staff = [nurse(1)]

    slots = find_slots(request(phases=phases, count=2), resources, staff)

    assert local_starts(slots) == ["Mon 09:00", "Mon 09:15"]


def test_touching_open_intervals_count_as_one() -> None:
    open_ = (hours(MONDAY, 8, 9), hours(MONDAY, 9, 12))

    slots = find_slots(request(open=open_, count=1), [chair(1)], [nurse(1)])

    assert local_starts(slots) == ["Mon 08:00"]


def test_a_nurse_on_lunch_break_is_not_booked_across_it() -> None:
    working = (hours(MONDAY, 8, 12), hours(MONDAY, 13, 17))

    slots = find_slots(request(count=12), [chair(1)], [nurse(1, working=working)])

    # 08:00 to 10:30 every quarter hour (10:45 would end at 12:10), then 13:00.
    assert local_starts(slots)[-2:] == ["Mon 10:30", "Mon 13:00"]


def test_time_off_moves_the_appointment_to_a_nurse_who_is_working() -> None:
    # Nurse 1 takes Monday off; nurse 2 works.
    off_monday = tuple(hours(day, 8, 17) for day in days(MONDAY + timedelta(days=1), 6))

    slots = find_slots(
        request(count=1), [chair(1)], [nurse(1, working=off_monday), nurse(2)]
    )

    assert local_starts(slots) == ["Mon 08:00"]
    assert holders(slots[0], Need.NURSE) == {(2, 0)}


def test_a_nurse_takes_a_fourth_overlapping_patient_only_on_another_nurse() -> None:
    resources = [chair(1), chair(2), chair(3), chair(4)]
    staff = [nurse(1, capacity=3), nurse(2, capacity=3)]
    at_eight = local(MONDAY, 8)
    booked = []
    for _ in range(4):
        slot = check_fit(request(), at_eight, resources, staff)
        assert slot is not None
        booked.append(slot)
        resources, staff = book(slot, resources, staff)

    assert [holders(s, Need.CHAIR) for s in booked] == [
        {(1, 0)},
        {(2, 0)},
        {(3, 0)},
        {(4, 0)},
    ]
    assert [holders(s, Need.NURSE) for s in booked] == [
        {(1, 0)},
        {(1, 1)},
        {(1, 2)},
        {(2, 0)},
    ]
    # A fifth patient would have a nurse but no chair.
    assert check_fit(request(), at_eight, resources, staff) is None


def test_a_nurse_at_capacity_turns_patients_away_even_with_free_chairs() -> None:
    resources = [chair(1), chair(2), chair(3), chair(4)]
    staff = [nurse(1, capacity=3)]
    for _ in range(3):
        slot = check_fit(request(), local(MONDAY, 8), resources, staff)
        assert slot is not None
        resources, staff = book(slot, resources, staff)

    assert check_fit(request(), local(MONDAY, 8), resources, staff) is None
    # The first three leave preparation at 08:15, but stay in her care until 09:25.
    slots = find_slots(request(count=1), resources, staff)
    assert local_starts(slots) == ["Mon 09:30"]


def test_an_infusion_keeps_one_chair_from_preparation_to_recovery() -> None:
    # Chair 1 is free for preparation and infusion at 08:00 but taken at 09:00,
    # during recovery: the whole visit goes to chair 2.
    resources = [chair(1, Interval(local(MONDAY, 9), local(MONDAY, 10))), chair(2)]

    slot = check_fit(request(), local(MONDAY, 8), resources, [nurse(1)])

    assert slot is not None
    assert holders(slot, Need.CHAIR) == {(2, 0)}


def test_the_lowest_id_is_chosen_whatever_the_order_given() -> None:
    slot = check_fit(
        request(),
        local(MONDAY, 8),
        [chair(7), chair(3), chair(5)],
        [nurse(9), nurse(4)],
    )

    assert slot is not None
    assert holders(slot, Need.CHAIR) == {(3, 0)}
    assert holders(slot, Need.NURSE) == {(4, 0)}


def test_without_the_same_nurse_throughout_each_phase_takes_the_first_free() -> None:
    # Nurse 1 (one patient at a time) is busy during the infusion phase only.
    busy = Booked(Interval(local(MONDAY, 8, 15), local(MONDAY, 8, 55)), 0)
    staff = [
        StaffCalendar(1, Need.NURSE, 1, week_open(), (busy,)),
        nurse(2, capacity=1),
    ]

    same = check_fit(request(), local(MONDAY, 8), [chair(1)], staff)
    handed_over = check_fit(
        request(same_staff_throughout=False), local(MONDAY, 8), [chair(1)], staff
    )

    assert same is not None
    assert handed_over is not None
    assert holders(same, Need.NURSE) == {(2, 0)}
    assert [a.staff_id for a in handed_over.allocations if a.need is Need.NURSE] == [
        1,
        2,
        1,
    ]


def test_a_consultation_needs_a_provider_and_a_room() -> None:
    room = ResourceCalendar(
        1, Need.ROOM, (Interval(local(MONDAY, 8), local(MONDAY, 9)),)
    )
    provider = StaffCalendar(5, Need.PROVIDER, 1, week_open())

    in_person = find_slots(request(phases=CONSULTATION, count=1), [room], [provider])
    remote = find_slots(
        request(phases=REMOTE_CONSULTATION, count=1), [room], [provider]
    )
    no_room = find_slots(request(phases=CONSULTATION), [chair(1)], [provider])
    no_provider = find_slots(request(phases=CONSULTATION), [room], [nurse(1)])

    assert local_starts(in_person) == ["Mon 09:00"]
    assert holders(in_person[0], Need.ROOM) == {(1, 0)}
    assert holders(in_person[0], Need.PROVIDER) == {(5, 0)}
    assert local_starts(remote) == ["Mon 08:00"]
    assert holders(remote[0], Need.ROOM) == set()
    assert no_room == []
    assert no_provider == []


def test_preferences_filter_days_and_local_times() -> None:
    tuesday_thursday_afternoons = request(
        count=40,
        weekdays=frozenset({1, 3}),
        day_window=(time(13), time(14)),
    )

    slots = find_slots(tuesday_thursday_afternoons, [chair(1)], [nurse(1)])

    assert local_starts(slots) == [
        "Tue 13:00",
        "Tue 13:15",
        "Tue 13:30",
        "Tue 13:45",
        "Thu 13:00",
        "Thu 13:15",
        "Thu 13:30",
        "Thu 13:45",
    ]


def test_it_returns_fewer_than_count_when_the_window_ends() -> None:
    short = request(count=10, latest=local(MONDAY, 9))

    slots = find_slots(short, [chair(1)], [nurse(1)])

    assert local_starts(slots) == ["Mon 08:00", "Mon 08:15", "Mon 08:30", "Mon 08:45"]


def test_it_finds_nothing_without_a_chair_or_a_nurse() -> None:
    assert find_slots(request(), [], [nurse(1)]) == []
    assert find_slots(request(), [chair(1)], []) == []
    assert (
        find_slots(request(), [chair(1)], [nurse(1, working=(hours(MONDAY, 8, 9),))])
        == []
    )


def test_a_fully_booked_week_yields_nothing_quickly() -> None:
    whole_week = Interval(local(MONDAY, 0), local(MONDAY, 0) + timedelta(days=8))

    assert find_slots(request(), [chair(1, whole_week)], [nurse(1)]) == []


def test_check_fit_applies_the_same_rules_to_one_start() -> None:
    resources = [chair(1, Interval(local(MONDAY, 8), local(MONDAY, 9)))]
    staff = [nurse(1)]
    req = request(earliest=local(MONDAY, 10))

    assert check_fit(req, local(MONDAY, 8), resources, staff) is None  # before earliest
    assert (
        check_fit(request(), local(MONDAY, 8), resources, staff) is None
    )  # chair taken
    assert check_fit(req, local(MONDAY, 16), resources, staff) is None  # past closing
    off_grid = check_fit(req, local(MONDAY, 10, 7), resources, staff)
    assert off_grid is not None
    assert off_grid.start == local(MONDAY, 10, 7)
    assert find_slots(req, resources, staff)[0] == check_fit(
        req, local(MONDAY, 10), resources, staff
    )


# --- daylight saving ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_day", "offsets_before_after"),
    [
        # Clocks go forward at 02:00 on Sunday 8 March 2026: MST (-7) to MDT (-6).
        (date(2026, 3, 5), (-7, -6)),
        # Clocks go back at 02:00 on Sunday 1 November 2026: MDT (-6) to MST (-7).
        (date(2026, 10, 29), (-6, -7)),
    ],
)
def test_a_week_across_a_clock_change_keeps_starts_at_eight_local(
    first_day: date, offsets_before_after: tuple[int, int]
) -> None:
    week = days(first_day, 7)  # Thursday to Wednesday, the change on Sunday
    req = request(
        open=week_open(first_day),
        earliest=local(first_day, 0),
        latest=local(first_day, 0) + timedelta(days=7),
        count=7,
        day_window=(time(8), time(8, 1)),  # the first start of each day only
    )
    resources = [chair(1)]
    staff = [nurse(1, working=week_open(first_day))]

    slots = find_slots(req, resources, staff)

    assert [s.start.astimezone(DENVER).date() for s in slots] == week
    assert {f"{s.start.astimezone(DENVER):%H:%M}" for s in slots} == {"08:00"}
    offsets = [
        s.start.astimezone(DENVER).utcoffset() / timedelta(hours=1) for s in slots
    ]
    before, after = offsets_before_after
    assert offsets == [before] * 3 + [after] * 4
    utc_hours = [s.start.hour for s in slots]
    assert utc_hours == [8 - before] * 3 + [8 - after] * 4
    for slot in slots:
        assert check_fit(req, slot.start, resources, staff) == slot


@pytest.mark.parametrize(
    ("night", "expected"),
    [
        # Spring: 02:00-02:59 does not exist.
        (
            date(2026, 3, 8),
            ["01:00 MST", "01:30 MST", "03:00 MDT", "03:30 MDT", "04:00 MDT"],
        ),
        # Autumn: 01:00-01:59 happens twice, first in MDT, then in MST.
        (
            date(2026, 11, 1),
            ["01:00 MDT", "01:30 MDT", "01:00 MST", "01:30 MST", "02:00 MST"],
        ),
    ],
)
def test_the_grid_follows_the_local_clock_on_the_night_it_changes(
    night: date, expected: list[str]
) -> None:
    always_open = (Interval(local(night, 0), local(night, 0) + timedelta(days=1)),)
    walk_in = (PhaseSpec("check-in", 15, frozenset()),)
    req = request(
        phases=walk_in,
        open=always_open,
        earliest=local(night, 0, 50),
        latest=local(night, 12),
        count=5,
        step_minutes=30,
    )

    slots = find_slots(req, [], [])

    assert [f"{s.start.astimezone(DENVER):%H:%M %Z}" for s in slots] == expected
    # In UTC, the starts are simply 30 minutes apart.
    assert {b.start - a.start for a, b in zip(slots, slots[1:], strict=False)} == {
        30 * MINUTE
    }


@pytest.mark.parametrize(
    ("zone", "night", "step_minutes", "expected"),
    [
        # Two-hour steps on the night Denver skips 02:00-02:59: 02:00 does not exist,
        # and 03:00 MDT (09:00 UTC) is not on the local two-hour grid.
        (
            DENVER,
            date(2026, 3, 8),
            120,
            ["00:00 -0700 07:00", "04:00 -0600 10:00", "06:00 -0600 12:00"],
        ),
        # Lord Howe Island moves its clocks back half an hour, 02:00 to 01:30.
        (
            ZoneInfo("Australia/Lord_Howe"),
            date(2026, 4, 5),
            60,
            ["01:00 +1100 14:00", "02:00 +1030 15:30", "03:00 +1030 16:30"],
        ),
    ],
)
def test_the_grid_follows_the_local_clock_when_the_change_is_not_a_whole_step(
    zone: ZoneInfo, night: date, step_minutes: int, expected: list[str]
) -> None:
    midnight = local(night, 0, zone=zone)
    req = request(
        phases=(PhaseSpec("check-in", 15, frozenset()),),
        open=(Interval(midnight, midnight + timedelta(days=1)),),
        earliest=midnight + (60 if zone is not DENVER else 0) * MINUTE,
        latest=midnight + timedelta(days=1),
        count=3,
        step_minutes=step_minutes,
        zone=zone,
    )

    slots = find_slots(req, [], [])

    assert [
        f"{s.start.astimezone(zone):%H:%M %z} {s.start:%H:%M}" for s in slots
    ] == expected


def test_a_grid_step_follows_local_midnight_in_a_half_hour_zone() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+05:30
    day = date(2026, 3, 2)
    req = request(
        phases=(PhaseSpec("visit", 20, frozenset()),),
        open=(hours(day, 8, 12, zone=kolkata),),
        earliest=local(day, 8, 1, zone=kolkata),
        latest=local(day, 12, zone=kolkata),
        count=3,
        step_minutes=20,
        zone=kolkata,
    )

    slots = find_slots(req, [], [])

    assert local_starts(slots, kolkata) == ["Mon 08:20", "Mon 08:40", "Mon 09:00"]
    assert [f"{s.start:%H:%M}" for s in slots] == ["02:50", "03:10", "03:30"]


# --- refusals -----------------------------------------------------------------------


def test_it_refuses_naive_datetimes() -> None:
    naive = datetime(2026, 3, 2, 8)
    with pytest.raises(ValueError, match="timezone-aware"):
        Interval(naive, naive + MINUTE)
    with pytest.raises(ValueError, match="timezone-aware"):
        request(earliest=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        check_fit(request(), naive, [chair(1)], [nurse(1)])


def test_it_keeps_aware_datetimes_in_utc() -> None:
    interval = Interval(
        datetime(2026, 3, 2, 8, tzinfo=DENVER), datetime(2026, 3, 2, 9, tzinfo=DENVER)
    )

    assert interval.start.tzinfo is UTC
    assert interval.start == datetime(2026, 3, 2, 15, tzinfo=UTC)


def test_an_interval_must_end_after_it_starts() -> None:
    at = local(MONDAY, 8)
    with pytest.raises(ValueError, match="end after"):
        Interval(at, at)
    with pytest.raises(ValueError, match="end after"):
        Interval(at, at - MINUTE)


def test_interval_overlap_and_containment_are_half_open() -> None:
    morning = Interval(local(MONDAY, 8), local(MONDAY, 12))
    after = Interval(local(MONDAY, 12), local(MONDAY, 13))
    inside = Interval(local(MONDAY, 9), local(MONDAY, 10))

    assert morning.overlaps(inside) and inside.overlaps(morning)
    assert not morning.overlaps(after) and not after.overlaps(morning)
    assert morning.contains(inside) and not inside.contains(morning)
    assert morning.contains(local(MONDAY, 8)) and not morning.contains(
        local(MONDAY, 12)
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: ResourceCalendar(1, Need.NURSE),
        lambda: StaffCalendar(1, Need.CHAIR, 1, ()),
        lambda: StaffCalendar(1, Need.NURSE, 0, ()),
        lambda: StaffCalendar(
            1,
            Need.NURSE,
            2,
            (),
            (Booked(Interval(local(MONDAY, 8), local(MONDAY, 9)), 2),),
        ),
        lambda: Booked(Interval(local(MONDAY, 8), local(MONDAY, 9)), -1),
        lambda: PhaseSpec("infusion", 0, CHAIR_AND_NURSE),
        lambda: request(phases=()),
        lambda: request(latest=local(MONDAY, 0)),
        lambda: request(count=0),
        lambda: request(step_minutes=25),
        lambda: request(weekdays=frozenset({7})),
        lambda: request(day_window=(time(14), time(13))),
    ],
)
def test_it_refuses_impossible_calendars_and_requests(make) -> None:
    with pytest.raises(ValueError):
        make()


US = timedelta(microseconds=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def us(moment: datetime) -> int:
    """Microseconds since the epoch, as the bookings query reads them."""
    return (moment - EPOCH) // US


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: ResourceCalendar.from_spans(1, Need.NURSE, ()), ValueError),
        (lambda: ResourceCalendar.from_spans(1, Need.CHAIR, [(10, 10)]), ValueError),
        (lambda: ResourceCalendar.from_spans(1, Need.CHAIR, [(10, 5)]), ValueError),
        (lambda: ResourceCalendar.from_spans(1, Need.CHAIR, [(1.5, 5)]), TypeError),
        (lambda: StaffCalendar.from_spans(1, Need.CHAIR, 1, (), ()), ValueError),
        (lambda: StaffCalendar.from_spans(1, Need.NURSE, 0, (), ()), ValueError),
        (
            lambda: StaffCalendar.from_spans(1, Need.NURSE, 2, (), [(2, 1, 5)]),
            ValueError,
        ),
        (
            lambda: StaffCalendar.from_spans(1, Need.NURSE, 2, (), [(-1, 1, 5)]),
            ValueError,
        ),
        (
            lambda: StaffCalendar.from_spans(1, Need.NURSE, 2, (), [(0, 5, 1)]),
            ValueError,
        ),
        (
            lambda: StaffCalendar.from_spans(1, Need.NURSE, 2, (), [(0, "1", 5)]),
            TypeError,
        ),
    ],
)
def test_calendars_from_spans_refuse_what_their_constructors_refuse(
    make, error
) -> None:
    with pytest.raises(error):
        make()


def test_a_calendar_from_spans_reads_back_its_intervals() -> None:
    nine, ten = local(MONDAY, 9), local(MONDAY, 10)
    spans = [(us(nine), us(ten))]
    calendar = ResourceCalendar.from_spans(3, Need.CHAIR, spans)
    assert list(calendar.busy) == [Interval(nine, ten)]
    assert calendar == ResourceCalendar(3, Need.CHAIR, (Interval(nine, ten),))
    assert calendar != ResourceCalendar(3, Need.CHAIR, ())
    person = StaffCalendar.from_spans(
        4, Need.NURSE, 2, week_open(), [(1, us(nine), us(ten))]
    )
    assert person.busy[0] == Booked(Interval(nine, ten), 1)
    assert person == StaffCalendar(
        4, Need.NURSE, 2, week_open(), (Booked(Interval(nine, ten), 1),)
    )


def test_it_refuses_the_same_chair_twice() -> None:
    with pytest.raises(ValueError, match="given twice"):
        find_slots(request(), [chair(1), chair(1)], [nurse(1)])


# --- properties ---------------------------------------------------------------------

# Each zone with a first day a few days before a clock change (none in Kolkata; Lord
# Howe moves its clocks by half an hour).
ZONES = [
    (ZoneInfo("UTC"), date(2026, 3, 2)),
    (DENVER, date(2026, 3, 6)),
    (DENVER, date(2026, 10, 30)),
    (ZoneInfo("Asia/Kolkata"), date(2026, 3, 2)),
    (ZoneInfo("Australia/Lord_Howe"), date(2026, 4, 3)),
]
HORIZON_MINUTES = 3 * 24 * 60


@dataclass
class Clinic:
    """Calendars in the making: blocks are a chair's or room's own unavailability,
    bookings are what the finder handed out."""

    zone: ZoneInfo
    base: datetime
    open: tuple[Interval, ...]
    blocks: dict[tuple[Need, int], list[Interval]]
    staff: dict[tuple[Need, int], tuple[int, tuple[Interval, ...]]]  # capacity, working
    held: dict[tuple[Need, int], list[Interval]] = field(default_factory=dict)
    seated: dict[tuple[Need, int], list[Booked]] = field(default_factory=dict)

    def resources(self) -> list[ResourceCalendar]:
        return [
            ResourceCalendar(id, need, (*blocks, *self.held.get((need, id), [])))
            for (need, id), blocks in self.blocks.items()
        ]

    def people(self) -> list[StaffCalendar]:
        return [
            StaffCalendar(
                id, need, capacity, working, tuple(self.seated.get((need, id), []))
            )
            for (need, id), (capacity, working) in self.staff.items()
        ]

    def book(self, slot: Slot) -> None:
        for a in slot.allocations:
            if a.resource_id is not None:
                self.held.setdefault((a.need, a.resource_id), []).append(a.interval)
            else:
                self.seated.setdefault((a.need, a.staff_id), []).append(
                    Booked(a.interval, a.seat)
                )


minutes_in = st.integers(0, HORIZON_MINUTES // 5).map(lambda n: n * 5)
# Busy times: 5 minutes to 6 hours. Opening and working hours: up to two days, so
# they often cover an appointment and sometimes cross midnight or a clock change.
short_lengths = st.integers(1, 6 * 12).map(lambda n: n * 5)
long_lengths = st.integers(1, 48 * 12).map(lambda n: n * 5)
# Mornings of the first two days, where bookings pile up and take several seats.
busy_mornings = st.sampled_from([8 * 60, 8 * 60 + 15, 9 * 60, 32 * 60, 33 * 60])


@st.composite
def intervals(
    draw, base: datetime, lengths=long_lengths, min_size: int = 0, max_size: int = 4
) -> tuple:
    spans = draw(
        st.lists(st.tuples(minutes_in, lengths), min_size=min_size, max_size=max_size)
    )
    return tuple(
        Interval(base + start * MINUTE, base + (start + length) * MINUTE)
        for start, length in spans
    )


@st.composite
def clinic_hours(draw, zone: ZoneInfo, first_day: date) -> tuple:
    """Opening hours on the location's clock, one stretch a day, some days closed."""
    open_ = []
    for day in days(first_day, 4):
        if draw(st.integers(0, 3)):
            opens = draw(st.integers(6 * 2, 10 * 2)) * 30
            closes = draw(st.integers(15 * 2, 20 * 2)) * 30
            open_.append(
                Interval(
                    local(day, opens // 60, opens % 60, zone=zone),
                    local(day, closes // 60, closes % 60, zone=zone),
                )
            )
    return tuple(open_) or (
        Interval(local(first_day, 8, zone=zone), local(first_day, 17, zone=zone)),
    )


# Two phases in three hold what clinic phases hold; the others anything at all.
usual_needs = st.sampled_from(
    [
        CHAIR_AND_NURSE,
        frozenset({Need.CHAIR}),
        frozenset({Need.PROVIDER, Need.ROOM}),
        frozenset({Need.PROVIDER}),
        frozenset(),
    ]
)
phase_specs = st.lists(
    st.builds(
        PhaseSpec,
        name=st.sampled_from(["preparation", "infusion", "recovery", "consultation"]),
        minutes=st.sampled_from([5, 10, 15, 20, 30, 40, 45, 60, 90, 180]),
        needs=usual_needs | usual_needs | st.frozensets(st.sampled_from(Need)),
    ),
    min_size=1,
    max_size=3,
).map(tuple)


def without(intervals: tuple[Interval, ...], off: tuple[Interval, ...]) -> tuple:
    """``intervals`` with the time in ``off`` taken out."""
    left = list(intervals)
    for gap in off:
        kept = []
        for interval in left:
            if not interval.overlaps(gap):
                kept.append(interval)
                continue
            if interval.start < gap.start:
                kept.append(Interval(interval.start, gap.start))
            if gap.end < interval.end:
                kept.append(Interval(gap.end, interval.end))
        left = kept
    return tuple(left)


@st.composite
def clinics(draw) -> Clinic:
    zone, first_day = draw(st.sampled_from(ZONES))
    base = datetime.combine(first_day, time(0), zone).astimezone(UTC)
    open_ = draw(
        intervals(base, min_size=1, max_size=5)
        | clinic_hours(zone, first_day)
        | st.just((Interval(base, base + HORIZON_MINUTES * MINUTE),))
    )
    blocks = {}
    staff = {}
    for need, most in [
        (Need.CHAIR, 4),
        (Need.ROOM, 2),
        (Need.NURSE, 3),
        (Need.PROVIDER, 2),
    ]:
        ids = draw(st.lists(st.integers(1, 9), unique=True, min_size=1, max_size=most))
        for id in ids:
            if need in (Need.CHAIR, Need.ROOM):
                blocks[need, id] = list(
                    draw(intervals(base, lengths=short_lengths, max_size=2))
                )
                continue
            capacity = draw(st.integers(1, 3))
            if draw(st.booleans()):
                # The clinic's hours, less some time off.
                time_off = draw(intervals(base, lengths=short_lengths, max_size=2))
                working = without(open_, time_off)
            else:
                working = draw(intervals(base, min_size=1))
            staff[need, id] = (capacity, working)
    clinic = Clinic(zone=zone, base=base, open=open_, blocks=blocks, staff=staff)
    # Book the first fit again and again, from random earliest times.
    for _ in range(draw(st.integers(0, 24))):
        earliest = base + draw(busy_mornings | minutes_in) * MINUTE
        booking = SlotRequest(
            phases=draw(phase_specs),
            open=(Interval(base, base + (HORIZON_MINUTES + 24 * 60) * MINUTE),),
            earliest=earliest,
            latest=earliest + timedelta(days=1),
            count=1,
            step_minutes=5,
            zone=zone,
            same_staff_throughout=draw(st.booleans()),
        )
        for slot in find_slots(booking, clinic.resources(), clinic.people()):
            clinic.book(slot)
    return clinic


@st.composite
def slot_requests(draw, clinic: Clinic) -> SlotRequest:
    earliest = (
        clinic.base
        + draw(busy_mornings | minutes_in) * MINUTE
        + draw(st.sampled_from([0, 0, 1, 59])) * timedelta(seconds=1)
    )
    weekdays = None
    window = None
    if draw(st.integers(0, 2)) == 0:
        weekdays = draw(st.none() | st.frozensets(st.integers(0, 6)))
        if draw(st.booleans()):
            since = draw(st.integers(0, 23 * 4)) * 15
            until = draw(st.integers(since // 15 + 1, 24 * 4 - 1)) * 15
            window = (time(since // 60, since % 60), time(until // 60, until % 60))
    return SlotRequest(
        phases=draw(phase_specs),
        open=clinic.open,
        earliest=earliest,
        latest=earliest + draw(st.integers(30, HORIZON_MINUTES)) * MINUTE,
        # Sometimes every fit in the window, to compare the whole of it.
        count=draw(st.integers(1, 8) | st.just(1000)),
        step_minutes=draw(st.sampled_from([5, 10, 15, 20, 30, 60, 120])),
        zone=clinic.zone,
        weekdays=weekdays,
        day_window=window,
        same_staff_throughout=draw(st.booleans()),
    )


def covered(intervals: tuple[Interval, ...] | list[Interval], span: Interval) -> bool:
    """Whether the union of ``intervals`` covers ``span``."""
    reached = span.start
    progress = True
    while progress and reached < span.end:
        progress = False
        for interval in intervals:
            if interval.start <= reached < interval.end:
                reached = interval.end
                progress = True
    return reached >= span.end


def grid_starts(req: SlotRequest) -> list[datetime]:
    """Every start on the local grid in the window, from the wall clock: each grid
    time of each local day, both readings of a repeated hour, none in a skipped one."""
    zone = req.zone
    first = req.earliest.astimezone(zone).date() - timedelta(days=1)
    last = req.latest.astimezone(zone).date() + timedelta(days=1)
    starts = set()
    day = first
    while day <= last:
        midnight = datetime.combine(day, time(0))
        for n in range(24 * 60 // req.step_minutes):
            wall = midnight + n * req.step_minutes * MINUTE
            for fold in (0, 1):
                instant = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
                if instant.astimezone(zone).replace(tzinfo=None) == wall:
                    starts.add(instant)
        day += timedelta(days=1)
    return sorted(s for s in starts if req.earliest <= s < req.latest)


def reference_fit(
    req: SlotRequest,
    start: datetime,
    resources: list[ResourceCalendar],
    staff: list[StaffCalendar],
) -> Slot | None:
    """The rules of the finder, read plainly: every interval of every calendar."""
    end = start + sum(p.minutes for p in req.phases) * MINUTE
    if not covered(req.open, Interval(start, end)):
        return None
    wall = start.astimezone(req.zone)
    if req.weekdays is not None and wall.weekday() not in req.weekdays:
        return None
    if req.day_window is not None and not (
        req.day_window[0] <= wall.time().replace(tzinfo=None) < req.day_window[1]
    ):
        return None
    spans = []
    at = start
    for phase in req.phases:
        spans.append(Interval(at, at + phase.minutes * MINUTE))
        at += phase.minutes * MINUTE
    held: dict[tuple[int, Need], tuple[int, int]] = {}  # (phase, need) -> (id, seat)
    for need in (Need.CHAIR, Need.ROOM):
        wanted = [i for i, p in enumerate(req.phases) if need in p.needs]
        if not wanted:
            continue
        for resource in sorted(
            (r for r in resources if r.need is need), key=lambda r: r.id
        ):
            if not any(b.overlaps(spans[i]) for b in resource.busy for i in wanted):
                held |= {(i, need): (resource.id, 0) for i in wanted}
                break
        else:
            return None
    for need in (Need.NURSE, Need.PROVIDER):
        wanted = [i for i, p in enumerate(req.phases) if need in p.needs]
        groups = [wanted] if req.same_staff_throughout else [[i] for i in wanted]
        for group in groups:
            if not group:
                continue
            for person in sorted(
                (s for s in staff if s.need is need), key=lambda s: s.id
            ):
                seats = {}
                for i in group:
                    if not covered(person.working, spans[i]):
                        break
                    free = [
                        seat
                        for seat in range(person.capacity)
                        if not any(
                            b.seat == seat and b.interval.overlaps(spans[i])
                            for b in person.busy
                        )
                    ]
                    if not free:
                        break
                    seats[i] = free[0]
                else:
                    held |= {(i, need): (person.id, seat) for i, seat in seats.items()}
                    break
            else:
                return None
    allocations = []
    for i, phase in enumerate(req.phases):
        for need in Need:
            if (i, need) in held:
                id, seat = held[i, need]
                resource = need in (Need.CHAIR, Need.ROOM)
                allocations.append(
                    Allocation(
                        phase.name,
                        need,
                        id if resource else None,
                        None if resource else id,
                        seat,
                        spans[i],
                    )
                )
    return Slot(start, end, tuple(allocations))


def assert_within_capacity(clinic: Clinic, slot: Slot | None = None) -> None:
    """No chair or room holds two bookings at once, no booking sits on a blocked
    chair, no staff member is over capacity or uses a seat twice at once, and every
    staff booking lies in working time."""
    extra = Clinic(clinic.zone, clinic.base, clinic.open, clinic.blocks, clinic.staff)
    extra.held = {k: list(v) for k, v in clinic.held.items()}
    extra.seated = {k: list(v) for k, v in clinic.seated.items()}
    if slot is not None:
        extra.book(slot)
    for key, held in extra.held.items():
        for n, a in enumerate(held):
            assert not any(a.overlaps(b) for b in held[n + 1 :]), key
            assert not any(a.overlaps(b) for b in extra.blocks[key]), key
    for key, seated in extra.seated.items():
        capacity, working = extra.staff[key]
        for booked in seated:
            assert 0 <= booked.seat < capacity
            assert covered(working, booked.interval), key
            at_once = [b for b in seated if b.interval.contains(booked.interval.start)]
            assert len(at_once) <= capacity, key
            assert len({b.seat for b in at_once}) == len(at_once), key


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_proposed_slots_are_the_first_fits_and_never_overbook(data) -> None:
    clinic = data.draw(clinics())
    assert_within_capacity(clinic)  # the bookings the finder made are valid
    req = data.draw(slot_requests(clinic))
    resources, staff = clinic.resources(), clinic.people()

    slots = find_slots(req, resources, staff)

    expected = []
    for start in grid_starts(req):
        fit = reference_fit(req, start, resources, staff)
        if fit is not None:
            expected.append(fit)
            if len(expected) == req.count:
                break
    assert slots == expected
    for slot in slots:
        assert covered(req.open, Interval(slot.start, slot.end))
        assert_within_capacity(clinic, slot)
        assert check_fit(req, slot.start, resources, staff) == slot


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_check_fit_agrees_with_the_reference_at_any_start(data) -> None:
    clinic = data.draw(clinics())
    req = data.draw(slot_requests(clinic))
    resources, staff = clinic.resources(), clinic.people()
    start = req.earliest + data.draw(st.integers(-60, HORIZON_MINUTES)) * MINUTE

    slot = check_fit(req, start, resources, staff)

    in_window = req.earliest <= start < req.latest
    expected = reference_fit(req, start, resources, staff) if in_window else None
    assert slot == expected
    if slot is not None:
        assert_within_capacity(clinic, slot)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_calendars_built_from_spans_find_the_same_slots(data) -> None:
    """What a search of the database builds (integers straight from the
    bookings query) finds what calendars of intervals find."""
    clinic = data.draw(clinics())
    req = data.draw(slot_requests(clinic))
    resources, staff = clinic.resources(), clinic.people()
    from_spans = [
        ResourceCalendar.from_spans(
            r.id, r.need, [(us(i.start), us(i.end)) for i in r.busy]
        )
        for r in resources
    ]
    people = [
        StaffCalendar.from_spans(
            s.id,
            s.need,
            s.capacity,
            s.working,
            [(b.seat, us(b.interval.start), us(b.interval.end)) for b in s.busy],
        )
        for s in staff
    ]
    assert from_spans == resources and people == staff

    assert find_slots(req, from_spans, people) == find_slots(req, resources, staff)
    start = req.earliest + data.draw(st.integers(-60, HORIZON_MINUTES)) * MINUTE
    assert check_fit(req, start, from_spans, people) == check_fit(
        req, start, resources, staff
    )
