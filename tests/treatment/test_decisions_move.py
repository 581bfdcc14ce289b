"""Screening decisions moved from the intake app to treatment: the table keeps
its name, its rows and its append-only triggers, and the content type follows
the model, there and back."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from ketaclinic.treatment.models import ScreeningDecision

BEFORE_THE_MOVE = [("intake", "0003_merge_name_review_and_overrides")]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()


def labels() -> set[str]:
    return set(
        ContentType.objects.filter(model="screeningdecision").values_list(
            "app_label", flat=True
        )
    )


def refused(sql: str) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
        c.execute(sql)


def still_append_only(table: str) -> None:
    refused(f"UPDATE {table} SET rationale = 'changed'")  # noqa: S608
    refused(f"DELETE FROM {table}")  # noqa: S608


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_the_table_its_rows_and_its_guard_there_and_back(world):
    decision = ScreeningDecision.objects.create(
        patient=world.patient,
        outcome=ScreeningDecision.Outcome.NOT_CANDIDATE,
        rationale="Current mania.",
        signed_by=world.staff["provider"],
    )
    table = connection.ops.quote_name("intake_screeningdecision")
    assert ScreeningDecision._meta.db_table == "intake_screeningdecision"
    assert labels() == {"treatment"}
    still_append_only(table)

    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    migrate(BEFORE_THE_MOVE)
    try:
        assert labels() == {"intake"}
        still_append_only(table)  # reversing the move leaves intake's guard
    finally:
        migrate(leaves)

    assert labels() == {"treatment"}
    still_append_only(table)
    kept = ScreeningDecision.objects.get()
    assert (kept.pk, kept.rationale) == (decision.pk, "Current mania.")
