from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import AuditEvent
from ketaclinic.intake.models import Intake, ReportedItemReview
from ketaclinic.patients.models import (
    Allergy,
    BodyMeasurement,
    Condition,
    Escort,
    Medication,
)


def fill_chart(patient, n: int) -> None:
    now = timezone.now()
    for i in range(n):
        Escort.objects.create(
            patient=patient, name=f"Escort {i}", relation="friend", phone="+13035550111"
        )
        Allergy.objects.create(patient=patient, substance=f"Substance {i}")
        Medication.objects.create(patient=patient, name=f"Drug {i}", dose="10 mg")
        Condition.objects.create(patient=patient, icd10_code="F33.1", description="MDD")
        BodyMeasurement.objects.create(
            patient=patient,
            measured_at=now - timedelta(days=i),
            weight_kg=Decimal("70.0") + i,
            height_cm=Decimal("170.0") if i == n - 1 else None,
        )


def report(patient, n: int) -> None:
    """Submitted intakes reporting allergies and medicines, one reviewed."""
    for i in range(n):
        intake = Intake.objects.create(
            patient=patient,
            channel=Intake.Channel.LINK,
            status=Intake.Status.SUBMITTED,
            answers={
                "medications": {
                    "allergies": f"Substance {i} – rash\nlatex",
                    "medications": f"Drug {i} 10 mg",
                }
            },
        )
        ReportedItemReview.objects.create(
            intake=intake,
            patient=patient,
            item="allergy-2",
            kind="allergy",
            reported="latex",
            decision="rejected",
            reviewed_by=patient.created_by or User.objects.first(),
        )


def chart_queries(client, patient) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("patients:chart", args=[patient.uuid]))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_viewing_a_chart_is_audited(world, as_role):
    as_role("nurse").get(reverse("patients:chart", args=[world.patient.uuid]))
    event = AuditEvent.objects.get(action="view", patient=world.patient)
    assert event.actor == world.staff["nurse"]
    assert event.location == world.home


def test_the_chart_runs_a_bounded_number_of_queries(world, as_role):
    """Queries: session, user, locations, second-factor device, patient, the
    entry lists (escorts, allergies, medications, conditions) in one, the
    latest weights with the latest height in one, consent versions and
    signatures, upcoming visits, open urgent tasks (the banner; their crisis
    leads, one more, only when a task is open), submitted intakes and their
    reviews (what the patient reported, not yet reviewed: 2), the journey, the
    treatment plan in force (its series visits, one more, only when a plan is
    in force), the infusion sessions (one, for readers of clinical data), audit
    entry (lock the chain head, insert, advance the head)."""
    client = as_role("nurse")
    fill_chart(world.patient, 2)
    report(world.patient, 2)
    small = chart_queries(client, world.patient)
    fill_chart(world.patient, 30)  # the only height is older than 10 weights
    report(world.patient, 30)
    assert chart_queries(client, world.patient) == small
    assert small <= 19  # 13, urgent tasks, reported (2), journey, plan, infusions
    # A plan in force adds its series visits: one query.
    from tests.conftest import make_patient
    from tests.treatment.helpers import signed_plan

    planned = make_patient(world.home, mrn="T0000050", first_name="Plan")
    without = chart_queries(client, planned)
    signed_plan(world, patient=planned)
    assert chart_queries(client, planned) <= without + 1 <= 20


def test_the_chart_lists_every_entry_in_order_with_its_values(world, as_role):
    """The entry lists read in one query come back as they were stored."""
    patient = world.patient
    patient.sex_at_birth = "male"
    patient.save()
    Escort.objects.create(patient=patient, name="Zoe", relation="sister", phone="")
    Escort.objects.create(
        patient=patient, name="Bo", relation="friend", phone="+13035550111"
    )
    Allergy.objects.create(patient=patient, substance="Latex", active=False)
    Allergy.objects.create(
        patient=patient, substance="Penicillin", reaction="hives", severity="severe"
    )
    Condition.objects.create(
        patient=patient,
        icd10_code="F33.1",
        description="MDD",
        onset_date=timezone.localdate() - timedelta(days=400),
    )
    BodyMeasurement.objects.create(
        patient=patient,
        measured_at=timezone.now() - timedelta(days=90),
        weight_kg=Decimal("80.5"),
        height_cm=Decimal("181.0"),
    )
    for day in range(12):
        BodyMeasurement.objects.create(
            patient=patient,
            measured_at=timezone.now() - timedelta(days=day),
            weight_kg=Decimal("80.0") - day,
        )
    from ketaclinic.patients.queries import chart_for

    chart = chart_for(patient, clinical=True)
    assert [e.name for e in chart.escorts] == ["Bo", "Zoe"]
    assert chart.escorts[0].phone == "+13035550111"
    assert [(a.substance, a.active) for a in chart.allergies] == [
        ("Penicillin", True),
        ("Latex", False),
    ]
    assert chart.allergies[0].get_severity_display() == "Severe"
    assert chart.conditions[0].onset_date == timezone.localdate() - timedelta(days=400)
    assert chart.conditions[0].recorded_at <= timezone.now()
    assert [m.weight_kg for m in chart.measurements][:2] == [
        Decimal("80.000"),
        Decimal("79.000"),
    ]
    assert len(chart.measurements) == 10
    assert chart.height_cm == Decimal("181.000")
    page = as_role("nurse").get(reverse("patients:chart", args=[patient.uuid]))
    assert "Penicillin" in page.text and "hives" in page.text
    assert "Ideal body weight" in page.text  # the height older than 10 weights


