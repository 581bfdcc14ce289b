"""The demo clinic's infusion days (ketaclinic.core.demo): today's day in
progress, with a patient in every state the board shows, and months of past
infusions, each fully charted.

Today's patients are checked in and moved from state to state through the
infusion services (`services.check_in`, `services.transition`). What other
parts of the chart record through their own services (checks, the double
check, the draw and waste, the pump, vital signs, discharge, the note) is
written here as the rows those services write, in the shape the models
define: `_Chart` gathers them and stores each kind at once (bulk), which keeps
months of history quick to load. Only this module writes them.
"""

from __future__ import annotations

import contextlib
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.actor import Actor
from ketaclinic.clinical import dosing
from ketaclinic.clinical import vitals as clinical_vitals
from ketaclinic.clinics.models import Location, Resource
from ketaclinic.infusions import monitoring, services
from ketaclinic.infusions.models import (
    Check,
    CoSignature,
    Discharge,
    DoubleCheck,
    DrugDraw,
    PumpEvent,
    Session,
    SessionNote,
    VitalReading,
    Waste,
)
from ketaclinic.patients.models import BodyMeasurement, Condition, Patient
from ketaclinic.scheduling.models import Allocation, Appointment, AppointmentType
from ketaclinic.scheduling.services import appointment_set_status
from ketaclinic.treatment import plans
from ketaclinic.treatment.demo import DEPRESSION_CODE, plan_input_from
from ketaclinic.treatment.models import Protocol, TreatmentPlan

# Today: one patient in each state, in this order of arrival.
TODAY = (
    "discharged",
    "no_show",
    "ready_for_discharge",
    "recovery",
    "paused",
    "infusing",
    "ready",
    "held",
    "checked_in",
    "cancelled",
    "expected",
)
# Minutes before now that each of today's visits was booked to start, and
# how long ago (minutes) it started and stopped, where it did.
_BOOKED_AGO = {
    "discharged": 240,
    "no_show": 180,
    "ready_for_discharge": 130,
    "recovery": 100,
    "paused": 45,
    "infusing": 35,
    "ready": 20,
    "held": 25,
    "checked_in": 5,
    "cancelled": -30,
    "expected": -60,
}
_STARTED_AGO = {
    "discharged": 220,
    "ready_for_discharge": 100,
    "recovery": 60,
    "paused": 30,
    "infusing": 24,
}
_STOPPED_AGO = {"discharged": 175, "ready_for_discharge": 55, "recovery": 20}
_PAUSED_AGO = 6
PAUSE_REASON = "Blood pressure over the plan's pause limit: provider called"
HIGH_DURING = clinical_vitals.Reading(
    systolic_mmhg=186,
    diastolic_mmhg=114,
    heart_rate_bpm=96,
    spo2_pct=97,
    resp_rate_per_min=18,
    moaas=4,
    dissociation=8,
)
# Today's patients with no plan signed yet (their visits did not happen).
UNPLANNED = ("cancelled", "no_show")
# The demo's past: an induction series this many days ago, then boosters
# about every four weeks until last month.
HISTORY_DAYS = 180
BOOSTER_DAYS = 28
SLOT_TIMES = (time(8), time(10), time(12), time(14), time(16))
VISIT_MINUTES = 100  # an infusion appointment: checks, infusion, recovery
READING_MINUTES = 10
LOT = "KET-{year}-{n:03d}"
PRODUCT = "Ketamine hydrochloride injection"


def load_demo_infusions(location: Location, *, password: str) -> int:
    """Today's day in progress and the past sessions (once: a second run
    changes nothing). Returns how many sessions were made."""
    if Session.objects.filter(location=location).exists():
        return 0
    staff = _Staff.of()
    now = timezone.now()
    chosen = _patients_for_today(location)
    if len(chosen) < len(TODAY):
        return 0  # a demo clinic without enough candidates: nothing to show
    planned = {
        patient.pk: _plan_for(patient, staff.provider, password)
        for kind, patient in zip(TODAY, chosen, strict=True)
        if kind not in UNPLANNED
    }
    made = 0
    with transaction.atomic():
        made += _history(location, chosen, planned, staff, now)
        made += _today(location, chosen, planned, staff, now)
    return made


@dataclass
class _Staff:
    nurse: User
    nurse2: User
    provider: User

    @classmethod
    def of(cls) -> _Staff:
        return cls(
            nurse=User.objects.get(username="nurse"),
            nurse2=User.objects.get(username="nurse2"),
            provider=User.objects.get(username="provider"),
        )


