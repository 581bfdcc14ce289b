"""The staff calendar feed: a secret URL per staff member listing their own
visits, patients by initials only; any other token is not found."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.notifications.models import CalendarFeedToken
from ketaclinic.scheduling.models import Appointment
from tests.notifications.helpers import ics_events, make_visit, soon, unescape


def feed_of(user) -> CalendarFeedToken:
    return CalendarFeedToken.objects.create(
        user=user, token=CalendarFeedToken.new_token()
    )


def fetch(token: str):
    return Client().get(reverse("calendar_feed", args=[token]))


@pytest.fixture
def nurse(world):
    return world.staff["nurse"]


def test_the_feed_lists_only_that_staff_members_visits(world, nurse):
    colleague = world.staff["provider"]
    mine = make_visit(world.patient, soon(days=2), staff=nurse)
    make_visit(world.patient, soon(days=3), staff=colleague)
    make_visit(world.foreign_patient, soon(days=4), staff=world.stranger)
    response = fetch(feed_of(nurse).token)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    [event] = ics_events(response.content.decode())
    assert event["UID"] == f"{mine.uuid}-{nurse.pk}@ketaclinic"
    assert event["DTSTART"] == mine.starts_at.strftime("%Y%m%dT%H%M%SZ")
    assert event["DTEND"] == (mine.starts_at + timedelta(minutes=60)).strftime(
        "%Y%m%dT%H%M%SZ"
    )
    assert unescape(event["SUMMARY"]) == "Ketamine infusion: A.L."
    assert unescape(event["LOCATION"]) == "Home clinic"


def test_the_feed_never_names_a_patient(world, nurse):
    make_visit(world.patient, soon(days=2), staff=nurse)
    body = fetch(feed_of(nurse).token).content.decode()
    for name in ("Ada", "Lovelace", world.patient.mrn, "ada@example.com"):
        assert name not in body


def test_cancelled_visits_leave_the_feed(world, nurse):
    make_visit(
        world.patient, soon(days=2), staff=nurse, status=Appointment.Status.CANCELLED
    )
    assert ics_events(fetch(feed_of(nurse).token).content.decode()) == []


def test_an_empty_schedule_is_a_valid_empty_calendar(nurse):
    body = fetch(feed_of(nurse).token).content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert body.endswith("END:VCALENDAR\r\n")


@pytest.mark.parametrize("token", ["wrong", "x" * 43, "%2e%2e", "-"])
def test_a_wrong_token_is_not_found(nurse, token):
    feed_of(nurse)
    assert fetch(token).status_code == 404


def test_a_deactivated_staff_members_feed_is_not_found(nurse):
    feed = feed_of(nurse)
    nurse.is_active = False
    nurse.save()
    assert fetch(feed.token).status_code == 404


def test_a_new_address_replaces_the_old_one(world, nurse):
    from tests.conftest import client_for

    client = client_for(nurse)
    page = client.get(reverse("notifications:calendar"))
    assert "Make my calendar address" in page.content.decode()
    assert client.post(reverse("notifications:calendar_new")).status_code == 302
    first = CalendarFeedToken.objects.get(user=nurse).token
    page = client.get(reverse("notifications:calendar")).content.decode()
    assert f"http://testserver/calendar/{first}.ics" in page
    client.post(reverse("notifications:calendar_new"))
    second = CalendarFeedToken.objects.get(user=nurse).token
    assert second != first
    assert fetch(first).status_code == 404
    assert fetch(second).status_code == 200


def test_the_feed_is_fetched_in_a_fixed_number_of_queries(
    world, nurse, django_assert_num_queries
):
    for days in range(1, 6):
        make_visit(world.patient, soon(days=days), staff=nurse)
    token = feed_of(nurse).token
    # The token with its user; the allocations with visit, patient, type, place.
    with django_assert_num_queries(2):
        events = ics_events(fetch(token).content.decode())
    assert len(events) == 5
