"""Messages sent when an app below the outbox says something happened."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.signals import credentials_reset
from ketaclinic.notifications.services import email_queue


@receiver(credentials_reset)
def staff_told_of_reset(
    sender: type[User], *, staff: User, admin: User | None, what: str, **kwargs: Any
) -> None:
    """A reset they did not ask for does not go unnoticed."""
    email_queue(
        to=staff.email,
        template="staff_reset",
        context={"staff": staff, "admin": admin, "what": what},
        purpose="staff_reset",
        dedupe_key=f"staff_reset:{staff.pk}:{timezone.now().isoformat()}",
    )