def _patients_for_today(location: Location) -> list[Patient]:
    """Signed candidates with no plan yet and a visit already booked ahead
    (so the patients left free for booking stay free), none booked today."""
    zone = location.zone
    today = timezone.now().astimezone(zone).date()
    start = datetime.combine(today, time.min, zone)
    end = start + timedelta(days=1)
    booked_ahead = set(
        Appointment.objects.filter(
            location=location, starts_at__gte=end, patient__isnull=False
        ).values_list("patient_id", flat=True)
    )
    busy_today = set(
        Appointment.objects.filter(
            starts_at__gte=start, starts_at__lt=end, patient__isnull=False
        ).values_list("patient_id", flat=True)
    )
    with_plans = set(TreatmentPlan.objects.values_list("patient_id", flat=True))
    chosen = []
    for patient in Patient.objects.filter(
        location=location, mrn__startswith="9", pk__in=booked_ahead
    ).order_by("mrn"):
        if patient.pk in busy_today or patient.pk in with_plans:
            continue
        if plans.candidate_decision(patient) is None:
            continue
        chosen.append(patient)
        if len(chosen) == len(TODAY):
            break
    return chosen


def _plan_for(patient: Patient, provider: User, password: str) -> TreatmentPlan:
    """A signed plan on the depression protocol's defaults, as the treatment
    demo signs them."""
    condition = Condition.objects.filter(
        patient=patient, icd10_code__startswith="F3"
    ).first() or Condition.objects.create(
        patient=patient,
        icd10_code=DEPRESSION_CODE[0],
        description=DEPRESSION_CODE[1],
        recorded_by=provider,
    )
    last = plans.latest_weight(patient)
    weight = BodyMeasurement.objects.create(
        patient=patient,
        measured_at=timezone.now(),
        weight_kg=last.weight_kg if last else Decimal(70),
        recorded_by=provider,
    )
    protocol = Protocol.objects.get(key="depression_induction")
    return plans.plan_sign(
        actor=Actor.system(provider),
        patient=patient,
        plan=plan_input_from(
            protocol, indication_code=condition.icd10_code, weight_kg=weight.weight_kg
        ),
        password=password,
    )


# --- The dose ------------------------------------------------------------------


@dataclass(frozen=True)
class _Dose:
    weight_kg: Decimal
    dose_mg: Decimal
    drug_volume_ml: Decimal
    bag_volume_ml: Decimal
    rate_ml_per_h: Decimal
    vial_mg_per_ml: int
    minutes: int
    arithmetic: list[str]


def _dose(plan: TreatmentPlan) -> _Dose:
    weight = Decimal(plan.weight_kg)
    dose = min(Decimal(plan.amount_per_kg) * weight, Decimal(plan.max_dose_mg))
    dose = dose.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    infusion = dosing.prepare_infusion(
        dose,
        vial_mg_per_ml=Decimal(plan.vial_mg_per_ml),
        bag_volume_ml=Decimal(plan.bag_volume_ml),
        minutes=Decimal(plan.minutes),
    )
    return _Dose(
        weight_kg=weight,
        dose_mg=dose,
        drug_volume_ml=infusion.drug_volume_shown(),
        bag_volume_ml=Decimal(plan.bag_volume_ml),
        rate_ml_per_h=infusion.rate_shown(),
        vial_mg_per_ml=int(plan.vial_mg_per_ml),
        minutes=plan.minutes,
        arithmetic=[
            f"{plan.amount_per_kg} mg/kg × {weight} kg = {dose} mg",
            f"{dose} mg ÷ {plan.vial_mg_per_ml} mg/mL = "
            f"{infusion.drug_volume_shown()} mL of the vial",
            f"{plan.bag_volume_ml} mL over {plan.minutes} minutes = "
            f"{infusion.rate_shown()} mL/h",
        ],
    )


def _session_dose_fields(dose: _Dose) -> dict:
    return {
        "weight_kg": dose.weight_kg,
        "dosing_weight_kg": dose.weight_kg,
        "dose_mg": dose.dose_mg,
        "drug_volume_ml": dose.drug_volume_ml,
        "bag_volume_ml": dose.bag_volume_ml,
        "rate_ml_per_h": dose.rate_ml_per_h,
        "vial_mg_per_ml": dose.vial_mg_per_ml,
        "planned_minutes": dose.minutes,
        "dose_arithmetic": dose.arithmetic,
    }


