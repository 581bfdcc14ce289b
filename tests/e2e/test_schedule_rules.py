"""Seen in the browser: the same patient booked into two overlapping visits
from two open booking pages; check-in and no-show offered for a visit days
away; a move's history without the time it moved from."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ketaclinic.scheduling.models import Appointment, AppointmentType
from tests.e2e.test_scheduling import (
    INFUSION,
    demo_patients,
    first_free_start_on_a_later_day,
    move_to,
)

pytestmark = pytest.mark.e2e


def test_one_patient_one_visit_at_a_time_and_only_the_actions_open_now(
    new_page, sign_in
):
    [patient] = demo_patients(1)
    infusion = AppointmentType.objects.get(name=INFUSION)
    zone = patient.location.zone
    today = timezone.now().astimezone(zone).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    search = f"/schedule/book/{patient.uuid}/?type={infusion.pk}&start_date={monday}"

    # Two front-desk screens list the same free times for the patient.
    first, second = new_page(), new_page()
    for page in (first, second):
        sign_in(page, "frontdesk")
        page.goto(search)
    free = first.get_by_role("region", name=f"Free times for {INFUSION}")
    free.get_by_role("button", name=re.compile(r"^Book ")).first.click()
    expect(first.get_by_role("status")).to_contain_text("Booked.")
    visit = Appointment.objects.get(patient=patient)
    start = visit.starts_at.astimezone(zone)

    # The second screen books 30 minutes later, on another chair: refused,
    # naming the first visit, with the nearest free times.
    later = start + timedelta(minutes=30)
    second.get_by_role(
        "button", name=f"Book {later:%a %b} {later.day}, {later:%H:%M}", exact=True
    ).click()
    alert = second.get_by_role("alert")
    expect(alert).to_contain_text(
        f"{patient.display_name} already has {INFUSION} on "
        f"{start:%a %b} {start.day}, {start:%H:%M}–"
    )
    expect(alert).to_contain_text("Nothing was booked.")
    assert Appointment.objects.filter(patient=patient).count() == 1
    offered = second.get_by_role("button", name=re.compile(r"^Book "))
    expect(offered.first).to_be_visible()

    # The visit is days away: confirm, move, cancel; no check-in, no no-show.
    actions = first.get_by_role("region", name="Actions")
    expect(actions.get_by_role("button", name="Confirm")).to_be_visible()
    expect(actions.get_by_role("button", name="Check in")).to_have_count(0)
    expect(actions.get_by_role("button", name="No-show")).to_have_count(0)

    # Moved: the history names the time it moved from.
    new_start = first_free_start_on_a_later_day(visit).astimezone(zone)
    move_to(first, new_start, "Patient asked")
    history = first.get_by_role("region", name="History")
    expect(history).to_contain_text(
        f"Moved from {start:%a %b} {start.day} {start:%H:%M} to "
        f"{new_start:%a %b} {new_start.day} {new_start:%H:%M} — Patient asked"
    )
