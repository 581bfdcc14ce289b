"""The recording services of monitoring: vital signs, side effects, as-needed
medicines. Each entry is stored once per client id, checked, judged against the
plan's limits at its charted time, audited; bad input is refused by field with
nothing stored."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ketaclinic.audit.actor import Actor
from ketaclinic.audit.models import AuditEvent
from ketaclinic.clinical import plan_orders
from ketaclinic.infusions import alerts, checks, monitoring, services
from ketaclinic.infusions.models import (
    Alert,
    MedicationGiven,
    Session,
    SideEffect,
    VitalReading,
)
from ketaclinic.infusions.services import InfusionRefused
from tests.conftest import PASSWORD, make_patient
from tests.infusions.helpers import checked_in
from tests.notifications.helpers import make_visit
from tests.treatment.helpers import candidate, sign

pytestmark = pytest.mark.django_db

NORMAL = {
    "systolic_mmhg": 128,
    "diastolic_mmhg": 78,
    "heart_rate_bpm": 72,
    "spo2_pct": 98,
    "resp_rate_per_min": 14,
    "moaas": 5,
    "dissociation": 4,
}


def infusing(world, *, minutes_ago: int = 60) -> Session:
    """A checked-in session whose pump started `minutes_ago - 10` minutes ago."""
    session = checked_in(world)
    now = timezone.now()
    Session.objects.filter(pk=session.pk).update(
        checked_in_at=now - timedelta(minutes=minutes_ago),
        started_at=now - timedelta(minutes=minutes_ago - 10),
        state=Session.State.INFUSING,
    )
    session.refresh_from_db()
    return session


@pytest.fixture
def session(world) -> Session:
    return infusing(world)


@pytest.fixture
def nurse(world) -> Actor:
    return Actor.system(world.staff["nurse"])


def vitals(actor, session, *, ago: int = 0, client_id=None, phase="infusion", **v):
    values = dict(NORMAL) | v
    return monitoring.record_vitals(
        actor=actor,
        session=session,
        client_id=client_id or uuid.uuid4(),
        charted_at=timezone.now() - timedelta(minutes=ago),
        phase=phase,
        values=values,
    )


def refused(call) -> dict:
    with pytest.raises(InfusionRefused) as caught:
        call()
    return caught.value.errors


# --- Vital signs ------------------------------------------------------------------


def test_a_normal_reading_is_stored_judged_audited_and_bumps_the_revision(
    session, nurse
):
    before = session.revision
    reading = vitals(nurse, session)
    assert reading.action == "proceed" and reading.findings == []
    assert reading.systolic_mmhg == 128 and reading.by == nurse.user
    session.refresh_from_db()
    assert session.revision == before + 1
    assert AuditEvent.objects.filter(
        action="create", object_id=str(reading.pk), patient=session.patient
    ).exists()
    assert not Alert.objects.exists()


def test_the_same_client_id_and_values_return_the_stored_entry(session, nurse):
    client_id = uuid.uuid4()
    at = timezone.now() - timedelta(minutes=3)
    first, again = (
        monitoring.record_vitals(
            actor=nurse,
            session=session,
            client_id=str(client_id),
            charted_at=at,
            phase="infusion",
            values=NORMAL,
        )
        for _ in range(2)
    )
    assert first.pk == again.pk
    assert VitalReading.objects.count() == 1
    session.refresh_from_db()
    assert session.revision == 1  # the replay changed nothing


def test_the_same_client_id_with_other_values_is_refused(session, nurse):
    client_id = uuid.uuid4()
    vitals(nurse, session, client_id=client_id, ago=2)
    errors = refused(
        lambda: vitals(nurse, session, client_id=client_id, ago=2, heart_rate_bpm=80)
    )
    assert errors == {"client_id": monitoring.OTHER_VALUES}
    assert VitalReading.objects.count() == 1


def test_the_same_client_id_by_another_nurse_is_refused(world, session, nurse):
    client_id = uuid.uuid4()
    vitals(nurse, session, client_id=client_id, ago=2)
    provider = Actor.system(world.staff["provider"])
    errors = refused(lambda: vitals(provider, session, client_id=client_id, ago=2))
    assert errors == {"client_id": monitoring.OTHER_VALUES}


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"spo2_pct": 120}, "spo2_pct", "120 %"),
        ({"heart_rate_bpm": 0}, "heart_rate_bpm", "0 beats/min"),
        ({"systolic_mmhg": 70, "diastolic_mmhg": 90}, "diastolic_mmhg", "swapped"),
        ({"systolic_mmhg": 400}, "systolic_mmhg", "400 mmHg"),
        ({"systolic_mmhg": None}, "systolic_mmhg", "both numbers"),
        ({"diastolic_mmhg": ""}, "diastolic_mmhg", "both numbers"),
        ({"moaas": 6}, "moaas", "MOAA/S"),
        ({"dissociation": 25}, "dissociation", "CADSS-6"),
        ({"heart_rate_bpm": "7x"}, "heart_rate_bpm", "whole number"),
        ({"heart_rate_bpm": "72.5"}, "heart_rate_bpm", "whole number"),
        ({"heart_rate_bpm": True}, "heart_rate_bpm", "whole number"),
        ({"resp_rate_per_min": "NaN"}, "resp_rate_per_min", "whole number"),
        ({"symptoms": ["hiccups"]}, "symptoms", "from the list"),
    ],
)
def test_readings_that_cannot_be_true_are_refused_by_field(
    session, nurse, values, field, words
):
    errors = refused(lambda: vitals(nurse, session, **values))
    assert list(errors) == [field] and words in errors[field]
    assert not VitalReading.objects.exists()
    session.refresh_from_db()
    assert session.revision == 0


def test_an_empty_reading_is_refused(session, nurse):
    empty = dict.fromkeys(NORMAL)
    errors = refused(
        lambda: monitoring.record_vitals(
            actor=nurse,
            session=session,
            client_id=uuid.uuid4(),
            charted_at=timezone.now(),
            phase="infusion",
            values=empty,
        )
    )
    assert errors == {None: monitoring.NOTHING_MEASURED}


def test_a_time_in_the_future_is_refused_but_clock_skew_is_allowed(session, nurse):
    assert refused(lambda: vitals(nurse, session, ago=-10)) == {
        "charted_at": monitoring.IN_THE_FUTURE
    }
    assert vitals(nurse, session, ago=-1).pk  # a tablet a minute fast


def test_a_time_before_check_in_is_refused(session, nurse):
    errors = refused(lambda: vitals(nurse, session, ago=24 * 60))
    assert errors == {"charted_at": monitoring.BEFORE_CHECK_IN}
    errors = refused(
        lambda: monitoring.record_vitals(
            actor=nurse,
            session=session,
            client_id=uuid.uuid4(),
            charted_at="10:00",
            phase="infusion",
            values=NORMAL,
        )
    )
    assert errors == {"charted_at": monitoring.NO_TIME}


@pytest.mark.parametrize("client_id", ["", "not-an-id", None, 12])
def test_a_bad_client_id_is_refused(session, nurse, client_id):
    errors = refused(
        lambda: monitoring.record_vitals(
            actor=nurse,
            session=session,
            client_id=client_id,
            charted_at=timezone.now(),
            phase="infusion",
            values=NORMAL,
        )
    )
    assert errors == {"client_id": monitoring.BAD_CLIENT_ID}


def test_a_bad_phase_is_refused(session, nurse):
    assert "phase" in refused(lambda: vitals(nurse, session, phase="lunch"))


def test_front_desk_does_not_chart(world, session):
    with pytest.raises(PermissionError):
        vitals(Actor.system(world.staff["front_desk"]), session)


def test_a_cancelled_infusion_takes_no_readings(session, nurse):
    Session.objects.filter(pk=session.pk).update(state=Session.State.CANCELLED)
    assert refused(lambda: vitals(nurse, session)) == {None: monitoring.CLOSED}


def test_a_pause_level_reading_calls_a_provider_to_the_chair(session, nurse):
    reading = vitals(nurse, session, systolic_mmhg=184, diastolic_mmhg=100)
    assert reading.action == "pause"
    assert reading.findings[0]["key"] == "bp_pause"
    alert = Alert.objects.get()
    assert alert.kind == Alert.Kind.PROVIDER_NEEDED and alert.reading == reading
    assert "184/100 mmHg" in alert.words and alert.handled_at is None
    # A second one while it is open adds to the same alert.
    vitals(nurse, session, systolic_mmhg=186, diastolic_mmhg=100, ago=-1)
    assert Alert.objects.count() == 1
    assert "186/100" in Alert.objects.get().words


def test_high_blood_pressure_with_a_symptom_stops(session, nurse):
    reading = vitals(
        nurse, session, systolic_mmhg=182, diastolic_mmhg=104, symptoms=["chest_pain"]
    )
    assert reading.action == "stop"
    assert reading.symptoms == ["chest_pain"]
    assert "Stop" in Alert.objects.get().words


def test_previous_is_the_reading_before_in_charted_order(session, nurse):
    """A heart rate over the limit twice in a row pauses; the second reading
    arrives first (charted later), so order is by charted time."""
    later = vitals(nurse, session, heart_rate_bpm=130, ago=0)
    assert later.action == "alert"  # nothing before it yet
    earlier = vitals(nurse, session, heart_rate_bpm=128, ago=10)
    assert earlier.action == "alert"  # first in charted order
    third = vitals(nurse, session, heart_rate_bpm=131, ago=-1)
    assert third.action == "pause"  # the one before it (charted) was also over


def test_limits_are_the_plans(world, nurse):
    limits = plan_orders.vital_limits({"sbp_pause": 170})
    sign(world, candidate(world), vital_limits=limits)
    visit = make_visit(world.patient, timezone.now().replace(second=0, microsecond=0))
    session = services.check_in(actor=nurse, appointment=visit)
    Session.objects.filter(pk=session.pk).update(state=Session.State.INFUSING)
    reading = vitals(nurse, session, systolic_mmhg=172, diastolic_mmhg=90)
    assert reading.action == "pause"
    assert "170/110" in reading.findings[0]["message"]


def arrived(world, minutes_ago: int = 30) -> Session:
    """A session checked in `minutes_ago`, not started."""
    session = checked_in(world)
    Session.objects.filter(pk=session.pk).update(
        checked_in_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    session.refresh_from_db()
    return session


def test_baseline_over_the_hold_limit_rechecks_then_holds(world, nurse):
    session = arrived(world)
    first = vitals(nurse, session, phase="baseline", systolic_mmhg=165, ago=5)
    assert first.action == "recheck"
    second = vitals(nurse, session, phase="baseline", systolic_mmhg=166)
    assert second.action == "hold"
    assert not Alert.objects.exists()  # the checks part holds the start


def test_a_baseline_recheck_before_the_rest_is_over_asks_again(world, nurse):
    """The rest runs from the reading that asked for the re-check: an early
    re-check, normal or not, neither clears nor confirms it; the one taken
    after 5 minutes is judged against it."""
    session = arrived(world)
    vitals(nurse, session, phase="baseline", systolic_mmhg=172, ago=6)
    early = vitals(nurse, session, phase="baseline", systolic_mmhg=128, ago=4)
    assert early.action == "recheck"
    assert "2 minutes after the reading of 172/78 mmHg" in early.findings[0]["message"]
    item = checks.checklist(session).item(checks.Key.BASELINE_VITALS)
    assert item.status == checks.Status.TO_DO
    assert item.words == early.findings[0]["message"] + "."
    later = vitals(nurse, session, phase="baseline", systolic_mmhg=168, ago=1)
    assert later.action == "hold"
    assert "first 172/78 mmHg" in later.findings[0]["message"]


def test_a_normal_recheck_after_the_rest_clears_the_first(world, nurse):
    session = arrived(world)
    vitals(nurse, session, phase="baseline", systolic_mmhg=172, ago=5)
    assert vitals(nurse, session, phase="baseline").action == "proceed"


def test_an_alert_is_handled_with_a_note(world, session, nurse):
    vitals(nurse, session, spo2_pct=88)
    alert = Alert.objects.get()
    provider = Actor.system(world.staff["provider"])
    assert refused(lambda: alerts.handle(actor=provider, alert=alert, note="  ")) == {
        "note": alerts.NOTE_NEEDED
    }
    alerts.handle(actor=provider, alert=alert, note="Oxygen given, 96 % now.")
    alert.refresh_from_db()
    assert alert.handled_by == world.staff["provider"]
    assert alert.history.count() == 2  # raised, handled
    assert refused(lambda: alerts.handle(actor=nurse, alert=alert, note="again")) == {
        None: alerts.ALREADY_HANDLED
    }
    assert alerts.open_alerts([session.pk]) == {}
    with pytest.raises(PermissionError):
        alerts.handle(
            actor=Actor.system(world.staff["front_desk"]), alert=alert, note="x"
        )


def test_open_alerts_for_the_board(session, nurse):
    vitals(nurse, session, moaas=2)
    assert list(alerts.open_alerts([session.pk])) == [session.pk]
    assert "MOAA/S" in alerts.open_alerts([session.pk])[session.pk][0][1]
    day = timezone.localtime(session.checked_in_at, session.location.zone).date()
    before = alerts.open_alerts_fingerprint(session.location, day)
    assert before
    alerts.handle(actor=nurse, alert=Alert.objects.get(), note="Seen")
    assert alerts.open_alerts_fingerprint(session.location, day) != before


# --- Side effects -----------------------------------------------------------------


def side_effect(actor, session, *, client_id=None, at=None, **fields):
    values = {"kind": "nausea", "severity": "mild", "notes": ""} | fields
    return monitoring.record_side_effect(
        actor=actor,
        session=session,
        client_id=client_id or uuid.uuid4(),
        charted_at=at or timezone.now(),
        **values,
    )


def test_a_side_effect_is_stored_once(session, nurse):
    client_id, at = uuid.uuid4(), timezone.now()
    first = side_effect(nurse, session, client_id=client_id, at=at)
    assert side_effect(nurse, session, client_id=client_id, at=at).pk == first.pk
    assert SideEffect.objects.count() == 1
    errors = refused(
        lambda: side_effect(
            nurse, session, client_id=client_id, at=at, severity="severe"
        )
    )
    assert errors == {"client_id": monitoring.OTHER_VALUES}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "hiccups"}, "kind"),
        ({"severity": "awful"}, "severity"),
        ({"kind": "other", "notes": ""}, "notes"),
        ({"notes": "x" * 501}, "notes"),
    ],
)
def test_bad_side_effects_are_refused(session, nurse, fields, field):
    assert list(refused(lambda: side_effect(nurse, session, **fields))) == [field]
    assert not SideEffect.objects.exists()


# --- As-needed medicines ----------------------------------------------------------


def give(actor, session, *, ago=0, client_id=None, order=None, at=None, **fields):
    values = {
        "drug": "ondansetron",
        "dose_mg": "4",
        "route": "IV",
        "indication": "nausea",
    } | fields
    return monitoring.record_medication(
        actor=actor,
        session=session,
        client_id=client_id or uuid.uuid4(),
        charted_at=at or timezone.now() - timedelta(minutes=ago),
        provider_order=order,
        **values,
    )


def test_the_plan_has_the_default_standing_orders(session):
    drugs = {order.drug: order for order in monitoring.standing_orders(session)}
    assert drugs["ondansetron"].max_per_session_mg == Decimal(8)
    assert drugs["ondansetron"].min_interval_minutes == 30


def test_a_medicine_within_its_standing_order_is_stored_once(session, nurse):
    client_id, at = uuid.uuid4(), timezone.now()
    first = give(nurse, session, client_id=client_id, at=at)
    again = give(nurse, session, client_id=client_id, at=at)
    assert first.pk == again.pk and MedicationGiven.objects.count() == 1
    assert first.standing_order["drug"] == "ondansetron"
    assert first.rxnorm and first.ordered_by is None
    assert refused(
        lambda: give(nurse, session, client_id=client_id, at=at, dose_mg="8")
    ) == {"client_id": monitoring.OTHER_VALUES}


def test_a_second_dose_before_the_interval_is_refused(session, nurse):
    give(nurse, session, ago=20)
    errors = refused(lambda: give(nurse, session))
    assert "at least 30 minutes" in errors["charted_at"]
    # Charted earlier than the first (sent late from a tablet): also too close.
    errors = refused(lambda: give(nurse, session, ago=40))
    assert "charted_at" in errors
    assert MedicationGiven.objects.count() == 1


def test_over_the_single_dose_and_the_session_maximum_is_refused(session, nurse):
    errors = refused(lambda: give(nurse, session, dose_mg="17"))
    assert "most in one dose, 16 mg" in errors["dose_mg"]
    give(nurse, session, ago=45, dose_mg="6")
    errors = refused(lambda: give(nurse, session, dose_mg="4"))
    assert "most in one session, 8 mg" in errors["dose_mg"]
    assert give(nurse, session, dose_mg="2").dose_mg == Decimal(2)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"dose_mg": ""}, "dose_mg"),
        ({"dose_mg": "four"}, "dose_mg"),
        ({"dose_mg": "-4"}, "dose_mg"),
        ({"dose_mg": "0"}, "dose_mg"),
        ({"dose_mg": "Infinity"}, "dose_mg"),
        ({"dose_mg": "1.00001"}, "dose_mg"),
        ({"route": "XX"}, "route"),
        ({"route": "PO"}, "route"),  # the standing order is IV
        ({"drug": ""}, "drug"),
        ({"indication": ""}, "indication"),
    ],
)
def test_bad_medicines_are_refused_by_field(session, nurse, fields, field):
    assert list(refused(lambda: give(nurse, session, **fields))) == [field]
    assert not MedicationGiven.objects.exists()


def test_a_drug_with_no_standing_order_needs_a_providers_order(world, session, nurse):
    provider = world.staff["provider"]
    drug = {"drug": "diphenhydramine", "dose_mg": "25", "indication": "itching"}
    assert "ordered_by" in refused(lambda: give(nurse, session, **drug))
    nurse_order = monitoring.ProviderOrder(world.staff["nurse"], PASSWORD, "itch")
    assert "ordered_by" in refused(
        lambda: give(nurse, session, order=nurse_order, **drug)
    )
    no_reason = monitoring.ProviderOrder(provider, PASSWORD, " ")
    assert "order_reason" in refused(
        lambda: give(nurse, session, order=no_reason, **drug)
    )
    wrong = monitoring.ProviderOrder(provider, "not-it", "Itching after the start")
    assert "order_secret" in refused(lambda: give(nurse, session, order=wrong, **drug))
    assert not MedicationGiven.objects.exists()
    right = monitoring.ProviderOrder(provider, PASSWORD, "Itching after the start")
    given = give(nurse, session, order=right, **drug)
    assert given.ordered_by == provider and given.standing_order == {}
    assert given.order_reason == "Itching after the start"


def test_a_provider_orders_for_themself(world, session):
    provider = Actor.system(world.staff["provider"])
    order = monitoring.ProviderOrder(None, PASSWORD, "Headache")
    given = give(
        provider,
        session,
        order=order,
        drug="acetaminophen",
        dose_mg="1000",
        route="PO",
        indication="headache",
    )
    assert given.ordered_by == world.staff["provider"]


def test_the_effect_is_charted_later_as_a_correction(session, nurse):
    given = give(nurse, session, ago=40)
    client_id = uuid.uuid4()
    later = monitoring.record_medication_effect(
        actor=nurse,
        session=session,
        medication=given,
        client_id=client_id,
        charted_at=timezone.now(),
        effect="Nausea gone",
    )
    assert later.corrects == given and later.dose_mg == given.dose_mg
    assert later.effect == "Nausea gone"
    again = monitoring.record_medication_effect(
        actor=nurse,
        session=session,
        medication=given,
        client_id=client_id,
        charted_at=timezone.now(),
        effect="Nausea gone",
    )
    assert again.pk == later.pk
    # The dose counts once towards the session's maximum.
    assert monitoring.current(MedicationGiven.objects.all()).count() == 1
    give(nurse, session, dose_mg="4")  # 40 minutes on: 8 mg in all
    assert refused(lambda: give(nurse, session, ago=-2, dose_mg="1"))


def test_observations_are_kept_after_the_infusion_moved_on(session, nurse):
    """A reading sent late from a tablet after another nurse discharged the
    patient is still stored (issue of offline charting), judged in its phase."""
    Session.objects.filter(pk=session.pk).update(state=Session.State.DISCHARGED)
    session.refresh_from_db()
    assert vitals(nurse, session, ago=5, phase="recovery").phase == "recovery"


def test_without_a_dissociation_scale_no_score_is_taken(session, nurse, settings):
    settings.KETACLINIC_DISSOCIATION_SCALE = "none"
    errors = refused(lambda: vitals(nurse, session, dissociation=3))
    assert "dissociation" in errors
    assert vitals(nurse, session, dissociation=None).dissociation is None


def test_the_effect_needs_words_and_belongs_to_the_session(world, session, nurse):
    given = give(nurse, session, ago=40)
    assert "effect" in refused(
        lambda: monitoring.record_medication_effect(
            actor=nurse,
            session=session,
            medication=given,
            client_id=uuid.uuid4(),
            charted_at=timezone.now(),
            effect="  ",
        )
    )
    monitoring.record_medication_effect(
        actor=nurse,
        session=session,
        medication=given,
        client_id=uuid.uuid4(),
        charted_at=timezone.now(),
        effect="Better",
    )
    assert "effect" in refused(
        lambda: monitoring.record_medication_effect(
            actor=nurse,
            session=session,
            medication=given,
            client_id=uuid.uuid4(),
            charted_at=timezone.now(),
            effect="Better still",
        )
    )


def test_the_phase_follows_the_pump_timeline(world):
    session = infusing(world)
    start = session.started_at
    assert monitoring.phase_at(session, start - timedelta(minutes=5)) == "baseline"
    assert monitoring.phase_at(session, start.replace(second=0)) == "infusion"
    Session.objects.filter(pk=session.pk).update(
        stopped_at=start + timedelta(minutes=40), state=Session.State.RECOVERY
    )
    session.refresh_from_db()
    assert monitoring.phase_at(session, start + timedelta(minutes=20)) == "infusion"
    assert monitoring.phase_at(session, start + timedelta(minutes=45)) == "recovery"


def test_an_id_used_on_another_infusion_is_refused(world, session, nurse):
    client_id = uuid.uuid4()
    vitals(nurse, session, client_id=client_id)
    other = checked_in(world, make_patient(world.home, first_name="Grace"))
    errors = refused(lambda: vitals(nurse, other, client_id=client_id))
    assert errors == {"client_id": monitoring.NOT_THIS_SESSION}
