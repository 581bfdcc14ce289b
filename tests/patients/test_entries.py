from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from ketaclinic.audit.models import AuditEvent
from ketaclinic.patients.models import (
    Allergy,
    BodyMeasurement,
    Condition,
    Escort,
    Medication,
)


def add(client, patient, kind, data):
    return client.post(reverse(f"patients:{kind}_add", args=[patient.uuid]), data)


def test_a_nurse_adds_an_allergy_and_it_is_audited(world, as_role):
    response = add(
        as_role("nurse"),
        world.patient,
        "allergy",
        {
            "substance": "Penicillin",
            "reaction": "hives",
            "severity": "moderate",
            "active": "on",
        },
    )
    assert response.status_code == 302
    allergy = Allergy.objects.get(patient=world.patient)
    assert allergy.recorded_by == world.staff["nurse"]
    assert AuditEvent.objects.filter(patient=world.patient, action="create").exists()


def test_a_condition_takes_its_description_from_the_code(world, as_role):
    response = add(
        as_role("provider"),
        world.patient,
        "condition",
        {"icd10_code": "f4310", "description": "", "active": "on"},
    )
    assert response.status_code == 302
    condition = Condition.objects.get(patient=world.patient)
    assert condition.icd10_code == "F43.10"
    assert "stress" in condition.description.lower()


@pytest.mark.parametrize("code", ["X99.9999", "banana", "F99.99999", "", "F3"])
def test_an_unknown_icd10_code_is_refused_beside_the_field(world, as_role, code):
    response = add(
        as_role("nurse"),
        world.patient,
        "condition",
        {"icd10_code": code, "active": "on"},
    )
    assert response.status_code == 200
    assert 'class="error"' in response.text
    assert not Condition.objects.exists()


def test_medications_and_escorts(world, as_role):
    client = as_role("nurse")
    add(
        client,
        world.patient,
        "medication",
        {"name": "Sertraline", "dose": "100 mg", "frequency": "daily", "active": "on"},
    )
    add(
        client,
        world.patient,
        "escort",
        {
            "name": "Pat Lee",
            "relation": "partner",
            "phone": "303-555-0166",
            "active": "on",
        },
    )
    assert Medication.objects.get().dose == "100 mg"
    assert Escort.objects.get().phone == "+13035550166"


def test_an_escort_needs_a_valid_phone(world, as_role):
    response = add(
        as_role("front_desk"),
        world.patient,
        "escort",
        {"name": "Pat Lee", "relation": "partner", "phone": "", "active": "on"},
    )
    assert "This field is required." in response.text
    assert not Escort.objects.exists()


def test_changing_an_entry_keeps_its_history(world, as_role):
    allergy = Allergy.objects.create(patient=world.patient, substance="Latex")
    response = as_role("nurse").post(
        reverse("patients:allergy_edit", args=[world.patient.uuid, allergy.pk]),
        {"substance": "Latex", "reaction": "rash", "severity": "mild"},  # inactive
    )
    assert response.status_code == 302
    allergy.refresh_from_db()
    assert not allergy.active
    assert allergy.history.count() == 2


def test_an_entry_of_another_patient_is_not_found(world, as_role):
    other = Allergy.objects.create(patient=world.foreign_patient, substance="Latex")
    response = as_role("nurse").get(
        reverse("patients:allergy_edit", args=[world.patient.uuid, other.pk])
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("weight", "height", "message"),
    [
        ("0", "", "Weight must be between"),
        ("-70", "", "Weight must be between"),
        ("2000", "", "Weight must be between"),
        ("abc", "", "Enter a number"),
        ("", "", "This field is required"),
        ("70", "0", "Height must be between"),
        ("70", "400", "Height must be between"),
        ("70.123", "", "one decimal place"),
        ("1e400", "", "Weight must be between"),
        ("NaN", "", "Enter a number"),
    ],
)
def test_impossible_weights_and_heights_are_refused(
    world, as_role, weight, height, message
):
    response = add(
        as_role("nurse"),
        world.patient,
        "measurement",
        {
            "measured_at": "2026-01-05T09:30",
            "weight": weight,
            "weight_unit": "kg",
            "height": height,
        },
    )
    assert response.status_code == 200
    assert message in response.text
    assert not BodyMeasurement.objects.exists()


def test_a_weight_in_the_future_is_refused(world, as_role):
    response = add(
        as_role("nurse"),
        world.patient,
        "measurement",
        {"measured_at": "2999-01-01T09:30", "weight": "70", "weight_unit": "kg"},
    )
    assert "cannot be in the future" in response.text


def test_a_weight_is_recorded_then_marked_in_error_never_edited(world, as_role):
    client = as_role("nurse")
    add(
        client,
        world.patient,
        "measurement",
        {
            "measured_at": "2026-01-05T09:30",
            "weight": "71.5",
            "weight_unit": "kg",
            "height": "170",
        },
    )
    measurement = BodyMeasurement.objects.get()
    assert measurement.weight_kg == Decimal("71.5")
    response = client.post(
        reverse(
            "patients:measurement_in_error", args=[world.patient.uuid, measurement.pk]
        )
    )
    assert response.status_code == 302
    measurement.refresh_from_db()
    assert not measurement.active
    assert measurement.history.count() == 2
    page = client.get(reverse("patients:chart", args=[world.patient.uuid]))
    assert "entered in error" in page.text
