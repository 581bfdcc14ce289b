"""How fast the next free infusion times are found in a busy clinic.

    DATABASE_URL=sqlite:////tmp/slots.sqlite3 python bench/slots_bench.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ketaclinic_slots \
        python bench/slots_bench.py

Builds (once) a location with 10 chairs and 6 nurses who each watch up to 3
patients, open Monday to Saturday, and books the next 8 weeks: each chair's six
85-minute day slots are taken with probability --fill (0.8 by default; 0.97
for a clinic that is all but full). Then
times what the booking page does: load the calendars from the database
and find the next 10 free times for a depression infusion
(ketaclinic.scheduling.queries.find_free, which loads a growing window).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from ketaclinic.accounts.models import User  # noqa: E402
from ketaclinic.clinics.models import Location, OpeningHours, Resource  # noqa: E402
from ketaclinic.patients.models import Patient  # noqa: E402
from ketaclinic.scheduling import queries, slots  # noqa: E402
from ketaclinic.scheduling.defaults import ensure_default_types  # noqa: E402
from ketaclinic.scheduling.models import (  # noqa: E402
    Allocation,
    Appointment,
    StaffHours,
)

SLUG = "bench-slots"  # one database per --fill: the calendar is built once
CHAIRS, NURSES, AT_ONCE, WEEKS = 10, 6, 3, 8


# Visits of 85 minutes (15 + 40 + 30) back to back on each chair, 08:00-17:00.
DAY_PLAN = [(8, 0), (9, 30), (11, 0), (12, 30), (14, 0), (15, 30)]
PHASES = [("Preparation", 0, 15), ("Infusion", 15, 40), ("Recovery", 55, 30)]


def build(
    start: datetime,
    fill: float,
    *,
    slug: str = SLUG,
    chairs: int = CHAIRS,
    nurses: int = NURSES,
    weeks: int = WEEKS,
    day_plan: list[tuple[int, int]] = DAY_PLAN,
    mrn: str = "BSLOT0001",
    opening: tuple[time, time] = (time(8), time(18)),
    staff_hours: tuple[time, time] = (time(7, 30), time(18, 30)),
) -> Location:
    """The location ``slug`` (built once): ``chairs`` chairs, ``nurses`` nurses
    working Monday to Saturday, and ``weeks`` weeks of depression infusions
    from ``start``, each chair's ``day_plan`` slots taken with probability
    ``fill``, each chair's by its own patient (MRN ``mrn`` and the chair's
    number), by bulk inserts."""
    location = Location.objects.filter(slug=slug).first()
    if location is not None:
        return location
    with transaction.atomic():
        location = Location.objects.create(name=f"Bench {slug}", slug=slug)
        Resource.objects.bulk_create(
            Resource(location=location, kind="chair", name=f"Chair {n}")
            for n in range(1, chairs + 1)
        )
        OpeningHours.objects.bulk_create(
            OpeningHours(
                location=location, weekday=d, opens=opening[0], closes=opening[1]
            )
            for d in range(6)
        )
        for n in range(nurses):
            nurse = User.objects.create(
                username=f"{slug}-nurse{n}", role="nurse", patients_at_once=AT_ONCE
            )
            nurse.locations.add(location)
            StaffHours.objects.bulk_create(
                StaffHours(
                    staff=nurse,
                    location=location,
                    weekday=d,
                    starts=staff_hours[0],
                    ends=staff_hours[1],
                )
                for d in range(6)
            )
        # A patient per chair: nobody is booked in two places at once (the
        # database refuses that on PostgreSQL).
        patients = [
            Patient.objects.create(
                mrn=f"{mrn}{n:02d}",
                location=location,
                first_name="Bench",
                last_name=f"Chair {n}",
                date_of_birth="1980-01-01",
            )
            for n in range(1, chairs + 1)
        ]
    kind = ensure_default_types()["infusion-depression"]
    chair_list = list(Resource.objects.filter(location=location).order_by("id"))
    nurse_list = list(
        User.objects.filter(username__startswith=f"{slug}-nurse").order_by("id")
    )
    rng = random.Random(1)
    began = clock.perf_counter()
    appointments, plans = [], []
    for day in range(weeks * 7):
        local_day = start.astimezone(location.zone).date() + timedelta(days=day)
        if local_day.weekday() == 6:
            continue
        for index, chair in enumerate(chair_list):
            # Chair i is watched by nurse i mod 6, on seat i div 6: never more
            # than her 3 patients at once, so every booking is a valid one.
            nurse, seat = nurse_list[index % nurses], index // nurses
            for hour, minute in day_plan:
                if rng.random() > fill:
                    continue
                begin = datetime.combine(local_day, time(hour, minute), location.zone)
                appointments.append(
                    Appointment(
                        patient=patients[index],
                        location=location,
                        type=kind,
                        starts_at=begin,
                        ends_at=begin + timedelta(minutes=85),
                    )
                )
                plans.append((chair, nurse, seat, begin))
    with transaction.atomic():
        Appointment.objects.bulk_create(appointments, batch_size=1000)
        if connection.vendor != "postgresql":  # bulk_create sets no pk there
            appointments = list(
                Appointment.objects.filter(location=location).order_by("id")
            )
        allocations = []
        for appointment, (chair, nurse, seat, begin) in zip(
            appointments, plans, strict=True
        ):
            for phase, offset, minutes in PHASES:
                a = begin + timedelta(minutes=offset)
                b = a + timedelta(minutes=minutes)
                allocations += [
                    Allocation(
                        appointment=appointment,
                        phase=phase,
                        resource=chair,
                        starts_at=a,
                        ends_at=b,
                    ),
                    Allocation(
                        appointment=appointment,
                        phase=phase,
                        staff=nurse,
                        seat=seat,
                        starts_at=a,
                        ends_at=b,
                    ),
                ]
        Allocation.objects.bulk_create(allocations, batch_size=2000)
    print(f"built {len(appointments)} visits in {clock.perf_counter() - began:.0f} s")
    return location


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument(
        "--fill",
        type=float,
        default=0.8,
        help="share of the chairs' day slots booked over the 8 weeks (0-1)",
    )
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today + timedelta(days=1)
    location = build(start, args.fill)
    kind = ensure_default_types()["infusion-depression"]
    visits = Appointment.objects.filter(location=location).count()
    held = Allocation.objects.filter(appointment__location=location, active=True)
    print(f"{connection.vendor}: {visits} visits, {held.count()} allocations")

    def once() -> list[slots.Slot]:
        return queries.find_free(
            location=location,
            appointment_type=kind,
            earliest=start,
            latest=start + timedelta(weeks=WEEKS + 4),
            count=10,
        )

    for _ in range(20):
        once()
    timings = []
    for _ in range(args.runs):
        began = clock.perf_counter()
        found = once()
        timings.append((clock.perf_counter() - began) * 1000)
    assert len(found) == 10, found
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"next 10 free infusion times: n={len(timings)} "
        f"p50={statistics.median(timings):.1f} ms p95={p95:.1f} ms "
        f"(first found {found[0].start:%Y-%m-%d %H:%M} UTC)"
    )


if __name__ == "__main__":
    main()
