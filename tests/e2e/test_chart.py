"""Staff at work in a real browser: finding, creating and reading charts."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ketaclinic.patients.models import Allergy, BodyMeasurement, Patient
from ketaclinic.patients.services import mrn_is_valid

pytestmark = pytest.mark.e2e


def demo_patient_with_allergy() -> Patient:
    """A demo patient whose chart has an active allergy and a plain ASCII name."""
    for allergy in Allergy.objects.filter(active=True).select_related("patient"):
        patient = allergy.patient
        if patient.last_name.isascii() and patient.last_name.isalpha():
            return patient
    raise AssertionError("The demo clinic has no patient with an allergy.")


def open_chart(page, patient: Patient) -> None:
    page.goto(f"/patients/{patient.uuid}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(patient.display_name)


def test_nurse_finds_a_demo_patient_and_opens_the_chart(page, new_page, sign_in):
    patient = demo_patient_with_allergy()
    allergies = [
        a.substance for a in Allergy.objects.filter(patient=patient, active=True)
    ]
    sign_in(page, "nurse")
    page.get_by_role("link", name="Patients").click()

    # Live search: the results come from an htmx request, no form submission.
    search = page.get_by_label("Find a patient")
    with page.expect_response(
        lambda r: "/patients/" in r.url and r.request.headers.get("hx-request")
    ):
        search.press_sequentially(patient.last_name[:4].lower(), delay=30)
    result = page.get_by_role(
        "link", name=f"{patient.last_name}, {patient.first_name}", exact=True
    )
    expect(result).to_be_visible()
    result.click()

    expect(page).to_have_url(re.compile(rf"/patients/{patient.uuid}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(patient.display_name)
    expect(page.get_by_text(f"MRN {patient.mrn}")).to_be_visible()
    banner = page.get_by_role("note").filter(has_text="Allergies")
    expect(banner).to_contain_text("Allergies:")
    for substance in allergies:
        expect(banner).to_contain_text(substance)
    weights = page.get_by_role("region", name="Weight and height")
    expect(weights.get_by_test_id("dosing-weights")).to_contain_text(
        re.compile(r"Actual weight\s*\d+(\.\d)?\s*kg")
    )
    expect(weights).to_contain_text(re.compile(r"BMI\s*\d+\.\d\s*kg/m²"))

    # The manager sees that visit in the audit log.
    manager = new_page()
    sign_in(manager, "manager")
    manager.get_by_role("link", name="Audit log").click()
    manager.get_by_label("Patient MRN").fill(patient.mrn)
    manager.get_by_role("button", name="Search").click()
    viewed_by_nurse = (
        manager.get_by_role("row")
        .filter(has=manager.get_by_role("cell", name="nurse", exact=True))
        .filter(has=manager.get_by_role("cell", name="Viewed", exact=True))
    )
    expect(viewed_by_nurse.first).to_contain_text(patient.mrn)


def fill_new_patient(page, *, first: str, last: str, born: str) -> None:
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("Date of birth").fill(born)


def test_front_desk_creating_a_known_patient_meets_the_duplicate_warning(page, sign_in):
    known = Patient.objects.order_by("mrn").first()
    patients_before = Patient.objects.count()
    sign_in(page, "frontdesk")
    page.get_by_role("link", name="New patient").click()
    fill_new_patient(
        page,
        first=known.first_name,
        last=known.last_name,
        born=known.date_of_birth.isoformat(),
    )
    page.get_by_role("button", name="Create chart").click()

    warning = page.locator("#duplicate-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Nothing was saved")
    existing = warning.get_by_role(
        "link", name=f"{known.last_name}, {known.first_name}"
    )
    expect(existing).to_have_attribute("href", f"/patients/{known.uuid}/")
    expect(warning).to_contain_text(known.mrn)
    assert Patient.objects.count() == patients_before

    # A truly new person gets a chart and a generated MRN.
    page.get_by_role("link", name="Patients").click()
    page.get_by_role("link", name="New patient").click()
    fill_new_patient(page, first="Wilhelmina", last="Quartermaine", born="1979-03-14")
    page.get_by_role("button", name="Create chart").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Wilhelmina Quartermaine")
    created = Patient.objects.get(last_name="Quartermaine")
    assert Patient.objects.count() == patients_before + 1
    expect(page).to_have_url(re.compile(rf"/patients/{created.uuid}/$"))
    assert mrn_is_valid(created.mrn)
    expect(page.get_by_text(f"MRN {created.mrn}")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Chart created")


def test_front_desk_is_told_the_audit_log_is_not_allowed(page, sign_in):
    sign_in(page, "frontdesk")
    expect(page.get_by_role("link", name="Audit log")).to_have_count(0)
    response = page.goto("/audit/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    expect(page.get_by_role("main")).to_contain_text("(Front desk)")


def test_bad_input_is_shown_beside_the_field(page, sign_in):
    patient = demo_patient_with_allergy()
    measurements_before = BodyMeasurement.objects.filter(patient=patient).count()
    sign_in(page, "nurse")
    open_chart(page, patient)
    page.get_by_role("link", name="Record weight").click()
    weight = page.get_by_role("spinbutton", name="Weight", exact=True)
    weight.fill("2000")
    page.get_by_role("radio", name="kg", exact=True).check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
    weight = page.get_by_role("spinbutton", name="Weight", exact=True)
    expect(weight).to_have_attribute("aria-invalid", "true")
    expect(weight).to_have_accessible_description(re.compile(r"between .* kg"))
    # Beside the field: in the same field block, right under the input.
    beside = weight.locator("xpath=following-sibling::p[contains(@class, 'error')]")
    expect(beside).to_contain_text(re.compile(r"Weight must be between .* kg"))
    assert BodyMeasurement.objects.filter(patient=patient).count() == (
        measurements_before
    )

    # The patient's weight in pounds, typed with kg chosen: far from the last
    # weight, so it must be confirmed; with lb chosen it is saved as typed.
    last = BodyMeasurement.objects.filter(patient=patient, active=True).first()
    pounds = str(round(last.weight_kg / Decimal("0.45359237")))
    weight.fill(pounds)
    page.get_by_role("button", name="Save").click()
    expect(beside).to_contain_text("more than the last weight")
    expect(
        page.get_by_label("The change from the last weight is right")
    ).to_be_visible()
    page.get_by_role("radio", name="lb", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    weights = page.get_by_role("region", name="Weight and height")
    expect(weights).to_contain_text(f"({pounds} lb entered)")
    assert BodyMeasurement.objects.filter(patient=patient).count() == (
        measurements_before + 1
    )

    patients_before = Patient.objects.count()
    page.get_by_role("link", name="Patients").click()
    page.get_by_role("link", name="New patient").click()
    tomorrow = timezone.localdate() + timedelta(days=30)
    fill_new_patient(page, first="Tobias", last="Featherstone", born=str(tomorrow))
    page.get_by_role("button", name="Create chart").click()

    born = page.get_by_label("Date of birth")
    expect(born).to_have_attribute("aria-invalid", "true")
    expect(born).to_have_accessible_description(
        "The date of birth cannot be in the future."
    )
    beside = born.locator("xpath=following-sibling::p[contains(@class, 'error')]")
    expect(beside).to_have_text("The date of birth cannot be in the future.")
    expect(born).to_have_value(str(tomorrow))
    assert Patient.objects.count() == patients_before


FOCUS_OF_ACTIVE_ELEMENT = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return {tag: el.tagName, text: el.textContent.trim().slice(0, 40),
            outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
            onScreen: box.right > 0 && box.bottom > 0
                && box.left < innerWidth && box.top < innerHeight};
}"""


