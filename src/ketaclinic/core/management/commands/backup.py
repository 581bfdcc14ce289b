from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ketaclinic.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database to PATH while the clinic keeps running. SQLite: a "
        "consistent copy through SQLite's online backup API, checked with PRAGMA "
        "integrity_check. PostgreSQL: pg_dump in custom format. The file appears "
        "only once complete."
    )
    requires_system_checks = []  # a backup must work even when a check fails

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH", help="The backup file to write.")
        parser.add_argument(
            "--force", action="store_true", help="Replace PATH if it exists."
        )

    def handle(self, *args, **options):
        try:
            done = backup(options["path"], force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(done)
