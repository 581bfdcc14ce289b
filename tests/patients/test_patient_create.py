from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ketaclinic.audit.models import AuditEvent
from ketaclinic.patients.models import Patient
from ketaclinic.patients.services import mrn_is_valid


def form_data(world, **overrides) -> dict:
    data = {
        "location": world.home.pk,
        "mrn": "",
        "first_name": "Marie",
        "last_name": "Curie",
        "preferred_name": "",
        "date_of_birth": "1967-11-07",
        "sex_at_birth": "female",
        "gender_identity": "",
        "pronouns": "",
        "phone": "(720) 555-0123",
        "email": "Marie.Curie@Example.com",
        "address_line1": "",
        "address_line2": "",
        "city": "",
        "state": "",
        "postal_code": "",
        "preferred_language": "en",
        "emergency_contact_name": "",
        "emergency_contact_relation": "",
        "emergency_contact_phone": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_it_creates_a_chart_with_a_generated_mrn(world, as_role):
    response = as_role("front_desk").post(reverse("patients:create"), form_data(world))
    assert response.status_code == 302
    patient = Patient.objects.get(last_name="Curie")
    assert response["Location"] == reverse("patients:chart", args=[patient.uuid])
    assert mrn_is_valid(patient.mrn)
    assert patient.phone == "+17205550123"
    assert patient.email == "marie.curie@example.com"
    assert patient.created_by == world.staff["front_desk"]
    assert AuditEvent.objects.filter(patient=patient, action="create").exists()
    assert patient.history.count() == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1980-05-17"},
        {"first_name": "ADA", "last_name": " lovelace ", "date_of_birth": "1980-05-17"},
        {"phone": "303 555 0142"},
        {"email": "ADA@example.com"},
    ],
    ids=["name-and-birth", "name-case-and-spaces", "phone", "email"],
)
def test_it_warns_of_a_duplicate_and_saves_nothing(world, as_role, overrides):
    before = Patient.objects.count()
    response = as_role("front_desk").post(
        reverse("patients:create"), form_data(world, **overrides)
    )
    assert response.status_code == 200
    assert 'id="duplicate-warning"' in response.text
    assert reverse("patients:chart", args=[world.patient.uuid]) in response.text
    assert Patient.objects.count() == before


@pytest.mark.parametrize(
    "overrides",
    [
        {"first_name": "Grace", "last_name": "Hopper", "date_of_birth": "1980-05-17"},
        {"email": "grace@example.com"},
        {"phone": "(303) 555-0199"},
    ],
    ids=["name-and-birth", "email", "phone"],
)
def test_a_duplicate_at_another_location_names_only_that_location(
    world, as_role, overrides
):
    """Typing the email or phone of a patient known only elsewhere must not
    reveal who that patient is: only where to ask."""
    fields = {"first_name": "Someone", "last_name": "Else", "phone": "", "email": ""}
    response = as_role("front_desk").post(
        reverse("patients:create"), form_data(world, **{**fields, **overrides})
    )
    assert 'id="duplicate-warning"' in response.text
    assert "may exist at Other clinic" in response.text
    foreign = world.foreign_patient
    typed = " ".join(overrides.values())
    for detail in (foreign.uuid, foreign.mrn, "Hopper", "Grace", "May 17, 1980"):
        if str(detail) not in typed:  # what the user typed stays in the form
            assert str(detail) not in response.text
    event = AuditEvent.objects.filter(action="search").latest("id")
    assert "1 other location" in event.summary
    assert event.actor == world.staff["front_desk"]


def test_confirming_a_different_person_creates_the_chart(world, as_role):
    data = form_data(
        world,
        first_name="Ada",
        last_name="Lovelace",
        date_of_birth="1980-05-17",
        phone="",
        email="",
        confirm_not_duplicate="on",
    )
    response = as_role("front_desk").post(reverse("patients:create"), data)
    assert response.status_code == 302
    assert Patient.objects.filter(last_name="Lovelace").count() == 2


def test_it_refuses_an_mrn_that_exists(world, as_role):
    response = as_role("front_desk").post(
        reverse("patients:create"), form_data(world, mrn=world.patient.mrn)
    )
    assert response.status_code == 200
    assert f"MRN {world.patient.mrn} belongs to another patient." in response.text
    assert not Patient.objects.filter(last_name="Curie").exists()