# --- The rows a session's chart is made of ------------------------------------------


@dataclass
class _Chart:
    """Entries gathered for many sessions, written a kind at a time."""

    rng: random.Random
    staff: _Staff
    # Nothing is charted later than this (today's entries, drawn together in
    # the first hours after midnight).
    now: datetime | None = None
    rows: dict[type[models.Model], list[Any]] = field(
        default_factory=lambda: defaultdict(list)
    )
    draws: list[tuple[DrugDraw, Decimal, datetime]] = field(default_factory=list)
    notes: list[tuple[SessionNote, datetime]] = field(default_factory=list)
    # Today's readings go through the monitoring service (`record`), in
    # charted order, once the rest is written.
    record: bool = False
    to_record: list[tuple[Session, datetime, str, clinical_vitals.Reading]] = field(
        default_factory=list
    )

    def at(self, moment: datetime) -> datetime:
        return min(moment, self.now) if self.now is not None else moment

    def add(self, row: Any) -> None:
        row.charted_at = self.at(row.charted_at)
        self.rows[type(row)].append(row)

    def pre_checks(self, session: Session, at: datetime, *, passed: bool = True):
        nurse = self.staff.nurse
        values = {
            Check.Key.ESCORT: (
                {"name": session.escort_name, "relation": session.escort_relation},
                f"{session.escort_name} ({session.escort_relation}) will drive home",
            ),
            Check.Key.FASTING_SOLIDS: ({"hours": 8}, "8 hours since solid food"),
            Check.Key.FASTING_CLEAR: ({"hours": 3}, "3 hours since clear liquids"),
            Check.Key.PREGNANCY: ({}, "Not needed"),
            Check.Key.WEIGHT: (
                {"kg": str(session.weight_kg or "")},
                f"{session.weight_kg} kg today",
            ),
            Check.Key.BASELINE_VITALS: ({}, "Within the plan's limits"),
            Check.Key.QUESTIONNAIRE: ({}, "Answered, no safety answer"),
            Check.Key.CONSENTS: ({}, "Current"),
        }
        for minute, (key, (value, words)) in enumerate(values.items()):
            outcome = Check.Outcome.PASSED
            if key == Check.Key.PREGNANCY:
                outcome = Check.Outcome.NOT_NEEDED
            if key == Check.Key.BASELINE_VITALS and not passed:
                outcome, words = Check.Outcome.FAILED, session.state_reason
            self.add(
                Check(
                    session=session,
                    key=key,
                    outcome=outcome,
                    value=value,
                    words=words,
                    charted_at=at + timedelta(minutes=minute),
                    by=nurse,
                )
            )

    def double_check(self, session: Session, at: datetime) -> None:
        rate = Decimal(session.rate_ml_per_h or 0)
        volume = Decimal(session.bag_volume_ml or 0)
        self.add(
            DoubleCheck(
                session=session,
                first_by=self.staff.nurse,
                first_rate_ml_per_h=rate,
                first_volume_ml=volume,
                first_at=at,
                second_rate_ml_per_h=rate,
                second_volume_ml=volume,
                matched=True,
                charted_at=at + timedelta(minutes=1),
                by=self.staff.nurse2,
            )
        )

    def draw(self, session: Session, at: datetime, lot: str) -> None:
        """The dose drawn from one vial (rounded up to the next 10 mg drawn),
        the rest wasted before the second nurse."""
        concentration = Decimal(session.vial_mg_per_ml or 10)
        dose = Decimal(session.dose_mg or 0)
        drawn_mg = (dose / 10).to_integral_value(rounding=ROUND_CEILING) * 10
        vial_ml = Decimal(10) if concentration >= 50 else Decimal(20)
        draw = DrugDraw(
            session=session,
            product=f"{PRODUCT} {concentration} mg/mL",
            lot_number=lot,
            vial_mg_per_ml=int(concentration),
            vial_volume_ml=vial_ml,
            volume_drawn_ml=(drawn_mg / concentration).quantize(Decimal("0.01")),
            mg_drawn=drawn_mg,
            witness=self.staff.nurse2,
            charted_at=at,
            by=self.staff.nurse,
        )
        self.add(draw)
        self.draws.append((draw, drawn_mg - dose, self.at(at + timedelta(minutes=2))))

    def pump(self, session: Session, events: Sequence[tuple[str, datetime, str]]):
        for kind, at, reason in events:
            self.add(
                PumpEvent(
                    session=session,
                    kind=kind,
                    rate_ml_per_h=session.rate_ml_per_h
                    if kind in (PumpEvent.Kind.START, PumpEvent.Kind.RESUME)
                    else None,
                    reason=reason,
                    charted_at=at,
                    by=self.staff.nurse,
                )
            )

    def reading(
        self,
        session: Session,
        at: datetime,
        phase: clinical_vitals.Phase,
        reading: clinical_vitals.Reading,
        previous: clinical_vitals.Reading | None = None,
    ) -> None:
        if self.record:
            self.to_record.append((session, self.at(at), phase.value, reading))
            return
        judgement = clinical_vitals.judge(reading, (), phase, previous=previous)
        self.add(
            VitalReading(
                session=session,
                phase=phase.value,
                systolic_mmhg=reading.systolic_mmhg,
                diastolic_mmhg=reading.diastolic_mmhg,
                heart_rate_bpm=reading.heart_rate_bpm,
                spo2_pct=reading.spo2_pct,
                resp_rate_per_min=reading.resp_rate_per_min,
                moaas=reading.moaas,
                dissociation=reading.dissociation,
                symptoms=sorted(reading.symptoms),
                action=judgement.action.value,
                findings=[
                    {
                        "action": f.action.value,
                        "key": f.key,
                        "message": f.message,
                        "source": f.source,
                    }
                    for f in judgement.findings
                ],
                charted_at=at,
                by=self.staff.nurse,
            )
        )

    def calm(self, phase: clinical_vitals.Phase) -> clinical_vitals.Reading:
        rng = self.rng
        during = phase is clinical_vitals.Phase.INFUSION
        return clinical_vitals.Reading(
            systolic_mmhg=rng.randint(112, 134) + (6 if during else 0),
            diastolic_mmhg=rng.randint(68, 84),
            heart_rate_bpm=rng.randint(62, 88),
            spo2_pct=rng.randint(96, 99),
            resp_rate_per_min=rng.randint(12, 18),
            moaas=rng.choice((4, 5)) if during else 5,
            dissociation=rng.randint(2, 9) if during else 0,
        )

    def readings(
        self,
        session: Session,
        phase: clinical_vitals.Phase,
        start: datetime,
        end: datetime,
        every: timedelta,
    ) -> None:
        at = start
        while at <= end:
            self.reading(session, at, phase, self.calm(phase))
            at += every

    def discharge(self, session: Session, at: datetime) -> None:
        self.add(
            Discharge(
                session=session,
                scale="aldrete",
                score={
                    "total": 10,
                    "items": {
                        "activity": 2,
                        "respiration": 2,
                        "circulation": 2,
                        "consciousness": 2,
                        "oxygen_saturation": 2,
                    },
                    "passes": True,
                },
                escort_name=session.escort_name,
                escort_verified=True,
                language="es" if session.patient.preferred_language == "es" else "en",
                instructions_sent_at=self.at(at),
                charted_at=at,
                by=self.staff.nurse,
            )
        )

    def note(self, session: Session, at: datetime) -> None:
        text = (
            f"Ketamine infusion, {session.dose_mg} mg over "
            f"{session.planned_minutes} minutes at {session.rate_ml_per_h} mL/h "
            f"(plan version {session.plan.version}). Pre-infusion checks passed; "
            "pump rate and volume double-checked. Vital signs within the plan's "
            "limits throughout. No side effects. Recovered and discharged to "
            f"{session.escort_name} ({session.escort_relation}) with the written "
            "instructions."
        )
        self.notes.append(
            (
                SessionNote(session=session, text=text, signed_by=self.staff.nurse),
                self.at(at),
            )
        )

    def write(self) -> None:
        """Every gathered row, a kind at a time, keeping the times given; then
        today's readings through `monitoring.record_vitals`."""
        self._write_rows()
        nurse = Actor.system(self.staff.nurse)
        for session, at, phase, reading in sorted(
            self.to_record, key=lambda item: (item[0].pk, item[1])
        ):
            monitoring.record_vitals(
                actor=nurse,
                session=session,
                client_id=uuid.uuid4(),
                charted_at=at,
                phase=phase,
                values={
                    "systolic_mmhg": reading.systolic_mmhg,
                    "diastolic_mmhg": reading.diastolic_mmhg,
                    "heart_rate_bpm": reading.heart_rate_bpm,
                    "spo2_pct": reading.spo2_pct,
                    "resp_rate_per_min": reading.resp_rate_per_min,
                    "moaas": reading.moaas,
                    "dissociation": reading.dissociation,
                    "symptoms": sorted(reading.symptoms),
                },
                now=self.now,
                evaluate_checks=False,
            )

    def _write_rows(self) -> None:
        for rows in self.rows.values():
            for row in rows:
                if getattr(row, "received_at", 0) is None:
                    row.received_at = row.charted_at
        with times_as_given():
            for model in (Check, DoubleCheck, DrugDraw, PumpEvent, VitalReading):
                model.objects.bulk_create(self.rows.get(model, []), batch_size=500)
            wastes = [
                Waste(
                    draw=draw,
                    mg_wasted=mg,
                    witness=self.staff.nurse2,
                    charted_at=at,
                    received_at=at,
                    by=self.staff.nurse,
                )
                for draw, mg, at in self.draws
                if mg > 0
            ]
            Waste.objects.bulk_create(wastes, batch_size=500)
            Discharge.objects.bulk_create(self.rows.get(Discharge, []), batch_size=500)
            for note, at in self.notes:
                note.signed_at = at
            notes = SessionNote.objects.bulk_create(
                [note for note, _ in self.notes], batch_size=500
            )
            if notes and notes[0].pk is None:  # a database that returns no ids
                notes = list(
                    SessionNote.objects.filter(
                        session__in=[n.session for n in notes]
                    ).order_by("id")
                )
            CoSignature.objects.bulk_create(
                [
                    CoSignature(
                        note=note,
                        by=self.staff.provider,
                        at=self.at(note.signed_at + timedelta(hours=2)),
                    )
                    for note in notes
                ],
                batch_size=500,
            )


