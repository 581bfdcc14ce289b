"""Signed records and append-only tables: the model refuses a change or a
deletion, and the database refuses UPDATE, DELETE (and TRUNCATE on
PostgreSQL) from raw SQL, on every signed table."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from ketaclinic.inquiries.models import ConsultationNote
from ketaclinic.treatment.models import ScreeningDecision
from tests.inquiries.helpers import make_lead


def note(world) -> ConsultationNote:
    return ConsultationNote.objects.create(
        inquiry=make_lead(world.home),
        outcome=ConsultationNote.Outcome.PROCEED,
        text="Two failed trials.",
        signed_by=world.staff["provider"],
    )


def decision(world) -> ScreeningDecision:
    return ScreeningDecision.objects.create(
        patient=world.patient,
        outcome=ScreeningDecision.Outcome.NEEDS_INFORMATION,
        needs="Records of the last trial",
        rationale="Too little known.",
        signed_by=world.staff["provider"],
    )


SIGNED = {"consultation note": note, "screening decision": decision}


def refused(sql: str) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
        c.execute(sql)


@pytest.mark.parametrize("make", SIGNED.values(), ids=SIGNED.keys())
def test_the_database_refuses_to_change_or_remove_a_signed_row(world, make):
    row = make(world)
    table = connection.ops.quote_name(row._meta.db_table)
    refused(f"UPDATE {table} SET signed_at = signed_at")  # noqa: S608
    refused(f"DELETE FROM {table}")  # noqa: S608
    if connection.vendor == "postgresql":
        refused(f"TRUNCATE {table} CASCADE")
    assert type(row).objects.filter(pk=row.pk, signed_at=row.signed_at).exists()


@pytest.mark.parametrize("make", SIGNED.values(), ids=SIGNED.keys())
def test_the_model_refuses_to_change_or_remove_a_signed_row(world, make):
    row = make(world)
    model = type(row)
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        model.objects.filter(pk=row.pk).update(amendment_reason="x")
    with pytest.raises(PermissionError):
        model.objects.all().delete()
    assert model.objects.filter(pk=row.pk).exists()


def append_only_triggers() -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgenabled = 'O' "
                "AND tgname LIKE '%%append_only%%'"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE '%%append_only%%'"
            )
        return sorted(name for (name,) in cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_a_flush_empties_the_signed_tables_and_leaves_them_append_only(world):
    note(world)
    decision(world)
    before = append_only_triggers()
    for model in (ConsultationNote, ScreeningDecision):
        assert any(model._meta.db_table in name for name in before)
    call_command("flush", interactive=False, verbosity=0)
    assert not ConsultationNote.objects.exists()
    assert not ScreeningDecision.objects.exists()
    assert append_only_triggers() == before
