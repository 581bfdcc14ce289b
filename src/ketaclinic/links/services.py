"""Writes of private links."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.audit.actor import Actor
from ketaclinic.audit.services import Action, audit_record
from ketaclinic.links.models import BirthDateGuard, UsedLink
from ketaclinic.links.problems import LinkUsed
from ketaclinic.links.tokens import Link


def link_spend(*, link: Link, part: str = "") -> None:
    """Use a single-use link (or one part of it): call it inside the transaction
    of what the link does, so that the use and the deed are kept together or
    not at all. LinkUsed when it was used before, or is being used right now
    by another request that then commits."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("link_spend runs inside the transaction of the action")
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives
            UsedLink.objects.create(purpose=link.purpose, key=link.key, part=part)
    except IntegrityError:
        raise LinkUsed from None


class BirthDate(StrEnum):
    RIGHT = "right"
    WRONG = "wrong"
    LOCKED = "locked"


def _guard(link: Link) -> BirthDateGuard:
    guard, _created = BirthDateGuard.objects.get_or_create(
        purpose=link.purpose, key=link.key
    )
    return BirthDateGuard.objects.select_for_update().get(pk=guard.pk)


def link_locked(*, link: Link) -> bool:
    return BirthDateGuard.objects.filter(
        purpose=link.purpose, key=link.key, locked_until__gt=timezone.now()
    ).exists()


def link_birth_date_check(
    *, actor: Actor, link: Link, given: date, patient: Any
) -> BirthDate:
    """Whether the holder of a link knows `patient`'s date of birth. Wrong
    answers are counted per link, in one write-locked transaction each (so that
    parallel guesses count one by one) and audited; the last allowed one locks
    the link for KETACLINIC_LINK_LOCK_MINUTES, during which even the right
    answer is refused."""
    now = timezone.now()
    expected = patient.date_of_birth
    with transaction.atomic():
        guard = _guard(link)
        if guard.locked_until is not None and guard.locked_until > now:
            return BirthDate.LOCKED
        if given == expected:
            if guard.failures:
                guard.failures = 0
                guard.save(update_fields=["failures"])
            return BirthDate.RIGHT
        guard.failures += 1
        locks = guard.failures >= settings.KETACLINIC_LINK_BIRTH_DATE_ATTEMPTS
        if locks:
            guard.failures = 0
            guard.locked_until = now + timedelta(
                minutes=settings.KETACLINIC_LINK_LOCK_MINUTES
            )
        guard.save(update_fields=["failures", "locked_until"])
        audit_record(
            actor=actor,
            action=Action.LOCKED_OUT if locks else Action.DENIED,
            patient=patient,
            summary=f"Wrong date of birth given for a private {link.purpose} link"
            + (", which is now locked for a while" if locks else ""),
        )
    return BirthDate.LOCKED if locks else BirthDate.WRONG
