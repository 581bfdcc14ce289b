"""On a tablet, a nurse works down the pre-infusion checklist, a provider
overrides a fasting hold, two nurses double-check the pump blind, the drug is
drawn before a witness and the infusion starts."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ketaclinic.accounts.models import User
from ketaclinic.audit.actor import Actor
from ketaclinic.infusions import administration, services
from ketaclinic.infusions.models import Session
from ketaclinic.intake.models import ConsentSignature, ConsentVersion
from ketaclinic.treatment import plans
from tests.conftest import make_patient
from tests.infusions.checks_helpers import baseline
from tests.notifications.helpers import make_visit
from tests.treatment.helpers import candidate, plan_input

pytestmark = pytest.mark.e2e


def checked_in_patient(password: str) -> Session:
    provider = User.objects.get(username="provider")
    nurse = User.objects.get(username="nurse")
    location = nurse.locations.first()
    patient = make_patient(location, mrn="E0000001", first_name="Tess")
    world = SimpleNamespace(staff={"provider": provider}, patient=patient)
    protocol = candidate(world)
    plans.plan_sign(
        actor=Actor.system(provider),
        patient=patient,
        plan=dataclasses.replace(plan_input(protocol)),
        password=password,
    )
    for version in ConsentVersion.objects.all():
        ConsentSignature.objects.create(
            patient=patient,
            version=version,
            typed_name="Tess Lovelace",
            name_on_file="Tess Lovelace",
            text_sha256=version.sha256,
        )
    now = timezone.localtime(timezone.now(), location.zone)
    visit = make_visit(patient, now.replace(second=0, microsecond=0))
    return services.check_in(actor=Actor.system(nurse), appointment=visit)


def test_checks_double_check_draw_and_start_on_a_tablet(new_page, sign_in, demo):
    session = checked_in_patient(demo)
    nurse = new_page({"width": 820, "height": 1180})
    sign_in(nurse, "nurse")
    nurse.goto(f"/infusions/{session.uuid}/")
    checks = nurse.locator("#infusion-checks")
    checks.get_by_label("Since solid food or milk (hours)").fill("3")
    checks.get_by_label("Since clear liquids (hours)").fill("3")
    checks.get_by_role("button", name="Save fasting").click()
    expect(nurse.locator("#infusion-checks")).to_contain_text("Held for a provider")

    checks = nurse.locator("#infusion-checks")
    checks.get_by_label("Escort's name").fill("Sam Lovelace")
    checks.get_by_label("Relation to the patient").fill("Son")
    checks.get_by_label("Escort's phone").fill("(303) 555-0177")
    checks.get_by_role("button", name="Save the escort").click()
    expect(nurse.locator("#infusion-checks")).to_contain_text("Sam Lovelace (Son)")

    checks = nurse.locator("#infusion-checks")
    checks.get_by_label("Today's weight").fill("81")
    checks.get_by_text("kg", exact=True).first.click()
    checks.get_by_role("button", name="Save today's weight").click()
    expect(nurse.locator("#infusion-checks")).to_contain_text("81.0 kg, weighed")
    # The dose part fetches itself once something is recorded.
    expect(nurse.locator("#infusion-dose")).to_contain_text("81 kg today")

    checks = nurse.locator("#infusion-checks")
    checks.get_by_text("Fill the PHQ-9 with the patient").click()
    form = checks.locator("form.questionnaire")
    expect(form).to_be_visible()
    count = form.locator("fieldset").count()
    for n in range(count):
        form.locator("fieldset").nth(n).locator("input[type=radio]").first.check()
    checks.get_by_role("button", name="Save the answers").click()
    expect(nurse.locator("#infusion-checks")).to_contain_text("no safety answer")
    baseline(
        SimpleNamespace(staff={"nurse": User.objects.get(username="nurse")}), session
    )

    provider = new_page({"width": 820, "height": 1180})
    sign_in(provider, "provider")
    provider.goto(f"/infusions/{session.uuid}/")
    hold = provider.locator("#infusion-checks form").filter(has_text="Proceed anyway")
    hold.get_by_label("Reason").fill("Light breakfast four hours ago; proceed.")
    hold.get_by_label("Your password or authenticator code").fill(demo)
    hold.get_by_role("button", name="Proceed anyway").click()
    expect(provider.locator("#infusion-checks")).not_to_contain_text(
        "Held for a provider"
    )

    session.refresh_from_db()
    rate, volume = str(session.rate_ml_per_h), str(administration.vtbi_of(session))
    nurse.reload()
    dose = nurse.locator("#infusion-dose")
    first = dose.locator("form").filter(has_text="Record the first check")
    first.get_by_label("Pump rate (mL/h)").fill(rate)
    first.get_by_label("Volume to be infused (mL)").fill(volume)
    first.get_by_role("button", name="Record the first check").click()
    dose = nurse.locator("#infusion-dose")
    expect(dose).to_contain_text("a second nurse or provider")
    second = dose.locator("form").filter(has_text="Record the second check")
    expect(second.get_by_label("Pump rate (mL/h)")).to_have_value("")
    second.get_by_label("Pump rate (mL/h)").fill(rate)
    second.get_by_label("Volume to be infused (mL)").fill(volume)
    second.get_by_label("Second clinician's user name").fill("nurse2")
    second.get_by_label("Their password or authenticator code").fill(demo)
    second.get_by_role("button", name="Record the second check").click()
    expect(nurse.locator("#infusion-dose")).to_contain_text("Matched")

    ml = (session.dose_mg / session.vial_mg_per_ml).quantize(Decimal("0.01"))
    draw = nurse.locator("#infusion-dose form").filter(has_text="Record the draw")
    draw.get_by_label("Product").fill("Ketamine 10 mg/mL, 20 mL vial")
    # A lot the controlled-substance ledger offers (the demo's shelf).
    lot = nurse.locator("#draw-lots option").first.get_attribute("value")
    draw.get_by_label("Lot number").fill(lot)
    draw.get_by_label("Vial volume (mL)").fill("20")
    draw.get_by_label("Volume drawn (mL)").fill(str(ml))
    draw.get_by_label("Drawn (mg)").fill(str(ml * session.vial_mg_per_ml + 1))
    draw.get_by_label("Witness's user name").fill("nurse2")
    draw.get_by_label("Witness's password or authenticator code").fill(demo)
    draw.get_by_role("button", name="Record the draw").click()
    expect(nurse.locator("#infusion-dose")).to_contain_text("mg, not")
    draw = nurse.locator("#infusion-dose form").filter(has_text="Record the draw")
    draw.get_by_label("Drawn (mg)").fill(str(ml * session.vial_mg_per_ml))
    draw.get_by_label("Witness's password or authenticator code").fill(demo)
    draw.get_by_role("button", name="Record the draw").click()
    expect(nurse.locator("#infusion-dose")).to_contain_text(f"lot {lot}")

    nurse.locator("#infusion-dose").get_by_role(
        "button", name="Start the infusion"
    ).click()
    expect(nurse.locator("#infusion-dose")).to_contain_text("Given so far")
    session.refresh_from_db()
    assert session.state == Session.State.INFUSING
