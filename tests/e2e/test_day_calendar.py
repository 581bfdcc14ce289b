"""The day calendar, as the front desk uses it on a 1366 px screen: reached by
keyboard, every chair and room in view, a line at "now", and a free cell that
books its chair at its day and time."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ketaclinic.clinics.models import Closure, Location, OpeningHours
from ketaclinic.scheduling.models import Appointment
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_scheduling import INFUSION, demo_patients

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}
REGION = "Appointments by chair and room"


def test_the_day_fits_a_laptop_is_reached_by_keyboard_and_shows_now(new_page, sign_in):
    location = Location.objects.get()
    now = timezone.now().astimezone(location.zone)
    # The clinic is open all day today, so "now" falls within the day's hours.
    OpeningHours.objects.filter(location=location, weekday=now.weekday()).delete()
    OpeningHours.objects.create(
        location=location, weekday=now.weekday(), opens=time(0), closes=time(23, 59)
    )
    page = new_page(LAPTOP)
    sign_in(page, "frontdesk")
    page.goto("/schedule/")
    assert_accessible(page)

    region = page.get_by_role("region", name=REGION)
    page.get_by_role("link", name="Waitlist", exact=True).focus()
    page.keyboard.press("Tab")
    expect(region).to_be_focused()
    assert region.evaluate("e => e.scrollWidth <= e.clientWidth"), "scrolls sideways"
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]

    line = page.locator("#cal-now")
    expect(line).to_be_visible()
    expect(line).to_contain_text(re.compile(r"^Now \d\d:\d\d$"))
    # The line sits at the time it names, between the labels around it.
    hour = page.locator(".cal-time", has_text=f"{now:%H}:00").first
    assert hour.bounding_box()["y"] <= line.bounding_box()["y"]


def test_a_free_cell_books_its_chair_at_its_day_and_time(new_page, sign_in):
    [patient] = demo_patients(1)
    zone = patient.location.zone
    day = timezone.now().astimezone(zone).date() + timedelta(days=7)
    while (
        not OpeningHours.objects.filter(weekday=day.weekday()).exists()
        or Closure.objects.filter(starts_on__lte=day, ends_on__gte=day).exists()
    ):
        day += timedelta(days=1)
    page = new_page(LAPTOP)
    sign_in(page, "frontdesk")
    page.goto(f"/schedule/?day={day}")

    cell = page.get_by_role("link", name=re.compile(r"^Book Chair \d+ at 1[0-3]:\d\d$"))
    name = cell.first.inner_text()
    chair, at = re.fullmatch(r"\+?\s*Book (Chair \d+) at (\S+)", name).groups()
    cell.first.click()
    booking = page.get_by_role("region", name=f"Book {chair}, ")
    expect(booking).to_contain_text(f"{day:%A, %B} {day.day} at {at}")
    booking.get_by_label("Find the patient").fill(patient.last_name)
    booking.get_by_role("button", name="Find").click()
    page.get_by_role(
        "link", name=f"Book {patient.last_name}, {patient.first_name}"
    ).click()

    expect(page.get_by_label("From")).to_have_value(f"{day}")
    expect(page.get_by_label("Not before")).to_have_value(at)
    assert (
        page.get_by_label("Chair or room").evaluate("s => s.selectedOptions[0].text")
        == chair
    )
    page.get_by_label("Appointment type").select_option(label=INFUSION)
    page.get_by_role("button", name="Find free times").click()
    free = page.get_by_role("region", name=f"Free times for {INFUSION}")
    first = free.get_by_role("listitem").first
    expect(first).to_contain_text(chair)
    first.get_by_role("button").click()
    expect(page.get_by_role("status")).to_contain_text("Booked.")
    visit = Appointment.objects.get(patient=patient)
    assert visit.starts_at.astimezone(zone).date() == day
    assert f"{visit.starts_at.astimezone(zone):%H:%M}" >= at
    assert visit.allocations.filter(resource__name=chair).exists()
