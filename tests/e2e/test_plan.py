"""A provider writes and signs a treatment plan from the depression protocol for
a demo candidate and reads its order sheet; the front desk books the six-infusion
series after moving one proposed time, and every visit has its reminders."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ketaclinic.accounts.models import User
from ketaclinic.audit.actor import Actor
from ketaclinic.intake.models import Intake
from ketaclinic.patients.models import BodyMeasurement, Condition, Patient
from ketaclinic.treatment import plans
from ketaclinic.treatment.models import TreatmentPlan

pytestmark = pytest.mark.e2e

REMINDER_TASK = "ketaclinic.scheduling.notify.reminder_send"


def new_candidate() -> Patient:
    """A demo patient with a submitted intake and no decision yet, signed a
    candidate for depression and weighed this morning."""
    provider = User.objects.get(username="provider")
    for patient in Patient.objects.filter(mrn__startswith="9").order_by("mrn"):
        submitted = Intake.objects.filter(patient=patient, status="submitted")
        if (
            submitted.exists()
            and not plans.ScreeningDecision.objects.filter(patient=patient).exists()
        ):
            break
    else:
        raise AssertionError("No demo patient waits for a screening decision.")
    plans.ScreeningDecision.objects.create(
        patient=patient,
        outcome="candidate",
        indication="depression",
        rationale="Two adequate trials without response.",
        signed_by=provider,
    )
    Condition.objects.create(
        patient=patient, icd10_code="F33.2", description="MDD, recurrent severe"
    )
    BodyMeasurement.objects.create(
        patient=patient, measured_at=timezone.now(), weight_kg=Decimal(80)
    )
    return patient


def test_a_provider_signs_a_plan_and_reads_the_order_sheet(page, sign_in, demo):
    patient = new_candidate()
    sign_in(page, "provider")
    page.goto(f"/patients/{patient.uuid}/")
    card = page.get_by_role("region", name="Treatment plan")
    expect(card).to_contain_text("No plan signed")
    card.get_by_role("link", name="Write a plan").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Write a treatment plan")
    expect(
        page.get_by_role("heading", name="Depression: induction series")
    ).to_be_visible()
    weights = page.get_by_role("region", name="Dosing weight")
    for term in ("Actual weight", "Ideal body weight", "Adjusted body weight"):
        expect(weights.get_by_role("term").filter(has_text=term)).to_be_visible()
    expect(weights).to_contain_text("80 kg, measured")
    page.get_by_label("Indication").select_option("F33.2")
    expect(
        page.get_by_role("spinbutton", name="Dose per kg", exact=True)
    ).to_have_value("0.5")

    # A slip of the decimal point: refused beside the field, nothing signed.
    page.get_by_role("spinbutton", name="Dose per kg", exact=True).fill("5")
    page.get_by_label("Your password, to sign").fill(demo)
    page.get_by_role("button", name="Sign the plan").click()
    expect(page.get_by_text("check the decimal point")).to_be_visible()
    assert not TreatmentPlan.objects.filter(patient=patient).exists()

    page.get_by_role("spinbutton", name="Dose per kg", exact=True).fill("0.5")
    page.get_by_label("Your password, to sign").fill(demo)
    page.get_by_role("button", name="Sign the plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Treatment plan, version 1"
    )
    expect(page.get_by_text("Plan signed (version 1).")).to_be_visible()

    page.get_by_role("link", name="Order sheet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ketamine infusion order sheet"
    )
    sheet = page.locator("table.order-sheet")
    expect(sheet).to_contain_text("40.0 mg")
    expect(sheet).to_contain_text("0.5 mg/kg x 80 kg = 40 mg")
    expect(sheet).to_contain_text("4.0 mL")
    expect(sheet).to_contain_text("150.0 mL/h")
    expect(
        page.get_by_text(re.compile(r"Ondansetron 4 mg IV for nausea"))
    ).to_be_visible()
    # One printed page: the sheet fits a letter page at print size.
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 1500, f"The order sheet is {height}px tall in print."

    page.emulate_media(media="screen")
    page.goto(f"/patients/{patient.uuid}/")
    expect(page.get_by_role("region", name="Treatment plan")).to_contain_text(
        "Depression: induction series"
    )


def another_free_time(plan, proposal: list[str]) -> str:
    """A free time for the sixth infusion other than the proposed one, within
    the cadence (as the front desk would pick from the calendar)."""
    from datetime import datetime

    from ketaclinic.scheduling import queries
    from ketaclinic.treatment import series

    location = plan.patient.location
    times = [
        datetime.strptime(p, "%Y-%m-%dT%H:%M").replace(tzinfo=location.zone)
        for p in proposal
    ]
    free = queries.find_free(
        location=location,
        appointment_type=plan.protocol.appointment_type,
        earliest=series._not_before(times[4], plan, location),
        latest=series._deadline(times[0], plan, location),
        count=5,
        patient_id=plan.patient_id,
    )
    other = next(slot.start for slot in free if slot.start != times[5])
    return other.astimezone(location.zone).strftime("%Y-%m-%dT%H:%M")


def test_the_front_desk_books_the_series_after_moving_one_time(
    page, sign_in, demo, settings, live_server
):
    from django.core import mail
    from django_tasks_db.models import DBTaskResult

    from ketaclinic.scheduling.models import Appointment
    from tests.notifications.helpers import run_worker

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.KETACLINIC_SMS_BACKEND = "memory"
    settings.KETACLINIC_BASE_URL = live_server.url
    mail.outbox = []

    patient = new_candidate()
    from ketaclinic.treatment import plans as plan_services
    from ketaclinic.treatment.demo import plan_input_from
    from ketaclinic.treatment.models import Protocol

    protocol = Protocol.objects.get(key="depression_induction")
    plan = plan_services.plan_sign(
        actor=Actor.system(User.objects.get(username="provider")),
        patient=patient,
        plan=plan_input_from(protocol, indication_code="F33.2", weight_kg=Decimal(80)),
        password=demo,
    )
    sign_in(page, "frontdesk")
    page.goto(f"/plans/{plan.uuid}/")
    page.get_by_role("link", name="Book the series").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book the series")
    inputs = page.locator("input[name=start]")
    expect(inputs).to_have_count(6)
    proposal = [inputs.nth(n).input_value() for n in range(6)]
    moved = another_free_time(plan, proposal)
    page.get_by_label("Infusion 6").fill(moved)
    page.get_by_role("button", name="Confirm and book all 6").click()
    expect(page.get_by_text("Booked 6 infusions.")).to_be_visible()
    series_card = page.get_by_role("region", name="Series")
    expect(series_card.get_by_role("listitem")).to_have_count(6)
    visits = Appointment.objects.filter(plan_visit__plan=plan).order_by("starts_at")
    assert visits.count() == 6
    zone = patient.location.zone
    assert visits.last().starts_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M") == moved
    reminders = DBTaskResult.objects.filter(task_path=REMINDER_TASK)
    planned = {task.args_kwargs["args"][0] for task in reminders}
    assert {visit.pk for visit in visits} <= planned
    # Time passes: the first visit's reminders are due, and the email arrives.
    first = visits.first()
    due = [task.pk for task in reminders if task.args_kwargs["args"][0] == first.pk]
    DBTaskResult.objects.filter(pk__in=due).update(run_after=timezone.now())
    run_worker()
    assert any(patient.email in message.to for message in mail.outbox)


def test_the_series_of_a_patient_with_an_open_urgent_task_needs_one_acknowledgement(
    page, sign_in, demo
):
    """The series page shows the urgent banner and asks the acknowledgement of
    the open task once, for the whole series; without a reason nothing is
    booked, with one every visit keeps it."""
    from ketaclinic.intake.models import UrgentTask
    from ketaclinic.scheduling.models import Appointment
    from ketaclinic.treatment.demo import plan_input_from
    from ketaclinic.treatment.models import Protocol

    patient = new_candidate()
    protocol = Protocol.objects.get(key="depression_induction")
    plan = plans.plan_sign(
        actor=Actor.system(User.objects.get(username="provider")),
        patient=patient,
        plan=plan_input_from(protocol, indication_code="F33.2", weight_kg=Decimal(80)),
        password=demo,
    )
    message = "PHQ-9: Suicide risk: a clinician must assess suicide risk today."
    UrgentTask.objects.create(patient=patient, message=message)
    sign_in(page, "frontdesk")
    page.goto(f"/plans/{plan.uuid}/series/")
    expect(page.get_by_test_id("urgent-banner")).to_be_visible()
    book_all = page.get_by_role("button", name="Acknowledge, confirm and book all 6")
    book_all.click()
    expect(
        page.get_by_text("Give your reason to book despite this task.")
    ).to_be_visible()
    assert not Appointment.objects.filter(plan_visit__plan=plan).exists()
    page.get_by_label(f"Acknowledge the open urgent task: {message}").fill(
        "Assessed by the provider today; safety plan in place"
    )
    book_all.click()
    expect(page.get_by_text("Booked 6 infusions.")).to_be_visible()
    visits = Appointment.objects.filter(plan_visit__plan=plan)
    assert visits.count() == 6
    assert {visit.acknowledgements[0]["by"] for visit in visits} == {
        str(User.objects.get(username="frontdesk"))
    }
