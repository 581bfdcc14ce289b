from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketaclinic.scheduling.models import Appointment
from tests.conftest import make_patient
from tests.scheduling.factories import open_clinic, works
from tests.scheduling.test_booking import book, local, next_weekday


@pytest.fixture
def clinic(world):
    types = open_clinic(world.home, chairs=3, rooms=1)
    works(world.staff["nurse"], world.home, at_once=3)
    works(world.staff["provider"], world.home)
    return types


def count_queries(client, url, **params) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.text


def test_the_day_view_shows_chairs_as_columns_and_bounded_queries(
    world, clinic, as_role
):
    day = next_weekday(1)
    client = as_role("front_desk")
    book(world, clinic, local(day, 9))
    few, text = count_queries(client, reverse("scheduling:day"), day=day.isoformat())
    assert "Chair 1" in text and "Room 1" in text
    assert "Lovelace, A." in text
    for n in range(8):
        patient = make_patient(world.home, mrn=f"D{n:07d}", last_name=f"Day{n}")
        book(world, clinic, local(day, 11 + 2 * (n // 3)), patient=patient)
    many, text = count_queries(client, reverse("scheduling:day"), day=day.isoformat())
    # The page's queries (calendar_day lists them), its audit entry chained
    # (3 queries): the same with 1 visit or 9.
    assert many == few <= 12
    assert "Day7" in text


def test_the_week_view_lists_each_day(world, clinic, as_role):
    day = next_weekday(2)
    book(world, clinic, local(day, 9))
    client = as_role("nurse")
    few, text = count_queries(client, reverse("scheduling:week"), day=day.isoformat())
    assert "Lovelace" in text and "Chair 1" in text
    for n in range(5):
        patient = make_patient(world.home, mrn=f"E{n:07d}", last_name=f"Week{n}")
        book(world, clinic, local(day + timedelta(days=1), 9 + n), patient=patient)
    many, _ = count_queries(client, reverse("scheduling:week"), day=day.isoformat())
    assert many == few <= 11  # the audit entry of the page, chained (3 queries)


def test_booking_from_the_list_of_free_times(world, clinic, as_role):
    client = as_role("front_desk")
    url = reverse("scheduling:book", args=[world.patient.uuid])
    day = next_weekday(1)
    page = client.get(
        url,
        {
            "type": clinic["infusion-depression"].pk,
            "start_date": day.isoformat(),
            "weekdays": [day.weekday()],
            "not_before": "10:00",
        },
    )
    assert page.status_code == 200
    found = page.context["found"]
    assert len(found) == 10
    first = found[0]["slot"].start
    assert first.astimezone(world.home.zone).hour == 10
    response = client.post(
        url,
        {"type": clinic["infusion-depression"].pk, "starts_at": first.isoformat()},
    )
    appointment = Appointment.objects.get()
    assert response["Location"] == reverse(
        "scheduling:appointment", args=[appointment.uuid]
    )
    assert appointment.starts_at == first
    chart = client.get(reverse("patients:chart", args=[world.patient.uuid]))
    assert "Upcoming visits" in chart.text and "Infusion" in chart.text


def test_a_taken_time_is_refused_with_the_nearest_free_times(world, clinic, as_role):
    client = as_role("front_desk")
    url = reverse("scheduling:book", args=[world.patient.uuid])
    start = local(next_weekday(1), 17)  # runs past closing
    response = client.post(
        url, {"type": clinic["infusion-depression"].pk, "starts_at": start.isoformat()}
    )
    assert response.status_code == 409
    assert "outside opening hours" in response.text
    assert "Nothing was booked" in response.text
    assert response.context["found"]
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "params",
    [
        {"type": "999", "start_date": "2026-01-01"},
        {"type": "1", "start_date": "not a date"},
        {"type": "1", "start_date": "1999-01-01"},
        {"type": "1", "start_date": "2999-01-01"},
        {"type": "1", "start_date": "", "not_before": "25:00"},
        {"type": "1", "not_before": "12:00", "not_after": "09:00"},
        {"type": "1", "weekdays": ["9"]},
    ],
)
def test_bad_search_input_is_explained(world, clinic, as_role, params):
    response = as_role("front_desk").get(
        reverse("scheduling:book", args=[world.patient.uuid]), params
    )
    assert response.status_code == 200
    assert 'class="error"' in response.text


@pytest.mark.parametrize("starts_at", ["", "yesterday", "2026-13-45T10:00"])
def test_a_garbled_booking_post_books_nothing(world, clinic, as_role, starts_at):
    response = as_role("front_desk").post(
        reverse("scheduling:book", args=[world.patient.uuid]),
        {"type": clinic["infusion-depression"].pk, "starts_at": starts_at},
    )
    assert response.status_code == 302
    assert not Appointment.objects.exists()


def test_move_and_cancel_through_the_appointment_page(world, clinic, as_role):
    client = as_role("front_desk")
    start = local(next_weekday(1), 9)
    appointment = book(world, clinic, start)
    page = client.get(reverse("scheduling:appointment", args=[appointment.uuid]))
    assert "Preparation" in page.text and "Recovery" in page.text
    move = reverse("scheduling:appointment_move", args=[appointment.uuid])
    later = start + timedelta(hours=2)
    refused = client.post(move, {"starts_at": "2026-01-01T09:00", "reason": "x"})
    assert refused.status_code == 409 and "in the past" in refused.text
    missing_reason = client.post(move, {"starts_at": later.strftime("%Y-%m-%dT%H:%M")})
    assert missing_reason.status_code == 400
    moved = client.post(
        move, {"starts_at": later.strftime("%Y-%m-%dT%H:%M"), "reason": "asked"}
    )
    assert moved.status_code == 302
    appointment.refresh_from_db()
    assert appointment.starts_at == later
    cancel = reverse(
        "scheduling:appointment_status", args=[appointment.uuid, "cancelled"]
    )
    client.post(cancel, {"reason": ""})
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    client.post(cancel, {"reason": "unwell"})
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    bogus = reverse(
        "scheduling:appointment_status", args=[appointment.uuid, "teleported"]
    )
    assert client.post(bogus).status_code == 404


def test_an_appointment_at_another_location_is_not_found(world, clinic, as_role):
    appointment = book(world, clinic, local(next_weekday(1), 9))
    from tests.conftest import client_for

    stranger = client_for(world.stranger)
    url = reverse("scheduling:appointment", args=[appointment.uuid])
    assert stranger.get(url).status_code == 404
    book_url = reverse("scheduling:book", args=[world.patient.uuid])
    assert stranger.get(book_url).status_code == 404


def test_waitlist_add_and_list(world, clinic, as_role):
    client = as_role("front_desk")
    day = next_weekday(1)
    response = client.post(
        reverse("scheduling:waitlist_add", args=[world.patient.uuid]),
        {
            "type": clinic["infusion-depression"].pk,
            "earliest": day.isoformat(),
            "latest": (day - timedelta(days=1)).isoformat(),
        },
    )
    assert "must not be before" in response.text
    client.post(
        reverse("scheduling:waitlist_add", args=[world.patient.uuid]),
        {
            "type": clinic["infusion-depression"].pk,
            "earliest": day.isoformat(),
            "latest": (day + timedelta(days=7)).isoformat(),
        },
    )
    page = client.get(reverse("scheduling:waitlist"))
    assert "Lovelace" in page.text and "Waiting" in page.text


def test_booking_from_the_week_view_starts_with_the_patient(world, clinic, as_role):
    client = as_role("front_desk")
    day = next_weekday(1)
    page = client.get(reverse("scheduling:week"), {"day": day.isoformat(), "q": "lov"})
    link = reverse("scheduling:book", args=[world.patient.uuid])
    assert link in page.text
    assert "Hopper" not in page.text  # another location's patient
    form = client.get(link, {"start_date": day.isoformat()})
    assert form.status_code == 200
    assert 'class="error"' not in form.text
    assert day.isoformat() in form.text
