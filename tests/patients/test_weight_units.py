"""Weights in kg or lb and heights in cm or feet and inches, kept as typed and
in kg and cm; a weight far from the last one asks for confirmation (issue:
150 typed as pounds was saved as 150 kg, BMI 55, against 68 kg a week before)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from ketaclinic.patients.models import BodyMeasurement


def record(client, patient, **data):
    when = timezone.localtime() - timedelta(minutes=1)
    return client.post(
        reverse("patients:measurement_add", args=[patient.uuid]),
        {"measured_at": f"{when:%Y-%m-%dT%H:%M}"} | data,
    )


def last_week(patient, kg: str) -> BodyMeasurement:
    return BodyMeasurement.objects.create(
        patient=patient,
        measured_at=timezone.now() - timedelta(days=7),
        weight_kg=Decimal(kg),
    )


def test_pounds_and_feet_and_inches_are_kept_as_typed_and_in_kg_and_cm(world, as_role):
    client = as_role("nurse")
    response = record(
        client,
        world.patient,
        weight="150",
        weight_unit="lb",
        height_unit="ft_in",
        height_feet="5",
        height_inches="7",
    )
    assert response.status_code == 302
    m = BodyMeasurement.objects.get()
    assert (m.weight_entered, m.weight_unit) == (Decimal("150"), "lb")
    assert m.weight_kg == Decimal("68.039")  # 150 x 0.45359237, to the gram
    assert (m.height_entered, m.height_unit) == (Decimal("67"), "ft_in")
    assert m.height_cm == Decimal("170.180")
    chart = client.get(reverse("patients:chart", args=[world.patient.uuid])).text
    assert "68.0 <span" in chart and "(150 lb entered)" in chart
    assert "(5 ft 7 in entered)" in chart


def test_pounds_typed_as_kilograms_ask_for_confirmation(world, as_role):
    last_week(world.patient, "68")
    client = as_role("nurse")
    response = record(client, world.patient, weight="150", weight_unit="kg")
    assert response.status_code == 200
    text = response.content.decode()
    assert "That is 150.0 kg, 121% more than the last weight (68.0 kg on" in text
    assert "The change from the last weight is right" in text
    assert BodyMeasurement.objects.count() == 1
    # Corrected to pounds: close to last week's, saved at once.
    assert record(
        client, world.patient, weight="150", weight_unit="lb"
    ).status_code == (302)
    assert BodyMeasurement.objects.count() == 2


def test_a_real_large_change_is_saved_once_confirmed(world, as_role):
    last_week(world.patient, "68")
    client = as_role("nurse")
    response = record(
        client, world.patient, weight="60", weight_unit="kg", confirm_change="on"
    )
    assert response.status_code == 302
    assert BodyMeasurement.objects.first().weight_kg == Decimal("60")


def test_the_threshold_is_the_clinics(world, as_role, settings):
    settings.KETACLINIC_WEIGHT_CHANGE_CONFIRM_PERCENT = 20
    last_week(world.patient, "68")
    response = record(as_role("nurse"), world.patient, weight="60", weight_unit="kg")
    assert response.status_code == 302


def test_a_weight_needs_its_unit(world, as_role):
    response = record(as_role("nurse"), world.patient, weight="70")
    assert response.status_code == 200
    assert not BodyMeasurement.objects.exists()


def test_the_migration_keeps_existing_weights_as_entered_in_kg(world):
    # A row written as before (kg only) reads as typed in kg.
    m = last_week(world.patient, "72.5")
    m.refresh_from_db()
    assert (m.weight_entered, m.weight_unit) == (Decimal("72.5"), "kg")
