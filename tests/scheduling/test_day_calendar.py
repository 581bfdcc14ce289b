"""The day calendar's free cells, its "now" row, and booking the chair a
free cell names."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from ketaclinic.clinics.models import Closure, Resource
from ketaclinic.scheduling import queries
from ketaclinic.scheduling.models import Appointment
from tests.scheduling.factories import open_clinic, works
from tests.scheduling.test_booking import book, local, next_weekday


@pytest.fixture
def clinic(world):
    types = open_clinic(world.home, chairs=3, rooms=1)
    works(world.staff["nurse"], world.home, at_once=3)
    works(world.staff["provider"], world.home)
    return types


def cells(calendar, name: str) -> list[str]:
    return [
        f"{cell['start']:%H:%M}"
        for cell in calendar.free_cells
        if cell["resource"].name == name
    ]


def test_a_free_cell_is_each_free_half_hour_ahead_of_each_chair(world, clinic):
    day = next_weekday(1)
    visit = book(world, clinic, local(day, 9))  # 09:00-10:25 on a chair
    [chair] = {
        a.resource.name for a in visit.allocations.filter(resource__isnull=False)
    }
    calendar = queries.day_calendar(world.home, day, now=local(day, 8, 40))

    held = cells(calendar, chair)
    assert "08:30" not in held  # already begun
    assert held[:2] == ["10:30", "11:00"]  # 09:00 to 10:25 is held
    assert cells(calendar, "Room 1")[0] == "09:00"
    assert cells(calendar, "Room 1")[-1] == "17:30"  # the last before closing
    assert calendar.now_row == 2 + (40 // queries.ROW_MINUTES)


def test_now_shows_only_within_the_days_hours(world, clinic):
    day = next_weekday(1)
    assert queries.day_calendar(world.home, day, now=local(day, 7)).now_row is None
    tomorrow = local(day + timedelta(days=1), 9)
    assert queries.day_calendar(world.home, day, now=tomorrow).now_row is None
    assert queries.day_calendar(world.home, day, now=tomorrow).free_cells == []


def test_a_closed_day_offers_no_cell(world, clinic):
    day = next_weekday(1)
    Closure.objects.create(
        location=world.home, starts_on=day, ends_on=day, reason="Holiday"
    )
    assert queries.day_calendar(world.home, day, now=local(day, 7)).free_cells == []


def test_a_free_cell_opens_the_patient_search_for_its_chair_and_time(
    world, clinic, as_role
):
    day = next_weekday(1)
    chair = Resource.objects.get(name="Chair 2")
    client = as_role("front_desk")
    url = reverse("scheduling:day")
    page = client.get(url, {"day": day, "resource": chair.pk, "at": "10:30"})
    assert "Book Chair 2, " in page.text and " at 10:30" in page.text
    found = client.get(
        url, {"day": day, "resource": chair.pk, "at": "10:30", "q": "Lovelace"}
    )
    book_url = reverse("scheduling:book", args=[world.patient.uuid])
    assert (
        f"{book_url}?start_date={day}&amp;not_before=10:30&amp;resource={chair.pk}"
        in found.text
    )
    # A time that is no free cell opens nothing.
    page = client.get(url, {"day": day, "resource": chair.pk, "at": "10:31"})
    assert "Find the patient" not in page.text


def test_the_chair_asked_for_is_the_one_found_and_booked(world, clinic, as_role):
    day = next_weekday(1)
    chair = Resource.objects.get(name="Chair 2")
    infusion = clinic["infusion-depression"]
    client = as_role("front_desk")
    url = reverse("scheduling:book", args=[world.patient.uuid])
    found = client.get(
        url,
        {
            "type": infusion.pk,
            "start_date": day,
            "not_before": "10:30",
            "resource": chair.pk,
        },
    )
    assert "Chair 1" not in found.text.split('id="h-free"')[1]
    start = local(day, 10, 30)
    client.post(
        url,
        {"type": infusion.pk, "starts_at": start.isoformat(), "resource": chair.pk},
    )
    visit = Appointment.objects.get(patient=world.patient)
    assert visit.starts_at == start
    assert set(
        visit.allocations.filter(resource__isnull=False).values_list(
            "resource__name", flat=True
        )
    ) == {"Chair 2"}
