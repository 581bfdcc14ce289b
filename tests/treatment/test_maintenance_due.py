"""The "maintenance due" worklist: who finished the induction series, the
interval proposed from their scores, the due day, and one action to book it."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ketaclinic.audit.models import AuditEvent
from ketaclinic.clinics.models import Location
from ketaclinic.scheduling.models import Appointment
from ketaclinic.treatment.demo import past_series
from tests.conftest import client_for, make_patient
from tests.treatment.helpers import signed_plan

URL = reverse("plans:maintenance")


def due_page(world, role="provider"):
    return client_for(world.staff[role]).get(URL)


def today():
    """Today at the test clinic (the worklist counts days there)."""
    return timezone.now().astimezone(Location.objects.get(slug="home").zone).date()


def ago(days):
    return today() - timedelta(days=days)


def test_a_patient_whose_series_ended_is_overdue_with_the_reason(world):
    plan = signed_plan(world)
    past_series(plan, last_on=ago(35))
    page = due_page(world)
    assert page.status_code == 200
    text = page.text
    assert world.patient.last_name in text
    assert "4 weeks" in text  # the depression policy's first interval
    assert "First maintenance interval" in text
    assert "overdue by 7 days" in text
    due = (ago(35) + timedelta(days=28)).strftime("%b %-d, %Y")
    assert due in text
    booster = plan.protocol.appointment_type
    book = reverse("scheduling:book", args=[world.patient.uuid])
    start = today().isoformat()  # not a past day: from today
    assert f"{book}?type={booster.pk}&amp;start_date={start}" in text


def test_due_soon_and_due_today(world):
    past_series(signed_plan(world), last_on=ago(25))
    assert "due in 3 days" in due_page(world).text
    other = make_patient(world.home, mrn="T0000077", first_name="Ada")
    past_series(signed_plan(world, patient=other), last_on=ago(28))
    assert "due</span>" in due_page(world).text


def test_a_patient_in_maintenance_gets_a_longer_interval_while_responding(world):
    plan = signed_plan(world)
    visits = past_series(plan, last_on=ago(60), phq9=(20, 8))
    last = visits[-1]
    Appointment.objects.create(
        patient=world.patient,
        location=world.home,
        type=last.type,
        starts_at=datetime.combine(ago(32), time(10), world.home.zone),
        ends_at=datetime.combine(ago(32), time(11), world.home.zone),
        status=Appointment.Status.COMPLETED,
    )
    text = due_page(world).text
    assert "Still responding" in text
    assert "Lengthen from 4 weeks to 6 weeks" in text
    assert "due in 10 days" in text


def test_who_does_not_show(world):
    # A series not over yet, and a patient of another location.
    plan = signed_plan(world)
    past_series(plan, last_on=ago(2))
    upcoming = Appointment.objects.filter(plan_visit__plan=plan).latest("starts_at")
    upcoming.starts_at = timezone.now() + timedelta(days=1)
    upcoming.ends_at = upcoming.starts_at + timedelta(hours=1)
    upcoming.status = Appointment.Status.BOOKED
    upcoming.save()
    foreign_plan = signed_plan(world, patient=world.foreign_patient)
    past_series(foreign_plan, last_on=ago(40))
    text = due_page(world).text
    assert "Nobody is due for maintenance." in text
    assert world.foreign_patient.last_name not in text


def test_a_missed_infusion_means_the_series_is_not_over(world):
    plan = signed_plan(world)
    visits = past_series(plan, last_on=ago(35))
    Appointment.objects.filter(pk=visits[2].pk).update(
        status=Appointment.Status.NO_SHOW
    )
    assert "Nobody is due for maintenance." in due_page(world).text


def test_the_worklist_runs_a_bounded_number_of_queries_and_is_audited(world):
    client = client_for(world.staff["nurse"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    past_series(signed_plan(world), last_on=ago(35))
    small = count()
    for n in range(4):
        other = make_patient(world.home, mrn=f"T00001{n:02d}", first_name=f"P{n}")
        past_series(signed_plan(world, patient=other), last_on=ago(30 + n))
    assert count() == small
    assert small <= 14
    event = AuditEvent.objects.filter(action="search").latest("pk")
    assert event.summary == "Maintenance due (5 shown)"


def test_front_desk_books_and_the_navigation_links_the_worklist(world):
    past_series(signed_plan(world), last_on=ago(35))
    home = client_for(world.staff["front_desk"]).get(reverse("patients:list"))
    assert URL in home.text
    assert ">Book</a>" in due_page(world, "front_desk").text
