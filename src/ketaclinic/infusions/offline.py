"""Entries charted on a tablet that lost its connection, sent when it returns.

The session page carries a token that binds the page to one session and one
nurse (signed, expiring after the clinic's setting). Each queued entry comes
back with that token, the id the tablet made when the nurse saved it, the time
the nurse charted it (device time) and the form's values. `receive` checks the
token against the nurse now signed in, the charted time against the window
the clinic allows, and the values with the same form the page uses, then hands
them to the same recording service an online entry goes through: the service
stores each id once, judges readings at their charted time and audits, in one
transaction.

Outcomes: `Stored` (new, or the same entry sent again), `Refused` (bad input,
a tampered or foreign entry: the nurse sees why) and `Conflict` (the session
changed meanwhile, e.g. a pause of an infusion already stopped: the nurse
decides). A refusal never touches the rest of the queue.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ketaclinic.audit.services import Actor
from ketaclinic.infusions.models import Session
from ketaclinic.infusions.services import InfusionRefused

SALT = "ketaclinic.infusions.offline"
# A tablet's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=2)


def keep_hours() -> int:
    return int(settings.KETACLINIC_OFFLINE_KEEP_HOURS)


def page_token(session: Session, user_id: int) -> str:
    """Binds a page's queued entries to its session and the nurse who opened it."""
    return signing.dumps({"s": str(session.uuid), "u": user_id}, salt=SALT)


@dataclass(frozen=True)
class Outcome:
    status: int  # 201 stored, 200 stored before, 409 conflict, 422 refused
    message: str
    field: str | None = None
    entry: Any = None

    @property
    def stored(self) -> bool:
        return self.status in (200, 201)


def refused(message: str, field: str | None = None) -> Outcome:
    return Outcome(422, message, field)


# kind -> (words for the nurse, recorder(actor, session, client_id, charted_at, values))
Recorder = Callable[[Actor, Session, uuid.UUID, datetime, Mapping[str, Any]], Any]
RECORDERS: dict[str, tuple[str, Recorder]] = {}


def recorder(kind: str, words: str) -> Callable[[Recorder], Recorder]:
    def register(function: Recorder) -> Recorder:
        RECORDERS[kind] = (words, function)
        return function

    return register


class Conflict(Exception):
    """The session changed on the server: the nurse decides what to do."""


def _parse(payload: Mapping[str, Any], now: datetime):
    if not isinstance(payload, Mapping):
        raise ValueError("This entry is damaged and cannot be read.")
    try:
        client_id = uuid.UUID(str(payload.get("client_id", "")))
    except ValueError:
        raise ValueError("This entry has no valid id: it may be damaged.") from None
    kind = payload.get("kind")
    if kind not in RECORDERS:
        raise ValueError("This kind of entry cannot be sent from a tablet.")
    values = payload.get("values")
    if not isinstance(values, Mapping) or not all(
        isinstance(v, str | list) for v in values.values()
    ):
        raise ValueError("This entry's values are damaged.")
    charted = payload.get("charted_at")
    charted_at = parse_datetime(charted) if isinstance(charted, str) else None
    if charted_at is None or timezone.is_naive(charted_at):
        raise ValueError("This entry has no charted time it can be trusted for.")
    if charted_at > now + CLOCK_SKEW:
        raise ValueError(
            "This entry's charted time is in the future: check the tablet's clock."
        )
    if charted_at < now - timedelta(hours=keep_hours()):
        raise ValueError(
            f"This entry was charted more than {keep_hours()} hours ago: chart it "
            "again on paper or ask a manager."
        )
    return client_id, kind, charted_at, values


def receive(
    *, actor: Actor, session_uuid: uuid.UUID, payload: Mapping[str, Any]
) -> Outcome:
    """Record one queued entry for the session (see the module)."""
    now = timezone.now()
    token = payload.get("token") if isinstance(payload, Mapping) else None
    try:
        bound = signing.loads(
            str(token or ""), salt=SALT, max_age=timedelta(hours=keep_hours())
        )
    except signing.SignatureExpired:
        return refused("This entry waited too long to be sent; chart it again.")
    except signing.BadSignature:
        return refused("This entry was changed on the tablet and cannot be trusted.")
    if bound.get("s") != str(session_uuid):
        return refused("This entry belongs to another infusion.")
    if actor.user is None or bound.get("u") != actor.user.pk:
        return refused(
            "This entry was made by another nurse: it is sent when they sign in."
        )
    try:
        client_id, kind, charted_at, values = _parse(payload, now)
    except ValueError as problem:
        return refused(str(problem))
    session = Session.objects.select_related("plan", "patient", "location").get(
        uuid=session_uuid
    )
    _words, record = RECORDERS[kind]
    try:
        entry, created = record(actor, session, client_id, charted_at, values)
    except Conflict as conflict:
        return Outcome(409, str(conflict))
    except InfusionRefused as problem:
        field, message = next(iter(problem.errors.items()))
        return refused(" ".join(problem.errors.values()), field)
    except PermissionError as problem:
        return refused(str(problem))
    return Outcome(201 if created else 200, "Recorded.", entry=entry)
