"""A consent signed with any typed name ("asdf") was accepted. The typed name
must be the name on file (case, accents and middle names aside), or the
patient confirms a different legal name, which staff then review."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from ketaclinic.audit.models import AuditEvent
from ketaclinic.intake.models import ConsentNameReview, ConsentSignature
from tests.intake.test_intake import intake, post_step, publish  # noqa: F401


def sign(intake, version, typed_name, **extra):  # noqa: F811
    return post_step(
        Client(),
        intake,
        "consents",
        {"version": version.pk, "sha256": version.sha256, "typed_name": typed_name}
        | extra,
    )


def test_a_name_other_than_the_one_on_file_is_refused_and_kept(world, intake):  # noqa: F811
    version = publish(world)
    page = sign(intake, version, "asdf")
    assert page.status_code == 200
    assert "not the name the clinic has on file" in page.text
    assert 'value="asdf"' in page.text
    assert "This is my full legal name" in page.text
    assert not ConsentSignature.objects.exists()


def test_the_name_on_file_signs_whatever_its_case_accents_and_middle_names(
    world,
    intake,  # noqa: F811
):
    world.patient.first_name, world.patient.last_name = "José", "Núñez"
    world.patient.save()
    version = publish(world)
    assert sign(intake, version, "jose maria NUNEZ").status_code == 302
    signature = ConsentSignature.objects.get()
    assert not signature.different_legal_name
    assert signature.name_on_file == "José Núñez"


def test_a_confirmed_legal_name_signs_and_staff_review_it(world, intake, as_role):  # noqa: F811
    version = publish(world)
    response = sign(intake, version, "Ada Byron", different_legal_name="1")
    assert response.status_code == 302
    signature = ConsentSignature.objects.get()
    assert signature.different_legal_name and signature.typed_name == "Ada Byron"
    assert signature.name_on_file == "Ada Lovelace"

    nurse = as_role("nurse")
    chart = nurse.get(reverse("patients:chart", args=[world.patient.uuid])).text
    assert "Signed under another legal name, to review" in chart
    assert "“Ada Byron”" in chart
    page = nurse.get(reverse("intake:patient", args=[world.patient.uuid])).text
    assert "the chart says Ada Lovelace" in page
    review = reverse("intake:consent_name_review", args=[signature.pk])
    assert nurse.post(review, {"note": ""}).status_code == 302
    assert not ConsentNameReview.objects.exists()  # a note is needed
    nurse.post(review, {"note": "Maiden name; ID checked at the desk"})
    done = ConsentNameReview.objects.get()
    assert done.reviewed_by == world.staff["nurse"]
    assert AuditEvent.objects.filter(summary__contains="Maiden name").exists()
    chart = nurse.get(reverse("patients:chart", args=[world.patient.uuid])).text
    assert "to review" not in chart
    # Front desk staff cannot review.
    assert as_role("front_desk").post(review, {"note": "x"}).status_code == 403