TOMORROW = (date.today() + timedelta(days=2)).isoformat()
BAD_INPUTS = [
    ({"date_of_birth": TOMORROW}, "cannot be in the future"),
    ({"date_of_birth": "1850-01-01"}, "cannot be before 1900"),
    ({"date_of_birth": "2023-02-30"}, "Enter a valid date"),
    ({"date_of_birth": "yesterday"}, "Enter a valid date"),
    ({"date_of_birth": ""}, "This field is required"),
    ({"first_name": "x" * 81}, "at most 80 characters"),
    ({"last_name": "1234"}, "A name needs at least one letter"),
    # A right-to-left override shows "Curie\u202eeiruc" as "Curieciure".
    ({"last_name": "Curie\u202eeiruc"}, "invisible control or direction"),
    ({"first_name": "Ma\u200brie"}, "invisible control or direction"),
    ({"preferred_name": "\u2067Marie\u2069"}, "invisible control or direction"),
    ({"emergency_contact_name": "Pierre\u202d"}, "invisible control or direction"),
    ({"last_name": ""}, "This field is required"),
    ({"phone": "12"}, "Enter a valid phone number"),
    ({"phone": "(555) 000-0000"}, "Enter a valid phone number"),
    ({"email": "not-an-email"}, "Enter a valid email address"),
    ({"emergency_contact_phone": "call me"}, "Enter a valid phone number"),
    # An extension is kept only with the patient's own phone, never dropped.
    ({"emergency_contact_phone": "(720) 555-0188 ext 4"}, "without an extension"),
    # No legal name holds an emoji, and search could never find one.
    ({"first_name": "Marie \U0001f600"}, "no emoji or other symbols"),
    ({"last_name": "Curie\u2764\ufe0f"}, "no emoji or other symbols"),
    ({"mrn": "12-34"}, "letters and digits only"),
    ({"location": "999999"}, "Select a valid choice"),
    ({"sex_at_birth": "robot"}, "Select a valid choice"),
    ({"notes": "n" * 2001}, "at most 2000 characters"),
]


def test_a_phone_extension_is_kept_shown_and_kept_again_on_edit(world, as_role):
    client = as_role("front_desk")
    response = client.post(
        reverse("patients:create"), form_data(world, phone="720-555-0123 ext 12")
    )
    assert response.status_code == 302
    patient = Patient.objects.get(last_name="Curie")
    assert (patient.phone, patient.phone_extension) == ("+17205550123", "12")
    chart = client.get(reverse("patients:chart", args=[patient.uuid]))
    assert "(720) 555-0123 ext. 12" in chart.text
    edit = client.get(reverse("patients:edit", args=[patient.uuid]))
    assert edit.context["form"]["phone"].value() == "(720) 555-0123 ext. 12"


@pytest.mark.parametrize("name", ["O'Brien-Smith", "Núñez", "O´Brien", "J. R.", "李"])
def test_names_with_letters_and_their_marks_are_accepted(world, as_role, name):
    response = as_role("front_desk").post(
        reverse("patients:create"), form_data(world, first_name=name)
    )
    assert response.status_code == 302


def test_names_may_hold_the_joiners_some_scripts_need(world, as_role):
    response = as_role("front_desk").post(
        reverse("patients:create"),
        form_data(world, first_name="\u0645\u06cc\u200c\u0631\u0627"),
    )
    assert response.status_code == 302


@pytest.mark.parametrize(("overrides", "message"), BAD_INPUTS)
def test_bad_input_is_named_beside_the_field_and_nothing_is_saved(
    world, as_role, overrides, message
):
    response = as_role("front_desk").post(
        reverse("patients:create"), form_data(world, **overrides)
    )
    assert response.status_code == 200
    assert message in response.text
    assert 'class="error"' in response.text
    assert not Patient.objects.filter(last_name="Curie").exists()


def test_it_cannot_place_a_patient_at_a_location_the_user_does_not_work_at(
    world, as_role
):
    response = as_role("front_desk").post(
        reverse("patients:create"), form_data(world, location=world.other.pk)
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text


text = st.text(max_size=300)


@hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    first=text,
    last=text,
    born=text,
    phone=text,
    email=text,
    mrn=text,
    location=text,
)
def test_no_input_makes_a_server_error(
    world, as_role, first, last, born, phone, email, mrn, location
):
    data = form_data(
        world,
        first_name=first,
        last_name=last,
        date_of_birth=born,
        phone=phone,
        email=email,
        mrn=mrn,
        location=location,
    )
    # NUL characters cannot travel in a form post; everything else may.
    data = {key: value.replace("\x00", "") for key, value in data.items()}
    response = as_role("front_desk").post(reverse("patients:create"), data)
    assert response.status_code in (200, 302)
