"""How fast the infusion board of a busy location answers, and its poll.

    DATABASE_URL=sqlite:////tmp/board.sqlite3 python bench/board_bench.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kc_board_bench \\
        python bench/board_bench.py

Builds (once per database) a location with 12 chairs, every one busy now
(patients checked in, held, ready, infusing, paused, in recovery, each with
vital signs every 10 minutes), two visits per chair done earlier today and
one expected later, and a year of past infusions behind them: three a chair
on every weekday, each with its checks, vital signs, pump events and
discharge (--days, 365 by default), written by bulk inserts.

Then times, in this process and through the whole Django stack (middleware,
session, the guard, the audit entry, the template), what a nurse's screen
asks: the board page (`infusions:board`), its poll when nothing changed (204)
and its poll when something did (the body). Prints the machine, the load
average, the data set, the queries of each request and p50, p95 and max over
--runs requests (and the median CPU time of this process).

Then times recording one vital-signs reading of an infusing patient
through `monitoring.record_vitals` (judged against the plan, stored, the
session touched, audited), as a tablet sends it.
Target: p95 under 50 ms.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import re
import secrets
import statistics
import sys
import time as clock
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.settings")
# Production settings, as bench/run.sh serves them (templates cached), on
# plain HTTP inside this process.
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("KETACLINIC_SSL_REDIRECT", "0")
os.environ.setdefault("KETACLINIC_SECURE_COOKIES", "0")
os.environ.setdefault("KETACLINIC_HSTS_SECONDS", "0")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from generate import analyze  # noqa: E402
from http_bench import describe_machine, load_average  # noqa: E402

from ketaclinic.accounts.models import User  # noqa: E402
from ketaclinic.audit.actor import Actor  # noqa: E402
from ketaclinic.clinics.models import Location, OpeningHours, Resource  # noqa: E402
from ketaclinic.infusions.models import (  # noqa: E402
    Check,
    Discharge,
    PumpEvent,
    Session,
    VitalReading,
)
from ketaclinic.patients.models import (  # noqa: E402
    Allergy,
    BodyMeasurement,
    Condition,
    Patient,
)
from ketaclinic.scheduling.defaults import ensure_default_types  # noqa: E402
from ketaclinic.scheduling.models import Allocation, Appointment  # noqa: E402
from ketaclinic.treatment import plans  # noqa: E402
from ketaclinic.treatment.demo import DEPRESSION_CODE, plan_input_from  # noqa: E402
from ketaclinic.treatment.models import (  # noqa: E402
    Protocol,
    ScreeningDecision,
    TreatmentPlan,
)
from ketaclinic.treatment.seed import protocols_seed  # noqa: E402

SLUG = "bench-board"
CHAIRS = 12
PATIENTS = 240  # the location's patients in treatment
DAY_SLOTS = (time(8), time(11), time(14))
VISIT_MINUTES = 150
TODAY_MINUTES = 120  # today's visits on a chair, back to back
# Now, the chairs' patients in these states, in turn.
BUSY = ("infusing", "paused", "recovery", "held", "ready", "checked_in")


def _plan_for_all(location: Location, provider: User, password: str) -> list:
    """The location's patients, each with a plan in force: one is signed
    through the service, the others are copies of it for their own charts
    (the board reads none of a plan's contents)."""
    protocols_seed()
    patients = Patient.objects.bulk_create(
        [
            Patient(
                mrn=f"BBOARD{n:04d}",
                location=location,
                first_name=f"Pat{n}",
                last_name=f"Board{n}",
                date_of_birth="1980-01-01",
                sex_at_birth="female" if n % 2 else "male",
            )
            for n in range(PATIENTS)
        ]
    )
    patients = list(Patient.objects.filter(location=location).order_by("mrn"))
    first = patients[0]
    Condition.objects.create(
        patient=first, icd10_code=DEPRESSION_CODE[0], description=DEPRESSION_CODE[1]
    )
    BodyMeasurement.objects.create(
        patient=first,
        measured_at=timezone.now(),
        weight_kg=Decimal(80),
        height_cm=Decimal(178),
    )
    ScreeningDecision.objects.create(
        patient=first,
        outcome=ScreeningDecision.Outcome.CANDIDATE,
        indication="depression",
        rationale="Treatment-resistant depression.",
        signed_by=provider,
    )
    plan = plans.plan_sign(
        actor=Actor.system(provider),
        patient=first,
        plan=plan_input_from(
            Protocol.objects.get(key="depression_induction"),
            indication_code=DEPRESSION_CODE[0],
            weight_kg=Decimal(80),
        ),
        password=password,
    )
    copies = []
    for patient in patients[1:]:
        copy = TreatmentPlan.objects.get(pk=plan.pk)
        copy.pk = None
        copy.id = None
        copy.uuid = None
        copy._state.adding = True
        copy.patient = patient
        copies.append(copy)
    for copy in copies:
        copy.uuid = uuid.uuid4()
    TreatmentPlan.objects.bulk_create(copies, batch_size=500)
    Allergy.objects.bulk_create(
        [Allergy(patient=p, substance="Penicillin") for p in patients[::7]]
    )
    by_patient = {
        p.patient_id: p for p in TreatmentPlan.objects.filter(patient__in=patients)
    }
    return [(patient, by_patient[patient.pk]) for patient in patients]


@dataclass
class _Rows:
    sessions: list
    vitals: list
    pumps: list
    checks: list
    discharges: list


def _reading(
    session: Session, at: datetime, nurse: User, phase: str, rng
) -> VitalReading:
    return VitalReading(
        session=session,
        phase=phase,
        systolic_mmhg=rng.randint(110, 150),
        diastolic_mmhg=rng.randint(65, 95),
        heart_rate_bpm=rng.randint(60, 95),
        spo2_pct=rng.randint(95, 99),
        resp_rate_per_min=rng.randint(12, 18),
        moaas=5,
        dissociation=rng.randint(0, 10),
        charted_at=at,
        received_at=at,
        by=nurse,
    )


def build(days: int, password: str) -> Location:
    """The location, built once (a later run finds it and reuses it)."""
    found = Location.objects.filter(slug=SLUG).first()
    if found is not None:
        return found
    began = clock.perf_counter()
    rng = random.Random(12)
    types = ensure_default_types()
    infusion = types["infusion-depression"]
    with transaction.atomic():
        location = Location.objects.create(
            name="Bench board clinic", slug=SLUG, time_zone="America/Denver"
        )
        for weekday in range(5):
            OpeningHours.objects.create(
                location=location, weekday=weekday, opens=time(7), closes=time(20)
            )
        chairs = [
            Resource.objects.create(
                location=location, kind=Resource.Kind.CHAIR, name=f"Chair {n:02d}"
            )
            for n in range(1, CHAIRS + 1)
        ]
        nurse = User(username=f"{SLUG}-nurse", role="nurse")
        nurse.set_password(password)
        nurse.save()
        nurse.locations.add(location)
        provider = User(username=f"{SLUG}-provider", role="provider")
        provider.set_password(password)
        provider.save()
        provider.locations.add(location)
        people = _plan_for_all(location, provider, password)
    zone = location.zone
    now = timezone.now()
    today = now.astimezone(zone).date()
    # Today's visits fall today even just after midnight (then "now" is 06:00).
    now = max(now, datetime.combine(today, time(6), zone))
    # The past year: three infusions a chair every weekday, all discharged.
    visits: list[tuple[Appointment, Resource, object]] = []
    turn = 0
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for chair in chairs:
            for slot in DAY_SLOTS:
                patient, plan = people[turn % len(people)]
                turn += 1
                starts = datetime.combine(day, slot, zone)
                visits.append(
                    (
                        Appointment(
                            patient=patient,
                            location=location,
                            type=infusion,
                            starts_at=starts,
                            ends_at=starts + timedelta(minutes=VISIT_MINUTES),
                            status=Appointment.Status.COMPLETED,
                        ),
                        chair,
                        plan,
                    )
                )
    # Today: two done earlier, one busy now, one expected later, a chair each.
    today_visits = []
    for index, chair in enumerate(chairs):
        busy = BUSY[index % len(BUSY)]
        for offset, state in (
            (-330, "discharged"),
            (-190, "discharged"),
            (-45, busy),
            (120, "expected"),
        ):
            patient, plan = people[turn % len(people)]
            turn += 1
            starts = (now + timedelta(minutes=offset)).replace(second=0, microsecond=0)
            status = {
                "expected": Appointment.Status.CONFIRMED,
                "discharged": Appointment.Status.COMPLETED,
            }.get(state, Appointment.Status.CHECKED_IN)
            appointment = Appointment(
                patient=patient,
                location=location,
                type=infusion,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=TODAY_MINUTES),
                status=status,
            )
            visits.append((appointment, chair, plan))
            today_visits.append((appointment, state))
    Appointment.objects.bulk_create([v for v, _, _ in visits], batch_size=1000)
    Allocation.objects.bulk_create(
        [
            Allocation(
                appointment=visit,
                phase="Infusion",
                resource=chair,
                starts_at=visit.starts_at,
                ends_at=visit.ends_at,
            )
            for visit, chair, _ in visits
        ],
        batch_size=1000,
    )
    state_of = {id(a): s for a, s in today_visits}
    sessions = []
    for visit, _chair, plan in visits:
        state = state_of.get(id(visit), "discharged")
        if state == "expected":
            continue
        arrived = visit.starts_at
        started = arrived + timedelta(minutes=20)
        stopped = started + timedelta(minutes=40)
        session_state = {"discharged": Session.State.DISCHARGED}.get(state, state)
        running = state in ("infusing", "paused", "recovery", "discharged")
        if state in ("infusing", "paused"):
            started = now - timedelta(minutes=25)
        if state == "recovery":
            started, stopped = now - timedelta(minutes=60), now - timedelta(minutes=18)
        sessions.append(
            Session(
                appointment=visit,
                patient=visit.patient,
                location=location,
                plan=plan,
                state=session_state,
                state_reason="Blood pressure 172/104 mmHg" if state == "held" else "",
                checked_in_at=arrived,
                checked_in_by=nurse,
                started_at=started if running else None,
                stopped_at=stopped if state in ("recovery", "discharged") else None,
                discharged_at=stopped + timedelta(minutes=35)
                if state == "discharged"
                else None,
                planned_minutes=40,
                dose_mg=Decimal(40),
                bag_volume_ml=Decimal(100),
                rate_ml_per_h=Decimal(150),
                recovery_minutes=30,
                revision=10,
            )
        )
    Session.objects.bulk_create(sessions, batch_size=1000)
    rows = _Rows([], [], [], [], [])
    for session in sessions:
        arrived = session.checked_in_at
        rows.checks += [
            Check(
                session=session,
                key=key,
                outcome=Check.Outcome.PASSED,
                charted_at=arrived,
                received_at=arrived,
                by=nurse,
            )
            for key in (Check.Key.ESCORT, Check.Key.WEIGHT, Check.Key.CONSENTS)
        ]
        rows.vitals.append(_reading(session, arrived, nurse, "baseline", rng))
        if session.started_at is None:
            continue
        end = session.stopped_at or min(now, session.started_at + timedelta(hours=1))
        at = session.started_at
        rows.pumps.append(
            PumpEvent(
                session=session,
                kind="start",
                rate_ml_per_h=Decimal(150),
                charted_at=at,
                received_at=at,
                by=nurse,
            )
        )
        while at <= end:
            rows.vitals.append(_reading(session, at, nurse, "infusion", rng))
            at += timedelta(minutes=10)
        if session.stopped_at is not None:
            stop = session.stopped_at
            rows.pumps.append(
                PumpEvent(
                    session=session,
                    kind="stop",
                    charted_at=stop,
                    received_at=stop,
                    by=nurse,
                )
            )
            at = stop
            last = session.discharged_at or now
            while at <= last:
                rows.vitals.append(_reading(session, at, nurse, "recovery", rng))
                at += timedelta(minutes=15)
        if session.discharged_at is not None:
            rows.discharges.append(
                Discharge(
                    session=session,
                    scale="aldrete",
                    score={"total": 10, "passes": True},
                    escort_name="Escort",
                    escort_verified=True,
                    charted_at=session.discharged_at,
                    received_at=session.discharged_at,
                    by=nurse,
                )
            )
    from ketaclinic.infusions.demo import times_as_given

    with times_as_given():
        Check.objects.bulk_create(rows.checks, batch_size=2000)
        VitalReading.objects.bulk_create(rows.vitals, batch_size=2000)
        PumpEvent.objects.bulk_create(rows.pumps, batch_size=2000)
        Discharge.objects.bulk_create(rows.discharges, batch_size=2000)
    print(
        f"built in {clock.perf_counter() - began:.0f} s: {len(sessions)} sessions, "
        f"{len(rows.vitals)} vital-sign readings, {len(rows.pumps)} pump events"
    )
    return location