@contextlib.contextmanager
def times_as_given() -> Iterator[None]:
    """Past entries keep the times they were charted and received at, not
    the time the demo was loaded (their `auto_now_add` is set aside)."""
    fields: list[Any] = [
        model._meta.get_field(name)
        for model, name in (
            (Check, "received_at"),
            (DoubleCheck, "received_at"),
            (DrugDraw, "received_at"),
            (Waste, "received_at"),
            (PumpEvent, "received_at"),
            (VitalReading, "received_at"),
            (Discharge, "received_at"),
            (SessionNote, "signed_at"),
            (CoSignature, "at"),
        )
    ]
    for row_field in fields:
        row_field.auto_now_add = False
    try:
        yield
    finally:
        for row_field in fields:
            row_field.auto_now_add = True


# --- The past ---------------------------------------------------------------------


class _Chairs:
    """Which chair is free at each of a day's slots (past days only)."""

    def __init__(self, location: Location) -> None:
        self.location = location
        self.chairs = list(
            Resource.objects.filter(
                location=location, kind=Resource.Kind.CHAIR, active=True
            ).order_by("name")
        )
        self.taken: dict[date, set[tuple[int, int]]] = defaultdict(set)

    def place(self, day: date, prefer: int) -> tuple[datetime, Resource] | None:
        for offset in range(len(SLOT_TIMES) * len(self.chairs)):
            index = (prefer + offset) % (len(SLOT_TIMES) * len(self.chairs))
            slot, chair = divmod(index, len(self.chairs))
            if (slot, chair) not in self.taken[day]:
                self.taken[day].add((slot, chair))
                start = datetime.combine(day, SLOT_TIMES[slot], self.location.zone)
                return start, self.chairs[chair]
        return None


