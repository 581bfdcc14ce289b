from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.checks.registry import registry
from django.core.management.commands import check
from django.db import DatabaseError, connections

from ketaclinic.core.deploy import deployment_problems

TAG = "ketaclinic"


def database_messages() -> list[checks.CheckMessage]:
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # every backend fails in its own way
        return [
            checks.Error(
                f"The database cannot be reached: {exc}",
                hint="Check DATABASE_URL and that the database server is running.",
                id="ketaclinic.E001",
            )
        ]
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return []
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    if mode.lower() != "wal":
        return [
            checks.Error(
                f"The SQLite database is in {mode!r} journal mode, not WAL: pages "
                "would wait for every write.",
                hint=(
                    "Keep the database file (DATABASE_URL) on a local disk; network "
                    "file systems cannot hold a WAL database."
                ),
                id="ketaclinic.E002",
            )
        ]
    return []


def audit_messages() -> list[checks.CheckMessage]:
    """The audit trail's hash chain (`ketaclinic audit verify`)."""
    from ketaclinic.audit.verify import chain_problems

    try:
        _, problems = chain_problems()
    except DatabaseError:  # not migrated yet: nothing to verify
        return []
    return [
        checks.Error(
            f"The audit trail has been tampered with. {problem}",
            hint="Restore the database from a backup taken before the change, and "
            "find out who could write to it.",
            id="ketaclinic.E010",
        )
        for problem in problems
    ]


def var_dir_messages() -> list[checks.CheckMessage]:
    var_dir = Path(settings.VAR_DIR)
    try:
        with tempfile.NamedTemporaryFile(dir=var_dir, prefix=".check-"):
            pass
    except OSError as exc:
        return [
            checks.Error(
                f"The var directory {var_dir} is not writable: {exc.strerror}.",
                hint=(
                    "Set KETACLINIC_VAR_DIR to a directory the ketaclinic user can "
                    "write to, or fix its permissions."
                ),
                id="ketaclinic.E003",
            )
        ]
    return []


def deploy_rule_messages() -> list[checks.CheckMessage]:
    """Unsafe for production: a warning while DEBUG is on, an error when off."""
    level, letter = (checks.WARNING, "W") if settings.DEBUG else (checks.ERROR, "E")
    return [
        checks.CheckMessage(
            level,
            problem.message,
            hint="`ketaclinic serve --prod` refuses to start until this is fixed.",
            id=f"ketaclinic.{letter}{problem.number}",
        )
        for problem in deployment_problems(settings)
    ]


def configuration_checks(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if app_configs is not None:  # checks of named apps only
        return []
    database = database_messages()
    return [
        *database,
        *([] if database else audit_messages()),
        *var_dir_messages(),
        *deploy_rule_messages(),
    ]


@contextmanager
def registered(check_function, *tags) -> Iterator[None]:
    # Registered for this command only: other commands (migrate, runserver) must
    # not reach the database or refuse to run over production rules.
    registry.register(check_function, *tags)
    try:
        yield
    finally:
        registry.registered_checks.discard(check_function)


class Command(check.Command):
    help = (
        "Check the project: Django's system checks, plus ketaclinic's "
        "configuration (database reachable, SQLite in WAL mode, the audit trail "
        "intact, var directory writable, the production rules of `serve --prod`). "
        "When DEBUG is off, "
        "Django's deployment checks run too and the production rules are errors. "
        "Exits non-zero on errors."
    )

    def handle(self, *app_labels, **options):
        if not settings.DEBUG:
            options["deploy"] = True
        with registered(configuration_checks, TAG):
            super().handle(*app_labels, **options)
