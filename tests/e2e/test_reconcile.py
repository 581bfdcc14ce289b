"""What the patient reports reaches the chart through a nurse's review.

A patient whose intake is otherwise done writes, through their private link,
the allergy "penicillin – hives" and a current medicine, and sends the intake.
The nurse opens the chart: the allergy is there as reported by the patient and
not yet reviewed, and not in the chart's own list. The nurse
reviews it, accepts the allergy as written, and the chart's allergy banner then
names penicillin. The review and answer pages pass axe's checks.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from ketaclinic.accounts.models import User
from ketaclinic.audit.actor import Actor
from ketaclinic.intake import forms as sections
from ketaclinic.intake import queries, services
from ketaclinic.intake.models import Intake, ReportedItemReview
from ketaclinic.intake.questionnaires import instruments_for
from ketaclinic.patients.models import Allergy
from tests.e2e.test_intake import PHONE, give_birth_date, patient_without_intake

pytestmark = pytest.mark.e2e

REPORTED = "Reported by the patient, not yet reviewed"


def intake_done_but_medicines(patient) -> str:
    """An intake sent by link, every step done but "Medicines and allergies";
    the path of its private link."""
    nurse = User.objects.filter(role="nurse", locations=patient.location).first()
    actor = Actor.staff(nurse)
    intake = services.intake_send(actor=actor, patient=patient)
    answers = {key: {} for key in sections.SECTIONS if key != "medications"}
    answers["about"] = {"treated_for": ["depression"]}
    answers["questionnaires"] = dict.fromkeys(
        instruments_for(["depression"]), "recorded"
    )
    Intake.objects.filter(pk=intake.pk).update(
        answers=answers, status=Intake.Status.IN_PROGRESS
    )
    for version in queries.consents_missing(patient):
        services.consent_sign(
            actor=actor,
            patient=patient,
            version=version,
            typed_name=f"{patient.first_name} {patient.last_name}",
            shown_sha256=version.sha256,
        )
    return urlsplit(services.intake_url(intake)).path


def no_serious_violations(page) -> None:
    results = Axe().run(page)
    serious = [
        v["id"]
        for v in results.response["violations"]
        if v["impact"] in ("critical", "serious")
    ]
    assert serious == [], results.generate_report()


def test_a_reported_allergy_is_accepted_into_the_chart(
    page, new_page, sign_in, settings, live_server
):
    settings.KETACLINIC_BASE_URL = live_server.url
    patient = patient_without_intake()
    link = intake_done_but_medicines(patient)

    # 1. The patient writes their allergy and a medicine, and sends the intake.
    phone = new_page(PHONE)
    phone.goto(link + "?step=medications")
    give_birth_date(phone, patient)
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Medicines and allergies"
    )
    phone.get_by_label("Medicine 1, with the dose").fill("Zoloft 100 mg once daily")
    phone.get_by_label("Allergies, one per line").fill("penicillin – hives")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Save and continue").click()
    phone.goto(link + "?step=review")
    phone.get_by_role("button", name="Send my intake").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Thank you")

    # 2. The nurse opens the chart: reported, not yet reviewed.
    sign_in(page, "nurse")
    page.goto(f"/patients/{patient.uuid}/")
    reported = page.get_by_test_id("reported")
    expect(reported).to_contain_text(REPORTED)
    expect(reported).to_contain_text("Allergy: penicillin – hives")
    expect(reported).to_contain_text("Zoloft 100 mg once daily (sertraline)")
    expect(page.get_by_test_id("reported-allergies")).to_have_text(
        "Allergies reported by the patient, not yet reviewed: penicillin – hives"
    )
    expect(page.get_by_role("region", name="Allergies")).not_to_contain_text(
        "penicillin"
    )

    # 3. The answers in plain words, then the review.
    reported.get_by_role("link", name="All intake answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Intake answers")
    medicines = page.get_by_role("region", name="Medicines and allergies")
    expect(medicines).to_contain_text("Zoloft 100 mg once daily")
    expect(medicines).to_contain_text("recognised as sertraline")
    no_serious_violations(page)
    page.go_back()
    page.get_by_test_id("reported").get_by_role(
        "link", name="Review into the chart"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Review what the patient reported"
    )
    no_serious_violations(page)
    allergy = page.get_by_role("region", name="Allergy")
    expect(allergy.get_by_label("Substance")).to_have_value("penicillin")
    expect(allergy.get_by_label("Reaction")).to_have_value("hives")
    allergy.get_by_role("button", name="Add to the chart").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Allergy: accepted as reported (penicillin (hives))."
    )
    expect(page.get_by_role("region", name="Allergy")).to_contain_text(
        "Accepted as reported by"
    )

    # 4. The chart's own banner names it; it is no longer "reported".
    page.goto(f"/patients/{patient.uuid}/")
    banner = page.locator(".allergy-banner").first
    expect(banner).to_contain_text("Allergies: ")
    expect(banner).to_contain_text("penicillin")
    expect(page.get_by_role("region", name="Allergies")).to_contain_text("hives")
    expect(page.get_by_test_id("reported-allergies")).to_have_count(0)
    expect(page.get_by_test_id("reported")).to_contain_text("Zoloft")  # still to do
    assert Allergy.objects.get(patient=patient, substance="penicillin").reaction == (
        "hives"
    )
    assert ReportedItemReview.objects.get(patient=patient).reviewed_by.role == "nurse"
