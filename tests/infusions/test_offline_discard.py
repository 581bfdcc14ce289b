"""A clinic manager settles an entry another nurse left waiting on a tablet:
discarded with a reason into the audit trail, never sent under either name."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.permissions import Role
from ketaclinic.audit.models import AuditEvent
from ketaclinic.infusions import offline
from ketaclinic.infusions.models import DiscardedEntry, VitalReading
from tests.conftest import client_for, make_staff
from tests.infusions.helpers import checked_in
from tests.links.helpers import race

pytestmark = pytest.mark.django_db

REASON = "Charted on paper by the nurse, who has left for the day"


def post(client, session, payload, name="infusions:entries_discard"):
    response = client.post(
        reverse(name, args=[session.uuid]),
        json.dumps(payload),
        content_type="application/json",
    )
    body = response.json() if "json" in response["Content-Type"] else {}
    return response.status_code, body


def left_entry(session, nurse, **changes):
    """What the tablet sends back of a nurse's waiting reading."""
    entry = {
        "client_id": str(uuid.uuid4()),
        "kind": "vitals",
        "token": offline.page_token(session, nurse.pk),
        "charted_at": timezone.now().isoformat(),
        "values": {
            "systolic_mmhg": "131",
            "diastolic_mmhg": "80",
            "heart_rate_bpm": "72",
            "spo2_percent": "98",
            "sedation": "5",
        },
        "summary": "Systolic pressure 131 mmHg, Heart rate 72 /min",
        "reason": REASON,
    }
    return {**entry, **changes}


def discards():
    return AuditEvent.objects.filter(action=AuditEvent.Action.DISCARD)


@pytest.fixture
def session(world):
    return checked_in(world)


def test_a_manager_discards_a_nurses_entry_with_a_reason(world, session):
    nurse, manager = world.staff["nurse"], world.staff["manager"]
    status, body = post(client_for(manager), session, left_entry(session, nurse))
    assert status == 201, body
    assert "audit log" in body["message"]
    assert not VitalReading.objects.exists()
    event = discards().get()
    assert event.actor == manager
    assert event.patient == session.patient
    assert str(nurse) in event.summary
    assert "Vital signs" in event.summary
    assert REASON in event.summary
    assert "Systolic pressure 131" in event.summary


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"reason": "   "}, "Say why"),
        ({"reason": "x" * 301}, "under 300"),
        ({"token": "forged"}, "changed on the tablet"),
        ({"client_id": "nope"}, "no valid id"),
        ({"kind": "launch_rockets"}, "cannot be sent from a tablet"),
        ({"charted_at": "2026-11-27T10:00:00"}, "no charted time"),
    ],
)
def test_a_discard_without_reason_or_of_a_damaged_entry_is_refused(
    world, session, change, words
):
    nurse, manager = world.staff["nurse"], world.staff["manager"]
    entry = left_entry(session, nurse, **change)
    status, body = post(client_for(manager), session, entry)
    assert status == 422
    assert words in body["message"]
    assert not discards().exists()


def test_an_entry_of_another_infusion_is_not_discarded_here(world, session):
    nurse, manager = world.staff["nurse"], world.staff["manager"]
    token = signing.dumps({"s": str(uuid.uuid4()), "u": nurse.pk}, salt=offline.SALT)
    status, body = post(
        client_for(manager), session, left_entry(session, nurse, token=token)
    )
    assert status == 422
    assert "another infusion" in body["message"]
    assert not discards().exists()


def test_an_entry_already_in_the_chart_is_not_discarded(world, session):
    nurse, manager = world.staff["nurse"], world.staff["manager"]
    entry = left_entry(session, nurse)
    status, _ = post(client_for(nurse), session, entry, name="infusions:entries")
    assert status == 201
    status, body = post(client_for(manager), session, entry)
    assert status == 200
    assert "already in the chart" in body["message"]
    assert VitalReading.objects.get().by == nurse
    assert not discards().exists()


def test_a_manager_cannot_send_a_nurses_entry(world, session):
    nurse, manager = world.staff["nurse"], world.staff["manager"]
    status, _ = post(
        client_for(manager), session, left_entry(session, nurse), "infusions:entries"
    )
    assert status == 403
    assert not VitalReading.objects.exists()


def test_only_a_manager_discards(world, session):
    nurse = world.staff["nurse"]
    colleague = make_staff("colleague", Role.NURSE, world.home)
    for who in (nurse, colleague, world.staff["provider"]):
        status, _ = post(client_for(who), session, left_entry(session, nurse))
        assert status == 403
    assert not discards().exists()


def test_a_manager_elsewhere_cannot_discard(world, session):
    nurse = world.staff["nurse"]
    elsewhere = make_staff("far_manager", Role.MANAGER, world.other)
    status, body = post(client_for(elsewhere), session, left_entry(session, nurse))
    assert status == 422
    assert "may not settle" in body["message"]
    assert not discards().exists()


def test_a_discarded_entry_is_never_recorded_afterwards(world, session):
    """The tablet that kept it (a copy, a delete that failed) sends it later:
    the nurse hears who discarded it and why; nothing is stored."""
    nurse, manager = world.staff["nurse"], world.staff["manager"]
    entry = left_entry(session, nurse)
    assert post(client_for(manager), session, entry)[0] == 201
    status, body = post(client_for(nurse), session, entry, name="infusions:entries")
    assert status == 422
    assert f"discarded by {manager}" in body["message"]
    assert REASON in body["message"]
    assert not VitalReading.objects.exists()
    # Discarded twice (the manager's tablet tried again): one record, one event.
    status, body = post(client_for(manager), session, entry)
    assert status == 200 and "discarded already" in body["message"]
    assert DiscardedEntry.objects.get().client_id == uuid.UUID(entry["client_id"])
    assert discards().count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_discard_and_a_send_at_the_same_moment_give_one_outcome(world):
    """Sent by the nurse and discarded by the manager at once: either it is
    recorded (and the manager is told it is in the chart) or discarded (and
    the nurse is told so), never both, never neither."""
    session = checked_in(world)
    nurse, manager = world.staff["nurse"], world.staff["manager"]
    clients = [client_for(nurse), client_for(manager)]
    names = ["infusions:entries", "infusions:entries_discard"]
    for round_ in range(3):
        entry = left_entry(session, nurse)
        sent, discarded = race(
            2, lambda i, entry=entry: post(clients[i], session, entry, names[i])
        )
        recorded = VitalReading.objects.filter(client_id=entry["client_id"]).exists()
        gone = DiscardedEntry.objects.filter(client_id=entry["client_id"]).exists()
        assert recorded != gone, (round_, sent, discarded)
        if recorded:
            assert sent[0] == 201 and "already in the chart" in discarded[1]["message"]
        else:
            assert discarded[0] == 201 and sent[0] == 422
