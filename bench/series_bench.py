"""How fast a whole six-infusion series is proposed in a busy clinic.

    DATABASE_URL=sqlite:////tmp/series.sqlite3 python bench/series_bench.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kc_series_bench \\
        python bench/series_bench.py

Builds (once per database) a location with 10 chairs and 6 nurses who each
watch up to 3 patients, open Monday to Saturday 08:00-18:30, and books the
next 8 weeks by bulk inserts: each chair's seven 90-minute day slots (a
depression infusion of 15 + 40 + 30 minutes, then 5 minutes to turn the chair
round) are taken with probability --fill, 0.85 by default, which holds about
80 % of the chairs' open time. Then a patient with a signed candidate decision,
a weight and a signed plan from the depression protocol (six infusions within
21 days, at least 2 days apart), and times what the "Book the series" page
does: ``ketaclinic.treatment.series.series_propose``.

Prints the machine (as bench/http_bench.py does) and the load average, the
calendar (visits, allocations, share of the open chair time booked), the
queries one proposal makes, and p50, p95 and max over --runs proposals (and
the median CPU time of this process, which other work on the machine
changes less than the time on the clock).
Target: p95 under 50 ms.
"""

from __future__ import annotations

import argparse
import math
import os
import secrets
import statistics
import sys
import time as clock
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import slots_bench  # noqa: E402  (sets Django up)
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from http_bench import describe_machine, load_average  # noqa: E402

from ketaclinic.accounts.models import User  # noqa: E402
from ketaclinic.audit.actor import Actor  # noqa: E402
from ketaclinic.clinics.models import Location, Resource  # noqa: E402
from ketaclinic.patients.models import BodyMeasurement, Condition, Patient  # noqa: E402
from ketaclinic.scheduling.models import Allocation, Appointment  # noqa: E402
from ketaclinic.treatment import plans, series  # noqa: E402
from ketaclinic.treatment.demo import DEPRESSION_CODE, plan_input_from  # noqa: E402
from ketaclinic.treatment.models import (  # noqa: E402
    Protocol,
    ScreeningDecision,
    TreatmentPlan,
)
from ketaclinic.treatment.seed import protocols_seed  # noqa: E402

SLUG = "bench-series"
# Seven visits of 85 minutes, 90 minutes apart, fill a chair's day from 08:00
# to 18:25 (the 15-minute grid of start times leaves no room for closer ones).
DAY_PLAN = [(8, 0), (9, 30), (11, 0), (12, 30), (14, 0), (15, 30), (17, 0)]
OPENING = (time(8), time(18, 30))
STAFF_HOURS = (time(7, 30), time(19))
VISIT_MINUTES = 85
WEIGHT_KG = Decimal(80)


