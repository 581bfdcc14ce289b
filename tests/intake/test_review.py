"""What the patient reports in an intake reaches staff: shown on the chart as
reported and not yet reviewed, then accepted, changed or left out by a nurse or
provider, who is recorded; what was accepted is in the chart's own records."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketaclinic.audit.actor import Actor
from ketaclinic.audit.models import AuditEvent
from ketaclinic.intake import review
from ketaclinic.intake.models import Intake, ReportedItemReview
from ketaclinic.patients.models import Allergy, Escort, Medication
from tests.conftest import client_for, make_patient
from tests.links.helpers import browsers, race

ANSWERS = {
    "about": {
        "treated_for": ["depression"],
        "phone": "+13035550177",
        "email": "Ada.New@Example.com",
        "details_correct": "no",
        "corrections": "We moved: 12 Elm Street, Denver CO 80202",
    },
    "medications": {
        "medications": "Zoloft 100 mg once daily\nXanax 0.5 mg at night\n"
        "lisinopril 10 mg\nZorbitol 5 mg",
        "allergies": "penicillin – hives\nnone",
    },
    "escort": {"name": "Sam Lovelace", "relation": "brother", "phone": "+13035550111"},
}
PENDING = "Reported by the patient, not yet reviewed"
REPORTED_ALLERGIES = "Allergies reported by the patient, not yet reviewed"


def submitted_intake(patient, answers=None) -> Intake:
    return Intake.objects.create(
        patient=patient,
        channel=Intake.Channel.LINK,
        status=Intake.Status.SUBMITTED,
        answers=answers if answers is not None else ANSWERS,
    )


def chart(client, patient) -> str:
    response = client.get(reverse("patients:chart", args=[patient.uuid]))
    assert response.status_code == 200
    return response.text


def post_review(client, intake, item, decision="accept", **fields):
    data = {"decision": decision, **{f"{item}-{k}": v for k, v in fields.items()}}
    return client.post(reverse("intake:review_item", args=[intake.uuid, item]), data)


ALLERGY = {"substance": "penicillin", "reaction": "hives", "severity": "unknown"}


# --- What an intake reports -----------------------------------------------------


@pytest.mark.parametrize(
    ("line", "substance", "reaction"),
    [
        ("penicillin – hives", "penicillin", "hives"),
        ("Penicillin - hives", "Penicillin", "hives"),
        ("latex (rash)", "latex", "rash"),
        ("sulfa: swelling of the lips", "sulfa", "swelling of the lips"),
        ("shellfish", "shellfish", ""),
        ("co-trimoxazole", "co-trimoxazole", ""),
    ],
)
def test_an_allergy_line_is_read_as_substance_and_reaction(line, substance, reaction):
    fields = review.allergy_fields(line)
    assert (fields["substance"], fields["reaction"]) == (substance, reaction)


@pytest.mark.parametrize(
    ("line", "name", "dose", "frequency", "recognised"),
    [
        ("Zoloft 100 mg once daily", "Zoloft (sertraline)", "100 mg", "once daily", 1),
        ("sertraline 50mg", "sertraline", "50mg", "", 1),
        ("Norco 10/325 mg as needed", "Norco (hydrocodone and acetaminophen)",
         "10/325 mg", "as needed", 1),
        ("Zorbitol 5 mg", "Zorbitol", "5 mg", "", 0),
        ("Blorbex twice daily", "Blorbex twice daily", "", "", 0),
    ],
)  # fmt: skip
def test_a_medicine_line_is_read_with_its_generic_name(
    line, name, dose, frequency, recognised
):
    fields, ingredients = review.medication_fields(line)
    assert fields == {"name": name, "dose": dose, "frequency": frequency}
    assert bool(ingredients) == bool(recognised)


def test_an_intake_reports_each_allergy_medicine_escort_and_correction(world):
    intake = submitted_intake(world.patient)
    items = {item.key: item for item in review.items_of(intake)}
    assert sorted(items) == [
        "allergy-1",
        "details",
        "email",
        "escort",
        "medication-1",
        "medication-2",
        "medication-3",
        "medication-4",
        "phone",
    ]  # "none" is no allergy
    assert items["medication-2"].recognised == "alprazolam"
    assert items["medication-4"].recognised == ""  # could not identify
    assert items["email"].proposed == {"email": "ada.new@example.com"}
    assert all(item.pending for item in items.values())


def test_an_intake_not_yet_sent_reports_nothing(world, as_role):
    Intake.objects.create(
        patient=world.patient,
        channel=Intake.Channel.LINK,
        status=Intake.Status.IN_PROGRESS,
        answers=ANSWERS,
    )
    assert PENDING not in chart(as_role("nurse"), world.patient)


def test_unchanged_phone_and_email_are_not_reported_as_corrections(world):
    answers = {
        "about": {"phone": world.patient.phone, "email": "ADA@example.com"},
        "escort": {},
    }
    assert review.items_of(submitted_intake(world.patient, answers)) == []


# --- Before the review ----------------------------------------------------------


def test_the_chart_shows_what_the_patient_reported_until_it_is_reviewed(world, as_role):
    submitted_intake(world.patient)
    text = chart(as_role("nurse"), world.patient)
    assert PENDING in text
    assert f"{REPORTED_ALLERGIES}: penicillin – hives" in text
    assert "No allergies recorded. Ask and record them." not in text
    assert "Zoloft 100 mg once daily" in text and "sertraline" in text
    assert "Zorbitol 5 mg" in text and "could not identify" in text
    assert "Sam Lovelace (brother)" in text
    assert "We moved: 12 Elm Street" in text
    assert "Review into the chart" in text
    # The chart's own lists are unchanged: nothing reached them unreviewed.
    assert "No medications recorded." in text and "No escort on file." in text


def test_the_front_desk_sees_reported_details_but_not_clinical_items(world, as_role):
    submitted_intake(world.patient)
    text = chart(as_role("front_desk"), world.patient)
    assert PENDING in text and "Sam Lovelace (brother)" in text
    assert "penicillin" not in text and "Zoloft" not in text
    assert "Allergies or medicines, for a nurse or provider to review." in text
    assert "Review into the chart" not in text


def test_the_booking_page_shows_reported_allergies(world, as_role):
    submitted_intake(world.patient)
    url = reverse("scheduling:book", args=[world.patient.uuid])
    assert f"{REPORTED_ALLERGIES}: penicillin – hives" in as_role("nurse").get(url).text
    # As on the chart, the front desk is not shown clinical records.
    assert "penicillin" not in as_role("front_desk").get(url).text


def test_the_worklist_leads_to_the_intakes_to_review(world, as_role):
    intake = submitted_intake(world.patient)
    submitted_intake(world.foreign_patient)  # another location: not listed
    text = as_role("nurse").get(reverse("intake:worklist")).text
    assert reverse("intake:review", args=[intake.uuid]) in text
    assert "9 items reported, not yet reviewed" in text
    assert "Hopper" not in text


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_worklist_runs_a_bounded_number_of_queries(world, as_role):
    """Queries: session, user, locations, urgent tasks, location ids, intakes to
    review and their reviews, audit entry (lock the chain head, insert, advance)."""
    client = as_role("nurse")
    url = reverse("intake:worklist")
    submitted_intake(world.patient)
    few = queries(client, url)
    for n in range(20):
        submitted_intake(make_patient(world.home, mrn=f"W{n:07d}"))
    assert queries(client, url) == few
    assert few <= 11


def test_the_review_page_runs_a_bounded_number_of_queries(world, as_role):
    client = as_role("nurse")
    many = dict(ANSWERS)
    many["medications"] = {
        "medications": "\n".join(f"Drug {n} 10 mg" for n in range(30)),
        "allergies": "\n".join(f"Substance {n} – rash" for n in range(30)),
    }
    few = queries(
        client, reverse("intake:review", args=[submitted_intake(world.patient).uuid])
    )
    intake = submitted_intake(world.patient, many)
    assert queries(client, reverse("intake:review", args=[intake.uuid])) == few


def test_a_manager_reads_the_review_but_cannot_review(world, as_role):
    intake = submitted_intake(world.patient)
    text = as_role("manager").get(reverse("intake:review", args=[intake.uuid])).text
    assert "A nurse or provider reviews these items." in text
    assert "Add to the chart" not in text
    response = post_review(as_role("manager"), intake, "allergy-1", **ALLERGY)
    assert response.status_code == 403
    assert not Allergy.objects.exists() and not ReportedItemReview.objects.exists()


# --- The review -----------------------------------------------------------------


def test_an_accepted_allergy_is_in_the_chart_with_who_reviewed_it_and_when(
    world, as_role
):
    intake = submitted_intake(world.patient)
    nurse = as_role("nurse")
    page = nurse.get(reverse("intake:review", args=[intake.uuid])).text
    assert 'value="penicillin"' in page and 'value="hives"' in page

    response = post_review(nurse, intake, "allergy-1", **ALLERGY)

    assert response.status_code == 302
    allergy = Allergy.objects.get(patient=world.patient)
    assert (allergy.substance, allergy.reaction) == ("penicillin", "hives")
    assert allergy.recorded_by == world.staff["nurse"]
    done = ReportedItemReview.objects.get()
    assert done.decision == ReportedItemReview.Decision.ACCEPTED
    assert done.reviewed_by == world.staff["nurse"] and done.reviewed_at
    assert (done.reported, done.recorded) == (
        "penicillin – hives",
        "penicillin (hives)",
    )
    text = chart(nurse, world.patient)
    assert "Allergies: penicillin" in text
    assert REPORTED_ALLERGIES not in text
    assert PENDING in text  # the rest still waits
    written = AuditEvent.objects.filter(action="create", patient=world.patient)
    assert {e.object_type for e in written} == {
        "patients.Allergy",
        "intake.ReportedItemReview",
    }
    assert any("accepted as reported" in e.summary for e in written)


def test_a_changed_medicine_is_written_as_changed(world, as_role):
    intake = submitted_intake(world.patient)
    post_review(
        as_role("provider"),
        intake,
        "medication-1",
        name="Sertraline",
        dose="150 mg",
        frequency="once daily",
    )
    medication = Medication.objects.get(patient=world.patient)
    assert str(medication) == "Sertraline 150 mg once daily"
    done = ReportedItemReview.objects.get()
    assert done.decision == ReportedItemReview.Decision.EDITED
    assert done.reported == "Zoloft 100 mg once daily"
    assert done.recorded == "Sertraline 150 mg once daily"
    assert done.reviewed_by == world.staff["provider"]


def test_a_rejected_escort_leaves_the_chart_unchanged_but_is_reviewed(world, as_role):
    intake = submitted_intake(world.patient)
    nurse = as_role("nurse")
    response = nurse.post(
        reverse("intake:review_item", args=[intake.uuid, "escort"]),
        {"decision": "reject", "escort-note": "Brother cannot drive; asked again."},
    )
    assert response.status_code == 302
    assert not Escort.objects.exists()
    done = ReportedItemReview.objects.get()
    assert done.decision == ReportedItemReview.Decision.REJECTED
    assert done.note == "Brother cannot drive; asked again." and done.recorded == ""
    text = chart(nurse, world.patient)
    assert "No escort on file." in text and "Sam Lovelace" not in text
    page = nurse.get(reverse("intake:review", args=[intake.uuid])).text
    assert "Not added to the chart by Nurse" in page


def test_a_corrected_address_and_phone_reach_the_chart(world, as_role):
    intake = submitted_intake(world.patient)
    nurse = as_role("nurse")
    details = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "preferred_name": "",
        "date_of_birth": "1980-05-17",
        "address_line1": "12 Elm Street",
        "address_line2": "",
        "city": "Denver",
        "state": "CO",
        "postal_code": "80202",
    }
    assert post_review(nurse, intake, "details", **details).status_code == 302
    assert (
        post_review(nurse, intake, "phone", phone="(303) 555-0177").status_code == 302
    )
    world.patient.refresh_from_db()
    assert (world.patient.address_line1, world.patient.city) == (
        "12 Elm Street",
        "Denver",
    )
    assert world.patient.phone == "+13035550177"
    assert ReportedItemReview.objects.get(item="phone").decision == "accepted"
    recorded = ReportedItemReview.objects.get(item="details").recorded
    assert (
        recorded
        == "address: 12 Elm Street; city: Denver; state: CO; postal code: 80202"
    )
    text = chart(nurse, world.patient)
    assert "12 Elm Street, Denver CO 80202" in text
    assert "We moved" not in text  # reviewed


def test_a_correction_that_changes_nothing_is_refused_and_nothing_written(
    world, as_role
):
    intake = submitted_intake(world.patient)
    patient = world.patient
    unchanged = {
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
    }
    response = post_review(as_role("nurse"), intake, "details", **unchanged)
    assert response.status_code == 200
    assert "Nothing differs from the chart" in response.text
    assert not ReportedItemReview.objects.exists()


def test_a_bad_value_is_shown_beside_its_field_and_nothing_is_written(world, as_role):
    intake = submitted_intake(world.patient)
    response = post_review(
        as_role("nurse"), intake, "escort", name="Sam", relation="brother", phone="12"
    )
    assert response.status_code == 200
    assert 'id="id_escort-phone_error"' in response.text
    assert "Enter a valid phone number" in response.text
    assert not Escort.objects.exists() and not ReportedItemReview.objects.exists()


def test_an_item_is_reviewed_once(world):
    intake = submitted_intake(world.patient)
    nurse, provider = (
        Actor.staff(world.staff["nurse"]),
        Actor.staff(world.staff["provider"]),
    )
    review.reported_item_review(
        actor=nurse, intake=intake, item="allergy-1", accept=True, values=ALLERGY
    )
    with pytest.raises(review.AlreadyReviewed, match="Nurse reviewed this already"):
        review.reported_item_review(
            actor=provider, intake=intake, item="allergy-1", accept=False
        )
    assert Allergy.objects.count() == 1 and ReportedItemReview.objects.count() == 1


def test_a_second_submit_of_a_reviewed_item_says_so(world, as_role):
    intake = submitted_intake(world.patient)
    nurse = as_role("nurse")
    post_review(nurse, intake, "allergy-1", **ALLERGY)
    again = post_review(nurse, intake, "allergy-1", **ALLERGY)
    assert again.status_code == 302
    assert "Nurse reviewed this already." in nurse.get(again["Location"]).text
    assert Allergy.objects.count() == 1


def test_reviews_are_never_changed(world):
    intake = submitted_intake(world.patient)
    done = review.reported_item_review(
        actor=Actor.staff(world.staff["nurse"]),
        intake=intake,
        item="escort",
        accept=False,
    )
    with pytest.raises(PermissionError):
        done.save()
    with pytest.raises(PermissionError):
        ReportedItemReview.objects.update(decision="accepted")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
        c.execute("UPDATE intake_reporteditemreview SET decision = 'accepted'")


PARALLEL = 6


@pytest.mark.django_db(transaction=True)
def test_parallel_reviews_of_one_item_write_the_chart_once(world):
    intake = submitted_intake(world.patient)
    url = reverse("intake:review_item", args=[intake.uuid, "allergy-1"])
    clients = browsers(PARALLEL)
    for client in clients:
        client.force_login(world.staff["nurse"])
    data = {"decision": "accept", **{f"allergy-1-{k}": v for k, v in ALLERGY.items()}}

    answers = race(PARALLEL, lambda i: clients[i].post(url, data))

    statuses = [getattr(a, "status_code", a) for a in answers]
    assert statuses == [302] * PARALLEL, statuses
    assert Allergy.objects.count() == 1
    assert ReportedItemReview.objects.count() == 1


# --- The intake's answers -------------------------------------------------------


def test_the_summary_shows_every_answer_in_plain_words_with_units(world, as_role):
    answers = {
        **ANSWERS,
        "antidepressants": [
            {
                "drug": "Lexapro",
                "dose_mg": "20",
                "weeks": 8,
                "outcome": "no_response",
                "current_episode": "yes",
                "side_effects": "",
            }
        ],
        "body": {
            "height_cm": "170.0",
            "weight_kg": "68.5",
            "systolic": 128,
            "diastolic": 84,
        },
        "lifestyle": {
            "substance_use_active": "no",
            "pregnant": "na",
            "breastfeeding": "na",
        },
    }
    intake = submitted_intake(world.patient, answers)
    response = as_role("nurse").get(reverse("intake:summary", args=[intake.uuid]))
    assert response.status_code == 200
    text = response.text
    for title in (
        "About you",
        "Mental health history",
        "Antidepressants you have tried",
        "Other treatments",
        "Medical history",
        "Medicines and allergies",
        "Alcohol, drugs and pregnancy",
        "Height, weight and blood pressure",
        "Your escort",
        "Questionnaires",
    ):
        assert f">{title}</h2>" in text, title
    assert "170.0 cm" in text and "68.5 kg" in text
    assert "128 mmHg" in text and "84 mmHg" in text
    assert "20 mg a day" in text and "8 weeks" in text
    assert "It did not help" in text and "Does not apply" in text
    assert "Are your name, date of birth and address above correct?" in text
    assert "Depression" in text and "(303) 555-0177" in text
    assert "recognised as</span> sertraline" in text
    assert "recognised as</span> escitalopram" in text
    assert "Could not identify" in text  # Zorbitol
    assert "penicillin – hives" in text
    assert "Not answered" in text  # the sections left empty
    for code in ("no_response", "details_correct", "treated_for", "height_cm", "na<"):
        assert code not in text, code
    assert "9 items reported by the patient, not yet reviewed" in text


def test_the_intake_page_leads_to_the_answers_and_their_review(world, as_role):
    intake = submitted_intake(world.patient)
    text = (
        as_role("nurse").get(reverse("intake:patient", args=[world.patient.uuid])).text
    )
    assert reverse("intake:summary", args=[intake.uuid]) in text
    assert reverse("intake:review", args=[intake.uuid]) in text


def test_reading_the_answers_is_audited(world):
    intake = submitted_intake(world.patient)
    client_for(world.staff["provider"]).get(
        reverse("intake:summary", args=[intake.uuid])
    )
    event = AuditEvent.objects.get(action="view")
    assert (event.patient, event.summary) == (world.patient, "Intake answers")
