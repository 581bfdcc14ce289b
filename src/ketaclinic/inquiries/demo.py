"""Leads of the demo clinic, in every stage of the pipeline.

Called by ketaclinic.core.demo.load_demo. A second run changes nothing: each
lead is keyed on its email address and made only when missing. Leads from
"intake sent" on belong to demo patients (converted), in step with the demo's
intakes and screening decisions (patients by MRN order).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.actor import Actor
from ketaclinic.clinics.models import Location
from ketaclinic.inquiries import queries, services
from ketaclinic.inquiries.models import (
    ConsultationNote,
    ContactEntry,
    Inquiry,
    LeadAlert,
    Stage,
    StageChange,
    Submission,
)
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.queries import find_free

# The road every lead travels, in order; a demo lead has walked it up to its stage.
ROAD: list[str] = [
    Stage.NEW,
    Stage.CONTACTED,
    Stage.CONSULTATION_BOOKED,
    Stage.CONSULTATION_DONE,
    Stage.INTAKE_SENT,
    Stage.SCREENING,
    Stage.CANDIDATE,
    Stage.PLAN,
    Stage.IN_TREATMENT,
    Stage.MAINTENANCE,
]
REASONS: dict[str, str] = {
    Stage.CONTACTED: "First contact (call)",
    Stage.CONSULTATION_BOOKED: "Consultation booked through the private link",
    Stage.CONSULTATION_DONE: "Consultation note signed: Proceed to intake",
    Stage.INTAKE_SENT: "Intake link sent",
    Stage.SCREENING: "Intake submitted",
    Stage.CANDIDATE: "Screening decision signed: candidate",
    Stage.PLAN: "Treatment plan in preparation",
    Stage.IN_TREATMENT: "Induction series started",
    Stage.MAINTENANCE: "Induction series completed",
}


@dataclass(frozen=True)
class DemoLead:
    stage: str
    first: str = ""
    last: str = ""
    conditions: tuple[str, ...] = ("depression",)
    tried: int | None = 2
    message: str = ""
    days_ago: float = 1
    crisis: bool = False
    language: str = "en"
    patient_index: int | None = None  # a demo patient, by MRN order
    mode: str = ""  # consultation booked: phone, video or in_person
    outcome: str = ""  # consultation note


LEADS = [
    DemoLead(
        Stage.NEW,
        "Jordan",
        "Blake",
        message="I can't keep going like this. Nothing has worked.",
        days_ago=0.05,
        crisis=True,
    ),
    DemoLead(
        Stage.NEW,
        "Marisol",
        "Ortega",
        ("depression", "anxiety"),
        3,
        "Mi psiquiatra me habló de la ketamina.",
        0.3,
        language="es",
    ),
    DemoLead(
        Stage.NEW,
        "Trevor",
        "Hale",
        ("chronic_pain",),
        None,
        "CRPS in my left foot for 3 years.",
        2.2,
    ),
    DemoLead(Stage.CONTACTED, "Priyanka", "Desai", ("ptsd",), 1, "", 3),
    DemoLead(
        Stage.CONTACTED, "Colin", "Murphy", ("depression",), 4, "Call after 5 pm.", 5
    ),
    DemoLead(
        Stage.CONSULTATION_BOOKED,
        "Amara",
        "Okoye",
        ("depression",),
        2,
        "",
        4,
        mode="phone",
    ),
    DemoLead(
        Stage.CONSULTATION_BOOKED,
        "Luis",
        "Fernández",
        ("anxiety", "ptsd"),
        1,
        "",
        6,
        language="es",
        mode="in_person",
    ),
    DemoLead(
        Stage.CONSULTATION_DONE,
        "Hannah",
        "Schultz",
        ("depression",),
        3,
        "",
        9,
        outcome="proceed",
    ),
    DemoLead(
        Stage.CONSULTATION_DONE,
        "Derek",
        "Wong",
        ("chronic_pain",),
        None,
        "",
        11,
        outcome="needs_records",
    ),
    DemoLead(Stage.INTAKE_SENT, patient_index=8, days_ago=14),
    DemoLead(Stage.INTAKE_SENT, patient_index=9, days_ago=13),
    DemoLead(Stage.SCREENING, patient_index=1, days_ago=20),
    DemoLead(Stage.SCREENING, patient_index=5, days_ago=18),
    DemoLead(Stage.CANDIDATE, patient_index=2, days_ago=24),
    DemoLead(Stage.NOT_CANDIDATE, patient_index=3, days_ago=25),
    DemoLead(
        Stage.NOT_CANDIDATE,
        "Gareth",
        "Price",
        ("depression",),
        0,
        "",
        16,
        outcome="not_candidate",
    ),
    DemoLead(Stage.PLAN, patient_index=11, days_ago=30),
    DemoLead(Stage.PLAN, patient_index=12, days_ago=33),
    DemoLead(Stage.IN_TREATMENT, patient_index=13, days_ago=45, tried=3),
    DemoLead(Stage.IN_TREATMENT, patient_index=14, days_ago=50, tried=2),
    DemoLead(Stage.MAINTENANCE, patient_index=15, days_ago=120, tried=4),
    DemoLead(Stage.MAINTENANCE, patient_index=16, days_ago=200, tried=3),
    DemoLead(Stage.CLOSED, patient_index=6, days_ago=28),
    DemoLead(
        Stage.CLOSED,
        "Nina",
        "Kowalczyk",
        ("anxiety",),
        1,
        "Just asking about prices.",
        40,
    ),
]


def _email(first: str, last: str) -> str:
    plain = f"{first}.{last}".lower().encode("ascii", "ignore").decode()
    return plain.replace("'", "") + "@lead.example.com"


def _road_to(stage: str) -> list[str]:
    if stage in ROAD:
        return ROAD[: ROAD.index(stage) + 1]
    if stage == Stage.NOT_CANDIDATE:
        return [*ROAD[:4], Stage.NOT_CANDIDATE]
    return [Stage.NEW, Stage.CONTACTED, Stage.CLOSED]  # closed


def _make(spec: DemoLead, index: int, location: Location, patients, staff) -> Inquiry:
    now = timezone.now()
    patient = None
    first, last = spec.first, spec.last
    email, phone = _email(first or "x", last or "y"), f"+1720555{100 + index:04d}"
    if spec.patient_index is not None:
        patient = patients[spec.patient_index - 1]
        first, last = patient.first_name, patient.last_name
        email = patient.email or email
        phone = patient.phone or phone
    created = now - timedelta(days=spec.days_ago)
    # A lead to book stops at "contacted": booking moves it on, as it would.
    stage = Stage.CONTACTED if spec.mode else spec.stage
    road = _road_to(stage)
    step = timedelta(days=spec.days_ago) / (len(road) + 1)
    # Answered within minutes to a few hours, as the clinic tries to.
    answered = timedelta(minutes=12 + 41 * (index % 7))
    contacted = created + min(step, answered) if len(road) > 1 else None
    inquiry = Inquiry.objects.create(
        location=location,
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        preferred_contact="phone",
        preferred_time="any",
        conditions=Inquiry.conditions_value(spec.conditions),
        antidepressants_tried=spec.tried,
        heard_from=["search", "doctor", "friend", "social"][index % 4],
        language=spec.language,
        consented_at=created,
        crisis=spec.crisis,
        urgent=spec.crisis,
        stage=stage,
        stage_changed_at=created + step * (len(road) - 1),
        created_at=created,
        last_submission_at=created,
        first_contact_at=contacted,
        patient=patient,
        converted_at=created + step * 4 if patient is not None else None,
        converted_by=staff["frontdesk"] if patient is not None else None,
    )
    Submission.objects.create(
        inquiry=inquiry,
        message=spec.message,
        answers={"demo": True, "conditions": list(spec.conditions)},
        language=spec.language,
        crisis=spec.crisis,
    )
    previous = ""
    for n, stage in enumerate(road):
        change = StageChange.objects.create(
            inquiry=inquiry,
            from_stage=previous,
            to_stage=stage,
            reason=REASONS.get(stage, "Sent the get-started form")
            if stage != Stage.CLOSED
            else "Chose not to go ahead",
            by=staff["frontdesk"] if n else None,
        )
        StageChange.objects.filter(pk=change.pk).update(at=created + step * n)
        previous = stage
    if contacted is not None:
        entry = ContactEntry.objects.create(
            inquiry=inquiry,
            kind=ContactEntry.Kind.CALL,
            summary="Called; explained the free consultation and sent the link.",
            by=staff["frontdesk"],
        )
        ContactEntry.objects.filter(pk=entry.pk).update(at=contacted)
    if spec.outcome:
        ConsultationNote.objects.create(
            inquiry=inquiry,
            outcome=spec.outcome,
            text={
                "proceed": "Two adequate antidepressant trials without response; "
                "BP 126/80; no psychosis or substance use. Proceed to intake.",
                "needs_records": "Pain history unclear; needs the pain clinic's "
                "records before intake.",
                "not_candidate": "Uncontrolled hypertension (172/104 today); "
                "refer to primary care, may reapply once controlled.",
            }[spec.outcome],
            signed_by=staff["provider"],
        )
    if spec.stage == Stage.NEW:
        kind = LeadAlert.Kind.URGENT if spec.crisis else LeadAlert.Kind.NEW
        LeadAlert.objects.create(inquiry=inquiry, location=location, kind=kind)
    return inquiry


def _book(inquiry: Inquiry, mode: str, days: int) -> None:
    kind = queries.consultation_types(inquiry.location).get(mode)
    if kind is None:
        return
    earliest = max(
        timezone.now() + timedelta(days=days), services.schedule.earliest_start(kind)
    )
    found = find_free(
        location=inquiry.location,
        appointment_type=kind,
        earliest=earliest,
        latest=earliest + timedelta(days=21),
        count=1,
    )
    if found:
        services.consultation_book(
            actor=Actor.system(), inquiry=inquiry, mode=mode, starts_at=found[0].start
        )


def load_demo_leads(location: Location) -> int:
    """Make the demo leads that are missing; returns how many were made."""
    staff = {
        u.username: u
        for u in User.objects.filter(username__in=["frontdesk", "provider"])
    }
    patients = list(
        Patient.objects.filter(location=location, mrn__startswith="9").order_by("mrn")
    )
    made, to_book = 0, []
    with transaction.atomic():
        for index, spec in enumerate(LEADS, start=1):
            if spec.patient_index is not None and spec.patient_index > len(patients):
                continue
            probe = (
                patients[spec.patient_index - 1].email
                if spec.patient_index is not None
                else _email(spec.first, spec.last)
            )
            if Inquiry.objects.filter(email=probe).exists():
                continue
            inquiry = _make(spec, index, location, patients, staff)
            if spec.mode:  # booked through the scheduling engine, below
                to_book.append((inquiry, spec.mode, 2 + index % 5))
            made += 1
    for inquiry, mode, days in to_book:
        inquiry.refresh_from_db()
        _book(inquiry, mode, days)
    return made
