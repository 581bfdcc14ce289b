"""The appointment page on a tablet at the front desk: its action buttons one
size, and a move made by picking a day, then one of its free times."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ketaclinic.scheduling.models import Appointment
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_scheduling import first_free_start_on_a_later_day

pytestmark = pytest.mark.e2e


def test_action_buttons_are_one_size_and_a_move_offers_the_days_free_times(
    tablet_page, sign_in
):
    page = tablet_page
    visit = Appointment.objects.filter(
        patient__isnull=False,
        status=Appointment.Status.BOOKED,
        starts_at__gte=timezone.now() + timedelta(days=2),
    ).earliest("starts_at")
    zone = visit.location.zone
    sign_in(page, "frontdesk")
    page.goto(f"/schedule/appointments/{visit.uuid}/")

    actions = page.get_by_role("region", name="Actions")
    buttons = actions.get_by_role("button")
    boxes = [buttons.nth(n).bounding_box() for n in range(buttons.count())]
    assert len(boxes) >= 3
    heights = {round(box["height"]) for box in boxes}
    assert len(heights) == 1 and heights.pop() >= 44, boxes

    # No raw date-and-time field: a day, then the free times of that day.
    expect(page.locator("input[type=datetime-local]")).to_have_count(0)
    new_start = first_free_start_on_a_later_day(visit).astimezone(zone)
    page.get_by_label("Move to the day").fill(f"{new_start:%Y-%m-%d}")
    page.get_by_role("button", name="Show free times").click()
    times = page.get_by_role("group", name="New start")
    expect(times.get_by_role("radio").first).to_be_visible()
    assert_accessible(page)
    # The reason is missing: the chosen day's times are offered again.
    times.get_by_role("radio", name=f"{new_start:%H:%M}", exact=True).check()
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_label("Why it moves")).to_be_focused()
    times = page.get_by_role("group", name="New start")
    expect(times.get_by_role("radio", name=f"{new_start:%H:%M}")).to_be_checked()
    page.get_by_label("Why it moves").fill("Patient asked")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Moved.")
    visit.refresh_from_db()
    assert visit.starts_at == new_start
