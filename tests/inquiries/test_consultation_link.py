"""The private link: book, change and cancel the free consultation, as
appointments of the scheduling engine; bad links reveal nothing."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from ketaclinic.audit.actor import Actor
from ketaclinic.inquiries import queries, services
from ketaclinic.inquiries.models import Inquiry, Stage
from ketaclinic.links import tokens as links
from ketaclinic.notifications.models import OutboundMessage
from ketaclinic.scheduling.models import Allocation, Appointment
from ketaclinic.scheduling.queries import find_free
from tests.inquiries.helpers import lead_link_in, make_lead
from tests.notifications.helpers import ics_events, make_visit, soon


@pytest.fixture
def lead(world, clinic):
    return make_lead(world.home)


def consultation_token(lead) -> str:
    return links.token(links.Purpose.CONSULTATION, lead.uuid)


def url(lead, tail: str = "") -> str:
    return f"/get-started/consultation/{consultation_token(lead)}/{tail}"


def free_starts(page: str) -> list[str]:
    return re.findall(r'name="starts_at" value="([^"]+)"', page)


def test_the_link_offers_phone_video_and_in_person(client, lead):
    page = client.get(url(lead)).content.decode()
    assert "Book your free consultation" in page
    for mode in ("Phone call", "Video call", "In person"):
        assert mode in page


def test_the_free_times_are_the_scheduling_engines(client, lead, clinic):
    page = client.get(url(lead) + "?mode=phone").content.decode()
    starts = free_starts(page)
    expected = queries.consultation_types(lead.location)["phone"]
    assert len(starts) == 12
    slots = find_free(
        location=lead.location,
        appointment_type=expected,
        earliest=services.schedule.earliest_start(expected),
        latest=timezone.now() + timedelta(days=28),
        count=12,
    )
    assert starts == [slot.start.isoformat() for slot in slots]


def test_booking_a_phone_consultation(client, lead, world):
    first = free_starts(client.get(url(lead) + "?mode=phone").content.decode())[0]
    response = client.post(url(lead), {"mode": "phone", "starts_at": first})
    assert response.status_code == 302
    assert response["Location"].endswith("?done=booked")
    appointment = Appointment.objects.get()
    assert appointment.inquiry == lead and appointment.patient is None
    assert appointment.type.code == "consultation-remote"
    assert appointment.starts_at.isoformat() == first
    held = Allocation.objects.get(appointment=appointment)
    assert held.staff == world.staff["provider"] and held.resource is None
    lead.refresh_from_db()
    assert lead.stage == Stage.CONSULTATION_BOOKED
    assert lead.consultation_mode == "phone"
    page = client.get(response["Location"]).content.decode()
    assert "Your free consultation is booked." in page
    assert "The clinic calls you at" in page

    email = OutboundMessage.objects.get(purpose="consultation_booked")
    assert email.to == "rosa@example.com"
    assert email.appointment == appointment
    [attachment] = email.attachments
    assert attachment["filename"] == "consultation.ics"
    [event] = ics_events(attachment["content"])
    assert event["DTSTART"] == appointment.starts_at.strftime("%Y%m%dT%H%M%SZ")
    assert event["UID"] == f"{appointment.uuid}@ketaclinic"
    assert lead_link_in(email.body_text)[1] == lead


def test_booking_in_person_holds_a_room(client, lead):
    first = free_starts(client.get(url(lead) + "?mode=in_person").content.decode())[0]
    client.post(url(lead), {"mode": "in_person", "starts_at": first})
    appointment = Appointment.objects.get()
    assert appointment.type.code == "consultation"
    kinds = {a.resource.kind for a in appointment.allocations.all() if a.resource}
    assert kinds == {"room"}


def test_a_time_taken_meanwhile_is_refused_with_the_next_free_times(
    client, lead, world
):
    starts = free_starts(client.get(url(lead) + "?mode=phone").content.decode())
    other = make_lead(world.home, email="sam@example.com", phone="+13035550188")
    services.consultation_book(
        actor=Actor.system(),
        inquiry=other,
        mode="phone",
        starts_at=Appointment._meta.get_field("starts_at").to_python(starts[0]),
    )
    response = client.post(url(lead), {"mode": "phone", "starts_at": starts[0]})
    assert response.status_code == 409
    page = response.content.decode()
    assert "that time has just been taken" in page
    offered = free_starts(page)
    assert offered and starts[0] not in offered
    assert Appointment.objects.filter(inquiry=lead).count() == 0


def test_changing_the_time_moves_the_same_visit(client, lead):
    starts = free_starts(client.get(url(lead) + "?mode=phone").content.decode())
    client.post(url(lead), {"mode": "phone", "starts_at": starts[0]})
    appointment = Appointment.objects.get()
    page = client.get(url(lead)).content.decode()
    assert "Change the time" in page and "Cancel the consultation" in page
    response = client.post(url(lead), {"mode": "phone", "starts_at": starts[3]})
    assert response["Location"].endswith("?done=changed")
    appointment.refresh_from_db()
    assert appointment.starts_at.isoformat() == starts[3]
    assert appointment.status == "booked"
    emails = OutboundMessage.objects.filter(purpose="consultation_booked")
    assert emails.count() == 2
    assert emails.order_by("id").last().subject.startswith("New time")


def test_changing_to_in_person_books_anew_and_cancels_the_call(client, lead):
    starts = free_starts(client.get(url(lead) + "?mode=phone").content.decode())
    client.post(url(lead), {"mode": "phone", "starts_at": starts[0]})
    call = Appointment.objects.get()
    rooms = free_starts(
        client.get(url(lead) + "?mode=in_person&change=1").content.decode()
    )
    client.post(url(lead), {"mode": "in_person", "starts_at": rooms[2]})
    call.refresh_from_db()
    assert call.status == "cancelled"
    visit = Appointment.objects.exclude(pk=call.pk).get()
    assert visit.type.code == "consultation" and visit.status == "booked"
    lead.refresh_from_db()
    assert lead.consultation_mode == "in_person"
    assert lead.stage == Stage.CONSULTATION_BOOKED


def test_cancelling_through_the_link(client, lead):
    starts = free_starts(client.get(url(lead) + "?mode=video").content.decode())
    client.post(url(lead), {"mode": "video", "starts_at": starts[0]})
    appointment = Appointment.objects.get()
    page = client.get(url(lead, "cancel/")).content.decode()
    assert "Cancel your consultation?" in page
    appointment.refresh_from_db()
    assert appointment.status == "booked"  # a GET changes nothing
    response = client.post(url(lead, "cancel/"))
    assert response["Location"].endswith("?done=cancelled")
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert not appointment.allocations.filter(active=True).exists()
    lead.refresh_from_db()
    assert lead.stage == Stage.NEW  # nobody had contacted them yet
    assert OutboundMessage.objects.filter(purpose="consultation_cancelled").exists()
    # The same link books again.
    assert "Book your free consultation" in client.get(url(lead)).content.decode()


@pytest.mark.parametrize(
    ("make_token", "status", "title"),
    [
        (lambda lead: "nonsense", 400, "This link does not work"),
        (
            lambda lead: consultation_token(lead)[:-2] + "xx",
            400,
            "This link does not work",
        ),
        (  # another link of the app, validly signed for its own purpose
            lambda lead: _visit_cancel_token(make_visit(_patient(), soon(3))),
            400,
            "This link does not work",
        ),
    ],
    ids=["garbage", "altered", "foreign"],
)
def test_a_bad_link_gets_a_clear_page_and_reveals_nothing(
    client, lead, make_token, status, title
):
    response = client.get(f"/get-started/consultation/{make_token(lead)}/")
    assert response.status_code == status
    page = response.content.decode()
    assert title in page
    assert "Rosa" not in page and "Parkes" not in page


def _visit_cancel_token(visit) -> str:
    return links.token(links.Purpose.VISIT_CANCEL, visit.uuid, version=visit.starts_at)


def _patient():
    from ketaclinic.patients.models import Patient

    return Patient.objects.first()


def test_an_expired_link_says_so(client, lead, settings):
    settings.KETACLINIC_INQUIRY_LINK_DAYS = 30
    token = consultation_token(lead)
    later = time.time() + 31 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=later):
        response = client.get(f"/get-started/consultation/{token}/")
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert "Rosa" not in response.content.decode()


def test_a_lead_with_a_chart_can_no_longer_use_the_link(client, lead, world):
    lead.patient = world.patient
    lead.save(update_fields=["patient"])
    response = client.get(url(lead))
    assert response.status_code == 410
    assert "This link can no longer be used" in response.content.decode()


def test_the_front_desk_books_for_a_lead_on_the_phone(world, lead):
    from tests.conftest import client_for

    desk = client_for(world.staff["front_desk"])
    page = desk.get(f"/leads/{lead.uuid}/book/?mode=in_person").content.decode()
    starts = free_starts(page)
    assert starts
    response = desk.post(
        f"/leads/{lead.uuid}/book/", {"mode": "in_person", "starts_at": starts[1]}
    )
    assert response["Location"] == f"/leads/{lead.uuid}/"
    appointment = Appointment.objects.get()
    assert appointment.inquiry == lead
    assert appointment.booked_by == world.staff["front_desk"]
    change = lead.stage_changes.last()
    assert change.reason == "Consultation booked by staff"
    assert change.by == world.staff["front_desk"]
    taken = desk.post(
        f"/leads/{lead.uuid}/book/", {"mode": "in_person", "starts_at": starts[1]}
    )
    assert taken.status_code == 302  # the same time again: nothing changes
    appointment.refresh_from_db()
    assert appointment.starts_at.isoformat() == starts[1]


@pytest.mark.parametrize("stage", ["consultation_done", "not_candidate", "closed"])
def test_after_the_consultation_the_link_no_longer_books(client, lead, stage):
    Inquiry.objects.filter(pk=lead.pk).update(stage=stage)
    response = client.get(url(lead) + "?mode=phone")
    assert response.status_code == 410
    assert "This link can no longer be used" in response.content.decode()
