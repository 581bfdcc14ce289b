"""Medicines typed by brand or generic name: offered while typing, recognised by
screening, and a line nobody can read is said so on the screening page."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from ketaclinic.audit.actor import Actor
from ketaclinic.intake import services
from ketaclinic.intake.facts import intake_facts
from ketaclinic.intake.models import Intake
from ketaclinic.links import tokens as links
from tests.links.helpers import holder


def intake_url(intake: Intake) -> str:
    token = links.token(links.Purpose.INTAKE, intake.uuid)
    return reverse("intake_public:intake", args=[token])


def test_the_patient_picks_medicines_from_suggestions_or_writes_their_own(world):
    intake = services.intake_send(
        actor=Actor.staff(world.staff["nurse"]), patient=world.patient
    )
    client = holder(intake_url(intake), world.patient)
    url = f"{intake_url(intake)}?step=medications"
    page = client.get(url)
    assert '<datalist id="medicine-names">' in page.text
    assert '<option value="Xanax (alprazolam)">' in page.text
    assert re.search(r'name="medicine_1"[^>]*list="medicine-names"', page.text) or (
        re.search(r'list="medicine-names"[^>]*name="medicine_1"', page.text)
    )
    response = client.post(
        url,
        {
            "medicine_1": "Xanax (alprazolam) 0.5 mg",
            "medicine_2": "Wellbutrin XL 300 mg",
            "more_medications": "Xyzzy drops\nfish oil",
            "allergies": "",
        },
    )
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.answers["medications"]["medications"] == (
        "Xanax (alprazolam) 0.5 mg\nWellbutrin XL 300 mg\nXyzzy drops\nfish oil"
    )
    again = client.get(url)  # the boxes come back as typed
    assert 'value="Wellbutrin XL 300 mg"' in again.text


def test_the_screening_page_reads_brand_names_and_names_what_it_cannot(world):
    Intake.objects.create(
        patient=world.patient,
        channel="link",
        status="submitted",
        answers={
            "medications": {
                "medications": "Xanax 0.5 mg\nSuboxone 8/2\nNorco 10/325\n"
                "Ambien 10\nAdderall XR 20\nNardil 15 mg\nKlonopin\nXyzzy drops"
            },
            "antidepressants": [
                {
                    "drug": "Wellbutrin XL",
                    "dose_mg": "300",
                    "weeks": 8,
                    "outcome": "no_response",
                    "current_episode": "yes",
                }
            ],
        },
    )
    provider = Client()
    provider.force_login(world.staff["provider"])
    page = provider.get(reverse("treatment:screening", args=[world.patient.uuid]))
    codes = [f.code for f in page.context["result"].findings]
    for code in (
        "interaction_benzodiazepines",
        "interaction_opioids",
        "interaction_cns_depressants",
        "interaction_sympathomimetics",
        "interaction_maois",
    ):
        assert code in codes
    assert codes.count("interaction_benzodiazepines") == 2  # Xanax and Klonopin
    assert codes.count("medicine_unidentified") == 1
    assert "Could not identify the medicine &#x27;Xyzzy drops&#x27;" in page.text
    assert "Could not identify</span>" in page.text
    (trial,) = page.context["result"].trials
    assert trial.adequate is True  # Wellbutrin XL is bupropion, 300 mg/day


def test_a_line_saying_none_is_no_medicine(world):
    answered = Intake.objects.create(
        patient=world.patient,
        channel="link",
        answers={"medications": {"medications": "None"}},
    )
    assert intake_facts(world.patient, answered, {}).medications == ()


def test_staff_adding_a_medication_get_the_same_suggestions(world, as_role):
    page = as_role("nurse").get(
        reverse("patients:medication_add", args=[world.patient.uuid])
    )
    assert '<datalist id="medicine-names">' in page.text
    assert 'list="medicine-names"' in page.text
