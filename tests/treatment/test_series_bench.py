"""bench/series_bench.py keeps working: its set-up at a tiny size, and one
proposal measured (not timed against a target)."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ketaclinic.scheduling.models import Allocation, Appointment
from ketaclinic.treatment import series
from tests.conftest import PASSWORD

BENCH = Path(__file__).resolve().parents[2] / "bench" / "series_bench.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("series_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def test_the_series_benchmark_sets_up_a_busy_clinic_and_proposes(db):
    bench = load_bench()
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    location, plan = bench.setup(
        start=today + timedelta(days=1),
        fill=0.5,
        weeks=1,
        chairs=2,
        nurses=1,
        password=PASSWORD,
    )
    visits = Appointment.objects.filter(location=location).exclude(patient=plan.patient)
    assert visits.exists()
    # Each visit holds its chair and its nurse in each of its three phases.
    assert Allocation.objects.filter(appointment__in=visits).count() == (
        6 * visits.count()
    )
    assert plan.in_force and plan.infusions == 6
    booked = bench.calendar(location, weeks=1)
    assert 0.2 < booked.chair_share < 0.8

    result = bench.measure(plan, location, runs=1, warmup=0)
    assert len(result.starts) == 6
    assert series.cadence_problem(result.starts, plan, location) == ""
    assert 0 < result.queries <= 20
    assert result.p95_ms > 0

    # A second set-up reuses what is there.
    assert bench.setup(start=today, weeks=1, chairs=2, nurses=1) == (location, plan)
