"""The chart's series card: each visit of the plan's series, booked, done or
missed, and a link to propose a missed one again."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from ketaclinic.scheduling.models import Appointment
from ketaclinic.treatment.demo import past_series
from tests.conftest import client_for
from tests.treatment.helpers import signed_plan


def chart(world, role="nurse"):
    return client_for(world.staff[role]).get(
        reverse("patients:chart", args=[world.patient.uuid])
    )


def test_the_chart_lists_the_series_with_done_booked_and_missed(world):
    plan = signed_plan(world)
    visits = past_series(plan, last_on=timezone.localdate() - timedelta(days=1))
    Appointment.objects.filter(pk=visits[1].pk).update(
        status=Appointment.Status.NO_SHOW
    )
    Appointment.objects.filter(pk=visits[2].pk).update(
        status=Appointment.Status.CANCELLED
    )
    Appointment.objects.filter(pk=visits[5].pk).update(status=Appointment.Status.BOOKED)
    text = chart(world).text
    assert 'aria-labelledby="h-chart-series"' in text
    assert text.count(">Done</span>") == 3
    assert "Missed (did not come)" in text
    assert "Missed (cancelled)" in text
    assert text.count(">Booked</span>") == 1
    series_url = reverse("plans:series", args=[plan.uuid])
    assert f'href="{series_url}">Propose the missed infusions again' in text


def test_a_plan_without_visits_offers_to_book_the_series(world):
    plan = signed_plan(world)
    text = chart(world, "front_desk").text
    assert "Not booked yet." in text
    assert reverse("plans:series", args=[plan.uuid]) in text


def test_no_plan_no_series_card(world):
    assert 'id="h-chart-series"' not in chart(world).text
