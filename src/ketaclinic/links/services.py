"""Writes of private links."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from ketaclinic.links.models import UsedLink
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
