"""Who is due for a maintenance infusion: each patient of the staff member's
locations whose signed plan is in force and whose induction series is over,
with the interval ketaclinic.clinical.maintenance proposes from their scores
and the plan's policy, and the day it falls due.

A handful of queries whatever the number of patients: the plans, their
infusions, the scores and the maintenance appointment types, each read once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ketaclinic.accounts.locations import location_ids_of
from ketaclinic.clinical import maintenance, scales
from ketaclinic.intake.models import QuestionnaireResponse
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import Appointment
from ketaclinic.treatment.models import Protocol, TreatmentPlan

# The instrument each indication follows (CLINICAL.md 5.1, 5.2).
INSTRUMENT_OF = {
    "depression": scales.PHQ9,
    "ptsd": scales.PCL5,
    "anxiety": scales.GAD7,
    "chronic_pain": scales.PAIN_NRS,
}
GONE = (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW)
# The most patients one page lists.
LIMIT = 200


@dataclass(frozen=True)
class DueRow:
    patient: Patient
    plan: TreatmentPlan
    last_infusion_on: date
    proposal: maintenance.IntervalProposal
    appointment_type_id: int | None
    today: date

    @property
    def due_on(self) -> date:
        assert self.proposal.due_on is not None  # the last infusion is given
        return self.proposal.due_on

    @property
    def days_left(self) -> int:
        return (self.due_on - self.today).days

    @property
    def when(self) -> str:
        """ "due", "overdue by N days" or "due in N days"."""
        days = self.days_left
        if days == 0:
            return "due"
        unit = "day" if abs(days) == 1 else "days"
        if days < 0:
            return f"overdue by {-days} {unit}"
        return f"due in {days} {unit}"

    @property
    def book_from(self) -> date:
        """The day the booking page searches from: the due day, today at the
        earliest."""
        return max(self.due_on, self.today)


def policy_of(plan: TreatmentPlan) -> maintenance.MaintenancePolicy:
    """The plan's maintenance policy as signed, over the indication's default."""
    signed = plan.maintenance or {}
    base = maintenance.DEFAULT_POLICIES.get(
        signed.get("indication", plan.protocol.indication),
        maintenance.DEPRESSION_POLICY,
    )
    return maintenance.policy_from(signed, base=base)


def _dated(row: QuestionnaireResponse, zone) -> maintenance.DatedScore:
    total = row.total if row.total is not None else Decimal(0)
    return maintenance.DatedScore(
        on=row.completed_at.astimezone(zone).date(),
        score=scales.Score(
            instrument=row.instrument,
            answers={},
            total=int(total) if total == total.to_integral() else total,
            band=None,
            flags=(),
            subscores={},
        ),
    )


def _propose(
    plan: TreatmentPlan,
    infusions: list[date],
    series_end: date,
    scores: list[QuestionnaireResponse],
) -> maintenance.IntervalProposal:
    policy = policy_of(plan)
    instrument = INSTRUMENT_OF.get(plan.protocol.indication, scales.PHQ9)
    zone = plan.patient.location.zone
    history = [_dated(row, zone) for row in scores if row.instrument == instrument.code]
    first = infusions[0]
    before = [item for item in history if item.on <= first]
    after_series = [day for day in infusions if day > series_end]
    current = (infusions[-1] - infusions[-2]).days if after_series else None
    try:
        return maintenance.propose_interval(
            history,
            instrument=instrument,
            policy=policy,
            current_days=current or None,
            last_infusion_on=infusions[-1],
            baseline=before[-1] if before else None,
        )
    except ValueError:
        return maintenance.propose_interval(
            [], instrument=instrument, policy=policy, last_infusion_on=infusions[-1]
        )


def maintenance_due(user, now: datetime) -> list[DueRow]:
    """Patients whose induction series is over and who have no infusion booked
    ahead, soonest due first."""
    plans = list(
        TreatmentPlan.objects.filter(
            patient__location_id__in=location_ids_of(user), amended_by__isnull=True
        )
        .select_related("patient", "patient__location", "protocol")
        .order_by("patient_id")[: LIMIT * 2]
    )
    by_patient = {plan.patient_id: plan for plan in plans}
    visits: dict[int, list[tuple[datetime, bool]]] = defaultdict(list)
    for patient_id, starts_at, in_series in (
        Appointment.objects.filter(patient_id__in=by_patient)
        .exclude(status__in=GONE)
        .filter(type__in=_infusion_types(plans))
        .values_list("patient_id", "starts_at", "plan_visit__plan__protocol_id")
        .order_by("starts_at")
    ):
        plan = by_patient[patient_id]
        visits[patient_id].append((starts_at, in_series == plan.protocol_id))
    scores: dict[int, list[QuestionnaireResponse]] = defaultdict(list)
    for row in QuestionnaireResponse.objects.filter(
        patient_id__in=by_patient,
        instrument__in=[i.code for i in INSTRUMENT_OF.values()],
        total__isnull=False,
    ).order_by("completed_at"):
        scores[row.patient_id].append(row)
    booster_type = dict(
        Protocol.objects.filter(phase="maintenance", active=True)
        .exclude(appointment_type=None)
        .values_list("indication", "appointment_type_id")
    )
    rows = []
    for patient_id, plan in by_patient.items():
        taken = visits.get(patient_id, [])
        series = [start for start, in_series in taken if in_series]
        if len(series) < plan.infusions or any(start > now for start, _ in taken):
            continue  # the series is not over, or the next infusion is booked
        zone = plan.patient.location.zone
        days = [start.astimezone(zone).date() for start, _ in taken]
        proposal = _propose(
            plan, days, series[-1].astimezone(zone).date(), scores[patient_id]
        )
        rows.append(
            DueRow(
                patient=plan.patient,
                plan=plan,
                last_infusion_on=days[-1],
                proposal=proposal,
                appointment_type_id=booster_type.get(
                    plan.protocol.indication, plan.protocol.appointment_type_id
                ),
                today=now.astimezone(zone).date(),
            )
        )
    rows.sort(key=lambda row: (row.due_on, row.patient.last_name))
    return rows[:LIMIT]


def _infusion_types(plans: list[TreatmentPlan]) -> set[int]:
    """The appointment types that count as infusions: the plans' and the
    maintenance protocols'."""
    types = {p.protocol.appointment_type_id for p in plans}
    types |= set(
        Protocol.objects.exclude(appointment_type=None).values_list(
            "appointment_type_id", flat=True
        )
    )
    return {t for t in types if t is not None}
