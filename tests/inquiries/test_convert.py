"""Convert to patient: the chart from the lead's data, the duplicate check of
the foundation, the lead's consultations moved onto the chart at once."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from ketaclinic.audit.actor import Actor
from ketaclinic.inquiries import services
from ketaclinic.inquiries.models import Inquiry
from ketaclinic.intake.models import UrgentTask
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import Appointment
from tests.conftest import client_for
from tests.inquiries.helpers import make_lead
from tests.inquiries.test_consultation_link import free_starts, url


@pytest.fixture
def booked_lead(world, clinic, client):
    lead = make_lead(world.home, language="es")
    first = free_starts(client.get(url(lead) + "?mode=phone").content.decode())[0]
    client.post(url(lead), {"mode": "phone", "starts_at": first})
    return lead


def chart_form(client, lead) -> dict:
    """What the convert form holds before anyone types: the lead's data."""
    response = client.get(f"/leads/{lead.uuid}/convert/")
    assert response.status_code == 200
    form = response.context["form"]
    return {name: form[name].value() or "" for name in form.fields if name != "mrn"} | {
        "mrn": "",
        "confirm_not_duplicate": "",
    }


def test_the_form_is_filled_from_the_lead(world, booked_lead):
    data = chart_form(client_for(world.staff["front_desk"]), booked_lead)
    assert data["first_name"] == "Rosa" and data["last_name"] == "Parkes"
    assert data["email"] == "rosa@example.com"
    assert data["phone"] == "+13035550177"
    assert data["preferred_language"] == "es"
    assert data["location"] == world.home.pk


def test_converting_creates_the_chart_and_moves_the_consultation(world, booked_lead):
    desk = client_for(world.staff["front_desk"])
    data = chart_form(desk, booked_lead) | {"date_of_birth": "1985-02-04"}
    response = desk.post(f"/leads/{booked_lead.uuid}/convert/", data)
    patient = Patient.objects.get(first_name="Rosa")
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{patient.uuid}/"
    assert patient.email == "rosa@example.com" and patient.phone == "+13035550177"
    assert patient.preferred_language == "es"
    booked_lead.refresh_from_db()
    assert booked_lead.patient == patient
    assert booked_lead.converted_by == world.staff["front_desk"]
    appointment = Appointment.objects.get()
    assert (appointment.patient, appointment.inquiry) == (patient, None)
    # The lead's page still lists the consultation, now on the chart.
    page = desk.get(f"/leads/{booked_lead.uuid}/").content.decode()
    assert "Free consultation (phone or video)" in page
    assert f"/patients/{patient.uuid}/" in page


def test_a_possible_duplicate_stops_until_confirmed(world, clinic):
    lead = make_lead(world.home, email="ada@example.com", phone="+13035550188")
    desk = client_for(world.staff["front_desk"])
    data = chart_form(desk, lead) | {"date_of_birth": "1980-05-17"}
    response = desk.post(f"/leads/{lead.uuid}/convert/", data)
    assert response.status_code == 200
    assert "This may be a patient who already has a chart." in response.content.decode()
    assert Patient.objects.count() == 2  # the world's two, nothing new
    data["confirm_not_duplicate"] = "on"
    response = desk.post(f"/leads/{lead.uuid}/convert/", data)
    assert response.status_code == 302
    assert Patient.objects.count() == 3


def test_the_chart_and_the_move_happen_together_or_not_at_all(world, booked_lead):
    desk = client_for(world.staff["front_desk"])
    data = chart_form(desk, booked_lead) | {"date_of_birth": "1985-02-04"}
    with (
        mock.patch.object(Appointment, "save", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        desk.post(f"/leads/{booked_lead.uuid}/convert/", data)
    assert not Patient.objects.filter(first_name="Rosa").exists()
    appointment = Appointment.objects.get()
    assert appointment.inquiry == booked_lead and appointment.patient is None
    assert Inquiry.objects.get().patient is None


def test_a_lead_is_converted_once(world, booked_lead):
    desk = client_for(world.staff["front_desk"])
    data = chart_form(desk, booked_lead) | {"date_of_birth": "1985-02-04"}
    desk.post(f"/leads/{booked_lead.uuid}/convert/", data)
    again = desk.get(f"/leads/{booked_lead.uuid}/convert/")
    assert again.status_code == 302
    with pytest.raises(services.Refused):
        services.inquiry_convert(
            actor=Actor.staff(world.staff["front_desk"]),
            inquiry=booked_lead,
            first_name="Rosa",
            last_name="Parkes",
            date_of_birth="1985-02-04",
            location=world.home,
        )


def test_an_urgent_lead_carries_its_crisis_answer_onto_the_chart(world, clinic):
    lead = make_lead(world.home, crisis=True)
    assert lead.urgent
    desk = client_for(world.staff["front_desk"])
    data = chart_form(desk, lead) | {"date_of_birth": "1985-02-04"}
    desk.post(f"/leads/{lead.uuid}/convert/", data)
    patient = Patient.objects.get(first_name="Rosa")
    task = UrgentTask.objects.get(patient=patient, done_at__isnull=True)
    assert "harming yourself right now" in task.message
    chart = desk.get(f"/patients/{patient.uuid}/").content.decode()
    assert 'data-testid="urgent-banner"' in chart
    assert f'href="/leads/{lead.uuid}/"' in chart  # the link to the lead
    # The provider finds it on the worklist, in the chart's banner too.
    provider = client_for(world.staff["provider"])
    assert (
        "harming yourself right now"
        in provider.get(reverse("intake:worklist")).content.decode()
    )


def test_a_lead_without_a_crisis_answer_leaves_no_task(world, clinic):
    lead = make_lead(world.home)
    desk = client_for(world.staff["front_desk"])
    data = chart_form(desk, lead) | {"date_of_birth": "1985-02-04"}
    desk.post(f"/leads/{lead.uuid}/convert/", data)
    patient = Patient.objects.get(first_name="Rosa")
    assert not patient.urgent_tasks.exists()
    chart = desk.get(f"/patients/{patient.uuid}/").content.decode()
    assert "urgent-banner" not in chart