@dataclass
class Result:
    name: str
    runs: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    cpu_p50_ms: float
    queries: int
    status: int


def measure(name: str, request: Callable, *, runs: int, warmup: int) -> Result:
    for _ in range(warmup):
        request()
    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        status = request().status_code
    timings, cpu = [], []
    for _ in range(runs):
        began, began_cpu = clock.perf_counter(), clock.process_time()
        request()
        timings.append((clock.perf_counter() - began) * 1000)
        cpu.append((clock.process_time() - began_cpu) * 1000)
    timings.sort()
    return Result(
        name=name,
        runs=runs,
        p50_ms=statistics.median(timings),
        p95_ms=timings[math.ceil(len(timings) * 0.95) - 1],
        max_ms=timings[-1],
        cpu_p50_ms=statistics.median(cpu),
        queries=len(queries),
        status=status,
    )


def record_vitals_result(location: Location, runs: int, warmup: int) -> Result:
    """Recording one reading of an infusing patient through the monitoring
    service (`monitoring.record_vitals`: judged, stored, the session touched,
    audited), a new entry id each time, as a tablet sends it."""
    from ketaclinic.infusions import monitoring

    session = Session.objects.filter(
        location=location, state=Session.State.INFUSING
    ).latest("checked_in_at")
    actor = Actor.system(User.objects.get(username=f"{SLUG}-nurse"))
    rng = random.Random(3)
    # Just after midnight the bench's day runs from 06:00: chart as of then.
    shift = max(
        session.checked_in_at + timedelta(minutes=30) - timezone.now(), timedelta(0)
    )

    def record():
        at = timezone.now() + shift
        monitoring.record_vitals(
            actor=actor,
            session=session,
            client_id=uuid.uuid4(),
            charted_at=at,
            now=at,
            phase="infusion",
            values={
                "systolic_mmhg": rng.randint(115, 140),
                "diastolic_mmhg": rng.randint(70, 88),
                "heart_rate_bpm": rng.randint(60, 90),
                "spo2_pct": 98,
                "resp_rate_per_min": 14,
                "moaas": 5,
                "dissociation": 4,
            },
        )

        class Done:
            status_code = 201

        return Done()

    return measure(
        "recording one vital-signs reading", record, runs=runs, warmup=warmup
    )


