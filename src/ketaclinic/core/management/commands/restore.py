from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ketaclinic.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore the database from a backup made by `ketaclinic backup`. Refuses "
        "when the database already holds staff accounts or patients (or tables "
        "that are not ketaclinic's) unless --force. SQLite: copied in through "
        "SQLite's backup API and checked with PRAGMA integrity_check. PostgreSQL: "
        "pg_restore --clean --if-exists --no-owner, in one transaction."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH", help="The backup file to read.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the database's content even when it holds data.",
        )

    def handle(self, *args, **options):
        try:
            done = restore(options["path"], force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(done)
