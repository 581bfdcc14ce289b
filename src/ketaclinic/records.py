"""Signed records and append-only tables: one way for every app.

A signed clinical record (a consultation note, a screening decision, and every
record signed later) is never edited or deleted: a correction is a new signed
record that amends the old one and says why. `SignedRecord` is the abstract
model that holds who signed, when, what it amends and why; it refuses a change
or a deletion in Python.

`AppendOnly` is the migration operation that makes a table append-only in the
database itself, so that raw SQL and every other client are refused too:

- PostgreSQL: a row trigger refuses UPDATE and DELETE, a statement trigger
  refuses TRUNCATE. Run the app as a role that does not own the tables (README,
  "Security"), so that it cannot disable the triggers either.
- SQLite: triggers refuse UPDATE and DELETE.

Place it after any operation that rebuilds the table: SQLite rebuilds a table
for many schema changes (a new NOT NULL column, a changed field) and the
rebuild drops the table's triggers. The operation is idempotent, so applying it
again after such a change is safe. A model moved to another app keeps its table
and applies it again in its new app with `keep_on_reverse=True`: reversing the
move then leaves the triggers the old app's migrations laid.

Only `wipe_allowed()` empties such tables: Django's `flush`, which the test
suite runs between tests that commit, runs inside it (see
ketaclinic/audit/management/commands/flush.py). It needs the rights of the
tables' owner, which the app's own role does not have in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.operations.base import Operation

TRIGGER_MARK = "_append_only"


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk changes bypass the model's own refusal; refuse them here too."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionError(
            f"{self.model._meta.verbose_name_plural} are append-only: never changed."
        )

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError(
            f"{self.model._meta.verbose_name_plural} are append-only: never deleted."
        )


class SignedRecord(models.Model):
    """Signed by a clinician when written; amended, never edited or deleted.

    Every concrete model applies `AppendOnly` in its migrations.
    """

    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(auto_now_add=True)
    amends = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amended_by",
    )
    amendment_reason = models.CharField(
        "reason for the amendment", max_length=500, blank=True
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError(
                f"A signed {self._meta.verbose_name} is amended, never edited."
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError(f"A signed {self._meta.verbose_name} cannot be deleted.")


class AppendOnlyModel(models.Model):
    """A record that is written once and never changed (a charted reading, a
    ledger entry): a correction is a new row. Apply `AppendOnly` in the
    concrete model's migration too."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError(
                f"A {self._meta.verbose_name} is corrected by a new entry, "
                "never edited."
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError(f"A {self._meta.verbose_name} cannot be deleted.")


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def append_only_sql(vendor: str, table: str, message: str) -> list[str]:
    """Statements that make `table` append-only; safe to run again."""
    q = f'"{table}"'
    text = _sql_string(message)
    if vendor == "postgresql":
        function = f'"{table}{TRIGGER_MARK}"'
        return [
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '% (% refused on %)', {text}, TG_OP, TG_TABLE_NAME;
            END; $$ LANGUAGE plpgsql""",
            f'DROP TRIGGER IF EXISTS "{table}{TRIGGER_MARK}" ON {q}',
            f"""CREATE TRIGGER "{table}{TRIGGER_MARK}" BEFORE UPDATE OR DELETE
            ON {q} FOR EACH ROW EXECUTE FUNCTION {function}()""",
            f'DROP TRIGGER IF EXISTS "{table}{TRIGGER_MARK}_truncate" ON {q}',
            f"""CREATE TRIGGER "{table}{TRIGGER_MARK}_truncate" BEFORE TRUNCATE
            ON {q} FOR EACH STATEMENT EXECUTE FUNCTION {function}()""",
        ]
    if vendor == "sqlite":
        statements = []
        for event in ("update", "delete"):
            name = f'"{table}{TRIGGER_MARK}_{event}"'
            statements += [
                f"DROP TRIGGER IF EXISTS {name}",
                f"""CREATE TRIGGER {name} BEFORE {event.upper()} ON {q}
                BEGIN SELECT RAISE(ABORT, {text}); END""",
            ]
        return statements
    raise NotImplementedError(f"append-only tables on {vendor}")


def remove_append_only_sql(vendor: str, table: str) -> list[str]:
    q = f'"{table}"'
    if vendor == "postgresql":
        return [
            f'DROP TRIGGER IF EXISTS "{table}{TRIGGER_MARK}" ON {q}',
            f'DROP TRIGGER IF EXISTS "{table}{TRIGGER_MARK}_truncate" ON {q}',
            f'DROP FUNCTION IF EXISTS "{table}{TRIGGER_MARK}"()',
        ]
    return [
        f'DROP TRIGGER IF EXISTS "{table}{TRIGGER_MARK}_{event}"'
        for event in ("update", "delete")
    ]


class AppendOnly(Operation):
    """Make a model's table append-only in the database (see the module)."""

    reversible = True
    reduces_to_sql = False

    def __init__(
        self, model_name: str, message: str = "", keep_on_reverse: bool = False
    ) -> None:
        self.model_name = model_name
        self.message = message or "this table is append-only"
        self.keep_on_reverse = keep_on_reverse

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "model_name": self.model_name,
            "message": self.message,
        }
        if self.keep_on_reverse:
            kwargs["keep_on_reverse"] = True
        return ("ketaclinic.records.AppendOnly", [], kwargs)

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def _table(self, app_label: str, state: Any, schema_editor: Any) -> str | None:
        model = state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return None
        return model._meta.db_table

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        table = self._table(app_label, to_state, schema_editor)
        if table:
            vendor = schema_editor.connection.vendor
            for statement in append_only_sql(vendor, table, self.message):
                schema_editor.execute(statement, params=None)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if self.keep_on_reverse:
            return
        table = self._table(app_label, to_state, schema_editor)
        if table:
            vendor = schema_editor.connection.vendor
            for statement in remove_append_only_sql(vendor, table):
                schema_editor.execute(statement, params=None)

    def describe(self) -> str:
        return f"Make the table of {self.model_name} append-only"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name.lower()}_append_only"


@contextmanager
def wipe_allowed(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Lift every append-only trigger for one transaction, then restore them.

    For emptying the whole database (Django's `flush`): needs the owner's
    rights on PostgreSQL. Nothing else may call it.
    """
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            if postgres:
                cursor.execute(
                    "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
                    "WHERE NOT tgisinternal AND strpos(tgname, %s) > 0",
                    [TRIGGER_MARK],
                )
            else:
                cursor.execute(
                    "SELECT tbl_name, name, sql FROM sqlite_master "
                    "WHERE type = 'trigger' AND instr(name, %s) > 0",
                    [TRIGGER_MARK],
                )
            triggers = cursor.fetchall()
            for table, name, *_ in triggers:
                cursor.execute(
                    f'ALTER TABLE {table} DISABLE TRIGGER "{name}"'
                    if postgres
                    else f'DROP TRIGGER "{name}"'
                )
        yield
        with connection.cursor() as cursor:
            for table, name, *sql in triggers:
                enable = f'ALTER TABLE {table} ENABLE TRIGGER "{name}"'
                cursor.execute(enable if postgres else sql[0])
