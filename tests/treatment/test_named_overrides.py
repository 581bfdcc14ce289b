"""A candidate over a hard stop or an open urgent suicide-risk task needs one
named override with its own reason for each, shown on the signed decision."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.audit.actor import Actor
from ketaclinic.clinical.overrides import task_key
from ketaclinic.clinical.screening import CHECKLIST
from ketaclinic.intake.models import Intake, UrgentTask
from ketaclinic.treatment import services
from ketaclinic.treatment.models import ScreeningDecision

ANSWERS = {
    "about": {"treated_for": ["depression"]},
    "medical": dict.fromkeys(CHECKLIST, "no") | {"mania_current": "yes"},
    "lifestyle": {"substance_use_active": "no", "pregnant": "no"},
}


@pytest.fixture
def setup(world):
    Intake.objects.create(
        patient=world.patient, channel="link", answers=ANSWERS, status="submitted"
    )
    task = UrgentTask.objects.create(
        patient=world.patient, message="PHQ-9 item 9 answered 2"
    )
    provider = Client()
    provider.force_login(world.staff["provider"])
    return provider, reverse("treatment:screening", args=[world.patient.uuid]), task


CANDIDATE = {"outcome": "candidate", "indication": "depression", "rationale": "TRD"}


def test_one_general_rationale_does_not_pass_a_hard_stop_or_an_open_task(setup):
    provider, url, task = setup
    page = provider.post(url, CANDIDATE)
    assert page.status_code == 200
    assert not ScreeningDecision.objects.exists()
    form = page.context["form"]
    assert set(form.errors) == {
        "override_mania_current",
        f"override_urgent_task_{task.pk}",
    }
    assert "Give your reason to override this" in page.text
    assert "Override (open urgent task): PHQ-9 item 9 answered 2" in page.text


def test_each_override_with_its_reason_is_kept_and_shown_on_the_decision(setup):
    provider, url, task = setup
    response = provider.post(
        url,
        CANDIDATE
        | {
            "override_mania_current": "Euthymic on review today; psychiatrist agrees",
            f"override_urgent_task_{task.pk}": "C-SSRS by me today: low risk, plan",
        },
    )
    assert response.status_code == 302
    decision = ScreeningDecision.objects.get()
    assert [(o["kind"], o["key"]) for o in decision.overrides] == [
        ("hard_stop", "mania_current"),
        ("urgent_task", f"urgent_task_{task.pk}"),
    ]
    page = provider.get(url)
    assert "Overrode a hard stop:</strong> Current mania" in page.text
    assert "Reason: Euthymic on review today" in page.text
    assert "Overrode an open urgent task:</strong> PHQ-9 item 9 answered 2" in page.text


def test_another_outcome_needs_no_override(setup):
    provider, url, _task = setup
    response = provider.post(
        url, {"outcome": "not_candidate", "indication": "", "rationale": "Mania"}
    )
    assert response.status_code == 302
    assert ScreeningDecision.objects.get().overrides == []


def sign(world, **decision):
    return services.decision_sign(
        actor=Actor.staff(world.staff["provider"]), patient=world.patient, **decision
    )


def sign_candidate(world, override_reasons: dict[str, str]):
    return sign(
        world,
        outcome="candidate",
        indication="depression",
        rationale="TRD",
        override_reasons=override_reasons,
    )


def test_the_service_refuses_a_candidate_without_each_override(world, setup):
    refused = "override each of: PHQ-9 item 9 answered 2$"
    with pytest.raises(services.DecisionRefused, match=refused):
        sign_candidate(world, {"mania_current": "Euthymic on review today"})
    assert not ScreeningDecision.objects.exists()


def test_the_service_screens_the_intake_itself_and_keeps_what_it_found(world, setup):
    """No findings are handed to the service: it finds the hard stop of the
    intake (current mania) and the open task, and keeps both on the decision."""
    _provider, _url, task = setup
    low_risk = {task_key(task.pk): "C-SSRS by me today: low risk"}
    with pytest.raises(services.DecisionRefused, match="Current mania"):
        sign_candidate(world, low_risk)
    decision = sign_candidate(
        world, low_risk | {"mania_current": "Euthymic on review today"}
    )
    kinds = {f["code"]: f["kind"] for f in decision.findings}
    assert [
        code for code, kind in kinds.items() if kind == "absolute_contraindication"
    ] == ["mania_current"]
    assert "missing_fact" in kinds.values()  # every finding is kept, not only stops
    assert [o["key"] for o in decision.overrides] == [
        "mania_current",
        task_key(task.pk),
    ]


def test_a_decision_on_answers_that_cannot_be_screened_is_refused(world):
    Intake.objects.create(
        patient=world.patient,
        channel="link",
        answers={"body": {"systolic": 120, "diastolic": 130}},
        status="submitted",
    )
    with pytest.raises(services.DecisionRefused, match="cannot be screened"):
        sign(world, outcome="not_candidate", rationale="Current mania")
    assert not ScreeningDecision.objects.exists()