def _shown(html: str) -> str:
    found = re.search(r"shown=([0-9a-f]+)", html)
    assert found is not None
    return found.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    for name, value in describe_machine().items():
        print(f"{name:>9}: {value}")
    password = secrets.token_urlsafe(24)
    began = clock.perf_counter()
    location = build(args.days, password)
    # Fresh planner statistics, built or reused, as autovacuum keeps them.
    print(f"statistics: {analyze()}")
    print(f"set-up (or reuse) in {clock.perf_counter() - began:.1f} s")
    today = timezone.now().astimezone(location.zone).date()
    start = datetime.combine(today, time.min, location.zone)
    visits = Appointment.objects.filter(
        location=location, starts_at__gte=start, starts_at__lt=start + timedelta(1)
    ).count()
    print(
        f"data: {Session.objects.filter(location=location).count()} sessions, "
        f"{VitalReading.objects.filter(session__location=location).count()} "
        f"vital-sign readings; today {visits} visits on {CHAIRS} chairs"
    )
    nurse = User.objects.get(username=f"{SLUG}-nurse")
    client = Client()
    client.force_login(nurse)
    board_url = reverse("infusions:board")
    poll_url = reverse("infusions:board_poll")
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        page = client.get(board_url)
        assert page.status_code == 200, page.status_code
        shown = [_shown(page.text)]

        def unchanged():
            # The fingerprint moves with the minute: follow it, as the page does.
            response = client.get(poll_url, {"shown": shown[0]})
            if response.status_code == 200:
                shown[0] = _shown(response.text)
            return response

        # As a server's worker does once the app is loaded (ketaclinic.wsgi).
        gc.collect()
        gc.freeze()
        print(f"load average (1, 5, 15 min) at the start: {load_average()}")
        results = [
            measure(
                "board page",
                lambda: client.get(board_url),
                runs=args.runs,
                warmup=args.warmup,
            ),
            measure(
                "poll, nothing changed (204)",
                unchanged,
                runs=args.runs,
                warmup=args.warmup,
            ),
            measure(
                "poll, changed (the body)",
                lambda: client.get(poll_url),
                runs=args.runs,
                warmup=args.warmup,
            ),
        ]
        print(f"load average (1, 5, 15 min) at the end:   {load_average()}")
    for result in results:
        print(
            f"{result.name}: HTTP {result.status}, n={result.runs} "
            f"p50={result.p50_ms:.1f} ms p95={result.p95_ms:.1f} ms "
            f"max={result.max_ms:.1f} ms, {result.queries} queries; "
            f"this process's CPU time p50={result.cpu_p50_ms:.1f} ms"
        )
    vitals = record_vitals_result(location, args.runs, args.warmup)
    print(
        f"{vitals.name}: n={vitals.runs} p50={vitals.p50_ms:.1f} ms "
        f"p95={vitals.p95_ms:.1f} ms max={vitals.max_ms:.1f} ms, "
        f"{vitals.queries} queries; "
        f"this process's CPU time p50={vitals.cpu_p50_ms:.1f} ms"
    )


if __name__ == "__main__":
    main()
