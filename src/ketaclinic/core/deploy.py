"""What makes a configuration safe to serve patients' data in production.

`deployment_problems()` holds ketaclinic's own rules as a pure function of the
settings; `django_deploy_messages()` adds Django's deployment checks. `serve
--prod` refuses to start on any problem; `check` reports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core import checks

# Django's deployment checks that one of ketaclinic's variables settles.
DJANGO_CHECK_VARIABLES = {
    "security.W004": "KETACLINIC_HSTS_SECONDS",
    "security.W008": "KETACLINIC_SSL_REDIRECT",
    "security.W009": "SECRET_KEY",
    "security.W012": "KETACLINIC_SECURE_COOKIES",
    "security.W016": "KETACLINIC_SECURE_COOKIES",
    "security.W018": "DEBUG",
    "security.W020": "ALLOWED_HOSTS",
}
# Django says the same as one of our rules; ours names the variable.
COVERED_BY_OUR_RULES = {"security.W018", "security.W020"}


@dataclass(frozen=True)
class Problem:
    number: int  # stable, for check ids: ketaclinic.E<number> / W<number>
    variable: str  # the environment variable that fixes it
    message: str

    def __str__(self) -> str:
        return self.message


def deployment_problems(settings: Any) -> list[Problem]:
    """ketaclinic's rules for production, over a settings object (no I/O)."""
    problems = []
    if settings.DEBUG:
        problems.append(
            Problem(
                101,
                "DEBUG",
                "DEBUG is on: error pages would show code, settings and patient "
                "data to anyone. Set DEBUG=0.",
            )
        )
    if not getattr(settings, "SECRET_KEY_FROM_ENV", False):
        problems.append(
            Problem(
                102,
                "SECRET_KEY",
                "SECRET_KEY is not set: the development key kept in the var "
                "directory is in use. Set SECRET_KEY to a random string of at "
                "least 50 characters, kept out of version control.",
            )
        )
    hosts = list(settings.ALLOWED_HOSTS)
    if not hosts:
        problems.append(
            Problem(
                103,
                "ALLOWED_HOSTS",
                "ALLOWED_HOSTS is empty: every request would be refused. Set "
                "ALLOWED_HOSTS to the clinic's host names, comma-separated "
                "(e.g. ALLOWED_HOSTS=clinic.example.org).",
            )
        )
    elif "*" in hosts:
        problems.append(
            Problem(
                104,
                "ALLOWED_HOSTS",
                "ALLOWED_HOSTS contains '*': any Host header is accepted, so links "
                "in e-mails could point elsewhere. Set ALLOWED_HOSTS to the clinic's "
                "host names instead.",
            )
        )
    two_factor = getattr(settings, "KETACLINIC_2FA", "")
    if two_factor != "required":
        problems.append(
            Problem(
                105,
                "KETACLINIC_2FA",
                f"two-factor sign-in is {two_factor!r}: staff could reach patient "
                "records with a password alone. Set KETACLINIC_2FA=required.",
            )
        )
    return problems


def django_deploy_messages() -> list[checks.CheckMessage]:
    """Django's system checks with its deployment checks, minus silenced ones
    and those our rules already report."""
    return [
        message
        for message in checks.run_checks(include_deployment_checks=True)
        if not message.is_silenced() and message.id not in COVERED_BY_OUR_RULES
    ]


def describe_check(message: checks.CheckMessage) -> str:
    """A Django check message, naming the variable that settles it if any."""
    text = str(message)
    variable = DJANGO_CHECK_VARIABLES.get(message.id or "")
    if variable:
        text += f"\n\tSet {variable} (see docs/operations.md)."
    return text
