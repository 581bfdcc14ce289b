"""`ketaclinic audit verify`: check the audit trail's hash chain."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketaclinic.audit.verify import chain_problems


class Command(BaseCommand):
    help = (
        "The audit trail. `verify` checks that every entry is still as written "
        "and none is missing (each entry carries a hash chained to the one "
        "before); it names every changed or missing entry and exits non-zero."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("verify", help="check the hash chain of the audit trail")

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problems = chain_problems()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(
                f"The audit trail has been tampered with: {len(problems)} "
                f"{'problem' if len(problems) == 1 else 'problems'} in "
                f"{checked} entries."
            )
        self.stdout.write(f"The audit trail is intact: {checked} entries checked.")
