from __future__ import annotations

import os
import sys
from getpass import getpass

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import Role
from ketaclinic.accounts.services import staff_create
from ketaclinic.clinics.models import Location

PROMPT_ATTEMPTS = 3


def validation_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(
            f"{field}: {' '.join(messages)}"
            for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


class Command(BaseCommand):
    help = (
        "Create a staff member. The password comes from the environment variable "
        "named by --password-env, or is asked twice on the terminal; Django's "
        "password rules apply (at least 12 characters, not common, not all digits, "
        "not like the user's name or e-mail)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True, help="Sign-in name.")
        parser.add_argument(
            "--role",
            required=True,
            metavar="ROLE",
            help=f"One of: {', '.join(Role.values)}.",
        )
        parser.add_argument(
            "--location",
            action="append",
            dest="locations",
            default=[],
            metavar="SLUG",
            help=(
                "A location the staff member works at, by slug; repeat for "
                "several. Staff see the patients of their locations only."
            ),
        )
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--title", default="", help="Credentials shown after the name, e.g. RN."
        )
        parser.add_argument(
            "--password-env",
            metavar="NAME",
            help=(
                "Read the password from the environment variable NAME (for "
                "scripts); without it the password is asked on the terminal."
            ),
        )

    def handle(self, *args, **options):
        username = options["username"].strip()
        role = options["role"].strip()
        if role not in Role.values:
            raise CommandError(
                f"Unknown role {role!r}; choose one of {', '.join(Role.values)}."
            )
        locations = self.locations(options["locations"])
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        candidate = User(
            username=username,
            role=role,
            first_name=options["first_name"],
            last_name=options["last_name"],
            email=options["email"],
            title=options["title"],
        )
        try:
            candidate.full_clean(exclude=["password"], validate_unique=False)
        except ValidationError as exc:
            raise CommandError(validation_text(exc)) from None

        if options["password_env"]:
            password = self.password_from_env(options["password_env"], candidate)
        else:
            password = self.password_from_terminal(candidate)

        try:
            user = staff_create(
                username=username,
                password=password,
                role=role,
                locations=locations,
                first_name=candidate.first_name,
                last_name=candidate.last_name,
                email=candidate.email,
                title=candidate.title,
            )
        except ValidationError as exc:
            raise CommandError(validation_text(exc)) from None
        except IntegrityError:
            raise CommandError(f"A user named {username!r} already exists.") from None

        where = ", ".join(location.slug for location in locations) or "no location"
        self.stdout.write(
            f"Created {Role(role).label.lower()} {user.username!r} ({where})."
        )
        if not locations and role != Role.ADMIN:
            self.stdout.write(
                "Note: without a location they see no patients; add one in the admin."
            )

    def locations(self, slugs: list[str]) -> list[Location]:
        found = {loc.slug: loc for loc in Location.objects.filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            known = ", ".join(Location.objects.values_list("slug", flat=True))
            raise CommandError(
                f"Unknown location {', '.join(map(repr, unknown))}; "
                + (f"known locations: {known}." if known else "no location exists yet.")
            )
        return [found[slug] for slug in dict.fromkeys(slugs)]

    def password_from_env(self, name: str, candidate: User) -> str:
        password = os.environ.get(name, "")
        if not password:
            raise CommandError(f"The environment variable {name} is not set or empty.")
        self.validate(password, candidate)
        return password

    def password_from_terminal(self, candidate: User) -> str:
        if not sys.stdin.isatty():
            raise CommandError(
                "No password: pass --password-env NAME (an environment variable "
                "holding it) or run the command in a terminal."
            )
        for _ in range(PROMPT_ATTEMPTS):
            password = getpass("Password: ")
            if getpass("Password (again): ") != password:
                self.stderr.write("The passwords differ; try again.")
                continue
            try:
                self.validate(password, candidate)
            except CommandError as exc:
                self.stderr.write(f"{exc} Try again.")
                continue
            return password
        raise CommandError("No acceptable password given; no user created.")

    def validate(self, password: str, candidate: User) -> None:
        try:
            password_validation.validate_password(password, user=candidate)
        except ValidationError as exc:
            raise CommandError(f"Password refused: {' '.join(exc.messages)}") from None
