"""Build a chain-sized data set for the benchmarks.

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python bench/generate.py --patients 100000

Applies the migrations, then bulk-inserts locations with their chairs and
opening hours, one bench staff member per role (working at every location,
password from KETACLINIC_BENCH_PASSWORD), and the patients spread over the
locations, each with escorts, allergies, medications, conditions (ICD-10-CM)
and one to three weights.

The data set is the same for the same --seed and --patients. MRNs are
"7" + the patient's number on 8 digits + a Luhn check digit (10 digits): the
search box treats an all-digit entry as an MRN, and ketaclinic's own MRNs have
8 digits, so the two never collide. Phones are 555 numbers over twelve area
codes, unique up to 120,000 patients.

Bulk inserts skip Model.save() and its signals: the name keys that
Patient.save() fills are filled here, and django-simple-history records no
"created" version of the bench rows. That is fine for bench data (no page of
the benchmark reads the history), not for real records.

DATABASE_URL must be set: the generator refuses to add 100,000 fictitious
patients to the development database by accident, and refuses a database
that already holds bench data.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import namedata  # noqa: E402  (beside this file)

BENCH_SLUG_PREFIX = "bench-"
LOCATIONS = [
    ("Denver", "America/Denver"),
    ("Boulder", "America/Denver"),
    ("Colorado Springs", "America/Denver"),
    ("Fort Collins", "America/Denver"),
    ("Albuquerque", "America/Denver"),
    ("Salt Lake City", "America/Denver"),
    ("Phoenix", "America/Phoenix"),
    ("Billings", "America/Denver"),
    ("Boise", "America/Boise"),
    ("Cheyenne", "America/Denver"),
]
CHAIRS_PER_LOCATION = 6
PHONE_SLOTS = len(namedata.AREA_CODES) * 10_000
PHONE_STRIDE = 7919  # prime, coprime with PHONE_SLOTS: a permutation of the slots
TODAY = date(2026, 1, 1)  # fixed, so that a seed gives the same data any day


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--locations", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--batch", type=int, default=5_000, help="patients per bulk insert"
    )
    parser.add_argument(
        "--no-migrate", action="store_true", help="do not apply migrations first"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.locations <= len(LOCATIONS):
        parser.error(f"--locations: 1 to {len(LOCATIONS)}")
    if args.patients < 1 or args.batch < 1:
        parser.error("--patients and --batch must be positive")
    return args


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL"):
        sys.exit(
            "generate.py: set DATABASE_URL to the bench database, e.g. "
            "DATABASE_URL=sqlite:////tmp/bench.sqlite3 (refusing the default "
            "development database)."
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.settings")
    import django

    django.setup()


# --- pure helpers (no database) ------------------------------------------------


def luhn_check_digit(digits: str) -> str:
    from ketaclinic.patients.services import luhn_check_digit as check

    return check(digits)


def bench_mrn(number: int) -> str:
    body = f"7{number:08d}"
    return body + luhn_check_digit(body)


def bench_phone(number: int) -> str:
    """E.164 555 number; distinct for distinct numbers below PHONE_SLOTS."""
    slot = (number * PHONE_STRIDE) % PHONE_SLOTS
    area = namedata.AREA_CODES[slot // 10_000]
    return f"+1{area}555{slot % 10_000:04d}"


def any_555_phone(rng: random.Random) -> str:
    return f"+1{rng.choice(namedata.AREA_CODES)}555{rng.randrange(10_000):04d}"


def _unique(words: list[str]) -> list[str]:
    return list(dict.fromkeys(words))


class NameSource:
    """Last names with a realistic spread, first names by sex."""

    def __init__(self, rng: random.Random):
        common = _unique(namedata.COMMON_LAST_NAMES)
        self.common = common
        # Zipf-like: the most common name about 1 patient in 90, like Smith
        # in the US (0.8%).
        self.common_weights = [1 / (rank + 1) ** 0.5 for rank in range(len(common))]
        built = {stem + end for stem in namedata.STEMS for end in namedata.ENDINGS}
        built |= {
            a + b + c
            for a in namedata.SYLLABLES_1
            for b in namedata.SYLLABLES_2
            for c in namedata.SYLLABLES_3
        }
        self.tail = sorted(built - set(common))
        self.rng = rng

    def last(self) -> str:
        # About 45% of people carry one of the ~400 most common surnames.
        if self.rng.random() < 0.45:
            return self.rng.choices(self.common, self.common_weights)[0]
        return self.rng.choice(self.tail)

    def first(self, sex: str) -> str:
        names = (
            namedata.FEMALE_FIRST_NAMES
            if sex == "female"
            else namedata.MALE_FIRST_NAMES
        )
        # Earlier names in each list are more common.
        index = min(int(self.rng.expovariate(1 / 40)), len(names) - 1)
        return names[index]


def ascii_email_part(text: str) -> str:
    from ketaclinic.patients.text import name_key

    return "".join(ch for ch in name_key(text) if ch.isalnum())


# --- database ----------------------------------------------------------------


def make_locations(count: int):
    from ketaclinic.clinics.models import Location, OpeningHours, Resource

    if Location.objects.filter(slug__startswith=BENCH_SLUG_PREFIX).exists():
        sys.exit(
            "generate.py: this database already holds bench data; "
            "generate into a fresh database."
        )
    locations = Location.objects.bulk_create(
        Location(
            name=f"{city} Ketamine Clinic",
            slug=f"{BENCH_SLUG_PREFIX}{index + 1}",
            time_zone=zone,
            address=f"{100 + index} Main St, {city}",
            phone=f"+1303555{index:04d}",
        )
        for index, (city, zone) in enumerate(LOCATIONS[:count])
    )
    locations = list(
        Location.objects.filter(slug__startswith=BENCH_SLUG_PREFIX).order_by("pk")
    )
    Resource.objects.bulk_create(
        Resource(location=location, kind=kind, name=f"{label} {number}")
        for location in locations
        for kind, label, total in (
            (Resource.Kind.CHAIR, "Chair", CHAIRS_PER_LOCATION),
            (Resource.Kind.ROOM, "Consult room", 2),
        )
        for number in range(1, total + 1)
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(location=location, weekday=day, opens=clock(8), closes=clock(18))
        for location in locations
        for day in range(5)
    )
    return locations


def make_staff(locations, password: str):
    from ketaclinic.accounts.models import User
    from ketaclinic.accounts.permissions import Role

    staff = {}
    for role in Role:
        user = User(
            username=f"bench_{role.value}",
            role=role.value,
            first_name="Bench",
            last_name=role.label,
            email=f"bench_{role.value}@bench.ketaclinic.invalid",
        )
        user.set_password(password)
        user.save()
        user.locations.set(locations)
        staff[role.value] = user
    return staff


def build_batch(
    start: int, stop: int, rng: random.Random, names: NameSource, ctx: dict
) -> dict[str, list]:
    """Patients start..stop-1 and their chart entries (patients not yet saved)."""
    from ketaclinic.patients.models import (
        Allergy,
        BodyMeasurement,
        Condition,
        Escort,
        Medication,
        Patient,
    )
    from ketaclinic.patients.text import name_key

    locations, nurse, conditions = ctx["locations"], ctx["nurse"], ctx["conditions"]
    patients, children = [], []
    for number in range(start, stop):
        sex = "female" if rng.random() < 0.6 else "male"
        first, last = names.first(sex), names.last()
        born = TODAY - timedelta(days=rng.randint(18 * 365, 85 * 365))
        patients.append(
            Patient(
                uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                mrn=bench_mrn(number),
                location=locations[number % len(locations)],
                first_name=first,
                last_name=last,
                first_name_key=name_key(first),
                last_name_key=name_key(last),
                date_of_birth=born,
                sex_at_birth=sex,
                phone=bench_phone(number),
                email=(
                    f"{ascii_email_part(first)}.{ascii_email_part(last)}"
                    f"{number}@example.com"
                ),
                address_line1=(
                    f"{rng.randint(100, 9999)} {rng.choice(namedata.STREET_NAMES)} "
                    f"{rng.choice(namedata.STREET_TYPES)}"
                ),
                city=ctx["cities"][number % len(locations)],
                state="CO",
                postal_code=f"80{rng.randint(0, 999):03d}",
                preferred_language="es" if rng.random() < 0.12 else "en",
                emergency_contact_name=f"{names.first('female')} {last}",
                emergency_contact_relation=rng.choice(namedata.RELATIONS),
                emergency_contact_phone=any_555_phone(rng),
                created_by=nurse,
            )
        )
        entries = []
        for _ in range(rng.choices((0, 1, 2), (15, 70, 15))[0]):
            entries.append(
                Escort(
                    name=f"{names.first(rng.choice(('female', 'male')))} "
                    f"{rng.choice((last, names.last()))}",
                    relation=rng.choice(namedata.RELATIONS),
                    phone=any_555_phone(rng),
                    recorded_by=nurse,
                )
            )
        count = rng.choices((0, 1, 2, 3), (40, 35, 18, 7))[0]
        for substance, reaction, severity in rng.sample(namedata.ALLERGIES, count):
            entries.append(
                Allergy(
                    substance=substance,
                    reaction=reaction,
                    severity=severity,
                    recorded_by=nurse,
                )
            )
        count = rng.choices((1, 2, 3, 4, 5), (25, 30, 25, 12, 8))[0]
        for name, dose, frequency in rng.sample(namedata.MEDICATIONS, count):
            entries.append(
                Medication(
                    name=name,
                    dose=dose,
                    frequency=frequency,
                    active=rng.random() < 0.9,
                    recorded_by=nurse,
                )
            )
        count = rng.choices((1, 2, 3), (50, 35, 15))[0]
        for code, description in rng.sample(conditions, count):
            entries.append(
                Condition(
                    icd10_code=code,
                    description=description,
                    onset_date=born + timedelta(days=rng.randint(16 * 365, 17 * 365)),
                    recorded_by=nurse,
                )
            )
        height = Decimal(rng.randint(150, 195))
        weight = Decimal(rng.randint(480, 1400)) / 10
        for visit in range(rng.randint(1, 3)):
            # Entered in kg and cm: bulk inserts skip the save() that fills
            # the as-entered values.
            kg = weight + Decimal(rng.randint(-20, 20)) / 10
            cm = height if visit == 0 else None
            entries.append(
                BodyMeasurement(
                    measured_at=datetime(2025, 12, 1, 15, tzinfo=UTC)
                    - timedelta(days=21 * visit + rng.randint(0, 300)),
                    weight_kg=kg,
                    weight_entered=kg,
                    height_cm=cm,
                    height_entered=cm,
                    recorded_by=nurse,
                )
            )
        children.append(entries)
    return {"patients": patients, "children": children}


def insert_batch(batch: dict[str, list], counts: dict[str, int]) -> None:
    from django.db import transaction

    from ketaclinic.patients.models import Patient

    with transaction.atomic():
        # bulk_create sets the primary keys (RETURNING on SQLite >= 3.35 and
        # PostgreSQL), so the chart entries can point at their patient.
        patients = Patient.objects.bulk_create(batch["patients"])
        by_model: dict[type, list] = {}
        for patient, entries in zip(patients, batch["children"], strict=True):
            for entry in entries:
                entry.patient = patient
                by_model.setdefault(type(entry), []).append(entry)
        counts["patients"] = counts.get("patients", 0) + len(patients)
        for model, rows in by_model.items():
            model.objects.bulk_create(rows, batch_size=5_000)
            key = model._meta.verbose_name_plural
            counts[key] = counts.get(key, 0) + len(rows)


def analyze() -> str:
    """Fresh planner statistics, as autovacuum would soon give PostgreSQL."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        return "VACUUM ANALYZE"
    # SQLite: nothing in ketaclinic runs ANALYZE, so a clinic's database has no
    # statistics; the bench database is left the same way on purpose.
    return "none (SQLite, as in production)"


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from ketaclinic.clinical.codes import icd10_lookup

    started = time.perf_counter()
    if not args.no_migrate:
        call_command("migrate", interactive=False, verbosity=0)
    migrated = time.perf_counter()

    conditions = []
    for code in namedata.CONDITION_CODES:
        known = icd10_lookup(code)
        if known is None:
            sys.exit(f"generate.py: {code} is not an ICD-10-CM code")
        conditions.append((known.code, known.display))

    password = os.environ.get("KETACLINIC_BENCH_PASSWORD", "bench-password-123")
    locations = make_locations(args.locations)
    staff = make_staff(locations, password)
    ctx = {
        "locations": locations,
        "cities": [city for city, _ in LOCATIONS[: args.locations]],
        "nurse": staff["nurse"],
        "conditions": conditions,
    }
    rng = random.Random(args.seed)
    names = NameSource(rng)
    counts: dict[str, int] = {}
    build_seconds = insert_seconds = 0.0
    for start in range(1, args.patients + 1, args.batch):
        stop = min(start + args.batch, args.patients + 1)
        t0 = time.perf_counter()
        batch = build_batch(start, stop, rng, names, ctx)
        t1 = time.perf_counter()
        insert_batch(batch, counts)
        t2 = time.perf_counter()
        build_seconds += t1 - t0
        insert_seconds += t2 - t1
        print(
            f"  {stop - 1:>9,} patients  {t2 - started:7.1f} s",
            file=sys.stderr,
            flush=True,
        )
    loaded = time.perf_counter()
    how = analyze()
    finished = time.perf_counter()

    print(f"database:   {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"locations:  {len(locations)} ({CHAIRS_PER_LOCATION} chairs each)")
    print(f"staff:      {', '.join(user.username for user in staff.values())}")
    for key, value in counts.items():
        print(f"{key + ':':<20}{value:>10,}")
    print(f"migrate:    {migrated - started:7.1f} s")
    print(f"build:      {build_seconds:7.1f} s  (Python objects)")
    print(f"insert:     {insert_seconds:7.1f} s  (bulk_create)")
    print(f"statistics: {finished - loaded:7.1f} s  ({how})")
    print(f"total:      {finished - started:7.1f} s")


if __name__ == "__main__":
    main()
