"""The demo clinic: one location, its staff and about 40 fictitious patients.

Loading it twice changes nothing the second time: everything is keyed on a
natural key (location slug, username, MRN) and only made when missing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import Role
from ketaclinic.audit.actor import Actor
from ketaclinic.clinical.holidays import us_federal_holidays
from ketaclinic.clinics.models import Closure, Location, OpeningHours, Resource
from ketaclinic.patients.models import (
    Allergy,
    BodyMeasurement,
    Condition,
    Escort,
    Medication,
    Patient,
)
from ketaclinic.patients.services import luhn_check_digit
from ketaclinic.scheduling import eligibility, slots
from ketaclinic.scheduling import queries as schedule_queries
from ketaclinic.scheduling import services as schedule
from ketaclinic.scheduling.defaults import ensure_default_types
from ketaclinic.scheduling.models import Appointment, AppointmentType, StaffHours
from ketaclinic.treatment.eligibility import current_decision
from ketaclinic.treatment.models import ScreeningDecision

LOCATION_SLUG = "denver"
STAFF = [
    # username, role, first, last, title
    ("frontdesk", Role.FRONT_DESK, "Fran", "Delgado", ""),
    ("nurse", Role.NURSE, "Nora", "Whitfield", "RN"),
    ("nurse2", Role.NURSE, "Nate", "Oyelaran", "RN"),
    ("provider", Role.PROVIDER, "Priya", "Raman", "MD"),
    ("manager", Role.MANAGER, "Marcus", "Lindqvist", ""),
    ("admin", Role.ADMIN, "Ada", "Okafor", ""),
]
FIRST_NAMES = {
    "female": [
        "Emma",
        "Olivia",
        "Sofia",
        "Maya",
        "Grace",
        "Lucía",
        "Hannah",
        "Chloe",
        "Aisha",
        "Mei",
        "Rosa",
        "Claire",
        "Nadia",
        "Ruth",
        "Elena",
        "Jasmine",
        "Ava",
        "Leah",
        "Zoe",
        "Ines",
    ],
    "male": [
        "James",
        "Mateo",
        "Daniel",
        "Ethan",
        "Samuel",
        "Diego",
        "Omar",
        "Lucas",
        "Noah",
        "Caleb",
        "Hiro",
        "Andre",
        "Victor",
        "Owen",
        "Ravi",
        "Tomás",
        "Felix",
        "Isaac",
        "Liam",
        "Jonah",
    ],
}
LAST_NAMES = [
    "Alvarez",
    "Bennett",
    "Carter",
    "Dubois",
    "Espinoza",
    "Fischer",
    "García",
    "Hughes",
    "Ibrahim",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Martínez",
    "Nguyen",
    "O'Connor",
    "Patel",
    "Quinn",
    "Reyes",
    "Schneider",
    "Tanaka",
    "Underwood",
    "Vasquez",
    "Walsh",
    "Xu",
    "Young",
    "Zimmerman",
    "Brooks",
    "Castillo",
    "Dawson",
    "Ellis",
    "Foster",
    "Gallagher",
    "Holt",
    "Iverson",
    "Jordan",
    "Kim",
    "Lopez",
    "Morales",
    "Novak",
    "Ortiz",
]
RELATIONS = [
    "spouse",
    "partner",
    "sister",
    "brother",
    "friend",
    "mother",
    "father",
    "adult son",
    "adult daughter",
]
ALLERGIES = [
    ("Penicillin", "hives", "moderate"),
    ("Sulfa drugs", "rash", "mild"),
    ("Latex", "contact dermatitis", "mild"),
    ("Codeine", "vomiting", "moderate"),
    ("Peanuts", "anaphylaxis", "severe"),
]
MEDICATIONS = [
    ("Sertraline", "100 mg", "once daily"),
    ("Bupropion XL", "300 mg", "once daily"),
    ("Escitalopram", "20 mg", "once daily"),
    ("Lamotrigine", "100 mg", "twice daily"),
    ("Lorazepam", "0.5 mg", "as needed"),
    ("Lisinopril", "10 mg", "once daily"),
    ("Duloxetine", "60 mg", "once daily"),
    ("Gabapentin", "300 mg", "three times daily"),
    ("Levothyroxine", "75 mcg", "once daily"),
]
CONDITIONS = [
    "F33.2",
    "F33.1",
    "F32.2",
    "F43.10",
    "F43.12",
    "F41.1",
    "G89.4",
    "G90.511",
    "I10",
]
STREETS = [
    "Larimer St",
    "Colfax Ave",
    "Pearl St",
    "York St",
    "Downing St",
    "Federal Blvd",
]


@dataclass(frozen=True)
class DemoResult:
    created_staff: int
    created_patients: int
    booked: int = 0


# Who works when (local time): nurses watch up to 3 chairs at once.
WEEKDAY_SHIFT = (time(7, 30), time(18, 30))
SATURDAY_SHIFT = (time(8, 30), time(13, 30))
NURSE_PATIENTS_AT_ONCE = 3


def demo_mrn(index: int) -> str:
    body = f"9{index:06d}"  # 9xxxxxx: the demo range, never generated at random
    return body + luhn_check_digit(body)


def demo_phone(rng: random.Random) -> str:
    # 555-01xx numbers are reserved for fiction.
    return f"+1303555{rng.randint(100, 199):04d}"


def _location() -> Location:
    location, created = Location.objects.get_or_create(
        slug=LOCATION_SLUG,
        defaults={
            "name": "Denver Ketamine Clinic",
            "time_zone": "America/Denver",
            "address": "1550 Wynkoop St, Suite 200, Denver, CO 80202",
            "phone": "+13035550100",
        },
    )
    if created:
        for number in range(1, 7):
            Resource.objects.create(
                location=location, kind=Resource.Kind.CHAIR, name=f"Chair {number}"
            )
        for number in range(1, 3):
            Resource.objects.create(
                location=location,
                kind=Resource.Kind.ROOM,
                name=f"Consult room {number}",
            )
        for weekday in range(5):
            OpeningHours.objects.create(
                location=location, weekday=weekday, opens=time(8), closes=time(18)
            )
        OpeningHours.objects.create(
            location=location, weekday=5, opens=time(9), closes=time(13)
        )
    return location


def _staff(location: Location, password: str) -> int:
    created = 0
    for username, role, first, last, title in STAFF:
        if User.objects.filter(username=username).exists():
            continue
        user = User(
            username=username,
            role=role,
            first_name=first,
            last_name=last,
            title=title,
            email=f"{username}@demo.ketaclinic.invalid",
            patients_at_once=NURSE_PATIENTS_AT_ONCE if role == Role.NURSE else 1,
        )
        user.set_password(password)
        user.save()
        user.locations.add(location)
        if role in (Role.NURSE, Role.PROVIDER):
            shifts = [(day, *WEEKDAY_SHIFT) for day in range(5)]
            if role == Role.NURSE:
                shifts.append((5, *SATURDAY_SHIFT))
            StaffHours.objects.bulk_create(
                StaffHours(staff=user, location=location, weekday=day, starts=a, ends=b)
                for day, a, b in shifts
            )
        created += 1
    return created


def _patient(index: int, location: Location, nurse: User) -> bool:
    mrn = demo_mrn(index)
    if Patient.objects.filter(mrn=mrn).exists():
        return False
    rng = random.Random(index)
    sex = "female" if index % 2 == 0 else "male"
    first = FIRST_NAMES[sex][index % 20]
    last = LAST_NAMES[index % len(LAST_NAMES)]
    age_days = rng.randint(22 * 365, 72 * 365)
    born = date(2026, 1, 1) - timedelta(days=age_days)
    patient = Patient.objects.create(
        mrn=mrn,
        location=location,
        first_name=first,
        last_name=last,
        date_of_birth=born,
        sex_at_birth=sex,
        phone=demo_phone(rng),
        email=f"{first.lower()}.{last.lower().replace(chr(39), '')}@example.com".encode(
            "ascii", "ignore"
        ).decode(),
        address_line1=f"{rng.randint(100, 4999)} {rng.choice(STREETS)}",
        city="Denver",
        state="CO",
        postal_code=f"802{rng.randint(2, 39):02d}",
        preferred_language="es" if index % 7 == 3 else "en",
        emergency_contact_name=f"{rng.choice(FIRST_NAMES['female'])} {last}",
        emergency_contact_relation=rng.choice(RELATIONS),
        emergency_contact_phone=demo_phone(rng),
        created_by=nurse,
    )
    # Later stages of the journey hold more of the chart.
    if index % 5 != 0:
        Escort.objects.create(
            patient=patient,
            name=f"{rng.choice(FIRST_NAMES['male'])} {rng.choice(LAST_NAMES)}",
            relation=rng.choice(RELATIONS),
            phone=demo_phone(rng),
            recorded_by=nurse,
        )
    for substance, reaction, severity in rng.sample(ALLERGIES, k=rng.randint(0, 2)):
        Allergy.objects.create(
            patient=patient,
            substance=substance,
            reaction=reaction,
            severity=severity,
            recorded_by=nurse,
        )
    for name, dose, frequency in rng.sample(MEDICATIONS, k=rng.randint(1, 3)):
        Medication.objects.create(
            patient=patient,
            name=name,
            dose=dose,
            frequency=frequency,
            recorded_by=nurse,
        )
    from ketaclinic.clinical.codes import icd10_lookup

    for code in rng.sample(CONDITIONS, k=rng.randint(1, 2)):
        known = icd10_lookup(code)
        Condition.objects.create(
            patient=patient,
            icd10_code=code,
            description=known.display if known else code,
            recorded_by=nurse,
        )
    height = Decimal(rng.randint(152, 193))
    weight = Decimal(rng.randint(520, 1150)) / 10
    now = timezone.now()
    for visit in range(rng.randint(1, 3)):
        BodyMeasurement.objects.create(
            patient=patient,
            measured_at=now - timedelta(days=30 * (visit + 1) + index),
            weight_kg=weight + Decimal(visit) / 2,
            height_cm=height if visit == 0 else None,
            recorded_by=nurse,
        )
    return True


PATIENT_COUNT = 40


def _book_calendar(location: Location) -> int:
    """A realistically full calendar for the coming weeks: three of every four
    patients have their next infusion or consultation booked, once."""
    types = ensure_default_types()
    front_desk = User.objects.get(username="frontdesk")
    booked = 0
    now = timezone.now()
    patients = Patient.objects.filter(location=location, mrn__startswith="9").order_by(
        "mrn"
    )
    for index, patient in enumerate(patients, start=1):
        if index % 4 == 0 or Appointment.objects.filter(patient=patient).exists():
            continue
        code = {0: "consultation", 1: "infusion-depression", 2: "infusion-pain"}.get(
            index % 7, "infusion-depression"
        )
        code = _infusion_or_consultation(patient, types, code)
        # Spread over the coming two weeks and over the day, as a clinic fills.
        day = (now + timedelta(days=1 + index % 12)).astimezone(location.zone).date()
        wanted = datetime.combine(
            day, time(8 + index % 8, 15 * (index % 4)), location.zone
        )
        earliest = max(wanted, schedule.earliest_start(types[code]))
        inputs = schedule_queries.slot_inputs(
            location=location,
            appointment_type=types[code],
            earliest=earliest,
            latest=earliest + timedelta(days=21),
            count=1,
        )
        found = slots.find_slots(inputs.request, inputs.resources, inputs.staff)
        if not found:
            continue
        schedule.appointment_book(
            actor=Actor.system(front_desk),
            patient=patient,
            location=location,
            appointment_type=types[code],
            starts_at=found[0].start,
        )
        booked += 1
    return booked


def _infusion_or_consultation(patient: Patient, types: dict, code: str) -> str:
    """An infusion only where the booking rule allows it without more
    (scheduling.eligibility); otherwise a consultation."""
    check = eligibility.booking_check(patient, types[code])
    return code if check.allowed and not check.to_acknowledge else "consultation"


# The demo patients after the first ten (whose intakes show every screening
# outcome) are in treatment: signed candidates, but for every tenth, a new
# patient not screened yet.
INTAKE_PATIENTS = 10


def _in_treatment(location: Location) -> int:
    """Their decisions were signed long ago, as the demo's other history is
    written (no message to the patient today)."""
    provider = User.objects.get(username="provider")
    patients = Patient.objects.filter(location=location, mrn__startswith="9").order_by(
        "mrn"
    )
    signed = 0
    for index, patient in enumerate(patients, start=1):
        if index <= INTAKE_PATIENTS or index % 10 == 1:
            continue
        if current_decision(patient) is not None:
            continue
        ScreeningDecision.objects.create(
            patient=patient,
            outcome=ScreeningDecision.Outcome.CANDIDATE,
            indication="depression",
            rationale="Demo decision: in treatment.",
            signed_by=provider,
        )
        signed += 1
    return signed


# Demo patients at every screening outcome (by MRN order), with their intake.
SCREENED = {
    2: ("candidate", "depression", ""),
    3: ("not_candidate", "", ""),
    5: ("needs_information", "", "Records of the last two antidepressant trials"),
    6: ("refer_out", "", ""),
}
TRD_TRIALS = [
    {
        "drug": "sertraline",
        "dose_mg": "150",
        "weeks": 10,
        "outcome": "no_response",
        "current_episode": "yes",
    },
    {
        "drug": "escitalopram",
        "dose_mg": "20",
        "weeks": 8,
        "outcome": "partial",
        "current_episode": "yes",
    },
]


def _intakes(location: Location) -> int:
    """Intakes, scores, consents and signed decisions for a few demo patients,
    one urgent safety answer on the worklist, and two intakes in progress."""
    from ketaclinic.intake import services as intake
    from ketaclinic.intake.defaults import ensure_default_consents
    from ketaclinic.intake.models import Intake
    from ketaclinic.treatment import services as treatment

    ensure_default_consents()
    provider = User.objects.get(username="provider")
    front_desk = User.objects.get(username="frontdesk")
    patients = list(
        Patient.objects.filter(location=location, mrn__startswith="9").order_by("mrn")
    )[:INTAKE_PATIENTS]
    made = 0
    for index, patient in enumerate(patients, start=1):
        if Intake.objects.filter(patient=patient).exists():
            continue
        started = intake.intake_send(actor=Actor.system(front_desk), patient=patient)
        answers = {
            "about": {"treated_for": ["depression"], "phone": patient.phone},
            "antidepressants": TRD_TRIALS if index != 3 else TRD_TRIALS[:1],
            "escort": {
                "name": "Sam Rivera",
                "relation": "partner",
                "phone": "+13035550150",
            },
        }
        for section, data in answers.items():
            intake.intake_save(
                actor=Actor.system(), intake=started, section=section, data=data
            )
        if index in (8, 9):  # still filling it in
            continue
        item9 = 1 if index == 7 else 0
        intake.questionnaire_record(
            actor=Actor.system(),
            patient=patient,
            instrument="phq9",
            answers={f"q{n}": 2 for n in range(1, 9)} | {"q9": item9, "difficulty": 2},
            source="intake",
            intake=started,
        )
        intake.intake_submit(actor=Actor.system(), intake=started)
        if index in SCREENED:
            outcome, indication, needs = SCREENED[index]
            treatment.decision_sign(
                actor=Actor.system(provider),
                patient=patient,
                outcome=outcome,
                indication=indication,
                needs=needs,
                rationale="Demo decision.",
            )
        made += 1
    return made


def _leads(location: Location) -> int:
    """Leads in every stage of the pipeline (ketaclinic.inquiries.demo)."""
    from ketaclinic.inquiries.demo import load_demo_leads

    return load_demo_leads(location)


def _closures(location: Location, today: date) -> None:
    """The demo clinic closes on the federal holidays of this year and the next
    (bookings reach a few weeks ahead)."""
    for year in (today.year, today.year + 1):
        for day, name in us_federal_holidays(year):
            Closure.objects.get_or_create(
                location=location, starts_on=day, ends_on=day, defaults={"reason": name}
            )


def _infusions_need_a_provider() -> None:
    """The demo clinic gives infusions only while a provider is on site (no
    provider works its Saturday mornings, so Saturdays hold no infusion)."""
    AppointmentType.objects.filter(kind=AppointmentType.Kind.INFUSION).update(
        provider_on_site=True
    )


def load_demo(*, password: str) -> DemoResult:
    with transaction.atomic():
        location = _location()
        created_staff = _staff(location, password)
        nurse = User.objects.get(username="nurse")
        created = sum(_patient(i, location, nurse) for i in range(1, PATIENT_COUNT + 1))
        ensure_default_types()
        _infusions_need_a_provider()
        _closures(location, timezone.localdate(timezone.now(), location.zone))
    _intakes(location)
    _in_treatment(location)
    booked = _book_calendar(location)
    _leads(location)
    from ketaclinic.treatment.demo import load_demo_plans

    load_demo_plans(location, password=password)
    from ketaclinic.infusions.demo import load_demo_infusions

    load_demo_infusions(location, password=password)
    from ketaclinic.inventory.demo import load_demo_ledger

    load_demo_ledger(location, password=password)
    return DemoResult(
        created_staff=created_staff, created_patients=created, booked=booked
    )
