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

Entries another nurse left waiting on a tablet are sent only by her. A clinic
manager may instead `discard` one, with a reason, into the audit trail; a
manager never sends them, under either name.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ketaclinic.accounts.models import User
from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.infusions.models import (
    DiscardedEntry,
    Discharge,
    Entry,
    MedicationGiven,
    PumpEvent,
    Session,
    SideEffect,
    VitalReading,
)
from ketaclinic.infusions.services import InfusionRefused

SALT = "ketaclinic.infusions.offline"
# A tablet's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=2)
REASON_MAX = 300
# Where each kind of queued entry is stored once it is recorded.
STORED_IN: dict[str, type[Entry]] = {
    "vitals": VitalReading,
    "side_effect": SideEffect,
    "medication": MedicationGiven,
    "pump": PumpEvent,
    "discharge": Discharge,
}


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


def _bound(
    payload: Mapping[str, Any], session_uuid: uuid.UUID, *, max_age: timedelta | None
) -> dict:
    """Whose entry this is, as the page token says, once it proves to be for
    this infusion."""
    token = payload.get("token") if isinstance(payload, Mapping) else None
    try:
        bound = signing.loads(str(token or ""), salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise ValueError(
            "This entry waited too long to be sent; chart it again."
        ) from None
    except signing.BadSignature:
        raise ValueError(
            "This entry was changed on the tablet and cannot be trusted."
        ) from None
    if bound.get("s") != str(session_uuid):
        raise ValueError("This entry belongs to another infusion.")
    return bound


def _identity(payload: Mapping[str, Any]) -> tuple[uuid.UUID, str, datetime]:
    """The entry's id, kind and charted time, or why they cannot be read."""
    if not isinstance(payload, Mapping):
        raise ValueError("This entry is damaged and cannot be read.")
    try:
        client_id = uuid.UUID(str(payload.get("client_id", "")))
    except ValueError:
        raise ValueError("This entry has no valid id: it may be damaged.") from None
    kind = payload.get("kind")
    if not isinstance(kind, str) or kind not in RECORDERS:
        raise ValueError("This kind of entry cannot be sent from a tablet.")
    charted = payload.get("charted_at")
    charted_at = parse_datetime(charted) if isinstance(charted, str) else None
    if charted_at is None or timezone.is_naive(charted_at):
        raise ValueError("This entry has no charted time it can be trusted for.")
    return client_id, kind, charted_at


def _parse(payload: Mapping[str, Any], now: datetime):
    client_id, kind, charted_at = _identity(payload)
    values = payload.get("values")
    if not isinstance(values, Mapping) or not all(
        isinstance(v, str | list) for v in values.values()
    ):
        raise ValueError("This entry's values are damaged.")
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
    try:
        bound = _bound(payload, session_uuid, max_age=timedelta(hours=keep_hours()))
    except ValueError as problem:
        return refused(str(problem))
    if actor.user is None or bound.get("u") != actor.user.pk:
        return refused(
            "This entry was made by another nurse: it is sent when they sign in."
        )
    try:
        client_id, kind, charted_at, values = _parse(payload, now)
    except ValueError as problem:
        return refused(str(problem))
    _words, record = RECORDERS[kind]
    try:
        with transaction.atomic():
            # The session's row is locked first, as a discard locks it: an
            # entry is either recorded or discarded, never both.
            session = _locked(session_uuid)
            gone = DiscardedEntry.objects.filter(client_id=client_id).first()
            if gone is not None:
                return refused(_discarded_words(gone, session))
            entry, created = record(actor, session, client_id, charted_at, values)
    except Conflict as conflict:
        return Outcome(409, str(conflict))
    except InfusionRefused as problem:
        field, message = next(iter(problem.errors.items()))
        return refused(" ".join(problem.errors.values()), field)
    except PermissionError as problem:
        return refused(str(problem))
    return Outcome(201 if created else 200, "Recorded.", entry=entry)


def _locked(session_uuid: uuid.UUID) -> Session:
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("plan", "patient", "location")
        .get(uuid=session_uuid)
    )


def _discarded_words(gone: DiscardedEntry, session: Session) -> str:
    at = timezone.localtime(gone.discarded_at, session.location.zone)
    return (
        f"This entry was discarded by {gone.discarded_by} at {at:%H:%M} on "
        f"{at:%b %d} ({gone.reason}): it is not recorded."
    )


def discard(
    *,
    actor: Actor,
    session: Session,
    payload: Mapping[str, Any],
    reason: str,
) -> Outcome:
    """A manager discards an entry another nurse left waiting on the tablet.

    The page token proves whose entry it is and for which infusion; the audit
    trail keeps whose it was, when it was charted, what the tablet showed and
    why it was discarded, and its id is kept so that it is never recorded
    afterwards. An entry already recorded is not discarded (the tablet then
    simply forgets it)."""
    try:
        # An expired token is still the clinic's own: discarding is safe.
        bound = _bound(payload, session.uuid, max_age=None)
        client_id, kind, charted_at = _identity(payload)
    except ValueError as problem:
        return refused(str(problem))
    if actor.user is None or bound.get("u") == actor.user.pk:
        return refused("Your own entries are sent when you are online.")
    reason = " ".join(str(reason or "").split())
    if not reason:
        return refused("Say why this entry is discarded.", "reason")
    if len(reason) > REASON_MAX:
        return refused(f"Keep the reason under {REASON_MAX} characters.", "reason")
    nurse = User.objects.filter(pk=bound["u"]).first() if "u" in bound else None
    if nurse is None:
        return refused("The nurse who made this entry is not known here.")
    words = RECORDERS[kind][0]
    shown = " ".join(str(payload.get("summary") or "").split())
    at = timezone.localtime(charted_at, session.location.zone)
    with transaction.atomic():
        _locked(session.uuid)
        stored_in = STORED_IN.get(kind)
        if stored_in is not None and (
            stored_in.objects.filter(client_id=client_id).exists()
        ):
            return Outcome(
                200, "This entry is already in the chart: nothing to discard."
            )
        if DiscardedEntry.objects.filter(client_id=client_id).exists():
            return Outcome(200, "This entry was discarded already.")
        DiscardedEntry.objects.create(
            client_id=client_id,
            session=session,
            kind=kind,
            made_by=nurse,
            discarded_by=actor.user,
            discarded_at=timezone.now(),
            reason=reason,
        )
        audit_record(
            actor=actor,
            action=Action.DISCARD,
            patient=session.patient,
            obj=session,
            summary=(
                f"Discarded, never sent: {words} charted by {nurse} on a tablet "
                f"at {at:%H:%M} on {at:%b %d}. Reason: {reason}. "
                f"The tablet showed: {shown or 'no values'}"
            ),
        )
    return Outcome(201, "Discarded; the reason is kept in the audit log.")
