"""Someone needed at the chair: raising and handling alerts of a session.

A reading judged at the pause or stop level calls a provider to the chair
(`raise_for_reading`, inside the transaction that stores the reading); a nurse
or provider marks the alert handled with a note (`handle`). An open alert of a
kind is raised once: a later reading while it is open adds its words to it.
The board reads `open_alerts` (one query for every session it shows). A vitals
check overdue is not stored: the board and the start pages work it out at each
reading from the last vital signs and the phase's interval, so it can never
outlive the reading that answers it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.clinical import vitals
from ketaclinic.clinical.vitals import Judgement
from ketaclinic.clinics.models import Location
from ketaclinic.infusions.models import Alert, Session, VitalReading
from ketaclinic.infusions.services import InfusionRefused, may_chart, touch

# A reading whose judgement asks for one of these calls a provider to the chair.
CALLS_PROVIDER = frozenset({vitals.Action.PAUSE, vitals.Action.STOP})

NOTE_NEEDED = "Say in a few words what was done (for example: seen, pump paused)."
ALREADY_HANDLED = "This alert was already marked handled."


def raise_for_reading(
    *, actor: Actor, reading: VitalReading, judgement: Judgement
) -> Alert | None:
    """Call a provider to the chair for a reading at the pause or stop level
    (inside the caller's transaction); None for a reading that does not."""
    if judgement.action not in CALLS_PROVIDER:
        return None
    session = reading.session
    verb = "Stop" if judgement.action is vitals.Action.STOP else "Pause"
    words = (
        f"{verb}: provider to the chair. Reading of "
        f"{timezone.localtime(reading.charted_at, session.location.zone):%H:%M}: "
        f"{judgement.words}"
    )
    open_alert = (
        Alert.objects.select_for_update()
        .filter(session=session, kind=Alert.Kind.PROVIDER_NEEDED, handled_at=None)
        .first()
    )
    if open_alert is not None:
        open_alert.words = f"{open_alert.words} {words}"[-1000:]
        open_alert.reading = reading
        open_alert.save(update_fields=["words", "reading"])
        alert = open_alert
    else:
        alert = Alert.objects.create(
            session=session,
            kind=Alert.Kind.PROVIDER_NEEDED,
            words=words[:1000],
            reading=reading,
            raised_at=timezone.now(),
            raised_by=actor.user,
        )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        patient=session.patient,
        obj=alert,
        summary="Provider called to the chair",
    )
    return alert


def handle(
    *, actor: Actor, alert: Alert, note: str, now: datetime | None = None
) -> Alert:
    """Mark an open alert handled, with what was done (a nurse or provider)."""
    user = may_chart(actor)
    note = (note or "").strip()
    if not note:
        raise InfusionRefused({"note": NOTE_NEEDED})
    if len(note) > 500:
        raise InfusionRefused({"note": "Keep the note under 500 characters."})
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.handled_at is not None:
            raise InfusionRefused({None: ALREADY_HANDLED})
        alert.handled_at = now or timezone.now()
        alert.handled_by = user
        alert.handled_note = note
        alert.save(update_fields=["handled_at", "handled_by", "handled_note"])
        session = Session.objects.select_related("patient").get(pk=alert.session_id)
        touch(session)
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            patient=session.patient,
            obj=alert,
            summary=f"Alert handled: {alert.get_kind_display().lower()}",
        )
        return alert


def open_alerts(session_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """The kind and the words of each alert still open, by session id (one
    query)."""
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = Alert.objects.filter(
        session_id__in=session_ids, handled_at__isnull=True
    ).values_list("session_id", "kind", "words")
    for session_id, kind, words in rows:
        found[session_id].append((kind, f"{Alert.Kind(kind).label}: {words}"))
    return dict(found)


def open_alerts_fingerprint(location: Location, day: date) -> str:
    """What changes when an alert of the location's day opens or closes."""
    zone = location.zone
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()), zone)
    rows = Alert.objects.filter(
        session__location=location,
        session__checked_in_at__gte=start,
        session__checked_in_at__lt=start + timedelta(days=1),
    ).values_list("id", "handled_at")
    return ",".join(f"{pk}:{int(bool(at))}" for pk, at in sorted(rows))