def test_chart_is_usable_on_a_tablet(tablet_page, sign_in):
    page = tablet_page
    patient = demo_patient_with_allergy()
    sign_in(page, "nurse")
    open_chart(page, patient)

    # Tabbing from the top: the skip link, the menu, then the chart (its banner of
    # intake answers to review has two links). Each element shows where the focus
    # is, and is on screen while it has it.
    reached = []
    for _ in range(16):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_OF_ACTIVE_ELEMENT)
        reached.append(focus["text"])
        assert focus["tag"] != "BODY", reached
        assert focus["outline"] != "none" and focus["width"] > 0, focus
        assert focus["onScreen"], focus
    assert reached[0] == "Skip to content"
    assert "Edit details" in reached, reached

    weights = page.get_by_role("region", name="Weight and height")
    weights.scroll_into_view_if_needed()
    expect(weights).to_be_in_viewport()
    expect(weights.get_by_test_id("dosing-weights")).to_contain_text("kg/m²")
    expect(weights.get_by_role("link", name="Record weight")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 820, f"the chart scrolls sideways on a tablet ({width}px wide)"


CONTENT_PAST_ITS_CARD = """() => [...document.querySelectorAll("section.card")]
    .flatMap(card => {
        const edge = card.getBoundingClientRect().right;
        return [...card.querySelectorAll("dd, td")]
            .filter(cell => cell.getBoundingClientRect().right > edge + 0.5)
            .map(cell => card.querySelector("h2").textContent + ": "
                 + cell.textContent.trim());
    })"""


def test_chart_details_stay_inside_their_card_on_a_tablet(tablet_page, sign_in):
    page = tablet_page
    sign_in(page, "nurse")
    open_chart(page, demo_patient_with_allergy())
    assert page.evaluate(CONTENT_PAST_ITS_CARD) == []
