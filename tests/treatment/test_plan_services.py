"""Signing a plan: from a signed candidate decision only, the dose checked against
the protocol, a change as a new signed version, nothing written on a refusal."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ketaclinic.audit.actor import Actor
from ketaclinic.audit.models import AuditEvent
from ketaclinic.clinical import plan_orders
from ketaclinic.treatment import plans
from ketaclinic.treatment.models import TreatmentPlan
from tests.conftest import PASSWORD
from tests.treatment.helpers import candidate, plan_input, sign


def refused(world, protocol, **changes) -> dict:
    with pytest.raises(plans.PlanRefused) as caught:
        sign(world, protocol, **changes)
    assert not TreatmentPlan.objects.exists()
    return caught.value.errors


def test_a_plan_on_the_depression_protocol_keeps_its_figures(world):
    plan = sign(world, candidate(world))
    assert plan.version == 1
    assert plan.weight_kg == Decimal(80)
    assert plan.ideal_kg is not None and plan.adjusted_kg is not None
    assert plan.amount_per_kg == Decimal("0.5")
    assert plan.recovery_minutes == 30
    assert plan.standing_orders[0]["drug"] == "ondansetron"
    assert plan.standing_orders[0]["rxnorm"] == "26225"
    assert plan.signed_by == world.staff["provider"]
    sheet = plans.order_sheet(plan)
    assert sheet.dose.amount == Decimal(40)  # 0.5 mg/kg x 80 kg
    assert sheet.dose.arithmetic == "0.5 mg/kg x 80 kg = 40 mg"
    assert sheet.drug_volume_shown == Decimal("4.0")  # 40 mg / 10 mg/mL
    assert sheet.rate_shown == Decimal("150.0")  # 100 mL over 40 min
    entry = AuditEvent.objects.filter(object_type="treatment.TreatmentPlan").get()
    assert entry.summary.startswith("Signed treatment plan, version 1")


def test_no_plan_without_a_signed_candidate_decision(world):
    protocol = candidate(world, outcome="needs_information")
    assert None in refused(world, protocol)


def test_a_stale_weight_is_refused_beside_the_weight(world):
    protocol = candidate(world, weighed_ago=timedelta(days=3))
    errors = refused(world, protocol)
    assert "older than" in errors["weight_basis"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"amount_per_kg": Decimal(5)}, "amount_per_kg", "ten times"),
        ({"amount_per_kg": Decimal("1.2")}, "amount_per_kg", "no override passes"),
        ({"vial_mg_per_ml": Decimal(0)}, "vial_mg_per_ml", "more than 0"),
        ({"bag_volume_ml": Decimal(-100)}, "bag_volume_ml", ""),
        ({"minutes": 0}, "minutes", "more than 0"),
        ({"recovery_minutes": 20}, "recovery_minutes", "at least 30"),
        ({"max_dose_mg": Decimal(100)}, "max_dose_mg", "hard maximum"),
        ({"indication_code": "F41.1"}, "indication_code", "active conditions"),
        ({"within_days": 5}, "within_days", "do not fit"),
        ({"titration_after": 6}, "titration_after", "fewer"),
    ],
)
def test_bad_input_is_refused_beside_its_field(world, changes, field, words):
    errors = refused(world, candidate(world), **changes)
    assert field in errors, errors
    assert words in errors[field]


def test_a_dose_outside_the_usual_range_needs_a_reason(world):
    protocol = candidate(world)
    high = {"amount_per_kg": Decimal("0.8"), "titration_amount_per_kg": None}
    errors = refused(world, protocol, **high)
    assert "usual range" in errors["override_reason"]
    plan = sign(world, protocol, **high, override_reason="No response")
    assert plan.overrides == [
        {"about": plan.overrides[0]["about"], "reason": "No response"}
    ]
    assert "0.8 mg/kg is outside" in plan.overrides[0]["about"]


def test_above_the_hard_maximum_no_reason_passes(world):
    protocol = candidate(world)
    errors = refused(
        world,
        protocol,
        amount_per_kg=Decimal("1.1"),
        titration_amount_per_kg=None,
        override_reason="Because",
    )
    assert "no override passes" in errors["amount_per_kg"]


def test_a_wrong_password_signs_nothing(world):
    protocol = candidate(world)
    with pytest.raises(plans.PlanRefused) as caught:
        plans.plan_sign(
            actor=Actor.system(world.staff["provider"]),
            patient=world.patient,
            plan=plan_input(protocol),
            password="wrong",
        )
    assert "password" in caught.value.errors
    assert not TreatmentPlan.objects.exists()


def test_only_a_provider_signs(world):
    protocol = candidate(world)
    with pytest.raises(plans.PlanRefused):
        plans.plan_sign(
            actor=Actor.system(world.staff["nurse"]),
            patient=world.patient,
            plan=plan_input(protocol),
            password=PASSWORD,
        )


def test_a_change_is_a_new_signed_version_and_the_first_stays(world):
    protocol = candidate(world)
    first = sign(world, protocol)
    with pytest.raises(plans.PlanRefused):
        sign(world, protocol)  # a second plan beside the one in force
    errors = {}
    try:
        sign(world, protocol, amends=first)
    except plans.PlanRefused as refusal:
        errors = refusal.errors
    assert "reason" in errors
    second = sign(
        world, protocol, amends=first, reason="Larger vials", vial_mg_per_ml=Decimal(50)
    )
    assert second.version == 2
    assert plans.plan_in_force(world.patient) == second
    first.refresh_from_db()
    assert first.vial_mg_per_ml == 10 and not first.in_force
    assert [v.version for v in plans.versions_of(first)] == [1, 2]
    assert [v.version for v in plans.versions_of(second)] == [1, 2]
    with pytest.raises(plans.PlanRefused):
        sign(world, protocol, amends=first, reason="Again")


def test_a_standing_order_without_a_maximum_is_refused():
    with pytest.raises(plan_orders.OrderRefused) as caught:
        plan_orders.standing_order(
            {
                "drug": "ondansetron",
                "dose_mg": "4",
                "route": "IV",
                "indication": "nausea",
                "min_interval_minutes": "30",
                "max_per_session_mg": "",
            }
        )
    assert caught.value.field == "max_per_session_mg"


def test_ondansetron_over_16_mg_in_one_dose_is_refused():
    with pytest.raises(plan_orders.OrderRefused) as caught:
        plan_orders.standing_order(
            {
                "drug": "ondansetron",
                "dose_mg": "24",
                "route": "IV",
                "indication": "nausea",
                "min_interval_minutes": "30",
                "max_per_session_mg": "32",
            }
        )
    assert "16 mg" in caught.value.message


def test_the_hourly_protocol_caps_the_rate_and_fills_the_bag(world):
    candidate(world)
    from ketaclinic.treatment.models import Protocol

    crps = Protocol.objects.get(key="crps_hourly")
    plan = sign(
        world,
        crps,
        amount_per_kg=Decimal("0.35"),
        max_dose_mg=Decimal(25),
        minutes=240,
        infusions=10,
        within_days=14,
        min_days_apart=1,
        recovery_minutes=60,
        titration_after=None,
        titration_amount_per_kg=None,
    )
    sheet = plans.order_sheet(plan)
    assert sheet.dose.amount == Decimal(25)  # 0.35 x 80 = 28, lowered to 25 mg/h
    assert sheet.infusion.dose_mg == Decimal(100)  # 25 mg/h over 4 h
    assert sheet.rate_shown == Decimal("25.0")  # 100 mL over 240 min
