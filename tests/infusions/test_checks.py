"""The pre-infusion checklist: each check, holds, provider decisions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from ketaclinic.audit.actor import Actor
from ketaclinic.infusions import checks
from ketaclinic.infusions.models import Check, Override, Session
from ketaclinic.infusions.services import InfusionRefused
from ketaclinic.intake.models import ConsentDocument, ConsentVersion, UrgentTask
from ketaclinic.patients.models import BodyMeasurement, Escort
from tests.conftest import PASSWORD
from tests.infusions.checks_helpers import all_checked, baseline, nurse, phq9
from tests.infusions.helpers import checked_in

pytestmark = pytest.mark.django_db


def provider(world) -> Actor:
    return Actor.system(world.staff["provider"])


def status(session, key):
    return checks.checklist(session).item(key).status


def test_a_new_session_has_everything_to_do_and_no_hold(world):
    session = checked_in(world)
    found = checks.checklist(session)
    assert found.holds == []
    assert {item.key for item in found.to_do} >= {
        "escort",
        "fasting_solids",
        "fasting_clear",
        "baseline_vitals",
        "questionnaire",
    }
    assert status(session, "pregnancy") == "not_needed"
    # Weighed an hour ago in the treatment helpers: within the plan's window.
    assert status(session, "weight") == "passed"


def test_every_check_passed_leaves_it_checked_in_until_the_double_check(world):
    session = all_checked(world)
    assert checks.checklist(session).clear
    assert session.state == Session.State.CHECKED_IN
    assert session.dose_mg is not None


def test_the_escort_is_prefilled_from_the_reminder_answers(world):
    session = checked_in(world)
    session.appointment.answers = {"escort_name": "Sam", "escort_phone": "555-0100"}
    assert checks.escort_prefill(session)["name"] == "Sam"


def test_the_escort_is_prefilled_from_the_chart_without_answers(world):
    Escort.objects.create(
        patient=world.patient, name="Kim", relation="Sister", phone="+13035550101"
    )
    session = checked_in(world)
    assert checks.escort_prefill(session) == {
        "name": "Kim",
        "relation": "Sister",
        "phone": "+13035550101",
    }


def test_the_escort_is_kept_on_the_session_and_as_a_check(world):
    session = checked_in(world)
    checks.escort_record(
        actor=nurse(world),
        session=session,
        name="Kim",
        relation="Sister",
        phone="+13035550101",
    )
    session.refresh_from_db()
    assert (session.escort_name, session.escort_phone) == ("Kim", "+13035550101")
    assert Check.objects.get(key="escort").outcome == "passed"


@pytest.mark.parametrize("phone", ["", "12", "not a phone"])
def test_an_escort_without_a_phone_is_refused_beside_the_field(world, phone):
    session = checked_in(world)
    with pytest.raises(InfusionRefused) as refused:
        checks.escort_record(
            actor=nurse(world), session=session, name="Kim", relation="", phone=phone
        )
    assert "escort_phone" in refused.value.errors
    assert not Check.objects.exists()


def test_no_escort_holds_the_infusion(world):
    session = checked_in(world)
    checks.escort_record(
        actor=nurse(world),
        session=session,
        name="",
        relation="",
        phone="",
        none_today=True,
    )
    session.refresh_from_db()
    assert session.state == Session.State.HELD
    assert "escort" in session.state_reason.lower()


def test_fasting_under_the_clinic_hours_holds(world, settings):
    settings.KETACLINIC_FASTING_SOLIDS_HOURS = 6
    session = checked_in(world)
    checks.fasting_record(
        actor=nurse(world), session=session, solids_hours="4", clear_hours="3"
    )
    session.refresh_from_db()
    assert session.state == Session.State.HELD
    assert status(session, "fasting_solids") == "failed"
    assert status(session, "fasting_clear") == "passed"


@pytest.mark.parametrize("hours", ["", "abc", "-1", "NaN", "1e9"])
def test_fasting_hours_must_be_a_number_of_hours(world, hours):
    session = checked_in(world)
    with pytest.raises(InfusionRefused) as refused:
        checks.fasting_record(
            actor=nurse(world), session=session, solids_hours=hours, clear_hours="3"
        )
    assert "solids_hours" in refused.value.errors
    assert not Check.objects.exists()


def test_pregnancy_test_is_asked_of_a_woman_of_child_bearing_age(world, settings):
    settings.KETACLINIC_PREGNANCY_TEST_REQUIRED = True
    session = checked_in(world)
    session.patient.sex_at_birth = "female"
    session.patient.save()
    assert status(session, "pregnancy") == "to_do"
    checks.pregnancy_record(actor=nurse(world), session=session, result="positive")
    session.refresh_from_db()
    assert session.state == Session.State.HELD
    checks.pregnancy_record(actor=nurse(world), session=session, result="negative")
    session.refresh_from_db()
    assert session.state == Session.State.CHECKED_IN


def test_no_pregnancy_test_past_the_policy_ages(world, settings):
    settings.KETACLINIC_PREGNANCY_TEST_REQUIRED = True
    session = checked_in(world)
    session.patient.sex_at_birth = "female"
    session.patient.date_of_birth = date(1940, 1, 1)
    assert status(session, "pregnancy") == "not_needed"


def test_a_pregnancy_result_must_be_one_of_the_three(world):
    session = checked_in(world)
    with pytest.raises(InfusionRefused) as refused:
        checks.pregnancy_record(actor=nurse(world), session=session, result="maybe")
    assert "result" in refused.value.errors


def test_todays_weight_goes_on_the_chart_and_works_the_dose_out(world):
    session = checked_in(world)
    checks.weight_record(
        actor=nurse(world), session=session, weight="176.37", unit="lb"
    )
    session.refresh_from_db()
    latest = BodyMeasurement.objects.filter(patient=world.patient).first()
    assert latest.weight_unit == "lb"
    assert session.weight_kg == pytest.approx(80, abs=0.01)
    assert session.dose_mg is not None
    assert any("mg/kg" in line for line in session.dose_arithmetic)


def test_a_weight_with_no_unit_is_refused(world):
    session = checked_in(world)
    with pytest.raises(InfusionRefused) as refused:
        checks.weight_record(actor=nurse(world), session=session, weight="80", unit="")
    assert "unit" in refused.value.errors


@pytest.mark.parametrize("weight", ["0", "-3", "abc", "900", "80.123"])
def test_an_implausible_weight_is_refused(world, weight):
    session = checked_in(world)
    count = BodyMeasurement.objects.count()
    with pytest.raises(InfusionRefused) as refused:
        checks.weight_record(
            actor=nurse(world), session=session, weight=weight, unit="kg"
        )
    assert "weight" in refused.value.errors
    assert BodyMeasurement.objects.count() == count


def test_a_weight_older_than_the_plan_window_releases_no_dose(world):
    session = all_checked(world)
    later = timezone.now() + timedelta(hours=session.plan.weight_max_age_hours + 1)
    found = checks.checklist(session, now=later)
    assert found.item("weight").status == "to_do"
    assert "older" in found.item("weight").words


def test_a_reading_in_the_future_is_refused(world):
    session = checked_in(world)
    with pytest.raises(InfusionRefused) as refused:
        checks.weight_record(
            actor=nurse(world),
            session=session,
            weight="80",
            unit="kg",
            charted_at=timezone.now() + timedelta(hours=1),
        )
    assert "charted_at" in refused.value.errors


def test_a_high_baseline_asks_for_a_recheck_then_holds(world):
    session = all_checked(world)
    first = baseline(world, session, systolic=172, diastolic=88)
    item = checks.checklist(session).item("baseline_vitals")
    assert item.status == "to_do"
    assert "5 minutes" in item.words
    from tests.infusions.checks_helpers import vitals_reading_of

    baseline(
        world, session, systolic=170, diastolic=88, previous=vitals_reading_of(first)
    )
    checks.evaluate(session, actor=nurse(world))
    session.refresh_from_db()
    assert session.state == Session.State.HELD
    assert checks.checklist(session).item("baseline_vitals").holds


def test_the_acknowledgement_band_asks_for_an_acknowledgement_not_a_hold(world):
    session = all_checked(world)
    baseline(world, session, systolic=148, diastolic=84)
    checks.evaluate(session, actor=nurse(world))
    session.refresh_from_db()
    assert session.state == Session.State.CHECKED_IN
    found = checks.checklist(session)
    assert found.item("baseline_vitals").needs_acknowledgement
    assert not found.clear
    checks.hold_decide(
        actor=provider(world),
        session=session,
        about="baseline_vitals",
        decision="acknowledge",
        reason="",
        secret=PASSWORD,
    )
    assert checks.checklist(session).clear


def test_a_provider_overrides_a_hold_with_a_reason_and_password(world):
    session = checked_in(world)
    checks.fasting_record(
        actor=nurse(world), session=session, solids_hours="3", clear_hours="3"
    )
    with pytest.raises(InfusionRefused) as refused:
        checks.hold_decide(
            actor=provider(world),
            session=session,
            about="fasting_solids",
            decision="override",
            reason="",
            secret="wrong",
        )
    assert {"reason", "secret"} <= set(refused.value.errors)
    checks.hold_decide(
        actor=provider(world),
        session=session,
        about="fasting_solids",
        decision="override",
        reason="Light breakfast only; benefit outweighs.",
        secret=PASSWORD,
    )
    session.refresh_from_db()
    assert session.state == Session.State.CHECKED_IN
    assert checks.checklist(session).item("fasting_solids").clear


def test_a_nurse_cannot_override(world):
    session = checked_in(world)
    checks.fasting_record(
        actor=nurse(world), session=session, solids_hours="3", clear_hours="3"
    )
    with pytest.raises(InfusionRefused):
        checks.hold_decide(
            actor=nurse(world),
            session=session,
            about="fasting_solids",
            decision="override",
            reason="x",
            secret=PASSWORD,
        )
    assert not Override.objects.exists()


def test_an_override_does_not_cover_a_later_failed_entry(world):
    session = checked_in(world)
    actor = nurse(world)
    checks.fasting_record(
        actor=actor, session=session, solids_hours="3", clear_hours="3"
    )
    checks.hold_decide(
        actor=provider(world),
        session=session,
        about="fasting_solids",
        decision="override",
        reason="ok",
        secret=PASSWORD,
    )
    checks.fasting_record(
        actor=actor, session=session, solids_hours="2", clear_hours="3"
    )
    session.refresh_from_db()
    assert session.state == Session.State.HELD


def test_a_provider_cancels_the_infusion(world):
    session = checked_in(world)
    checks.hold_decide(
        actor=provider(world),
        session=session,
        about="",
        decision="cancel",
        reason="Patient unwell.",
        secret=PASSWORD,
    )
    session.refresh_from_db()
    assert session.state == Session.State.CANCELLED


def test_a_safety_answer_holds_until_a_provider_reviews(world):
    session = checked_in(world)
    phq9(world, session, q9=2)
    session.refresh_from_db()
    assert session.state == Session.State.HELD
    assert UrgentTask.objects.filter(patient=world.patient).exists()
    assert checks.checklist(session).item("questionnaire").holds


def test_a_questionnaire_answer_out_of_range_is_refused(world):
    session = checked_in(world)
    with pytest.raises(InfusionRefused):
        phq9(world, session, q3=7)


def test_consents_not_signed_hold(world):
    document = ConsentDocument.objects.create(code="ket", title="Ketamine consent")
    ConsentVersion.objects.create(document=document, number=1, text="I agree.")
    session = checked_in(world)
    checks.evaluate(session, actor=nurse(world))
    session.refresh_from_db()
    assert session.state == Session.State.HELD
    assert "Ketamine consent" in session.state_reason


def test_the_same_entry_sent_twice_is_stored_once(world):
    session = checked_in(world)
    cid = "6a1f0c1e-7c36-4c38-9c11-0d7f4c1d2a10"
    kwargs = {
        "actor": nurse(world),
        "session": session,
        "name": "Kim",
        "relation": "",
        "phone": "+13035550102",
    }
    first = checks.escort_record(client_id=cid, **kwargs)
    again = checks.escort_record(client_id=cid, **kwargs)
    assert first.pk == again.pk
    with pytest.raises(InfusionRefused, match="other values"):
        checks.escort_record(client_id=cid, **(kwargs | {"name": "Other"}))
    assert Check.objects.filter(key="escort").count() == 1
