"""A safety answer in the intake, then booking: the patient reads the crisis
resources and the clinic's after-hours instruction; the front desk sees the
urgent banner on the chart and the booking page, which asks an acknowledgement
before it books the infusion; the day calendar marks the visit."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ketaclinic.accounts.models import User
from ketaclinic.audit.actor import Actor
from ketaclinic.intake import services as intake
from ketaclinic.intake.models import UrgentTask
from ketaclinic.links import tokens as links
from ketaclinic.scheduling.models import Appointment
from tests.e2e.test_intake import PHONE, give_birth_date, item, save_and_continue
from tests.e2e.test_scheduling import INFUSION, demo_patients

pytestmark = pytest.mark.e2e


def serious_violations(page, selector: str) -> list[str]:
    """What axe-core finds critical or serious in the part of the page this
    change added."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page, context={"include": [[selector]]}).response
    return [
        f"{v['id']}: {v['help']}"
        for v in found["violations"]
        if v["impact"] in ("critical", "serious")
    ]


def test_a_safety_answer_puts_the_banner_on_the_chart_and_booking_asks_first(
    new_page, sign_in
):
    [patient] = demo_patients(1)  # a signed candidate, nothing booked
    started = intake.intake_send(actor=Actor.system(), patient=patient)
    link = reverse(
        "intake_public:intake", args=[links.token(links.Purpose.INTAKE, started.uuid)]
    )

    # 1. The patient answers the PHQ-9 with item 9 above 0, on a phone.
    phone = new_page(PHONE)
    phone.goto(link)
    give_birth_date(phone, patient)
    phone.goto(f"{link}?step=q:phq9")
    for number in range(1, 9):
        item(phone, number).get_by_role("radio", name="Several days").check()
    item(phone, 9).get_by_role("radio", name="Several days").check()
    phone.get_by_role("group", name=re.compile("^If you checked off")).get_by_role(
        "radio", name="Somewhat difficult"
    ).check()
    save_and_continue(phone)
    crisis = phone.get_by_role("alert")
    expect(crisis.get_by_role("heading", level=1)).to_have_text(
        "Help is available right now"
    )
    expect(crisis).to_contain_text("When the clinic is closed:")
    expect(crisis).to_contain_text("call or text 988")
    [task] = UrgentTask.objects.filter(patient=patient, done_at__isnull=True)

    # 2. The front desk opens the chart: the urgent banner, in plain words.
    desk = new_page()
    sign_in(desk, "frontdesk")
    desk.goto(f"/patients/{patient.uuid}/")
    banner = desk.get_by_test_id("urgent-banner")
    expect(banner).to_contain_text("Urgent: open suicide-risk task.")
    expect(banner).not_to_contain_text(task.message)  # the answers: clinicians only
    assert serious_violations(desk, "[data-testid=urgent-banner]") == []

    # 3. Booking an infusion asks an acknowledgement first, then books.
    desk.get_by_role("link", name="Book", exact=True).click()
    expect(desk.get_by_test_id("urgent-banner")).to_be_visible()
    desk.get_by_label("Appointment type").select_option(label=INFUSION)
    desk.get_by_role("button", name="Find free times").click()
    free = desk.get_by_role("region", name=f"Free times for {INFUSION}")
    free.get_by_role("button", name=re.compile(r"^Book ")).first.click()
    asking = desk.get_by_role("form", name="Acknowledge before booking")
    expect(asking).to_contain_text("Nothing is booked until")
    assert not Appointment.objects.filter(patient=patient).exists()
    assert serious_violations(desk, "form.acknowledge") == []
    asking.get_by_role("button", name="Acknowledge and book").click()
    field = desk.get_by_label(re.compile("^Acknowledge the open urgent task"))
    expect(
        desk.get_by_text("Give your reason to book despite this task.")
    ).to_be_visible()
    field.fill("Dr Patel assessed her by phone today: safety plan in place")
    desk.get_by_role("button", name="Acknowledge and book").click()
    expect(desk.get_by_role("status")).to_contain_text("Booked.")
    booked = Appointment.objects.get(patient=patient)
    [acknowledged] = booked.acknowledgements
    assert acknowledged["reason"].startswith("Dr Patel assessed her")
    assert acknowledged["by"] == str(User.objects.get(username="frontdesk"))

    # 4. The day calendar marks the visit, in words.
    day = booked.starts_at.astimezone(patient.location.zone).date()
    desk.goto(f"/schedule/?day={day.isoformat()}")
    block = desk.locator(f'a[href="/schedule/appointments/{booked.uuid}/"]')
    expect(block).to_contain_text("Urgent risk task open")
    assert serious_violations(desk, ".risk-marker") == []