def _open(location: Location, day: date, closed: list[tuple[date, date]]) -> bool:
    if day.weekday() >= 5:
        return False
    return not any(start <= day <= end for start, end in closed)


def _history_days(location: Location, today: date, index: int) -> list[date]:
    """An induction of six infusions two or three days apart, then boosters,
    the last one last month; weekdays the clinic is open."""
    closed = list(location.closures.values_list("starts_on", "ends_on"))
    days: list[date] = []
    day = today - timedelta(days=HISTORY_DAYS - index * 3)
    while len(days) < 6:
        if _open(location, day, closed):
            days.append(day)
            day += timedelta(days=2 + len(days) % 2)
        else:
            day += timedelta(days=1)
    day = days[-1] + timedelta(days=BOOSTER_DAYS + index % 5)
    while day < today - timedelta(days=7):
        while not _open(location, day, closed):
            day += timedelta(days=1)
        days.append(day)
        day += timedelta(days=BOOSTER_DAYS + index % 5)
    return [d for d in days if d < today]


_ESCORTS = (
    ("Maria", "spouse", "+13035550161"),
    ("Daniel", "son", "+13035550162"),
    ("Priya", "sister", "+13035550163"),
    ("Tom", "friend", "+13035550164"),
    ("Lucia", "daughter", "+13035550165"),
    ("Sam", "partner", "+13035550166"),
)


