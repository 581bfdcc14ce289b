"""Sign-in lockout: three counts of failed sign-ins over the lockout window.

- one username from one address: KETACLINIC_LOCKOUT_ATTEMPTS (a person who
  forgot their password, or someone guessing it);
- one address, whatever the usernames: KETACLINIC_LOCKOUT_ADDRESS_ATTEMPTS
  (guessing across many accounts). Higher, because a clinic's staff share
  one public address;
- one username, from every address: KETACLINIC_LOCKOUT_ACCOUNT_ATTEMPTS
  (guessing one account from many addresses).

A stranger elsewhere no longer locks a staff member out after a few tries;
whoever is locked out asks a clinic manager, who unlocks them (accounts:
lockouts). django-axes counts; this module only sets a limit per count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone

# The order of the counts, as django-axes reads them (AXES_LOCKOUT_PARAMETERS).
LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]


def limits() -> list[int]:
    return [
        settings.AXES_FAILURE_LIMIT,
        settings.KETACLINIC_LOCKOUT_ADDRESS_ATTEMPTS,
        settings.KETACLINIC_LOCKOUT_ACCOUNT_ATTEMPTS,
    ]


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler, with a limit for each count."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        counts = [
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        limit = settings.AXES_FAILURE_LIMIT
        if any(count >= most for count, most in zip(counts, limits(), strict=True)):
            return limit  # django-axes locks at AXES_FAILURE_LIMIT
        return min(counts[0], limit - 1)


def _window_start() -> datetime:
    return timezone.now() - settings.AXES_COOLOFF_TIME


@dataclass(frozen=True)
class Lockout:
    username: str
    failures: int
    last_at: datetime
    until: datetime


def locked_usernames(usernames: list[str]) -> list[Lockout]:
    """Which of these usernames cannot sign in now, from where they failed."""
    recent = AccessAttempt.objects.filter(attempt_time__gte=_window_start())
    by_pair = (
        recent.filter(username__in=usernames)
        .values("username", "ip_address")
        .annotate(total=Sum("failures_since_start"), last=Max("attempt_time"))
    )
    by_address = dict(
        recent.filter(ip_address__in={row["ip_address"] for row in by_pair})
        .values("ip_address")
        .annotate(total=Sum("failures_since_start"))
        .values_list("ip_address", "total")
    )
    pair_limit, address_limit, account_limit = limits()
    found: dict[str, Lockout] = {}
    totals: dict[str, int] = {}
    for row in by_pair:
        totals[row["username"]] = totals.get(row["username"], 0) + row["total"]
    for row in by_pair:
        name = row["username"]
        locked = (
            row["total"] >= pair_limit
            or by_address.get(row["ip_address"], 0) >= address_limit
            or totals[name] >= account_limit
        )
        if locked:
            last = (
                max(row["last"], found[name].last_at) if name in found else row["last"]
            )
            found[name] = Lockout(
                name, totals[name], last, last + settings.AXES_COOLOFF_TIME
            )
    return sorted(found.values(), key=lambda lockout: lockout.username)


def unlock(username: str) -> int:
    """Forget the failed sign-ins of `username`, and of the addresses it failed
    from (so that a shared clinic address is open again). Returns rows removed."""
    addresses = set(
        AccessAttempt.objects.filter(username=username).values_list(
            "ip_address", flat=True
        )
    )
    removed, _ = AccessAttempt.objects.filter(username=username).delete()
    more, _ = AccessAttempt.objects.filter(ip_address__in=addresses).delete()
    return removed + more
