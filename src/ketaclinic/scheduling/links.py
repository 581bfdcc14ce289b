"""Private links in reminders: signed, expiring, bound to one visit (or one
waitlist offer) and one purpose.

A token signs the visit's UUID together with its start time, with a salt per
purpose: a confirm link cannot cancel, a link cannot be bent to another
visit, and a link sent before the visit moved no longer acts on it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.urls import reverse


class Purpose(StrEnum):
    CONFIRM = "confirm"
    CANCEL = "cancel"
    OFFER = "offer"


class LinkProblem(Exception):
    """Why a link cannot be used; `status` is the HTTP status of its page."""

    status = 400


class LinkAltered(LinkProblem):
    status = 400


class LinkExpired(LinkProblem):
    status = 410


@dataclass(frozen=True)
class LinkTarget:
    key: str  # an appointment UUID, or a waitlist entry id
    starts_at: datetime


def _signer(purpose: Purpose) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"ketaclinic.scheduling.links.{purpose}")


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def make_token(purpose: Purpose, key: str, starts_at: datetime) -> str:
    return _signer(purpose).sign(f"{key}.{_epoch(starts_at)}")


def read_token(purpose: Purpose, token: str) -> LinkTarget:
    """The target of a token; LinkExpired or LinkAltered when it cannot be used."""
    max_age = timedelta(days=settings.KETACLINIC_VISIT_LINK_DAYS)
    try:
        value = _signer(purpose).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkExpired from None
    except signing.BadSignature:
        raise LinkAltered from None
    key, _, epoch = value.rpartition(".")
    try:
        starts_at = datetime.fromtimestamp(int(epoch), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise LinkAltered from None
    return LinkTarget(key=key, starts_at=starts_at)


def same_start(target: LinkTarget, starts_at: datetime | None) -> bool:
    return starts_at is not None and _epoch(starts_at) == _epoch(target.starts_at)


def appointment_uuid(target: LinkTarget) -> uuid.UUID:
    try:
        return uuid.UUID(target.key)
    except ValueError:
        raise LinkAltered from None


def visit_token(appointment, purpose: Purpose) -> str:
    return make_token(purpose, str(appointment.uuid), appointment.starts_at)


def offer_token(entry) -> str:
    return make_token(Purpose.OFFER, str(entry.pk), entry.offered_start)


def absolute(path: str) -> str:
    return settings.KETACLINIC_BASE_URL + path


def visit_url(appointment, purpose: Purpose) -> str:
    token = visit_token(appointment, purpose)
    return absolute(reverse(f"visit:{purpose}", args=[token]))


def offer_url(entry) -> str:
    return absolute(reverse("visit:offer", args=[offer_token(entry)]))
