"""A lead's consultation on the schedule: the calendars, the appointment page,
reminders and the staff calendar feed name the lead; nothing expects a chart."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ketaclinic.audit.actor import Actor
from ketaclinic.inquiries import queries, services
from ketaclinic.notifications.models import CalendarFeedToken, OutboundMessage
from ketaclinic.scheduling.models import Appointment
from ketaclinic.scheduling.queries import find_free
from ketaclinic.scheduling.services import earliest_start
from tests.conftest import client_for
from tests.inquiries.helpers import make_lead
from tests.notifications.helpers import ics_events, make_due, run_due_tasks


@pytest.fixture
def consultation(world, clinic) -> Appointment:
    lead = make_lead(world.home)
    kind = queries.consultation_types(world.home)["in_person"]
    earliest = earliest_start(kind)
    [slot] = find_free(
        location=world.home,
        appointment_type=kind,
        earliest=earliest,
        latest=earliest + timedelta(days=14),
        count=1,
    )
    return services.consultation_book(
        actor=Actor.system(), inquiry=lead, mode="in_person", starts_at=slot.start
    )


def test_the_day_and_week_name_the_lead(world, consultation):
    desk = client_for(world.staff["front_desk"])
    day = consultation.starts_at.astimezone(world.home.zone).date().isoformat()
    for url in (f"/schedule/?day={day}", f"/schedule/week/?day={day}"):
        page = desk.get(url).content.decode()
        assert "Parkes, R. (lead)" in page, url


def test_the_appointment_page_links_to_the_lead(world, consultation):
    desk = client_for(world.staff["front_desk"])
    page = desk.get(f"/schedule/appointments/{consultation.uuid}/").content.decode()
    assert f"/leads/{consultation.inquiry.uuid}/" in page
    assert "lead, no chart yet" in page
    stranger = client_for(world.stranger)
    assert (
        stranger.get(f"/schedule/appointments/{consultation.uuid}/").status_code == 404
    )


def test_staff_can_cancel_a_leads_consultation(world, consultation):
    desk = client_for(world.staff["front_desk"])
    desk.post(
        f"/schedule/appointments/{consultation.uuid}/cancelled/",
        {"reason": "Lead asked by phone"},
    )
    consultation.refresh_from_db()
    assert consultation.status == "cancelled"


def test_reminders_go_to_the_lead(
    world, consultation, settings, django_capture_on_commit_callbacks
):
    from ketaclinic.scheduling import notify

    settings.KETACLINIC_SMS_BACKEND = "memory"
    notify.appointment_booked(consultation)
    make_due()
    run_due_tasks(django_capture_on_commit_callbacks)
    reminder = OutboundMessage.objects.filter(purpose="reminder", channel="email")
    assert reminder.get().to == "rosa@example.com"
    assert "Hello Rosa" in reminder.get().body_text
    sms = OutboundMessage.objects.get(purpose="reminder", channel="sms")
    assert sms.to == "+13035550177"


def test_the_providers_calendar_feed_shows_initials(world, consultation):
    feed = CalendarFeedToken.objects.create(
        user=world.staff["provider"], token="f" * 43
    )
    body = client_for(world.staff["provider"]).get(f"/calendar/{feed.token}.ics")
    [event] = ics_events(body.content.decode())
    assert event["SUMMARY"].endswith(": R.P.")


def test_a_change_that_fails_half_way_leaves_nothing_written(world, consultation):
    """Changing the kind books the new visit, cancels the old one and keeps the
    lead's mode in one transaction: when the cancel is refused (the old visit
    was cancelled meanwhile), the new visit is not kept either."""
    lead = consultation.inquiry
    stale = Appointment.objects.get(pk=consultation.pk)
    Appointment.objects.filter(pk=consultation.pk).update(
        status=Appointment.Status.CANCELLED
    )
    kind = queries.consultation_types(world.home)["phone"]
    [slot] = find_free(
        location=world.home,
        appointment_type=kind,
        earliest=earliest_start(kind) + timedelta(days=1),
        latest=earliest_start(kind) + timedelta(days=15),
        count=1,
    )
    appointments_before = Appointment.objects.count()
    messages_before = OutboundMessage.objects.count()
    with pytest.raises(services.BookingRefused):
        services.consultation_change(
            actor=Actor.staff(world.staff["front_desk"]),
            inquiry=lead,
            appointment=stale,
            mode="phone",
            starts_at=slot.start,
        )
    assert Appointment.objects.count() == appointments_before
    assert OutboundMessage.objects.count() == messages_before
    lead.refresh_from_db()
    assert lead.consultation_mode == "in_person"
