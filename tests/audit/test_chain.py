"""The audit trail is tamper-evident: each entry carries a hash chained to the
entry before it, and `ketaclinic audit verify` (also run by `ketaclinic check`)
names every changed or missing entry."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from ketaclinic.audit.actor import Actor
from ketaclinic.audit.chain import FIELDS, GENESIS, entry_hash
from ketaclinic.audit.models import AuditChainHead, AuditEvent
from ketaclinic.audit.services import Action, audit_record
from ketaclinic.audit.verify import chain_problems
from ketaclinic.core.management.commands.check import audit_messages
from ketaclinic.records import wipe_allowed

TABLE = AuditEvent._meta.db_table


@pytest.fixture
def trail(world) -> list[AuditEvent]:
    """Five entries, one with an IPv6 address, after those the world wrote."""
    actor = Actor.staff(world.staff["nurse"], world.home)
    for n in range(4):
        audit_record(
            actor=actor, action=Action.VIEW, patient=world.patient, summary=f"Chart {n}"
        )
    audit_record(
        actor=Actor(user=None, channel="public", address="2001:DB8:0:0:0:0:0:1"),
        action=Action.SIGN_IN_FAILED,
        username='=HYPERLINK("x")',
    )
    return list(AuditEvent.objects.order_by("seq"))


def tamper(sql: str, params: list) -> None:
    """What someone with the owner's rights on the database could do."""
    if connection.vendor == "postgresql":  # the test's own inserts are checked
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with wipe_allowed(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify() -> str:
    try:
        call_command("audit", "verify")
    except CommandError as failed:
        return str(failed)
    return ""


def test_entries_are_numbered_and_chained(trail):
    assert [e.seq for e in trail] == list(range(1, len(trail) + 1))
    previous = GENESIS
    for entry in trail:
        assert entry.hash == entry_hash(entry, previous)
        previous = entry.hash
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (trail[-1].seq, trail[-1].hash)
    assert chain_problems() == (len(trail), [])
    assert verify() == ""
    assert audit_messages() == []


def test_a_changed_entry_is_named(trail, capsys):
    changed = trail[2]
    tamper(f"UPDATE {TABLE} SET summary = %s WHERE id = %s", ["nothing", changed.pk])  # noqa: S608
    _, problems = chain_problems()
    assert len(problems) == 1 and f"Entry {changed.pk} " in problems[0]
    assert "tampered" in verify()
    assert f"Entry {changed.pk} " in capsys.readouterr().err
    [message] = audit_messages()
    assert message.id == "ketaclinic.E010" and f"Entry {changed.pk} " in message.msg


def test_an_entry_rewritten_with_a_new_hash_shows_at_the_next_one(trail):
    changed, following = trail[2], trail[3]
    fields = {name: getattr(changed, name) for name in FIELDS}
    forged = entry_hash({**fields, "summary": "nothing"}, trail[1].hash)
    tamper(
        f"UPDATE {TABLE} SET summary = %s, hash = %s WHERE id = %s",  # noqa: S608
        ["nothing", forged, changed.pk],
    )
    _, problems = chain_problems()
    assert len(problems) == 1 and f"Entry {following.pk} " in problems[0]


def test_a_removed_entry_is_named(trail):
    removed, following = trail[1], trail[2]
    tamper(f"DELETE FROM {TABLE} WHERE id = %s", [removed.pk])  # noqa: S608
    _, problems = chain_problems()
    assert len(problems) == 1
    assert (
        f"Entry {following.pk} " in problems[0]
        and "1 entry is missing (number" in problems[0]
    )
    assert "tampered" in verify()


def test_removing_the_newest_entries_is_seen(trail):
    tamper(f"DELETE FROM {TABLE} WHERE seq > %s", [trail[-3].seq])  # noqa: S608
    _, problems = chain_problems()
    assert problems == [
        f"The newest entries: 2 entries are missing (numbers {trail[-2].seq} "
        f"to {trail[-1].seq})."
    ]


def test_the_time_and_the_address_are_hashed_as_stored(trail):
    entry = AuditEvent.objects.get(pk=trail[-1].pk)  # as the database gives it
    assert entry.ip == "2001:db8::1"
    assert entry.hash == entry_hash(entry, trail[-2].hash)


def test_the_database_refuses_to_change_or_remove_entries(trail):
    for sql in (f"UPDATE {TABLE} SET summary = 'x'", f"DELETE FROM {TABLE}"):  # noqa: S608
        with (
            pytest.raises(DatabaseError),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(sql)
    if connection.vendor == "postgresql":
        with (
            pytest.raises(DatabaseError),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(f"TRUNCATE {TABLE} CASCADE")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(summary="x")
    assert AuditEvent.objects.count() == len(trail)
    assert chain_problems()[1] == []


@pytest.mark.django_db(transaction=True)
def test_appends_at_the_same_time_make_one_unbroken_chain(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's write lock serializes every append already")
    actor = Actor.staff(world.staff["nurse"], world.home)
    before = AuditEvent.objects.count()
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def append() -> None:
        try:
            start.wait()
            for _ in range(5):
                with transaction.atomic():
                    audit_record(actor=actor, action=Action.VIEW, patient=world.patient)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEvent.objects.count() == before + 30
    assert chain_problems() == (before + 30, [])