def _escort(patient: Patient, index: int) -> dict:
    name, relation, phone = _ESCORTS[index % len(_ESCORTS)]
    return {
        "escort_name": f"{name} {patient.last_name}",
        "escort_relation": relation,
        "escort_phone": phone,
    }


def _history(
    location: Location,
    chosen: list[Patient],
    planned: dict[int, TreatmentPlan],
    staff: _Staff,
    now: datetime,
) -> int:
    """Past infusions, every one charted through to its signed note: today's
    patients' months of treatment, and the sessions of the series done in
    the past (the treatment demo's patients due for maintenance)."""
    zone = location.zone
    today = now.astimezone(zone).date()
    infusion = (
        AppointmentType.objects.filter(
            kind=AppointmentType.Kind.INFUSION, code="infusion-depression"
        ).first()
        or AppointmentType.objects.filter(kind=AppointmentType.Kind.INFUSION).first()
    )
    if infusion is None:
        return 0
    chairs = _Chairs(location)
    appointments: list[Appointment] = []
    for index, patient in enumerate(chosen):
        if patient.pk not in planned:
            continue
        for day in _history_days(location, today, index):
            placed = chairs.place(day, index)
            if placed is None:
                continue
            start, chair = placed
            appointments.append(
                Appointment(
                    patient=patient,
                    location=location,
                    type=infusion,
                    starts_at=start,
                    ends_at=start + timedelta(minutes=VISIT_MINUTES),
                    status=Appointment.Status.COMPLETED,
                    notes=f"Infusion on {planned[patient.pk].protocol_name}",
                )
            )
            appointments[-1]._chair = chair  # type: ignore[attr-defined]
    Appointment.objects.bulk_create(appointments, batch_size=500)
    if appointments and appointments[0].pk is None:
        return 0  # a database that returns no ids: no history
    Allocation.objects.bulk_create(
        [
            Allocation(
                appointment=a,
                phase="Infusion",
                resource=a._chair,  # type: ignore[attr-defined]
                starts_at=a.starts_at,
                ends_at=a.ends_at,
            )
            for a in appointments
        ],
        batch_size=500,
    )
    # The treatment demo's series done in the past, charted too.
    past_series = list(
        Appointment.objects.filter(
            location=location,
            status=Appointment.Status.COMPLETED,
            plan_visit__isnull=False,
            infusion__isnull=True,
        ).select_related("patient")
    )
    for appointment in past_series:
        assert appointment.patient is not None and appointment.patient_id
        plan = plans.plan_in_force(appointment.patient)
        if plan is not None:
            planned.setdefault(appointment.patient_id, plan)
    visits = appointments + [a for a in past_series if a.patient_id in planned]
    rng = random.Random(12)
    chart = _Chart(rng=rng, staff=staff)
    sessions: list[Session] = []
    for visit in visits:
        who = visit.patient
        assert who is not None
        plan = planned[who.pk]
        dose = _dose(plan)
        arrived = visit.starts_at
        started = arrived + timedelta(minutes=25)
        stopped = started + timedelta(minutes=dose.minutes)
        recovery = max(plan.recovery_minutes, 30)
        sessions.append(
            Session(
                appointment=visit,
                patient=visit.patient,
                location=location,
                plan=plan,
                state=Session.State.DISCHARGED,
                checked_in_at=arrived,
                checked_in_by=staff.nurse,
                started_at=started,
                stopped_at=stopped,
                recovery_minutes=plan.recovery_minutes,
                discharged_at=stopped + timedelta(minutes=recovery + 5),
                revision=12,
                **_escort(who, who.pk),
                **_session_dose_fields(dose),
            )
        )
    Session.objects.bulk_create(sessions, batch_size=500)
    if sessions and sessions[0].pk is None:
        return 0
    for number, session in enumerate(sessions):
        arrived = session.checked_in_at
        assert session.started_at is not None and session.stopped_at is not None
        started, stopped = session.started_at, session.stopped_at
        chart.pre_checks(session, arrived)
        chart.reading(
            session,
            arrived + timedelta(minutes=8),
            clinical_vitals.Phase.BASELINE,
            chart.calm(clinical_vitals.Phase.BASELINE),
        )
        chart.double_check(session, started - timedelta(minutes=6))
        lot = LOT.format(year=started.year, n=1 + number // 40)
        chart.draw(session, started - timedelta(minutes=12), lot)
        chart.pump(
            session,
            [
                (PumpEvent.Kind.START, started, ""),
                (PumpEvent.Kind.STOP, stopped, "Infusion complete"),
            ],
        )
        every = timedelta(minutes=READING_MINUTES)
        chart.readings(session, clinical_vitals.Phase.INFUSION, started, stopped, every)
        discharged = session.discharged_at
        assert discharged is not None
        chart.readings(
            session,
            clinical_vitals.Phase.RECOVERY,
            stopped + timedelta(minutes=15),
            discharged - timedelta(minutes=5),
            timedelta(minutes=15),
        )
        chart.discharge(session, discharged)
        chart.note(session, discharged + timedelta(minutes=10))
    chart.write()
    return len(sessions)


# --- Today ------------------------------------------------------------------------


def _today(
    location: Location,
    chosen: list[Patient],
    planned: dict[int, TreatmentPlan],
    staff: _Staff,
    now: datetime,
) -> int:
    """Today's visits, each moved to its state by the services. Times are
    minutes before now; in the first hours after midnight they are drawn
    closer together so that all of them fall today."""
    zone = location.zone
    midnight = datetime.combine(now.astimezone(zone).date(), time.min, zone)
    longest = max(_BOOKED_AGO.values())
    squeeze = min(1.0, (now - midnight).total_seconds() / 60 / (longest + 5))

    def ago(minutes: float) -> datetime:
        return (now - timedelta(minutes=minutes * squeeze)).replace(microsecond=0)

    infusion = AppointmentType.objects.filter(
        kind=AppointmentType.Kind.INFUSION, code="infusion-depression"
    ).first() or AppointmentType.objects.get(kind=AppointmentType.Kind.INFUSION)
    chairs = list(
        Resource.objects.filter(
            location=location, kind=Resource.Kind.CHAIR, active=True
        ).order_by("name")
    )
    nurse = Actor.system(staff.nurse)
    chart = _Chart(rng=random.Random(7), staff=staff, now=now, record=True)
    made = 0
    for number, kind in enumerate(TODAY):
        patient = chosen[number]
        plan = planned.get(patient.pk)
        starts = ago(_BOOKED_AGO[kind])
        length = timedelta(minutes=VISIT_MINUTES * squeeze or 1)
        visit = Appointment.objects.create(
            patient=patient,
            location=location,
            type=infusion,
            starts_at=starts,
            ends_at=starts + max(length, timedelta(minutes=1)),
            status=Appointment.Status.CONFIRMED,
            notes="Infusion",
        )
        chair = _free_chair(chairs, visit)
        if chair is not None:
            Allocation.objects.create(
                appointment=visit,
                phase="Infusion",
                resource=chair,
                starts_at=visit.starts_at,
                ends_at=visit.ends_at,
                active=kind not in ("cancelled", "no_show"),
            )
        if kind == "cancelled":
            appointment_set_status(
                actor=Actor.system(User.objects.get(username="frontdesk")),
                appointment=visit,
                status=Appointment.Status.CANCELLED,
                reason="Patient has a fever; rebooking next week.",
            )
            continue
        if kind == "no_show":
            appointment_set_status(
                actor=nurse, appointment=visit, status=Appointment.Status.NO_SHOW
            )
            continue
        if kind == "expected":
            continue
        assert plan is not None
        arrived = min(ago(_BOOKED_AGO[kind]) + timedelta(minutes=2), now)
        session = services.check_in(actor=nurse, appointment=visit, now=arrived)
        made += 1
        dose = _dose(plan)
        Session.objects.filter(pk=session.pk).update(
            **_escort(patient, number), **_session_dose_fields(dose)
        )
        session.refresh_from_db()
        _today_chart(kind, session, chart, ago, now, nurse)
    chart.write()
    return made


def _free_chair(chairs: list[Resource], visit: Appointment) -> Resource | None:
    """A chair with no other visit held over this one's time."""
    busy = set(
        Allocation.objects.filter(
            active=True,
            resource__in=chairs,
            starts_at__lt=visit.ends_at,
            ends_at__gt=visit.starts_at,
        ).values_list("resource_id", flat=True)
    )
    return next((chair for chair in chairs if chair.pk not in busy), None)


def _today_chart(kind, session, chart: _Chart, ago, now, nurse) -> None:
    """Charts today's session up to its state, through `services.transition`
    for every change of state."""
    arrived = session.checked_in_at
    phase = clinical_vitals.Phase
    if kind == "checked_in":
        chart.add(
            Check(
                session=session,
                key=Check.Key.ESCORT,
                outcome=Check.Outcome.PASSED,
                value={"name": session.escort_name},
                words=f"{session.escort_name} ({session.escort_relation}) "
                "will drive home",
                charted_at=arrived,
                by=chart.staff.nurse,
            )
        )
        return
    if kind == "held":
        high = clinical_vitals.Reading(
            systolic_mmhg=172,
            diastolic_mmhg=104,
            heart_rate_bpm=84,
            spo2_pct=98,
            resp_rate_per_min=16,
            moaas=5,
            dissociation=0,
        )
        again = clinical_vitals.Reading(
            systolic_mmhg=168,
            diastolic_mmhg=102,
            heart_rate_bpm=80,
            spo2_pct=98,
            resp_rate_per_min=16,
            moaas=5,
            dissociation=0,
        )
        first_at = arrived + timedelta(minutes=1)
        chart.reading(session, first_at, phase.BASELINE, high)
        recheck = min(first_at + timedelta(minutes=6), now)
        chart.reading(session, recheck, phase.BASELINE, again, previous=high)
        session.state_reason = (
            "Blood pressure 168/102 mmHg on the re-check, over the plan's hold limit"
        )
        chart.pre_checks(session, arrived, passed=False)
        services.transition(
            session, Session.State.HELD, actor=nurse, reason=session.state_reason
        )
        return
    chart.pre_checks(session, arrived)
    chart.reading(
        session,
        arrived + timedelta(minutes=1),
        phase.BASELINE,
        chart.calm(phase.BASELINE),
    )
    services.transition(session, Session.State.READY, actor=nurse)
    if kind == "ready":
        chart.double_check(session, min(arrived + timedelta(minutes=8), now))
        return
    started = ago(_STARTED_AGO[kind])
    chart.double_check(session, started - timedelta(seconds=90))
    chart.draw(session, started - timedelta(minutes=3), LOT.format(year=now.year, n=9))
    services.transition(session, Session.State.INFUSING, actor=nurse)
    appointment_set_status(
        actor=nurse,
        appointment=session.appointment,
        status=Appointment.Status.IN_PROGRESS,
    )
    events = [(PumpEvent.Kind.START, started, "")]
    every = timedelta(minutes=READING_MINUTES)
    stopped = ago(_STOPPED_AGO[kind]) if kind in _STOPPED_AGO else None
    last_infusion_reading = stopped or now
    paused = ago(_PAUSED_AGO)
    if kind == "paused":
        events.append((PumpEvent.Kind.PAUSE, paused, PAUSE_REASON))
        last_infusion_reading = paused - timedelta(seconds=1)
    chart.readings(session, phase.INFUSION, started, last_infusion_reading, every)
    if kind == "paused":
        # The reading that paused the pump: over the pause limit.
        chart.reading(session, paused, phase.INFUSION, HIGH_DURING)
        services.transition(
            session, Session.State.PAUSED, actor=nurse, reason=PAUSE_REASON
        )
    Session.objects.filter(pk=session.pk).update(started_at=started)
    if stopped is None:
        chart.pump(session, events)
        return
    events.append((PumpEvent.Kind.STOP, stopped, "Infusion complete"))
    chart.pump(session, events)
    services.transition(session, Session.State.RECOVERY, actor=nurse)
    Session.objects.filter(pk=session.pk).update(stopped_at=stopped)
    discharged = stopped + timedelta(minutes=max(session.recovery_minutes, 30) + 5)
    discharged = min(discharged, now)
    # In recovery, a reading at the stop and every 15 minutes; the patient
    # in recovery now has missed the second (an overdue check on the board).
    last = {"recovery": stopped, "discharged": discharged}.get(kind, now)
    chart.readings(session, phase.RECOVERY, stopped, last, timedelta(minutes=15))
    if kind != "discharged":
        return
    session.refresh_from_db()
    chart.discharge(session, discharged)
    chart.note(session, discharged + timedelta(minutes=5))
    services.transition(session, Session.State.DISCHARGED, actor=nurse)
    Session.objects.filter(pk=session.pk).update(discharged_at=discharged)
    appointment_set_status(
        actor=nurse,
        appointment=session.appointment,
        status=Appointment.Status.COMPLETED,
    )
