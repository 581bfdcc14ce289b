"""On a tablet, a nurse works down the pre-infusion checklist, a provider
overrides a fasting hold, two nurses double-check the pump blind, the drug is
drawn before a witness and the infusion starts."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from ketaclinic.accounts.models import User
from ketaclinic.audit.actor import Actor
from ketaclinic.infusions import administration, services
from ketaclinic.infusions.models import Session
from tests.e2e.infusion_steps import (
    booked_today,
    fill_phq9,
    first_check,
    record_escort,
    record_fasting,
    record_weight,
    second_check,
)
from tests.infusions.checks_helpers import baseline

pytestmark = pytest.mark.e2e


def checked_in_patient(password: str) -> Session:
    visit = booked_today(password, mrn="E0000001", first_name="Tess")
    nurse = User.objects.get(username="nurse")
    return services.check_in(actor=Actor.system(nurse), appointment=visit)


def test_checks_double_check_draw_and_start_on_a_tablet(new_page, sign_in, demo):
    session = checked_in_patient(demo)
    nurse = new_page({"width": 820, "height": 1180})
    sign_in(nurse, "nurse")
    nurse.goto(f"/infusions/{session.uuid}/")
    record_fasting(nurse, "3", "3")
    expect(nurse.locator("#infusion-checks")).to_contain_text("Held for a provider")

    record_escort(nurse, "Sam Lovelace", "Son", "(303) 555-0177")
    record_weight(nurse, "81")
    fill_phq9(nurse)
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
    first_check(nurse, rate, volume)
    second_check(nurse, rate, volume, "nurse2", demo)
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
