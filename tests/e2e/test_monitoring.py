"""Two nurses chart one infusion on tablets at once: each sees the other's
readings appear without reloading, and nothing either is typing is lost. A
reading at the pause limit tells the nurse to pause and calls a provider."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ketaclinic.accounts.models import User
from ketaclinic.audit.actor import Actor
from ketaclinic.infusions import services
from ketaclinic.infusions.models import Session, VitalReading
from ketaclinic.treatment.models import TreatmentPlan
from ketaclinic.treatment.plans import plan_in_force
from tests.notifications.helpers import make_visit

pytestmark = pytest.mark.e2e


def infusing_session() -> Session:
    """A demo patient with a plan in force, checked in today and infusing."""
    for plan in TreatmentPlan.objects.order_by("id"):
        if plan_in_force(plan.patient) is not None:
            patient = plan.patient
            break
    else:
        raise AssertionError("No demo patient has a plan in force.")
    now = timezone.localtime(timezone.now(), patient.location.zone)
    visit = make_visit(patient, now.replace(second=0, microsecond=0))
    nurse = User.objects.get(username="nurse")
    session = services.check_in(actor=Actor.system(nurse), appointment=visit)
    Session.objects.filter(pk=session.pk).update(
        state=Session.State.INFUSING, started_at=timezone.now()
    )
    return session


def test_two_nurses_chart_at_once_and_see_each_other(new_page, sign_in):
    session = infusing_session()
    url = f"/infusions/{session.uuid}/#flowsheet"
    nora, nate = (
        new_page({"width": 820, "height": 1180}),
        new_page({"width": 820, "height": 1180}),
    )
    sign_in(nora, "nurse")
    sign_in(nate, "nurse2")
    nora.goto(url)
    nate.goto(url)

    # Nora starts typing a reading and stops half-way.
    nora.get_by_role("textbox", name="Systolic pressure", exact=True).fill("132")
    nora.get_by_role("textbox", name="Heart rate", exact=True).fill("76")

    # Nate charts his reading meanwhile.
    nate.get_by_role("textbox", name="Systolic pressure", exact=True).fill("126")
    nate.get_by_role("textbox", name="Diastolic pressure", exact=True).fill("81")
    nate.get_by_role("textbox", name="Heart rate", exact=True).fill("71")
    nate.get_by_role("textbox", name="Oxygen saturation (SpO2)", exact=True).fill("98")
    nate.get_by_text("5 · responds readily to name in a normal tone").click()
    nate.get_by_role("button", name="Save the reading").click()
    expect(nate.locator("#flowsheet-live")).to_contain_text("126/81")

    # Nora's table shows it on the next poll; what she typed is still there.
    expect(nora.locator("#flowsheet-live")).to_contain_text("126/81", timeout=15000)
    expect(
        nora.get_by_role("textbox", name="Systolic pressure", exact=True)
    ).to_have_value("132")
    expect(nora.get_by_role("textbox", name="Heart rate", exact=True)).to_have_value(
        "76"
    )

    # She finishes: a pressure at the pause limit asks the symptom questions.
    nora.get_by_role("textbox", name="Systolic pressure", exact=True).fill("184")
    nora.get_by_role("textbox", name="Diastolic pressure", exact=True).fill("96")
    nora.get_by_role("textbox", name="Oxygen saturation (SpO2)", exact=True).fill("97")
    nora.get_by_role("button", name="Save the reading").click()
    expect(nora.get_by_text("ask the patient about each symptom")).to_be_visible()
    nora.get_by_label("None of these").check()
    nora.get_by_role("button", name="Save the reading").click()
    expect(nora.get_by_text("Pause the pump now.")).to_be_visible()
    expect(nora.locator("#flowsheet-live")).to_contain_text("Provider to the chair")
    expect(nate.locator("#flowsheet-live")).to_contain_text(
        re.compile("184/96"), timeout=15000
    )
    assert VitalReading.objects.filter(session=session).count() == 2
    nora.screenshot(path="/tmp/infmon-flowsheet.png", full_page=True)
