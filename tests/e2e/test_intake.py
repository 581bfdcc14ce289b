"""The intake on a phone, and the provider's screening at a desk.

A nurse emails the intake link from the chart. The patient opens it on a phone,
fills two sections, closes the page and later resumes from the same link; lists
two antidepressant trials, answers the PHQ-9 with a positive item 9 (crisis
resources on screen, an urgent task for the providers), signs every consent and
sends the intake. The provider sees the urgent task on the worklist, reads the
findings with their CLINICAL.md sources and signs a candidacy decision.

Set KETACLINIC_E2E_SCREENSHOTS to a folder to keep screenshots of the PHQ-9,
the crisis page (phone) and the screening page (desktop).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ketaclinic.clinical.screening import CHECKLIST
from ketaclinic.intake.models import Intake, UrgentTask
from ketaclinic.notifications.models import OutboundMessage
from ketaclinic.patients.models import Patient
from ketaclinic.treatment.models import ScreeningDecision

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
SCROLL_WIDTH = "document.documentElement.scrollWidth"
STEPS = 14  # 9 sections, PHQ-9, GAD-7, C-SSRS screener, consents, check and send
CONSENTS = [
    "Informed consent for ketamine infusion",
    "Escort and no-driving agreement",
    "Financial policy",
    "Privacy notice",
]
TRIALS = [
    ("Sertraline", "150", "10", "It did not help"),
    ("Escitalopram", "20", "8", "It helped a little (less than half better)"),
]


def patient_without_intake() -> Patient:
    """A demo patient with an email, an English intake, a plain name no other
    patient shares, no intake and no screening decision yet (the demo has
    intakes for the first 10, and a few new patients after them)."""
    for patient in Patient.objects.filter(mrn__startswith="9").order_by("mrn"):
        name = (patient.first_name, patient.last_name)
        if (
            patient.email
            and patient.preferred_language == "en"
            and all(part.isascii() and part.isalpha() for part in name)
            and not Intake.objects.filter(patient=patient).exists()
            and not ScreeningDecision.objects.filter(patient=patient).exists()
            and not Patient.objects.filter(
                first_name=patient.first_name, last_name=patient.last_name
            )
            .exclude(pk=patient.pk)
            .exists()
        ):
            return patient
    raise AssertionError("The demo clinic has no patient left without an intake.")


def screenshot(page, name: str) -> None:
    folder = os.environ.get("KETACLINIC_E2E_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def fits_the_phone(page) -> None:
    width = page.evaluate(SCROLL_WIDTH)
    assert width <= PHONE["width"], f"{page.url} scrolls sideways ({width}px wide)"


def at_step(page, title: str, number: int) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text(f"Step {number} of {STEPS}")).to_be_visible()
    fits_the_phone(page)


def answer(page, question: str, choice: str) -> None:
    """Pick a radio answer to the question (a fieldset's legend) that starts so."""
    group = page.get_by_role("group", name=re.compile(f"^{re.escape(question)}"))
    group.get_by_role("radio", name=choice, exact=True).check()


def save_and_continue(page) -> None:
    """Submit the step and wait for the page the answer leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue").click()


def open_step(page, title: str) -> None:
    page.get_by_text("All steps", exact=True).click()
    page.get_by_role("link", name=title, exact=True).click()


def item(page, number: int):
    """Item `number` of the questionnaire on the page (its legend is numbered)."""
    return page.get_by_role("group", name=re.compile(rf"^{number}\. "))


def fill_trial(page, number: int, drug, dose, weeks, outcome) -> None:
    box = page.get_by_role("group", name=f"Medicine {number}", exact=True)
    box.get_by_label("Medicine").fill(drug)
    box.get_by_label("Highest daily dose (mg)").fill(dose)
    box.get_by_label("Weeks taken at that dose").fill(weeks)
    box.get_by_label("How did it go?").select_option(label=outcome)
    box.get_by_role("radio", name="Yes", exact=True).check()


def give_birth_date(phone, patient) -> None:
    """The link shows health information: it opens with the date of birth."""
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Please confirm it is you"
    )
    phone.get_by_label("Your date of birth").fill(patient.date_of_birth.isoformat())
    phone.get_by_role("button", name="Open").click()


def test_phone_intake_with_a_safety_answer_then_the_provider_signs_the_screening(
    page, new_page, sign_in, settings, live_server
):
    settings.KETACLINIC_BASE_URL = live_server.url  # links in messages lead here
    patient = patient_without_intake()
    full_name = f"{patient.first_name} {patient.last_name}"

    # 1. The nurse emails the intake link from the chart.
    sign_in(page, "nurse")
    page.goto(f"/patients/{patient.uuid}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(patient.display_name)
    page.get_by_role("link", name="Intake and screening").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Intake and screening")
    page.get_by_role("button", name="Email intake link").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Intake link sent to {patient.email}."
    )
    intakes = page.get_by_role("region", name="Intakes")
    expect(intakes).to_contain_text("Sent · Patient, through the private link")
    email = OutboundMessage.objects.get(purpose="intake_link", to=patient.email)
    [link] = re.findall(r"https?://\S+/my-intake/\S+/", email.body_text)
    assert link.startswith(f"{live_server.url}/my-intake/"), link
    link = link.removeprefix(live_server.url)

    # 2. The patient starts on a phone: about them, their mental-health history.
    phone = new_page(PHONE)
    phone.goto(link)
    give_birth_date(phone, patient)
    at_step(phone, "About you", 1)
    phone.get_by_role("checkbox", name="Depression", exact=True).check()
    phone.get_by_label("Your phone").fill("303-555-0142")
    answer(phone, "Are your name, date of birth and address", "Yes")
    save_and_continue(phone)

    at_step(phone, "Mental health history", 2)
    phone.get_by_role("checkbox", name="Depression", exact=True).check()
    answer(phone, "Have you ever been in hospital", "No")
    answer(phone, "Have you ever tried to end your life", "No")
    phone.get_by_label("How many months has your current episode").fill("18")
    save_and_continue(phone)
    at_step(phone, "Antidepressants you have tried", 3)
    # They close the page, and come back later from the same link.
    phone.context.close()

    phone = new_page(PHONE)
    phone.goto(link)
    give_birth_date(phone, patient)  # a new browser session asks again
    at_step(phone, "Antidepressants you have tried", 3)
    open_step(phone, "About you")
    at_step(phone, "About you", 1)
    expect(phone.get_by_role("checkbox", name="Depression", exact=True)).to_be_checked()
    expect(phone.get_by_role("checkbox", name="PTSD", exact=True)).not_to_be_checked()
    expect(phone.get_by_label("Your phone")).to_have_value(
        re.compile(r"303\D*555\D*0142$")
    )
    open_step(phone, "Mental health history")
    expect(
        phone.get_by_label("How many months has your current episode")
    ).to_have_value("18")
    phone.goto(link)  # the link still resumes at the first unfinished step
    at_step(phone, "Antidepressants you have tried", 3)

    # 3. Two antidepressant trials: the first is saved, then a second is added.
    fill_trial(phone, 1, *TRIALS[0])
    save_and_continue(phone)
    phone.get_by_text("All steps", exact=True).click()
    trials_step = phone.get_by_role("listitem").filter(
        has=phone.get_by_role("link", name="Antidepressants you have tried")
    )
    expect(trials_step).to_contain_text("✓")
    trials_step.get_by_role("link").click()
    at_step(phone, "Antidepressants you have tried", 3)
    first = phone.get_by_role("group", name="Medicine 1", exact=True)
    expect(first.get_by_label("Medicine")).to_have_value(TRIALS[0][0])
    expect(first.get_by_label("Weeks taken at that dose")).to_have_value(TRIALS[0][2])
    second = phone.get_by_role("group", name="Medicine 2", exact=True)
    expect(second.get_by_label("Medicine")).to_have_value("")
    fill_trial(phone, 2, *TRIALS[1])
    save_and_continue(phone)

    at_step(phone, "Other treatments", 4)
    answer(phone, "Psychotherapy", "Yes")
    for treatment in ("ECT (", "TMS (", "Esketamine", "Ketamine before"):
        answer(phone, treatment, "No")
    save_and_continue(phone)

    at_step(phone, "Medical history", 5)
    questions = phone.locator("form fieldset.choices")
    expect(questions).to_have_count(len(CHECKLIST))
    for question in questions.all():
        question.get_by_role("radio", name="No", exact=True).check()
    save_and_continue(phone)

    at_step(phone, "Medicines and allergies", 6)
    phone.get_by_label("Medicine 1, with the dose").fill("Wellbutrin XL 300 mg daily")
    phone.get_by_label("Allergies, one per line").fill("None known")
    save_and_continue(phone)

    at_step(phone, "Alcohol, drugs and pregnancy", 7)
    answer(phone, "Are you currently struggling with alcohol", "No")
    answer(phone, "Are you pregnant?", "Does not apply")
    answer(phone, "Are you breastfeeding?", "Does not apply")
    save_and_continue(phone)

    at_step(phone, "Height, weight and blood pressure", 8)
    phone.get_by_label("Height (cm)").fill("172")
    phone.get_by_label("Weight (kg)").fill("74.5")
    phone.get_by_label("Blood pressure, upper number").fill("124")
    phone.get_by_label("Blood pressure, lower number").fill("78")
    save_and_continue(phone)

    at_step(phone, "Your escort", 9)
    phone.get_by_label("Who will take you home").fill("Sam Rivera")
    phone.get_by_label("How do you know them?").fill("partner")
    phone.get_by_label("Their phone").fill("303-555-0150")
    save_and_continue(phone)

    # 4. PHQ-9 with item 9 positive: crisis resources, an urgent task.
    at_step(phone, "PHQ-9", 10)
    for number in range(1, 9):
        item(phone, number).get_by_role("radio", name="More than half the days").check()
    expect(item(phone, 9)).to_contain_text("better off dead")
    item(phone, 9).get_by_role("radio", name="Several days").check()
    # The difficulty question is not scored, so it carries no number.
    difficulty = phone.get_by_role("group", name=re.compile("^If you checked off"))
    difficulty.get_by_role("radio", name="Very difficult").check()
    screenshot(phone, "phq9.png")
    assert not UrgentTask.objects.filter(patient=patient).exists()
    save_and_continue(phone)

    crisis = phone.get_by_role("alert")
    expect(crisis.get_by_role("heading", level=1)).to_have_text(
        "Help is available right now"
    )
    lifeline = crisis.get_by_role("link", name="988")
    expect(lifeline.first).to_have_attribute("href", "tel:988")
    expect(lifeline.nth(1)).to_have_attribute("href", "sms:988")
    expect(crisis.get_by_role("link", name="911")).to_have_attribute("href", "tel:911")
    expect(crisis).to_contain_text(
        "A clinician from the clinic will contact you as soon as possible"
    )
    fits_the_phone(phone)
    screenshot(phone, "crisis.png")
    [task] = UrgentTask.objects.filter(patient=patient)
    assert task.response.instrument == "phq9" and task.response.answers["q9"] == 1
    assert task.done_at is None
    phone.get_by_role("link", name="Continue").click()

    at_step(phone, "GAD-7", 11)
    for number in range(1, 8):
        item(phone, number).get_by_role("radio", name="Several days").check()
    save_and_continue(phone)

    at_step(phone, "C-SSRS screener", 12)
    questionnaire = phone.locator("form.questionnaire").get_by_role("group")
    expect(questionnaire).to_have_count(7)
    for question in questionnaire.all():
        question.get_by_role("radio", name="No", exact=True).check()
    save_and_continue(phone)

    # 5. Every consent, signed by typing the name; then the intake is sent.
    at_step(phone, "Consents", 13)
    consents = phone.locator("section.consent")
    expect(consents.get_by_role("heading", level=2)).to_have_text(
        [re.compile(rf"^{re.escape(title)}\b") for title in CONSENTS]
    )
    # Any name will not do: "asdf" is refused next to the field and kept.
    consents.first.get_by_label("Type your full name to sign").fill("asdf")
    consents.first.get_by_role("button", name="Sign").click()
    expect(consents.first).to_contain_text(
        "The name you typed is not the name the clinic has on file."
    )
    expect(consents.first.get_by_label("Type your full name to sign")).to_have_value(
        "asdf"
    )
    expect(consents).to_have_count(len(CONSENTS))
    for left in range(len(CONSENTS) - 1, -1, -1):
        consent = consents.first
        consent.get_by_label("Type your full name to sign").fill(full_name)
        consent.get_by_role("button", name="Sign").click()
        expect(consents).to_have_count(left)
        fits_the_phone(phone)
    expect(phone.get_by_text("Everything is signed.")).to_be_visible()
    phone.get_by_role("link", name="Continue").click()

    at_step(phone, "Check and send", 14)
    phone.get_by_role("button", name="Send my intake").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Thank you: your intake is sent"
    )
    fits_the_phone(phone)
    intake = Intake.objects.get(patient=patient)
    assert intake.status == Intake.Status.SUBMITTED
    assert intake.channel == Intake.Channel.LINK
    assert [t["drug"] for t in intake.answers["antidepressants"]] == [
        "Sertraline",
        "Escitalopram",
    ]
    assert patient.signatures.count() == len(CONSENTS)
    assert {s.typed_name for s in patient.signatures.all()} == {full_name}

    # 6. The provider: the urgent task on the worklist, then the screening.
    desk = new_page()
    sign_in(desk, "provider")
    desk.get_by_role("link", name="Worklist").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Worklist")
    who = f"{patient.last_name}, {patient.first_name}"
    row = desk.get_by_role("row").filter(
        has=desk.get_by_role("link", name=who, exact=True)
    )
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Urgent")
    expect(row).to_contain_text("PHQ-9: Suicide risk")
    row.get_by_role("link", name=who, exact=True).click()

    expect(desk.get_by_role("heading", level=1)).to_have_text("Intake and screening")
    expect(desk.get_by_role("alert")).to_contain_text("Urgent: PHQ-9: Suicide risk")
    desk.get_by_role("link", name="Screening", exact=True).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Screening")
    findings = desk.get_by_role("region", name="Findings")
    trd = findings.get_by_role("listitem").filter(
        has_text="Criteria for treatment-resistant depression met"
    )
    expect(trd).to_contain_text("2 failed adequate trial(s) (sertraline, escitalopram)")
    expect(trd).to_contain_text("Source: CLINICAL.md 8")
    item9 = findings.get_by_role("listitem").filter(has_text="PHQ-9 item 9 answered 1")
    expect(item9).to_contain_text("Suicide risk")
    expect(item9).to_contain_text("Source: CLINICAL.md 5.1")
    # A suicide finding looks urgent (red), not amber like any risk flag.
    expect(item9).to_contain_text("Urgent: suicide risk")
    expect(item9).to_have_css("border-left-color", "rgb(180, 35, 24)")
    expect(findings).not_to_contain_text("not met")
    expect(findings).not_to_contain_text("medical-history question")
    scores = desk.get_by_role("region", name="Latest scores")
    phq9 = scores.locator("dt", has_text="PHQ-9").locator(
        "xpath=following-sibling::dd[1]"
    )
    expect(phq9).to_contain_text(re.compile(r"^17 · Moderately severe"))

    decision = desk.get_by_role("region", name="Decision")
    decision.get_by_role("radio", name="Candidate", exact=True).check()
    decision.get_by_label("Indication").select_option("depression")
    rationale = (
        "Treatment-resistant depression after two adequate trials. Item 9 "
        "positive: same-day risk assessment before the first infusion."
    )
    decision.get_by_label("Rationale").fill(rationale)
    decision.get_by_role("button", name="Sign decision").click()
    # One general rationale does not pass the open urgent task: it needs its own
    # named override with a reason.
    override = decision.get_by_label(re.compile(r"^Override \(open urgent task\)"))
    expect(decision).to_contain_text("Give your reason to override this")
    assert not ScreeningDecision.objects.filter(patient=patient).exists()
    decision.get_by_role("radio", name="Candidate", exact=True).check()
    override.fill("C-SSRS by me today: low risk; safety plan agreed.")
    decision.get_by_role("button", name="Sign decision").click()

    expect(desk.get_by_role("status")).to_contain_text("Decision signed.")
    decision = desk.get_by_role("region", name="Decision")
    expect(decision).to_contain_text(
        "Candidate for depression, signed by Priya Raman, MD"
    )
    expect(decision).to_contain_text(rationale)
    expect(decision).to_contain_text("Overrode an open urgent task")
    expect(decision).to_contain_text("Reason: C-SSRS by me today: low risk")
    screenshot(desk, "screening.png")
    signed = ScreeningDecision.objects.get(patient=patient)
    assert signed.outcome == ScreeningDecision.Outcome.CANDIDATE
    assert signed.signed_by.username == "provider"
    assert {(f["code"], f["kind"]) for f in signed.findings} >= {
        ("trd", "criterion_met"),
        ("phq9_item9", "risk_flag"),
    }
