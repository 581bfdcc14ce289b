"""Reads of the lead pipeline that pages share: the board, one lead, matches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from ketaclinic.accounts.locations import location_ids_of
from ketaclinic.accounts.permissions import Perm
from ketaclinic.audit.actor import Actor
from ketaclinic.clinics.models import Location
from ketaclinic.inquiries.models import (
    ConsultationSetup,
    Inquiry,
    LeadAlert,
    Stage,
)
from ketaclinic.intake.models import Intake
from ketaclinic.patients.models import Patient
from ketaclinic.patients.queries import record_for_actor
from ketaclinic.prepared import prepared_sql
from ketaclinic.scheduling.models import Appointment, AppointmentType
from ketaclinic.treatment.models import ScreeningDecision

# A board column shows at most this many leads (its count shows them all).
CARDS_PER_STAGE = 50

AGES: dict[str, tuple[str, timedelta | None, timedelta | None]] = {
    # key: (label, at least this old, younger than this)
    "day": ("Less than a day old", None, timedelta(days=1)),
    "week": ("Less than a week old", None, timedelta(days=7)),
    "month": ("Less than 30 days old", None, timedelta(days=30)),
    "older": ("30 days or older", timedelta(days=30), None),
}


def public_locations() -> QuerySet[Location]:
    """The clinics a visitor may write to, and call."""
    return Location.objects.filter(active=True).order_by("name")


def inquiries_for_user(user) -> QuerySet[Inquiry]:
    """Every lead of the locations this staff member works at."""
    return Inquiry.objects.filter(location_id__in=location_ids_of(user))


def inquiry_for_actor(actor: Actor, inquiry_uuid, *, purpose: str) -> Inquiry:
    """The lead, if this staff member may see it (one 404 for missing and
    forbidden alike); the view is audited."""
    return record_for_actor(
        actor,
        Inquiry.objects.select_related("location", "patient"),
        purpose=purpose,
        perm=Perm.LEAD_WORK,
        location_field="location",
        uuid=inquiry_uuid,
    )


def matching_inquiry(*, email: str, phone: str) -> Inquiry | None:
    """The lead a new submission joins: the latest with the same email or phone."""
    condition = Q()
    if email:
        condition |= Q(email=email.lower())
    if phone:
        condition |= Q(phone=phone)
    if not condition:
        return None
    return (
        Inquiry.objects.filter(condition)
        .order_by("-last_submission_at", "-id")
        .select_related("location")
        .first()
    )


@dataclass(frozen=True)
class BoardFilters:
    location_id: int | None = None
    condition: str = ""
    urgent: bool = False
    age: str = ""


@dataclass
class Card:
    inquiry: Inquiry
    age: timedelta
    first_contact: timedelta | None  # from the form to the first call/email/text
    waiting: timedelta | None  # not contacted yet: how long they have waited


@dataclass
class Column:
    stage: str
    label: str
    count: int = 0
    cards: list[Card] = field(default_factory=list)


def _filtered(user, filters: BoardFilters, now: datetime) -> QuerySet[Inquiry]:
    leads = inquiries_for_user(user)
    if filters.location_id is not None:
        leads = leads.filter(location_id=filters.location_id)
    if filters.condition:
        leads = leads.filter(conditions__contains=f",{filters.condition},")
    if filters.urgent:
        leads = leads.filter(urgent=True)
    if filters.age in AGES:
        _, at_least, younger_than = AGES[filters.age]
        if at_least is not None:
            leads = leads.filter(created_at__lte=now - at_least)
        if younger_than is not None:
            leads = leads.filter(created_at__gt=now - younger_than)
    return leads


def board(
    user,
    filters: BoardFilters,
    *,
    now: datetime | None = None,
    per_stage: int = CARDS_PER_STAGE,
) -> list[Column]:
    """Every stage with its count and its leads, urgent first, then the longest
    waiting. Two queries whatever the number of leads: the counts, then at
    most `per_stage` leads of each stage (a window function ranks them)."""
    now = now or timezone.now()
    leads = _filtered(user, filters, now)
    columns = {stage.value: Column(stage.value, stage.label) for stage in Stage}
    for stage, count in leads.values_list("stage").annotate(n=Count("id")).order_by():
        columns[stage].count = count
    ranked = (
        leads.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("stage")],
                order_by=[F("urgent").desc(), F("created_at").asc(), F("id").asc()],
            )
        )
        .filter(rank__lte=per_stage)
        .select_related("location")
        .order_by("-urgent", "created_at", "id")
    )
    for inquiry in ranked:
        first = inquiry.time_to_first_contact
        columns[inquiry.stage].cards.append(
            Card(
                inquiry=inquiry,
                age=now - inquiry.created_at,
                first_contact=first,
                waiting=None if first is not None else now - inquiry.created_at,
            )
        )
    return list(columns.values())


def open_alerts(user) -> QuerySet[LeadAlert]:
    return (
        LeadAlert.objects.filter(
            location_id__in=location_ids_of(user), handled_at__isnull=True
        )
        .select_related("inquiry", "location")
        .order_by("-kind", "created_at")  # "urgent" sorts before "new", "again"
    )


def consultation_types(location) -> dict[str, AppointmentType]:
    """The appointment types a location books as free consultations, by mode:
    its ConsultationSetup, else the default types "consultation" (in person)
    and "consultation-remote" (phone or video)."""
    setup = (
        ConsultationSetup.objects.filter(location=location)
        .select_related("in_person_type", "remote_type")
        .first()
    )
    in_person: AppointmentType | None
    remote: AppointmentType | None
    if setup is not None:
        in_person, remote = setup.in_person_type, setup.remote_type
    else:
        by_code = {
            t.code: t
            for t in AppointmentType.objects.filter(
                code__in=["consultation", "consultation-remote"], active=True
            )
        }
        in_person = by_code.get("consultation")
        remote = by_code.get("consultation-remote")
    types = {}
    if in_person is not None:
        types["in_person"] = in_person
    if remote is not None:
        types["phone"] = types["video"] = remote
    return types


# Free times a page lists at once ("later times" shows the next ones).
SLOTS_SHOWN = 12


def consultation_slots(
    inquiry: Inquiry,
    mode: str,
    *,
    start_day: date | None = None,
    moving: Appointment | None = None,
    count: int = SLOTS_SHOWN,
) -> list:
    """The next free consultation times of this kind at the lead's location,
    from the scheduling engine, within KETACLINIC_CONSULTATION_DAYS_AHEAD.
    The visit `moving` (moved, or replaced by one of another kind) counts as
    free; the lead's other visits do not."""
    from ketaclinic.scheduling.queries import find_free
    from ketaclinic.scheduling.services import earliest_start

    types = consultation_types(inquiry.location)
    if mode not in types:
        return []
    earliest = earliest_start(types[mode])
    if start_day is not None:
        earliest = max(
            earliest, datetime.combine(start_day, time.min, inquiry.location.zone)
        )
    horizon = timezone.now() + timedelta(
        days=settings.KETACLINIC_CONSULTATION_DAYS_AHEAD
    )
    if earliest >= horizon:
        return []
    return find_free(
        location=inquiry.location,
        appointment_type=types[mode],
        earliest=earliest,
        latest=horizon,
        count=count,
        exclude_appointment_id=moving.pk if moving is not None else None,
        inquiry_id=inquiry.pk,
    )


