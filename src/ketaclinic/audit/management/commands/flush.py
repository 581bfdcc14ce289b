"""Django's `flush`, able to empty the append-only tables.

The test suite flushes the database between tests that commit. Append-only
tables refuse DELETE and TRUNCATE, so the flush lifts their triggers for its own
transaction and restores them before it commits (`ketaclinic.records.
wipe_allowed`). On PostgreSQL that takes the rights of the tables' owner: run
as the app's own, non-owner role (README, "Security"), the flush is refused.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections

from ketaclinic.records import wipe_allowed


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with wipe_allowed(connections[options["database"]]):
            super().handle(**options)