def test_the_entry_lists_hold_what_the_orm_reads(world):
    """Every column of every entry, read as text and turned back, equals what
    the ORM reads of the same rows, in the same order."""
    from ketaclinic.patients.queries import entry_lists

    patient = world.patient
    nurse = world.staff["nurse"]
    fill_chart(patient, 3)
    Allergy.objects.create(
        patient=patient, substance="Latex", active=False, recorded_by=nurse
    )
    models = (Escort, Allergy, Medication, Condition)

    def values(rows):
        return [
            {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}
            for row in rows
        ]

    for model, rows in zip(models, entry_lists(patient, models), strict=True):
        assert values(rows) == values(model.objects.filter(patient=patient))
        assert rows, model


def test_the_chart_shows_weights_side_by_side_with_units(world, as_role):
    world.patient.sex_at_birth = "female"
    world.patient.save()
    BodyMeasurement.objects.create(
        patient=world.patient,
        measured_at=timezone.now(),
        weight_kg=Decimal("70.0"),
        height_cm=Decimal("175.0"),
    )
    page = as_role("nurse").get(reverse("patients:chart", args=[world.patient.uuid]))
    text = page.text
    assert '70.0 <span class="unit">kg</span>' in text
    assert '22.9 <span class="unit">kg/m²</span>' in text  # BMI, CLINICAL.md 1.3
    assert "Ideal body weight" in text and "Adjusted body weight" in text


def test_the_chart_rounds_weights_only_for_display(world, as_role):
    # 154 cm male, 70 kg: IBW 51.4488 kg; AdjBW from the exact IBW 58.869 kg. From
    # an IBW rounded to 51.4 first, the chart would show 58.8.
    world.patient.sex_at_birth = "male"
    world.patient.save()
    BodyMeasurement.objects.create(
        patient=world.patient,
        measured_at=timezone.now(),
        weight_kg=Decimal("70.0"),
        height_cm=Decimal("154.0"),
    )
    page = as_role("nurse").get(reverse("patients:chart", args=[world.patient.uuid]))
    assert '51.4 <span class="unit">kg</span>' in page.text
    assert '58.9 <span class="unit">kg</span>' in page.text
    assert '29.5 <span class="unit">kg/m²</span>' in page.text


def test_front_desk_sees_contacts_but_not_the_clinical_record(world, as_role):
    Allergy.objects.create(patient=world.patient, substance="Penicillin")
    page = as_role("front_desk").get(
        reverse("patients:chart", args=[world.patient.uuid])
    )
    assert page.status_code == 200
    assert "Escorts" in page.text
    assert "Penicillin" not in page.text
    assert "Weight and height" not in page.text


def test_the_allergy_banner_names_active_allergies(world, as_role):
    Allergy.objects.create(
        patient=world.patient, substance="Penicillin", severity="severe"
    )
    Allergy.objects.create(patient=world.patient, substance="Latex", active=False)
    page = as_role("nurse").get(reverse("patients:chart", args=[world.patient.uuid]))
    banner = page.text.split('class="allergy-banner"')[1].split("</div>")[0]
    assert "Penicillin (severe)" in banner
    assert "Latex" not in banner


def test_editing_demographics_keeps_history_and_audits(world, as_role):
    client = as_role("front_desk")
    url = reverse("patients:edit", args=[world.patient.uuid])
    page = client.get(url)
    assert page.status_code == 200
    data = {
        name: (value if value is not None else "")
        for name, value in page.context["form"].initial.items()
    }
    data["location"] = world.home.pk
    data["date_of_birth"] = "1980-05-17"
    data["phone"] = "(303) 555-0177"
    response = client.post(url, data)
    assert response.status_code == 302
    world.patient.refresh_from_db()
    assert world.patient.phone == "+13035550177"
    assert world.patient.history.count() == 2
    event = AuditEvent.objects.get(action="update", patient=world.patient)
    assert "phone" in event.summary


def test_an_edit_with_a_bad_value_changes_nothing(world, as_role):
    client = as_role("front_desk")
    url = reverse("patients:edit", args=[world.patient.uuid])
    data = {
        name: (value if value is not None else "")
        for name, value in client.get(url).context["form"].initial.items()
    }
    data.update(location=world.home.pk, date_of_birth="2999-01-01", last_name="Byron")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "cannot be in the future" in response.text
    world.patient.refresh_from_db()
    assert world.patient.last_name == "Lovelace"
    assert world.patient.history.count() == 1


def test_history_page_shows_who_changed_what(world, as_role):
    world.patient.phone = "+13035550100"
    world.patient.save()
    page = as_role("nurse").get(reverse("patients:history", args=[world.patient.uuid]))
    assert page.status_code == 200
    assert "+13035550142" in page.text and "+13035550100" in page.text


def test_the_banner_never_reads_as_an_empty_allergy_list(world, as_role):
    """With only an inactive allergy the banner says so; it never shows a bare
    "Allergies:" that reads as if the patient had none recorded."""
    Allergy.objects.create(patient=world.patient, substance="Latex", active=False)
    page = as_role("nurse").get(reverse("patients:chart", args=[world.patient.uuid]))
    banner = page.text.split("allergy-banner")[1].split("</div>")[0]
    assert "Allergies:" not in banner
    assert "No active allergies (1 marked inactive)" in banner