def consultations(inquiry: Inquiry) -> list[Appointment]:
    """The lead's consultations, before and after its chart exists."""
    where = Q(inquiry=inquiry)
    if inquiry.patient_id is not None:
        where |= Q(
            patient_id=inquiry.patient_id,
            type__kind=AppointmentType.Kind.CONSULTATION,
        )
    return list(
        Appointment.objects.filter(where)
        .select_related("type", "location")
        .order_by("starts_at")
    )


def upcoming_consultation(inquiry: Inquiry) -> Appointment | None:
    """The lead's next free consultation that still holds its time."""
    return (
        Appointment.objects.filter(
            inquiry=inquiry,
            status__in=[Appointment.Status.BOOKED, Appointment.Status.CONFIRMED],
            ends_at__gt=timezone.now(),
        )
        .select_related("type", "location")
        .order_by("starts_at")
        .first()
    )


# --- Where a patient is in the journey ----------------------------------------------

# The steps every patient goes through, in order (DESIGN.md "The patient journey").
JOURNEY: tuple[tuple[str, str], ...] = (
    ("lead", "Lead"),
    ("consultation", "Consultation"),
    ("intake", "Intake"),
    ("screening", "Screening"),
    ("plan", "Treatment plan"),
    ("series", "Infusion series"),
    ("maintenance", "Maintenance"),
)
_STEP_OF_STAGE = {
    Stage.NEW: "lead",
    Stage.CONTACTED: "lead",
    Stage.CONSULTATION_BOOKED: "consultation",
    Stage.CONSULTATION_DONE: "consultation",
    Stage.INTAKE_SENT: "intake",
    Stage.SCREENING: "screening",
    Stage.CANDIDATE: "plan",
    Stage.NOT_CANDIDATE: "screening",
    Stage.PLAN: "plan",
    Stage.IN_TREATMENT: "series",
    Stage.MAINTENANCE: "maintenance",
}


