"""Recovery and discharge: the minimum, the score, the escort, the override."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from ketaclinic.audit.actor import Actor
from ketaclinic.audit.models import AuditEvent
from ketaclinic.infusions import discharge
from ketaclinic.infusions.models import Discharge, Override, Session
from ketaclinic.infusions.services import InfusionRefused
from ketaclinic.notifications.models import OutboundMessage
from tests.conftest import PASSWORD
from tests.infusions.discharge_helpers import PASSING, in_recovery
from tests.infusions.helpers import checked_in

pytestmark = pytest.mark.django_db


def nurse(world) -> Actor:
    return Actor.system(world.staff["nurse"])


def test_a_ready_patient_leaves_with_the_named_escort(world):
    session = in_recovery(world)
    record = discharge.discharge(
        actor=nurse(world), session=session, observations=PASSING, escort_seen=True
    )
    session.refresh_from_db()
    assert session.state == Session.State.DISCHARGED
    assert session.discharged_at == record.charted_at
    assert record.escort_name == "Sam Lee, brother"
    assert record.escort_verified
    assert record.scale == "padss"
    assert record.score["total"] == 10 and record.score["passes"]
    assert not Override.objects.filter(session=session).exists()
    session.appointment.refresh_from_db()
    assert session.appointment.status == "completed"
    assert AuditEvent.objects.filter(
        action="create", patient=world.patient, summary__startswith="Discharged to"
    ).exists()


def test_the_instructions_are_emailed_in_the_patients_language(world):
    world.patient.preferred_language = "es"
    world.patient.save()
    session = in_recovery(world)
    record = discharge.discharge(
        actor=nurse(world), session=session, observations=PASSING, escort_seen=True
    )
    assert record.instructions_sent_at is not None
    assert record.language == "es"
    message = OutboundMessage.objects.get(purpose="discharge_instructions")
    assert message.to == world.patient.email
    assert "24 horas" in message.body_text
    assert "988" in message.body_text and "911" in message.body_text
    assert "No conduzca" in message.body_text


def test_no_email_address_no_email_but_the_discharge_stands(world):
    world.patient.email = ""
    world.patient.save()
    session = in_recovery(world)
    record = discharge.discharge(
        actor=nurse(world), session=session, observations=PASSING, escort_seen=True
    )
    assert record.instructions_sent_at is None
    assert not OutboundMessage.objects.filter(purpose="discharge_instructions").exists()


def test_english_instructions_say_each_rule(world):
    session = in_recovery(world)
    discharge.discharge(
        actor=nurse(world), session=session, observations=PASSING, escort_seen=True
    )
    text = OutboundMessage.objects.get(purpose="discharge_instructions").body_text
    for words in (
        "Do not drive, operate heavy machinery",
        "for 24 hours",
        "within about 2 hours",
        "No alcohol or recreational drugs for 24 hours",
        "benzodiazepines",
        "for 4 hours",
        "988",
        "911",
    ):
        assert words in text, words


def test_before_the_minimum_a_provider_must_agree(world):
    session = in_recovery(world, stopped_minutes_ago=10)
    with pytest.raises(InfusionRefused) as refused:
        discharge.discharge(
            actor=nurse(world), session=session, observations=PASSING, escort_seen=True
        )
    assert "20 minutes to go" in refused.value.errors[None]
    assert "override_by" in refused.value.errors
    session.refresh_from_db()
    assert session.state == Session.State.RECOVERY
    assert not Discharge.objects.exists()


def test_the_recovery_minimum_is_never_below_the_floor(world):
    session = in_recovery(world, stopped_minutes_ago=25)
    session.recovery_minutes = 10  # a plan cannot ask for less than 30
    assert discharge.minimum_minutes(session) == 30
    with pytest.raises(InfusionRefused, match="5 minutes to go"):
        discharge.discharge(
            actor=nurse(world), session=session, observations=PASSING, escort_seen=True
        )


def test_a_provider_override_names_who_and_why(world):
    session = in_recovery(world, stopped_minutes_ago=10)
    provider = world.staff["provider"]
    record = discharge.discharge(
        actor=nurse(world),
        session=session,
        observations=PASSING,
        escort_seen=True,
        override_by=provider,
        override_secret=PASSWORD,
        override_reason="Flight to catch; fully awake, steady, escort present.",
    )
    [override] = Override.objects.filter(session=session)
    assert override.by == provider
    assert override.about == "recovery_minimum"
    assert "Flight to catch" in override.reason
    assert record.by == world.staff["nurse"]


def test_a_wrong_provider_password_is_refused_and_nothing_written(world):
    session = in_recovery(world, stopped_minutes_ago=10)
    with pytest.raises(InfusionRefused) as refused:
        discharge.discharge(
            actor=nurse(world),
            session=session,
            observations=PASSING,
            escort_seen=True,
            override_by=world.staff["provider"],
            override_secret="not it",
            override_reason="Because.",
        )
    assert "override_secret" in refused.value.errors
    assert not Override.objects.exists() and not Discharge.objects.exists()


def test_only_a_provider_of_the_location_may_agree(world):
    session = in_recovery(world, stopped_minutes_ago=10)
    for who in (world.staff["nurse"], world.stranger):
        with pytest.raises(InfusionRefused) as refused:
            discharge.discharge(
                actor=nurse(world),
                session=session,
                observations=PASSING,
                escort_seen=True,
                override_by=who,
                override_secret=PASSWORD,
                override_reason="Because.",
            )
        assert "override_by" in refused.value.errors


def test_a_low_score_needs_an_override(world):
    session = in_recovery(world)
    low = {**PASSING, "activity": 0, "nausea": 1}
    with pytest.raises(InfusionRefused) as refused:
        discharge.discharge(
            actor=nurse(world), session=session, observations=low, escort_seen=True
        )
    assert "7 of 10" in refused.value.errors[None]
    record = discharge.discharge(
        actor=nurse(world),
        session=session,
        observations=low,
        escort_seen=True,
        override_by=world.staff["provider"],
        override_secret=PASSWORD,
        override_reason="Walks with a cane at baseline.",
    )
    assert record.score["total"] == 7 and not record.score["passes"]
    assert Override.objects.get(session=session).about == "discharge_score"


def test_the_vital_signs_item_comes_from_the_readings(world):
    # Systolic 122 before, 180 in recovery: 47 % away -> 0 points.
    session = in_recovery(world, recovery_values={"systolic_mmhg": 180})
    with pytest.raises(InfusionRefused, match="8 of 10"):
        discharge.discharge(
            actor=nurse(world),
            session=session,
            observations=PASSING,
            escort_seen=True,
        )


def test_someone_other_than_the_named_escort_needs_an_override(world):
    session = in_recovery(world)
    with pytest.raises(InfusionRefused) as refused:
        discharge.discharge(
            actor=nurse(world),
            session=session,
            observations=PASSING,
            escort_seen=False,
            collected_by="Jo Park",
            collected_relation="neighbour",
        )
    assert "Jo Park (neighbour) is not the escort named" in refused.value.errors[None]
    record = discharge.discharge(
        actor=nurse(world),
        session=session,
        observations=PASSING,
        escort_seen=False,
        collected_by="Jo Park",
        collected_relation="neighbour",
        override_by=world.staff["provider"],
        override_secret=PASSWORD,
        override_reason="Brother's car broke down; he called and named Jo.",
    )
    assert record.escort_name == "Jo Park, neighbour"
    assert not record.escort_verified
    assert Override.objects.get(session=session).about == "escort"


def test_the_named_escort_must_be_seen(world):
    session = in_recovery(world)
    with pytest.raises(InfusionRefused) as refused:
        discharge.discharge(
            actor=nurse(world), session=session, observations=PASSING, escort_seen=False
        )
    assert "I have seen" not in str(refused.value)  # the words of the service
    assert "Sam Lee, brother" in refused.value.errors["escort_seen"]


def test_the_same_name_typed_again_is_the_named_escort(world):
    session = in_recovery(world)
    record = discharge.discharge(
        actor=nurse(world),
        session=session,
        observations=PASSING,
        escort_seen=True,
        collected_by="  sam  LEE ",
    )
    assert record.escort_verified


def test_no_escort_named_and_nobody_written_is_refused(world):
    session = in_recovery(world, escort=("", "", ""))
    with pytest.raises(InfusionRefused) as refused:
        discharge.discharge(
            actor=nurse(world), session=session, observations=PASSING, escort_seen=True
        )
    assert "collected_by" in refused.value.errors


@pytest.mark.parametrize(
    ("observations", "field"),
    [
        ({"activity": 2, "nausea": 2, "pain": 2}, "bleeding"),
        ({**PASSING, "activity": 7}, "activity"),
        ({**PASSING, "walking": 2}, "walking"),
    ],
)
def test_bad_observations_are_refused_by_field(world, observations, field):
    session = in_recovery(world)
    with pytest.raises(InfusionRefused) as refused:
        discharge.discharge(
            actor=nurse(world),
            session=session,
            observations=observations,
            escort_seen=True,
        )
    assert field in refused.value.errors
    assert not Discharge.objects.exists()


def test_no_recovery_reading_no_score(world):
    session = in_recovery(world)
    session.vitals.filter(phase="recovery")  # the helper charted one
    from ketaclinic.infusions.models import VitalReading

    # A session stopped after the only recovery reading has none to use.
    Session.objects.filter(pk=session.pk).update(stopped_at=timezone.now())
    session.refresh_from_db()
    assert VitalReading.objects.filter(session=session, phase="recovery").exists()
    with pytest.raises(InfusionRefused, match="vital signs in recovery"):
        discharge.discharge(
            actor=nurse(world), session=session, observations=PASSING, escort_seen=True
        )


def test_not_before_the_pump_stops(world):
    session = checked_in(world)
    with pytest.raises(InfusionRefused, match="not stopped yet"):
        discharge.discharge(
            actor=nurse(world), session=session, observations=PASSING, escort_seen=True
        )


def test_a_discharge_in_the_future_is_refused(world):
    session = in_recovery(world)
    with pytest.raises(InfusionRefused) as refused:
        discharge.discharge(
            actor=nurse(world),
            session=session,
            observations=PASSING,
            escort_seen=True,
            charted_at=timezone.now() + timedelta(hours=1),
        )
    assert "charted_at" in refused.value.errors


def test_front_desk_does_not_discharge(world):
    session = in_recovery(world)
    with pytest.raises(PermissionError):
        discharge.discharge(
            actor=Actor.system(world.staff["front_desk"]),
            session=session,
            observations=PASSING,
            escort_seen=True,
        )


def test_once_only_and_the_same_client_id_returns_the_same(world):
    session = in_recovery(world)
    key = uuid.uuid4()
    first = discharge.discharge(
        actor=nurse(world),
        session=session,
        observations=PASSING,
        escort_seen=True,
        client_id=key,
    )
    again = discharge.discharge(
        actor=nurse(world),
        session=session,
        observations=PASSING,
        escort_seen=True,
        client_id=key,
    )
    assert again.pk == first.pk
    with pytest.raises(InfusionRefused, match="Already discharged"):
        discharge.discharge(
            actor=nurse(world), session=session, observations=PASSING, escort_seen=True
        )
    assert Discharge.objects.count() == 1
    assert OutboundMessage.objects.filter(purpose="discharge_instructions").count() == 1


def test_aldrete_when_the_clinic_chooses_it(world, settings):
    settings.KETACLINIC_DISCHARGE_SCALE = "aldrete"
    session = in_recovery(world)
    observations = {"activity": 2, "respiration": 2, "consciousness": 2, "on_oxygen": 0}
    record = discharge.discharge(
        actor=nurse(world), session=session, observations=observations, escort_seen=True
    )
    assert record.scale == "aldrete" and record.score["total"] == 10
    with pytest.raises(InfusionRefused):
        discharge.score(session, {"activity": 2, "respiration": 2, "consciousness": 2})


def _queued(session, user, **values):
    import uuid as uuid_module

    from ketaclinic.infusions import offline

    return {
        "token": offline.page_token(session, user.pk),
        "client_id": str(uuid_module.uuid4()),
        "kind": "discharge",
        "charted_at": timezone.now().isoformat(),
        "values": values,
    }


def test_a_discharge_charted_offline_is_recorded_once(world):
    from ketaclinic.infusions import offline

    session = in_recovery(world)
    user = world.staff["nurse"]
    values = {f"item_{key}": str(points) for key, points in PASSING.items()}
    payload = _queued(session, user, escort_seen="on", **values)
    first = offline.receive(
        actor=nurse(world), session_uuid=session.uuid, payload=payload
    )
    again = offline.receive(
        actor=nurse(world), session_uuid=session.uuid, payload=payload
    )
    assert (first.status, again.status) == (201, 200)
    assert Discharge.objects.get().client_id == uuid.UUID(payload["client_id"])
    other = _queued(session, user, escort_seen="on", **values)
    late = offline.receive(actor=nurse(world), session_uuid=session.uuid, payload=other)
    assert late.status == 409 and "Already discharged" in late.message


def test_offline_bad_answers_and_overrides_are_refused(world):
    from ketaclinic.infusions import offline

    session = in_recovery(world, stopped_minutes_ago=5)
    user = world.staff["nurse"]
    values = {f"item_{key}": str(points) for key, points in PASSING.items()}
    bad = offline.receive(
        actor=nurse(world),
        session_uuid=session.uuid,
        payload=_queued(
            session, user, escort_seen="on", **{**values, "item_pain": "x"}
        ),
    )
    assert bad.status == 422 and bad.field == "item_pain"
    early = offline.receive(
        actor=nurse(world),
        session_uuid=session.uuid,
        payload=_queued(
            session, user, escort_seen="on", override_secret=PASSWORD, **values
        ),
    )
    assert early.status == 422 and early.field == "override_secret"
    too_soon = offline.receive(
        actor=nurse(world),
        session_uuid=session.uuid,
        payload=_queued(session, user, escort_seen="on", **values),
    )
    assert too_soon.status == 422 and "minutes to go" in too_soon.message
    assert not Discharge.objects.exists()
