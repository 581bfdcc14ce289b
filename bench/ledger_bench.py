"""How fast the controlled-drug ledger's report pages render for a year of a
busy clinic.

    DATABASE_URL=sqlite:////tmp/ledger.sqlite3 python bench/ledger_bench.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kc_ledger_bench \\
        python bench/ledger_bench.py

Builds (once per database, by bulk inserts) a location open Monday to
Saturday with --per-day infusions a day (40 by default) for a year: each a
draw for a patient and the witnessed waste of what was not given, the rest of
the day's opened vials wasted at closing, a delivery of 25 vials whenever the
shelf runs low, an end-of-day count every day, a count difference every
month (resolved), a loss and an initial and a biennial inventory. The
balances after each entry are worked out as the services write them.

Then requests every report (the page, the printable page and the CSV,
through the whole Django stack as a signed-in manager) for its default
range (the last 31 days) and for the whole year, and the ledger's home and
the discrepancy worklist, --runs times each; prints the machine and the load
average, the number of entries and rows, the queries each page made, and
the median and max time, and the median CPU time the process spent (which
a busy machine sways less). Target: every page under a second.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time as clock
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from http_bench import describe_machine, load_average  # noqa: E402

from ketaclinic.accounts.models import User  # noqa: E402
from ketaclinic.clinics.models import Location  # noqa: E402
from ketaclinic.inventory.models import (  # noqa: E402
    Entry,
    EntryKind,
    Lot,
    OpenedContainer,
    Product,
    Registration,
    Safe,
    Supplier,
)
from ketaclinic.inventory.reports import REPORTS  # noqa: E402
from ketaclinic.patients.models import Patient  # noqa: E402

SLUG = "bench-ledger"
D = Decimal
VIAL_MG = D(200)  # 10 mg/mL, 20 mL
BOX = 25
PATIENTS = 400


def _dea(prefix: str, six: str) -> str:
    d = [int(c) for c in six]
    return f"{prefix}{six}{((d[0] + d[2] + d[4]) + 2 * (d[1] + d[3] + d[5])) % 10}"


def setup(per_day: int, days: int) -> Location:
    existing = Location.objects.filter(slug=SLUG).first()
    if existing is not None:
        return existing
    rng = random.Random(14)
    location = Location.objects.create(
        name="Bench Ledger Clinic", slug=SLUG, time_zone="America/Denver"
    )
    zone = location.zone
    manager = User(username="bench_ledger_manager", role="manager")
    manager.set_password("bench-ledger")
    manager.save()
    nurses = []
    for n in range(4):
        nurse = User(username=f"bench_ledger_nurse{n}", role="nurse")
        nurse.set_unusable_password()
        nurse.save()
        nurses.append(nurse)
    for user in (manager, *nurses):
        user.locations.add(location)
    today = timezone.localdate(timezone.now(), zone)
    Registration.objects.create(
        location=location,
        dea_number=_dea("FB", "902113"),
        expires_on=today + timedelta(days=400),
    )
    safe = Safe.objects.create(location=location, name="Medication room safe")
    product, _ = Product.objects.get_or_create(
        ndc="0409-2051-05",
        defaults={"mg_per_ml": D(10), "container_ml": D(20)},
    )
    supplier, _ = Supplier.objects.get_or_create(
        dea_number=_dea("RB", "731509"), defaults={"name": "Bench Supply"}
    )
    patients = Patient.objects.bulk_create(
        Patient(
            location=location,
            mrn=f"B{n:07d}",
            first_name=f"Pat{n}",
            last_name=f"Bench{n % 97}",
            date_of_birth=date(1970 + n % 30, 1 + n % 12, 1 + n % 28),
            address_line1=f"{n} Main St",
            city="Denver",
            state="CO",
            postal_code="80202",
        )
        for n in range(PATIENTS)
    )
    start = today - timedelta(days=days)
    entries: list[Entry] = []
    balances: dict[int, Decimal] = {}  # mg per lot (one safe)
    sealed: dict[int, int] = {}  # sealed vials per lot
    lots: list[Lot] = []
    next_id = Entry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def add(lot: Lot | None, **fields) -> Entry:
        nonlocal next_id
        after = None
        if lot is not None:
            balances[lot.pk] = balances.get(lot.pk, D(0)) + fields.get(
                "effect_mg", D(0)
            )
            after = balances[lot.pk]
        next_id += 1
        entry = Entry(
            id=next_id,
            uuid=uuid.uuid4(),
            location=location,
            safe=safe,
            lot=lot,
            balance_after_mg=after,
            **fields,
        )
        entries.append(entry)
        return entry

    def receive(at: datetime) -> Lot:
        lot = Lot.objects.create(
            product=product,
            number=f"B{len(lots) + 1:05d}",
            expires_on=at.date() + timedelta(days=700),
        )
        lots.append(lot)
        sealed[lot.pk] = BOX
        add(
            lot,
            kind=EntryKind.RECEIPT,
            quantity_mg=VIAL_MG * BOX,
            containers=BOX,
            effect_mg=VIAL_MG * BOX,
            who=manager,
            occurred_at=at,
            supplier=supplier,
            invoice_number=f"BS-{at:%Y%m%d%H%M}",
            ordered_containers=BOX,
        )
        return lot

    with transaction.atomic():
        add(
            None,
            kind=EntryKind.INVENTORY_INITIAL,
            who=nurses[0],
            witness=nurses[1],
            witnessed_with_credentials=True,
            occurred_at=datetime.combine(start, time(7), zone),
            reason="Zero inventory: none on hand.",
        )
        lot = receive(datetime.combine(start, time(7, 30), zone))
        day = start
        while day < today:
            if day.weekday() == 6:
                day += timedelta(days=1)
                continue
            at = datetime.combine(day, time(8), zone)
            vial = None
            left = D(0)
            opened = []
            for n in range(per_day):
                moment = at + timedelta(minutes=15 * n + 30)
                mg = D(rng.randrange(30, 71, 5))
                if left < mg:
                    if vial is not None and left > 0:
                        opened.append((vial, left))
                    if sealed[lot.pk] == 0:
                        lot = receive(moment - timedelta(minutes=5))
                    vial = OpenedContainer.objects.create(
                        lot=lot,
                        safe=safe,
                        opened_at=moment,
                        opened_on=day,
                        beyond_use_on=day + timedelta(days=28),
                        opened_by=nurses[n % 4],
                    )
                    sealed[lot.pk] -= 1
                    left = VIAL_MG
                left -= mg
                nurse = nurses[n % 4]
                draw = add(
                    vial.lot,
                    kind=EntryKind.DRAW,
                    container=vial,
                    quantity_mg=mg,
                    volume_ml=mg / 10,
                    effect_mg=-mg,
                    who=nurse,
                    occurred_at=moment,
                    session_uuid=uuid.uuid4(),
                    patient=patients[rng.randrange(PATIENTS)],
                )
                add(
                    vial.lot,
                    kind=EntryKind.WASTE,
                    container=vial,
                    source=draw,
                    quantity_mg=D(5),
                    effect_mg=D(0),
                    who=nurse,
                    witness=nurses[(n + 1) % 4],
                    witnessed_with_credentials=True,
                    witnessed_at=moment,
                    occurred_at=moment + timedelta(minutes=2),
                    session_uuid=draw.session_uuid,
                    patient=draw.patient,
                )
            if vial is not None and left > 0:
                opened.append((vial, left))
            evening = datetime.combine(day, time(18), zone)
            for container, rest in opened:
                add(
                    container.lot,
                    kind=EntryKind.WASTE,
                    container=container,
                    quantity_mg=rest,
                    effect_mg=-rest,
                    who=nurses[0],
                    witness=nurses[1],
                    witnessed_with_credentials=True,
                    witnessed_at=evening,
                    occurred_at=evening,
                )
            batch = uuid.uuid4()
            short = day.day == 15 and sealed[lot.pk] > 0
            balance = balances[lot.pk]
            missing = VIAL_MG if short else D(0)
            count = add(
                lot,
                kind=EntryKind.COUNT,
                quantity_mg=balance - missing,
                expected_mg=balance,
                counted_mg=balance - missing,
                effect_mg=D(0),
                who=nurses[0],
                witness=nurses[1],
                witnessed_with_credentials=True,
                occurred_at=evening + timedelta(minutes=15),
                batch=batch,
            )
            if short:
                gap = add(
                    lot,
                    kind=EntryKind.DISCREPANCY,
                    quantity_mg=VIAL_MG,
                    expected_mg=balance,
                    counted_mg=balance - VIAL_MG,
                    effect_mg=D(0),
                    who=nurses[0],
                    occurred_at=evening + timedelta(minutes=15),
                    source=count,
                    batch=batch,
                )
                sealed[lot.pk] -= 1
                add(
                    lot,
                    kind=EntryKind.DISCREPANCY_RESOLUTION,
                    quantity_mg=VIAL_MG,
                    effect_mg=-VIAL_MG,
                    who=manager,
                    occurred_at=evening + timedelta(hours=14),
                    resolves=gap,
                    reason="Found broken in the sharps bin.",
                )
            day += timedelta(days=1)
        # Saved in order, a thousand at a time: `source` and `resolves` name
        # entries saved before them.
        for first in range(0, len(entries), 1000):
            Entry.objects.bulk_create(entries[first : first + 1000])
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence('inventory_entry', 'id'), "
                    "(SELECT max(id) FROM inventory_entry))"
                )
    return location


PAGES = [
    ("ledger home", "/ledger/"),
    ("worklist", "/ledger/discrepancies/"),
    *(
        (f"{name}{suffix}", f"/ledger/reports/{name}/{suffix}")
        for name in REPORTS
        for suffix in ("", "print/", "csv/")
    ),
]


def measure(
    client: Client, url: str, runs: int
) -> tuple[list[float], list[float], int, int]:
    """The wall-clock times of `runs` requests, the CPU time the process (the
    whole Django stack, in-process) spent on each, the queries and the size."""
    times = []
    cpu = []
    queries = 0
    size = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            began, began_cpu = clock.perf_counter(), clock.process_time()
            response = client.get(url, secure=True)
            body = (
                b"".join(response.streaming_content)
                if response.streaming
                else response.content
            )
            times.append(clock.perf_counter() - began)
            cpu.append(clock.process_time() - began_cpu)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured.captured_queries)
        size = len(body)
    return times, cpu, queries, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-day", type=int, default=40)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    for name, value in describe_machine().items():
        print(f"{name:>9}: {value}")
    began = clock.perf_counter()
    location = setup(args.per_day, args.days)
    print(f"set-up (or reuse) in {clock.perf_counter() - began:.1f} s")
    print(
        f"{Entry.objects.filter(location=location).count()} ledger entries, "
        f"{args.per_day} infusions a day for {args.days} days"
    )
    print(f"load average (1, 5, 15 min) at the start: {load_average()}")
    print(f"taken at {timezone.now():%Y-%m-%d %H:%M} UTC")
    client = Client()
    client.force_login(User.objects.get(username="bench_ledger_manager"))
    today = timezone.localdate(timezone.now(), location.zone)
    year = f"?start={today - timedelta(days=args.days)}&end={today}"
    slowest = 0.0
    for label, url in PAGES:
        for span, query in (("31 days", ""), ("a year", year)):
            if span == "a year" and "/reports/" not in url:
                continue  # the home and the worklist take no range
            times, cpu, queries, size = measure(client, url + query, args.runs)
            slowest = max(slowest, max(times))
            print(
                f"{label:<22} {span:<8} {queries:>3} queries "
                f"{size / 1024:>8.0f} KiB"
                f"  median {statistics.median(times) * 1000:>6.0f} ms"
                f"  max {max(times) * 1000:>6.0f} ms"
                f"  cpu {statistics.median(cpu) * 1000:>6.0f} ms"
            )
    print(f"load average (1, 5, 15 min) at the end:   {load_average()}")
    print(f"slowest: {slowest * 1000:.0f} ms (target: under 1000 ms)")


if __name__ == "__main__":
    main()
