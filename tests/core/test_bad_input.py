"""Input a person or client can send never ends in a server error: dates at
the ends of the calendar, NUL characters, overlong names. Each affected page
answers with a clear message instead (run on SQLite and on PostgreSQL: only
PostgreSQL refuses to store NUL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketaclinic.audit.actor import Actor
from ketaclinic.inputs import NUL_MESSAGE
from ketaclinic.inquiries import links as lead_links
from ketaclinic.intake import links as intake_links
from ketaclinic.intake import services as intake_services
from ketaclinic.intake.models import ConsentDocument, ConsentSignature, UrgentTask
from ketaclinic.scheduling.models import Appointment, WaitlistEntry
from tests.conftest import client_for
from tests.inquiries.helpers import form_data, make_lead
from tests.scheduling.factories import open_clinic, works

FAR_DATES = ["9999-12-31", "0001-01-01", "10000-01-01", "2026-02-30", "yesterday"]
NUL = "Ada\x00Lovelace"


def no_server_error(response) -> None:
    # The test client raises a view's exception; this catches a 500 page too.
    assert response.status_code < 500, response.status_code


@pytest.fixture
def clinic(world):
    types = open_clinic(world.home, chairs=2, rooms=1)
    works(world.staff["nurse"], world.home)
    works(world.staff["provider"], world.home)
    return types


@pytest.mark.parametrize("day", FAR_DATES)
@pytest.mark.parametrize("name", ["scheduling:day", "scheduling:week"])
def test_calendars_answer_any_day_with_a_message(as_role, world, name, day):
    response = as_role("nurse").get(reverse(name), {"day": day})
    assert response.status_code == 200
    assert "not a day the calendar shows" in response.text


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2199-12-31"])
@pytest.mark.parametrize("field", ["date_from", "date_to"])
@pytest.mark.parametrize("name", ["audit:log", "audit:export"])
def test_the_audit_search_and_export_answer_far_dates(as_role, name, field, day):
    response = as_role("manager").get(reverse(name), {field: day})
    no_server_error(response)
    if day != "2199-12-31":
        assert response.status_code == (200 if name == "audit:log" else 400)
        assert "Pick a date between 1900 and 2199." in response.content.decode()


@pytest.mark.parametrize("moment", ["9999-12-31T23:00", "0001-01-01T00:00"])
def test_booking_moving_and_the_waitlist_refuse_far_dates(
    as_role, world, clinic, moment
):
    client = as_role("nurse")
    infusion = clinic["infusion-depression"]
    booked = client.post(
        reverse("scheduling:book", args=[world.patient.uuid]),
        {"type": infusion.pk, "starts_at": moment},
    )
    no_server_error(booked)
    assert not Appointment.objects.exists()
    found = client.get(
        reverse("scheduling:book", args=[world.patient.uuid]),
        {"type": infusion.pk, "start_date": moment[:10]},
    )
    no_server_error(found)
    waitlisted = client.post(
        reverse("scheduling:waitlist_add", args=[world.patient.uuid]),
        {
            "type": infusion.pk,
            "earliest": timezone.localdate().isoformat(),
            "latest": moment[:10],
        },
    )
    no_server_error(waitlisted)
    assert not WaitlistEntry.objects.exists()


def test_moving_a_visit_to_a_far_date_is_refused(as_role, world, clinic):
    from ketaclinic.scheduling import services

    start = timezone.now().replace(hour=15, minute=0, second=0, microsecond=0)
    appointment = services.appointment_book(
        actor=Actor.staff(world.staff["nurse"]),
        patient=world.patient,
        location=world.home,
        appointment_type=clinic["follow-up"],
        starts_at=start + timedelta(days=3),
    )
    for moment in ("9999-12-31T23:00", "0001-01-01T00:00"):
        response = as_role("nurse").post(
            reverse("scheduling:appointment_move", args=[appointment.uuid]),
            {"starts_at": moment, "reason": "asked"},
        )
        no_server_error(response)
    appointment.refresh_from_db()
    assert appointment.starts_at == start + timedelta(days=3)


def test_the_consultation_link_answers_far_dates(world, clinic):
    lead = make_lead(world.home)
    url = lead_links.consultation_url(lead).split("://", 1)[1].split("/", 1)[1]
    client = Client()
    for day in FAR_DATES:
        no_server_error(client.get(f"/{url}", {"mode": "phone", "start": day}))
    chosen = client.post(
        f"/{url}", {"mode": "phone", "starts_at": "9999-12-31T23:00:00+00:00"}
    )
    no_server_error(chosen)
    assert not Appointment.objects.exists()


def nul_refused(response) -> None:
    assert response.status_code in (400, 422), response.status_code
    assert NUL_MESSAGE in response.content.decode().replace("\\u2019", "’")


def test_nul_in_searches_is_refused_with_a_clear_message(as_role):
    client = as_role("nurse")
    nul_refused(client.get(reverse("api:patient_search"), {"q": NUL}))
    nul_refused(client.get(reverse("scheduling:week"), {"q": NUL}))
    nul_refused(client.get(reverse("patients:list"), {"q": NUL}))


def test_nul_in_the_worklist_note_is_refused(world):
    task = UrgentTask.objects.create(patient=world.patient, message="PHQ-9 item 9")
    response = client_for(world.staff["provider"]).post(
        reverse("intake:task_done", args=[task.pk]), {"note": "called\x00safe"}
    )
    nul_refused(response)
    task.refresh_from_db()
    assert task.done_at is None


def test_nul_in_the_typed_consent_name_is_refused(world):
    intake = intake_services.intake_send(
        actor=Actor.staff(world.staff["front_desk"]), patient=world.patient
    )
    document = ConsentDocument.objects.create(code="informed", title="Consent")
    version = intake_services.consent_publish(
        actor=Actor.staff(world.staff["manager"]),
        document=document,
        text="I understand and agree to the treatment.",
    )
    token = intake_links.make_token(intake_links.Purpose.INTAKE, intake.uuid)
    response = Client().post(
        reverse("intake_public:intake", args=[token]) + "?step=consents",
        {"version": version.pk, "sha256": version.sha256, "typed_name": NUL},
    )
    nul_refused(response)
    assert not ConsentSignature.objects.exists()


def test_nul_in_the_get_started_form_is_refused(world, clinic):
    nul_refused(Client().post("/get-started/", form_data(message=NUL)))


@pytest.mark.parametrize("length", [151, 256, 5000])
def test_an_overlong_sign_in_name_gets_a_message(world, length):
    response = Client().post(
        reverse("accounts:login"), {"username": "n" * length, "password": "x"}
    )
    assert response.status_code == 200
    assert "A username has at most 150 characters." in response.text
