"""The demo clinic's protocols and signed plans (ketaclinic.core.demo)."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.actor import Actor
from ketaclinic.clinical import plan_orders
from ketaclinic.clinics.models import Location
from ketaclinic.intake.models import QuestionnaireResponse
from ketaclinic.patients.models import BodyMeasurement, Condition, Patient
from ketaclinic.scheduling.models import Appointment
from ketaclinic.treatment import plans, series
from ketaclinic.treatment.models import Protocol, SeriesVisit, TreatmentPlan
from ketaclinic.treatment.seed import protocols_seed

DEPRESSION_CODE = ("F33.2", "Major depressive disorder, recurrent severe")


def plan_input_from(protocol: Protocol, *, indication_code: str, weight_kg: Decimal):
    """A plan on the protocol's defaults (the demo and the tests start here)."""
    maintenance = protocol.maintenance
    step = protocol.titration[0] if protocol.titration else None
    return plans.PlanInput(
        protocol=protocol,
        indication_code=indication_code,
        weight_basis="actual",
        amount_per_kg=protocol.amount_per_kg,
        titration_after=step["after_infusions"] if step else None,
        titration_amount_per_kg=Decimal(step["amount_per_kg"]) if step else None,
        max_dose_mg=protocol.cap
        or (protocol.hard_max * weight_kg).to_integral(rounding=ROUND_FLOOR),
        bag_volume_ml=protocol.bag_volume_ml,
        diluent=protocol.diluent,
        vial_mg_per_ml=Decimal(10),
        minutes=protocol.minutes,
        infusions=protocol.infusions,
        within_days=protocol.within_days,
        min_days_apart=protocol.min_days_apart,
        recovery_minutes=protocol.recovery_minutes,
        weight_max_age_hours=24,
        maintenance_start_days=maintenance["start_days"],
        maintenance_floor_days=maintenance["floor_days"],
        maintenance_cap_days=maintenance["cap_days"],
        standing_orders=plan_orders.DEFAULT_STANDING_ORDERS,
        vital_limits=plan_orders.DEFAULT_VITAL_LIMITS,
    )


# The demo candidates given a signed plan; of them, those whose series is
# booked ahead. The first two with nothing booked ahead have their series done
# in the past instead, ended this many days ago: one overdue for maintenance,
# one due soon (the depression policy starts at 4 weeks).
PLANNED_PATIENTS = 6
BOOKED_SERIES = 2
MAINTENANCE_DEMO_DAYS_AGO = (35, 25)


def past_series(
    plan: TreatmentPlan,
    *,
    last_on: date,
    every_days: int = 3,
    phq9: tuple[int, int] | None = (20, 8),
) -> list[Appointment]:
    """The plan's whole series as done in the past, its last infusion on
    ``last_on`` (or the open day before it) at 10:00, and PHQ-9 totals before
    and after it (the history of a patient now in maintenance)."""
    location = plan.patient.location
    booked_as = plan.protocol.appointment_type
    assert booked_as is not None  # the seeded protocols name theirs
    length = timedelta(minutes=booked_as.minutes)
    days = _open_days(location, last_on, plan.infusions, every_days)
    visits = []
    for number, day in enumerate(days, start=1):
        starts_at = datetime.combine(day, time(10), location.zone)
        visit = Appointment.objects.create(
            patient=plan.patient,
            location=location,
            type=booked_as,
            starts_at=starts_at,
            ends_at=starts_at + length,
            status=Appointment.Status.COMPLETED,
            notes=f"Infusion {number} of {plan.infusions}: {plan.protocol_name}",
        )
        SeriesVisit.objects.create(plan=plan, appointment=visit, number=number)
        visits.append(visit)
    if phq9 is not None:
        for on, total in ((days[0] - timedelta(days=7), phq9[0]), (days[-1], phq9[1])):
            QuestionnaireResponse.objects.create(
                patient=plan.patient,
                instrument="phq9",
                answers={},
                total=total,
                source=QuestionnaireResponse.Source.STAFF,
                completed_at=datetime.combine(on, time(9), location.zone),
            )
    return visits


def _open_days(
    location: Location, last_on: date, count: int, every_days: int
) -> list[date]:
    """``count`` days the location gave infusions, ``every_days`` apart, the
    last on ``last_on`` or the open weekday before it (infusions on weekdays
    with opening hours, never on a closure)."""
    open_weekdays = set(location.opening_hours.values_list("weekday", flat=True))
    closed = list(location.closures.values_list("starts_on", "ends_on"))

    def is_open(day: date) -> bool:
        if open_weekdays and (day.weekday() >= 5 or day.weekday() not in open_weekdays):
            return False
        return not any(start <= day <= end for start, end in closed)

    days: list[date] = []
    day = last_on
    while len(days) < count:
        if is_open(day):
            days.append(day)
            day -= timedelta(days=every_days)
        else:
            day -= timedelta(days=1)
    return sorted(days)


def load_demo_plans(location: Location, *, password: str) -> int:
    """Protocols, and signed plans for the first demo candidates, in the states
    a clinic sees (weighed today, dosed on the depression protocol): a plan
    changed once (a second version), series done in the past (due for
    maintenance), series booked ahead, and plans signed whose series is not
    booked yet. The other candidates are left for the front desk to plan and
    book."""
    protocols_seed()
    if TreatmentPlan.objects.filter(patient__location=location).exists():
        return 0  # loaded before: the demo's plans are made once
    provider = User.objects.get(username="provider")
    protocol = Protocol.objects.get(key="depression_induction")
    made = 0
    due_left = list(MAINTENANCE_DEMO_DAYS_AGO)
    for patient in Patient.objects.filter(
        location=location, mrn__startswith="9"
    ).order_by("mrn"):
        if made == PLANNED_PATIENTS:
            break
        if plans.candidate_decision(patient) is None or plans.plan_in_force(patient):
            continue
        condition = Condition.objects.filter(
            patient=patient, icd10_code__startswith="F3"
        ).first()
        if condition is None:
            condition = Condition.objects.create(
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
        actor = Actor.system(provider)
        first = plans.plan_sign(
            actor=actor,
            patient=patient,
            plan=plan_input_from(
                protocol,
                indication_code=condition.icd10_code,
                weight_kg=weight.weight_kg,
            ),
            password=password,
        )
        in_force = first
        if made == 0:
            # A second version: the dose on 50 mg/mL vials, so fewer millilitres.
            changed = plan_input_from(
                protocol,
                indication_code=condition.icd10_code,
                weight_kg=weight.weight_kg,
            )
            in_force = plans.plan_sign(
                actor=actor,
                patient=patient,
                plan=dataclasses.replace(changed, vial_mg_per_ml=Decimal(50)),
                password=password,
                amends=first,
                reason="Pharmacy stocks 50 mg/mL vials.",
            )
        ahead = Appointment.objects.filter(
            patient=patient, starts_at__gt=timezone.now()
        ).exclude(status__in=series.GONE)
        if due_left and not ahead.exists():
            # A series done in the past: due for maintenance.
            ago = timedelta(days=due_left.pop(0))
            today = timezone.now().astimezone(location.zone).date()
            past_series(in_force, last_on=today - ago)
        elif made < BOOKED_SERIES:
            # Its series, booked by the front desk.
            front_desk = Actor.system(User.objects.get(username="frontdesk"))
            with contextlib.suppress(series.SeriesRefused):
                series.series_confirm(
                    actor=front_desk,
                    plan=in_force,
                    location=location,
                    starts=series.series_propose(in_force, location=location),
                )
        made += 1
    return made
