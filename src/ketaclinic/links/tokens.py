"""The one signer of private links.

A link is signed for one purpose (a salt per purpose: a confirm link cannot
cancel, an intake link opens no questionnaire), bound to one record (its key),
and expires after the days its purpose is given in the settings. A purpose may
also bind the link to a version of the record (a visit's start time), so that
a link sent before the record changed no longer acts on it.

The salts and value formats are those of the links already sent, so that
every link in a patient's inbox keeps working.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TypeVar
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.db.models import Model, QuerySet
from django.urls import reverse

from ketaclinic.links.problems import LinkAltered, LinkExpired, LinkProblem, Problem

M = TypeVar("M", bound=Model)


class Purpose(StrEnum):
    VISIT_CONFIRM = "confirm"
    VISIT_CANCEL = "cancel"
    WAITLIST_OFFER = "offer"
    CONSULTATION = "consultation"
    INTAKE = "intake"
    QUESTIONNAIRE = "questionnaire"


@dataclass(frozen=True)
class Rule:
    salt: str
    days_setting: str  # the setting that says how many days the link works
    view: str  # the URL name of the page the link opens; the token is its argument
    versioned: bool = False  # bound to a version of the record too
    # It shows health information: the patient's date of birth opens it.
    asks_birth_date: bool = False


RULES: dict[Purpose, Rule] = {
    Purpose.VISIT_CONFIRM: Rule(
        "ketaclinic.scheduling.links.confirm",
        "KETACLINIC_VISIT_LINK_DAYS",
        "visit:confirm",
        versioned=True,
    ),
    Purpose.VISIT_CANCEL: Rule(
        "ketaclinic.scheduling.links.cancel",
        "KETACLINIC_VISIT_LINK_DAYS",
        "visit:cancel",
        versioned=True,
    ),
    Purpose.WAITLIST_OFFER: Rule(
        "ketaclinic.scheduling.links.offer",
        "KETACLINIC_VISIT_LINK_DAYS",
        "visit:offer",
        versioned=True,
    ),
    Purpose.CONSULTATION: Rule(
        "ketaclinic.inquiries.links.consultation",
        "KETACLINIC_INQUIRY_LINK_DAYS",
        "get_started:consultation",
    ),
    Purpose.INTAKE: Rule(
        "ketaclinic.intake.links.intake",
        "KETACLINIC_INTAKE_LINK_DAYS",
        "intake_public:intake",
        asks_birth_date=True,
    ),
    Purpose.QUESTIONNAIRE: Rule(
        "ketaclinic.intake.links.questionnaire",
        "KETACLINIC_INTAKE_LINK_DAYS",
        "intake_public:questionnaire",
        asks_birth_date=True,
    ),
}


@dataclass(frozen=True)
class Link:
    """A link that was read and found genuine and in time."""

    purpose: Purpose
    key: str
    version: int | None  # epoch seconds of the version it is bound to

    def uuid(self) -> uuid.UUID:
        try:
            return uuid.UUID(self.key)
        except ValueError:
            raise LinkAltered from None

    def pk(self) -> int:
        if not self.key.isdigit():
            raise LinkAltered
        return int(self.key)

    def matches(self, version: datetime | None) -> bool:
        """Whether the record is still at the version the link was made for."""
        return version is not None and self.version == _epoch(version)


def _signer(purpose: Purpose) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=RULES[purpose].salt)


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def token(purpose: Purpose, key: object, *, version: datetime | None = None) -> str:
    """The signed token of a link to the record `key` (a UUID or an id)."""
    rule = RULES[purpose]
    if rule.versioned != (version is not None):
        raise ValueError(f"{purpose} links are bound to a version: {rule.versioned}")
    value = str(key) if version is None else f"{key}.{_epoch(version)}"
    return _signer(purpose).sign(value)


def read(purpose: Purpose, raw: str) -> Link:
    """The link a token makes; LinkExpired or LinkAltered when it cannot be used."""
    rule = RULES[purpose]
    max_age = timedelta(days=getattr(settings, rule.days_setting))
    try:
        value = _signer(purpose).unsign(raw, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkExpired from None
    except signing.BadSignature:
        raise LinkAltered from None
    if not rule.versioned:
        return Link(purpose=purpose, key=value, version=None)
    key, _, epoch = value.rpartition(".")
    try:
        datetime.fromtimestamp(int(epoch), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise LinkAltered from None
    return Link(purpose=purpose, key=key, version=int(epoch))


def bound_record(
    link: Link, records: QuerySet[M], *, missing: Problem = Problem.ALTERED
) -> M:
    """The record of `records` a link is bound to (by UUID, or by id for a
    purpose whose records have none); LinkProblem(missing) when it is gone."""
    if link.key.isdigit():
        found = records.filter(pk=link.pk()).first()
    else:
        found = records.filter(uuid=link.uuid()).first()
    if found is None:
        raise LinkProblem(missing)
    return found


# A path segment that looks like a signed value: value:timestamp:signature.
_SIGNED = re.compile(r"^[^:/]+:[0-9A-Za-z]+:[\w-]+$")
_URL = re.compile(r"https?://[^\s<>\"']+")
REDACTED = "[private link]"


def _is_private(address: str) -> bool:
    for segment in urlsplit(address).path.split("/"):
        if not _SIGNED.match(segment):
            continue
        for rule in RULES.values():
            try:
                signing.TimestampSigner(salt=rule.salt).unsign(segment)
            except signing.BadSignature:
                continue
            return True
    return False


def redact(text: str) -> str:
    """`text` with every private link in it (expired ones too) replaced by
    "[private link]": what staff may read of a message to a patient."""
    return _URL.sub(
        lambda found: REDACTED if _is_private(found.group()) else found.group(), text
    )


def absolute_url(path: str) -> str:
    """The clinic's public address followed by `path`: how every link in a
    message starts."""
    return settings.KETACLINIC_BASE_URL.rstrip("/") + path


def url(
    purpose: Purpose,
    key: object,
    *,
    version: datetime | None = None,
    query: dict[str, str] | None = None,
) -> str:
    """The full address of a private link, for a message."""
    path = reverse(RULES[purpose].view, args=[token(purpose, key, version=version)])
    return absolute_url(path + (f"?{urlencode(query)}" if query else ""))
