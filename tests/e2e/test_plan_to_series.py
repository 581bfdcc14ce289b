"""From a signed candidate decision to a booked series, in two browsers: a
provider records today's weight, writes and signs the plan with their password
and opens its order sheet; the front desk, signed in separately, books the
whole series from the chart and sees every visit booked there."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ketaclinic.intake.models import UrgentTask
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import Appointment
from ketaclinic.treatment import plans
from ketaclinic.treatment.models import TreatmentPlan

pytestmark = pytest.mark.e2e


def demo_candidate() -> tuple[Patient, str]:
    """A demo patient the demo left for the clinic to plan: a signed candidate
    decision for depression, no plan, a depression diagnosis on the chart and
    no open urgent task; with the code of that diagnosis."""
    for patient in Patient.objects.filter(mrn__startswith="9").order_by("mrn"):
        decision = plans.candidate_decision(patient)
        if decision is None or decision.indication != "depression":
            continue
        if (
            plans.plan_in_force(patient)
            or UrgentTask.objects.filter(patient=patient).exists()
        ):
            continue
        codes = [
            c.icd10_code
            for c in plans.indications_of(patient)
            if c.icd10_code.startswith("F3")
        ]
        if codes and plans.latest_weight(patient) is not None:
            return patient, codes[0]
    raise AssertionError("The demo left no candidate to plan.")


def test_a_provider_plans_and_the_front_desk_books_the_whole_series(
    new_page, sign_in, demo
):
    patient, code = demo_candidate()
    last_kg = plans.latest_weight(patient).weight_kg.normalize()
    ahead_before = set(
        Appointment.objects.filter(patient=patient).values_list("pk", flat=True)
    )

    provider = new_page()
    sign_in(provider, "provider")
    provider.goto(f"/patients/{patient.uuid}/")
    # The last weight is weeks old: a plan waits for today's.
    provider.get_by_role("link", name="Record weight").click()
    provider.get_by_role("spinbutton", name="Weight", exact=True).fill(f"{last_kg:f}")
    provider.get_by_role("radio", name="kg", exact=True).check()
    provider.get_by_role("button", name="Save").click()
    expect(provider.get_by_role("status")).to_contain_text("Saved")

    provider.goto(f"/patients/{patient.uuid}/")
    card = provider.get_by_role("region", name="Treatment plan")
    expect(card).to_contain_text("No plan signed")
    card.get_by_role("link", name="Write a plan").click()
    expect(provider.get_by_role("heading", level=1)).to_have_text(
        "Write a treatment plan"
    )
    expect(provider.get_by_role("region", name="Dosing weight")).to_contain_text(
        f"{last_kg:f} kg, measured"
    )
    provider.get_by_label("Indication").select_option(code)
    provider.get_by_role("radio", name="Actual").check()
    provider.get_by_label("Vial concentration").select_option("50")
    provider.get_by_label("Your password, to sign").fill(demo)
    provider.get_by_role("button", name="Sign the plan").click()
    expect(provider.get_by_role("heading", level=1)).to_have_text(
        "Treatment plan, version 1"
    )
    plan = TreatmentPlan.objects.get(patient=patient)
    assert plan.indication_code == code
    assert plan.vial_mg_per_ml == 50
    assert plan.signed_by.username == "provider"

    provider.get_by_role("link", name="Order sheet").click()
    expect(provider.get_by_role("heading", level=1)).to_have_text(
        "Ketamine infusion order sheet"
    )
    sheet = provider.locator("table.order-sheet")
    expect(sheet).to_contain_text(f"0.5 mg/kg x {last_kg:f} kg")
    expect(sheet).to_contain_text("50 mg/mL")
    expect(sheet).to_contain_text(re.compile(r"\d+\.\d mL/h"))

    # The front desk, in its own browser session.
    desk = new_page()
    sign_in(desk, "frontdesk")
    desk.goto(f"/patients/{patient.uuid}/")
    series_card = desk.get_by_role("region", name="Series")
    expect(series_card).to_contain_text("Not booked yet.")
    series_card.get_by_role("link", name="Book the series").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Book the series")
    expect(desk.locator("input[name=start]")).to_have_count(plan.infusions)
    desk.get_by_role("button", name=f"Confirm and book all {plan.infusions}").click()
    expect(desk.get_by_text(f"Booked {plan.infusions} infusions.")).to_be_visible()

    visits = Appointment.objects.filter(plan_visit__plan=plan).order_by("starts_at")
    assert visits.count() == plan.infusions
    assert not {v.pk for v in visits} & ahead_before
    gaps = [
        (later.starts_at - earlier.starts_at).days
        for earlier, later in zip(visits, visits[1:], strict=False)
    ]
    assert min(gaps) >= plan.min_days_apart
    assert (visits.last().starts_at - visits.first().starts_at).days < plan.within_days

    desk.goto(f"/patients/{patient.uuid}/")
    series_card = desk.get_by_role("region", name="Series")
    items = series_card.get_by_role("listitem")
    expect(items).to_have_count(plan.infusions)
    for number in range(plan.infusions):
        expect(items.nth(number)).to_contain_text("Booked")
    zone = patient.location.zone
    first = visits.first().starts_at.astimezone(zone)
    expect(items.first).to_contain_text(first.strftime("%a %b %-d, %H:%M"))