def _open_minutes() -> int:
    start, end = (datetime.combine(date.min, at) for at in OPENING)
    return int((end - start).total_seconds() // 60)


def setup(
    *,
    start: datetime,
    fill: float = 0.85,
    weeks: int = slots_bench.WEEKS,
    chairs: int = slots_bench.CHAIRS,
    nurses: int = slots_bench.NURSES,
    password: str | None = None,
) -> tuple[Location, TreatmentPlan]:
    """The busy location and the signed plan of the patient to book (both
    built once; a later run reuses them)."""
    location = slots_bench.build(
        start,
        fill,
        slug=SLUG,
        chairs=chairs,
        nurses=nurses,
        weeks=weeks,
        day_plan=DAY_PLAN,
        mrn="BSERIES01",
        opening=OPENING,
        staff_hours=STAFF_HOURS,
    )
    plan = TreatmentPlan.objects.filter(
        patient__location=location, amended_by__isnull=True
    ).first()
    if plan is not None:
        return location, plan
    password = password or secrets.token_urlsafe(24)
    protocols_seed()
    with transaction.atomic():
        provider = User(username=f"{SLUG}-provider", role="provider")
        provider.set_password(password)
        provider.save()
        provider.locations.add(location)
        patient = Patient.objects.create(
            mrn="BSERIES02",
            location=location,
            first_name="Bench",
            last_name="Series",
            date_of_birth="1980-01-01",
            sex_at_birth="male",
        )
        Condition.objects.create(
            patient=patient,
            icd10_code=DEPRESSION_CODE[0],
            description=DEPRESSION_CODE[1],
        )
        BodyMeasurement.objects.create(
            patient=patient,
            measured_at=timezone.now(),
            weight_kg=WEIGHT_KG,
            height_cm=Decimal(178),
        )
        ScreeningDecision.objects.create(
            patient=patient,
            outcome=ScreeningDecision.Outcome.CANDIDATE,
            indication="depression",
            rationale="Treatment-resistant depression.",
            signed_by=provider,
        )
    protocol = Protocol.objects.get(key="depression_induction")
    plan = plans.plan_sign(
        actor=Actor.system(provider),
        patient=patient,
        plan=plan_input_from(
            protocol, indication_code=DEPRESSION_CODE[0], weight_kg=WEIGHT_KG
        ),
        password=password,
    )
    return location, plan


@dataclass
class Calendar:
    visits: int
    allocations: int
    chair_share: float  # of the open chair time, over the booked weeks


def calendar(location: Location, weeks: int = slots_bench.WEEKS) -> Calendar:
    visits = Appointment.objects.filter(location=location).count()
    chairs = Resource.objects.filter(location=location, kind="chair").count()
    open_days = weeks * 6  # Monday to Saturday
    held = Allocation.objects.filter(appointment__location=location, active=True)
    return Calendar(
        visits=visits,
        allocations=held.count(),
        chair_share=visits * VISIT_MINUTES / (chairs * open_days * _open_minutes()),
    )


@dataclass
class Result:
    runs: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    # CPU time of this process alone (not the database server's): what the
    # rest of a busy machine does not change much.
    cpu_p50_ms: float
    queries: int
    starts: list[datetime]


def measure(
    plan: TreatmentPlan, location: Location, *, runs: int, warmup: int
) -> Result:
    """Time ``runs`` proposals of the plan's series (after ``warmup``)."""

    def propose() -> list[datetime]:
        return series.series_propose(plan, location=location)

    for _ in range(warmup):
        propose()
    with CaptureQueriesContext(connection) as queries:
        starts = propose()
    timings, cpu = [], []
    for _ in range(runs):
        began, began_cpu = clock.perf_counter(), clock.process_time()
        propose()
        timings.append((clock.perf_counter() - began) * 1000)
        cpu.append((clock.process_time() - began_cpu) * 1000)
    timings.sort()
    return Result(
        runs=runs,
        p50_ms=statistics.median(timings),
        p95_ms=timings[math.ceil(len(timings) * 0.95) - 1],
        max_ms=timings[-1],
        cpu_p50_ms=statistics.median(cpu),
        queries=len(queries),
        starts=starts,
    )


def renice(niceness: int) -> None:
    """This process, and the PostgreSQL backend serving its connection, at
    ``niceness``."""
    os.setpriority(os.PRIO_PROCESS, 0, niceness)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            os.setpriority(os.PRIO_PROCESS, cursor.fetchone()[0], niceness)
    print(f"niceness {niceness} (this process and its database backend)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument(
        "--fill",
        type=float,
        default=0.85,
        help="share of the chairs' day slots booked over the 8 weeks (0-1)",
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="niceness of this process and of its PostgreSQL backend (e.g. -10, "
        "as root, on a machine shared with other work)",
    )
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    for name, value in describe_machine().items():
        print(f"{name:>9}: {value}")
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    began = clock.perf_counter()
    location, plan = setup(start=today + timedelta(days=1), fill=args.fill)
    print(f"set-up (or reuse) in {clock.perf_counter() - began:.1f} s")
    booked = calendar(location)
    print(
        f"calendar: {booked.visits} visits, {booked.allocations} allocations, "
        f"{booked.chair_share:.0%} of the open chair time booked over 8 weeks"
    )
    if args.nice:
        renice(args.nice)
    print(f"load average (1, 5, 15 min) at the start: {load_average()}")
    result = measure(plan, location, runs=args.runs, warmup=args.warmup)
    print(f"load average (1, 5, 15 min) at the end:   {load_average()}")
    zone = location.zone
    print(
        "proposal: "
        + ", ".join(f"{s.astimezone(zone):%a %b %-d %H:%M}" for s in result.starts)
    )
    print(
        f"series proposal ({plan.infusions} infusions): n={result.runs} "
        f"p50={result.p50_ms:.1f} ms p95={result.p95_ms:.1f} ms "
        f"max={result.max_ms:.1f} ms, {result.queries} queries per proposal; "
        f"this process's CPU time p50={result.cpu_p50_ms:.1f} ms"
    )


if __name__ == "__main__":
    main()
