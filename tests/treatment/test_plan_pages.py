"""The plan pages as a provider, a nurse and the front desk use them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from ketaclinic.audit.models import AuditEvent
from ketaclinic.treatment.models import Protocol, TreatmentPlan
from tests.conftest import PASSWORD, client_for
from tests.treatment.helpers import candidate, page_data, signed_plan


def form_data(**changes) -> dict:
    data = {
        "protocol": Protocol.objects.get(key="depression_induction").pk,
        "indication_code": "F33.2",
        "weight_basis": "actual",
        "amount_per_kg": "0.5",
        "titration_after": "2",
        "titration_amount_per_kg": "0.75",
        "max_dose_mg": "80",
        "vial_mg_per_ml": "10",
        "bag_volume_ml": "100",
        "diluent": "0.9% sodium chloride",
        "minutes": "40",
        "infusions": "6",
        "within_days": "21",
        "min_days_apart": "2",
        "recovery_minutes": "30",
        "weight_max_age_hours": "24",
        "maintenance_start_days": "28",
        "maintenance_floor_days": "14",
        "maintenance_cap_days": "91",
        "pre_sbp_hold": "160",
        "pre_dbp_hold": "100",
        "sbp_pause": "180",
        "dbp_pause": "110",
        "hr_pause": "120",
        "spo2_pause": "92",
        "pre_sbp_ack": "140",
        "pre_dbp_ack": "90",
        "spo2_stop": "90",
        "moaas_pause": "3",
        "dissociation_alert": "12",
        "order-TOTAL_FORMS": "3",
        "order-INITIAL_FORMS": "0",
        "order-MIN_NUM_FORMS": "3",
        "order-MAX_NUM_FORMS": "3",
        "order-0-drug": "ondansetron",
        "order-0-dose_mg": "4",
        "order-0-route": "IV",
        "order-0-indication": "nausea",
        "order-0-min_interval_minutes": "30",
        "order-0-max_per_session_mg": "8",
        "order-1-route": "IV",
        "order-2-route": "IV",
        "password": PASSWORD,
    }
    return data | changes


@pytest.fixture
def provider(world):
    candidate(world)
    return client_for(world.staff["provider"])


def new_url(world) -> str:
    return reverse("plans:new", args=[world.patient.uuid])


def test_the_provider_writes_signs_and_reads_the_order_sheet(world, provider):
    page = provider.get(new_url(world))
    assert page.status_code == 200
    text = page.text
    assert "Actual weight" in text and "Ideal body weight" in text
    assert "Adjusted body weight" in text
    assert "CLINICAL.md 1.7" in text  # the vital limits' source
    response = provider.post(new_url(world), form_data())
    plan = TreatmentPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:detail", args=[plan.uuid])
    sheet = provider.get(reverse("plans:sheet", args=[plan.uuid])).text
    assert "40.0 mg" in sheet
    assert "0.5 mg/kg x 80 kg = 40 mg" in sheet
    assert "4.0 mL" in sheet  # drawn from 10 mg/mL
    assert "150.0 mL/h" in sheet
    assert "Ondansetron 4 mg IV for nausea" in sheet
    assert "RxNorm 26225" in sheet


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"amount_per_kg": "5"}, "amount_per_kg", "check the decimal point"),
        ({"bag_volume_ml": "-100"}, "bag_volume_ml", "0 mL"),
        ({"vial_mg_per_ml": "0"}, "vial_mg_per_ml", "valid choice"),
        ({"recovery_minutes": "15"}, "recovery_minutes", "at least 30"),
        ({"order-0-max_per_session_mg": ""}, None, "in one session"),
        ({"password": "wrong"}, "password", "not your password"),
        ({"amount_per_kg": "abc"}, "amount_per_kg", "number"),
        ({"amount_per_kg": "NaN"}, "amount_per_kg", "number"),
        ({"bag_volume_ml": "100000"}, "bag_volume_ml", "1000"),
        ({"minutes": "99999999999"}, "minutes", "1440"),
        ({"maintenance_cap_days": "99999999999"}, "maintenance_cap_days", "730"),
        ({"max_dose_mg": "123456789"}, "max_dose_mg", "digits"),
        ({"spo2_pause": "9.2"}, "spo2_pause", "plausible"),
        ({"pre_sbp_ack": "170"}, "pre_sbp_ack", "lower than the hold limit"),
        ({"moaas_pause": "2.5"}, "moaas_pause", "whole number"),
        ({"indication_code": "Z99"}, "indication_code", "valid choice"),
    ],
)
def test_bad_input_shows_beside_the_field_and_writes_nothing(
    world, provider, changes, field, words
):
    response = provider.post(new_url(world), form_data(**changes))
    assert response.status_code == 200
    assert not TreatmentPlan.objects.exists()
    if field is None:
        errors = response.context["formset"].forms[0].errors
        assert words in " ".join(" ".join(e) for e in errors.values())
    else:
        assert words in " ".join(response.context["form"].errors[field])
    assert 'class="error"' in response.text


def test_a_nul_character_is_refused_as_bad_input(world, provider):
    response = provider.post(new_url(world), form_data(diluent="saline\x00"))
    assert response.status_code == 400
    assert not TreatmentPlan.objects.exists()


def test_a_dose_outside_the_range_needs_the_override_reason(world, provider):
    data = form_data(amount_per_kg="0.8", titration_amount_per_kg="")
    response = provider.post(new_url(world), data)
    assert "usual range" in " ".join(response.context["form"].errors["override_reason"])
    data["override_reason"] = "No response to 0.5 mg/kg elsewhere"
    assert provider.post(new_url(world), data).status_code == 302
    plan = TreatmentPlan.objects.get()
    page = provider.get(reverse("plans:detail", args=[plan.uuid])).text
    assert "No response to 0.5 mg/kg elsewhere" in page


def test_no_plan_page_without_a_candidate_decision(world):
    page = client_for(world.staff["provider"]).get(new_url(world))
    assert page.status_code == 200
    assert "candidate" in page.text and "Sign that decision first" in page.text
    assert "form" not in page.context


def test_a_change_is_a_new_version_and_the_old_one_stays_readable(world, provider):
    provider.post(new_url(world), form_data())
    first = TreatmentPlan.objects.get()
    amend = reverse("plans:amend", args=[first.uuid])
    page = provider.get(amend)
    assert page.status_code == 200 and "version 2" in page.text
    no_reason = provider.post(amend, form_data(vial_mg_per_ml="50"))
    assert "reason" in no_reason.context["form"].errors
    provider.post(amend, form_data(vial_mg_per_ml="50", reason="50 mg/mL in stock"))
    second = TreatmentPlan.objects.exclude(pk=first.pk).get()
    assert second.version == 2 and second.amends == first
    old = provider.get(reverse("plans:detail", args=[first.uuid])).text
    assert "Replaced by" in old and "10 mg/mL" in old
    chart = client_for(world.staff["front_desk"]).get(
        reverse("patients:chart", args=[world.patient.uuid])
    )
    assert "version 2" in chart.text
    # A new plan beside the one in force opens the change instead.
    assert provider.get(new_url(world))["Location"] == reverse(
        "plans:amend", args=[second.uuid]
    )


def test_nurses_and_front_desk_read_but_do_not_sign(world):
    plan = signed_plan(world)
    for role in ("nurse", "front_desk"):
        client = client_for(world.staff[role])
        assert client.get(reverse("plans:sheet", args=[plan.uuid])).status_code == 200
        assert client.post(new_url(world), form_data()).status_code == 403
        amend = reverse("plans:amend", args=[plan.uuid])
        assert client.post(amend, form_data(reason="x")).status_code == 403
    assert TreatmentPlan.objects.count() == 1


def test_a_plan_at_another_location_is_not_found(world):
    plan = signed_plan(world)
    world.patient.location = world.other
    world.patient.save()
    client = client_for(world.staff["nurse"])
    assert client.get(reverse("plans:detail", args=[plan.uuid])).status_code == 404


def test_the_plan_list_reads_in_a_bounded_number_of_queries(
    world, django_assert_max_num_queries
):
    plan = signed_plan(world)
    client = client_for(world.staff["nurse"])
    url = reverse("plans:list", args=[world.patient.uuid])
    client.get(url)
    with django_assert_max_num_queries(16):
        page = client.get(url)
    assert f"Version {plan.version}" in page.text


def test_a_signed_plan_is_append_only_in_the_database(world):
    plan = signed_plan(world)
    for statement in (
        "UPDATE treatment_treatmentplan SET amount_per_kg = 0.9 WHERE id = %s",
        "DELETE FROM treatment_treatmentplan WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [plan.pk])
    with pytest.raises(PermissionError):
        plan.save()
    with pytest.raises(PermissionError):
        TreatmentPlan.objects.filter(pk=plan.pk).update(amount_per_kg=Decimal("0.9"))
    plan.refresh_from_db()
    assert plan.amount_per_kg == Decimal("0.5")


def test_the_manager_edits_a_protocol_with_checks(world):
    candidate(world)
    manager = client_for(world.staff["manager"])
    protocol = Protocol.objects.get(key="depression_induction")
    url = reverse("plans:protocol_edit", args=[protocol.key])
    page = manager.get(url)
    assert page.status_code == 200
    data = page_data(page) | {
        "amount_per_kg": "0.5",
        "usual_low": "0.1",
        "usual_high": "0.75",
        "hard_max": "0.6",
        "recovery_minutes": "20",
    }
    refused = manager.post(url, data)
    assert refused.status_code == 200
    assert {"usual_high", "recovery_minutes"} <= set(refused.context["form"].errors)
    protocol.refresh_from_db()
    assert protocol.hard_max == Decimal("1.0")
    saved = manager.post(url, data | {"hard_max": "1.0", "recovery_minutes": "45"})
    assert saved.status_code == 302
    protocol.refresh_from_db()
    assert protocol.recovery_minutes == 45
    assert AuditEvent.objects.filter(
        summary__startswith="Changed the protocol"
    ).exists()
    listing = client_for(world.staff["nurse"]).get(reverse("plans:protocols")).text
    assert "CLINICAL.md 1.1" in listing