@dataclass(frozen=True)
class Journey:
    step: str  # a key of JOURNEY
    note: str  # what holds the patient there, in words ("" when nothing does)

    @property
    def label(self) -> str:
        return dict(JOURNEY)[self.step]

    @property
    def steps(self) -> list[tuple[str, str, str]]:
        """(key, label, "done" | "current" | "next") for each step."""
        keys = [key for key, _label in JOURNEY]
        here = keys.index(self.step)
        return [
            (key, label, "done" if i < here else "current" if i == here else "next")
            for i, (key, label) in enumerate(JOURNEY)
        ]


def _journey_facts(patient_id: int):
    def latest(model, field: str, order: str):
        rows = model.objects.filter(patient=OuterRef("pk")).order_by(order, "-pk")
        return Subquery(rows.values(field)[:1])

    visits = Appointment.objects.filter(patient=OuterRef("pk")).exclude(
        status=Appointment.Status.CANCELLED
    )
    return (
        Patient.objects.filter(pk=patient_id)
        .annotate(
            lead_stage=latest(Inquiry, "stage", "-created_at"),
            infusion=Exists(visits.filter(type__kind=AppointmentType.Kind.INFUSION)),
            consultation=Exists(
                visits.filter(type__kind=AppointmentType.Kind.CONSULTATION)
            ),
            decision=latest(ScreeningDecision, "outcome", "-signed_at"),
            intake=latest(Intake, "status", "-created_at"),
        )
        .values("lead_stage", "infusion", "consultation", "decision", "intake")
    )


def journey(patient) -> Journey:
    """The furthest step the chart (visits, intake, screening decision) or the
    patient's lead shows. One query, built once (ketaclinic.prepared)."""
    sql, params = prepared_sql(("journey",), _journey_facts, patient.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        row = cursor.fetchone()
    if row is None:
        raise Patient.DoesNotExist
    facts = dict(zip(names, row, strict=True))
    found: list[tuple[str, str]] = []
    if facts["lead_stage"] in _STEP_OF_STAGE:
        found.append((_STEP_OF_STAGE[facts["lead_stage"]], ""))
    if facts["infusion"]:
        found.append(("series", ""))
    elif facts["consultation"]:
        found.append(("consultation", ""))
    if facts["decision"] == ScreeningDecision.Outcome.CANDIDATE:
        found.append(("plan", "Candidate: a treatment plan is next"))
    elif facts["decision"]:
        found.append(("screening", ScreeningDecision.Outcome(facts["decision"]).label))
    elif facts["intake"] == Intake.Status.SUBMITTED:
        found.append(("screening", "Intake sent in: waiting for a decision"))
    elif facts["intake"]:
        found.append(
            ("intake", f"Intake {Intake.Status(facts['intake']).label.lower()}")
        )
    if not found:
        return Journey("lead", "")
    steps = [key for key, _label in JOURNEY]
    step = max((step for step, _note in found), key=steps.index)
    note = next((n for s, n in found if s == step and n), "")
    return Journey(step, note)
