"""The live board of one location and day: every chair and every infusion.

`board(location, day, now)` reads everything in a fixed number of queries
(chairs; the day's infusion appointments with their session, patient, open
urgent risk tasks and latest vital signs; their chairs; allergies; pump
events; open alerts) and returns plain row objects the template lays out.
`fingerprint(location, day, now)` is the one cheap query the poll asks first:
when it has not changed, nothing on the board has.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from ketaclinic.clinical import dosing
from ketaclinic.clinical import vitals as clinical_vitals
from ketaclinic.clinical.protocols import RECOVERY_MINUTES_MIN
from ketaclinic.clinics.models import Location, Resource
from ketaclinic.infusions.alerts import CALLS_PROVIDER
from ketaclinic.infusions.alerts import open_alerts as alerts_of_sessions
from ketaclinic.infusions.models import Alert, PumpEvent, Session, VitalReading
from ketaclinic.patients.models import Allergy
from ketaclinic.prepared import prepared_objects, prepared_sql
from ketaclinic.scheduling.eligibility import urgent_open
from ketaclinic.scheduling.models import Allocation, Appointment, AppointmentType
from ketaclinic.words import duration_words

# What the board calls each state, in words, with its badge tone. A patient's
# state reads in words on the board, never by colour alone.
EXPECTED = "expected"
CHECKED_IN = "checked_in"
HELD = "held"
READY = "ready"
INFUSING = "infusing"
PAUSED = "paused"
RECOVERY = "recovery"
READY_FOR_DISCHARGE = "ready_for_discharge"
DISCHARGED = "discharged"
COMPLETED = "completed"
CANCELLED = "cancelled"
NO_SHOW = "no_show"

STATES: dict[str, tuple[str, str]] = {
    EXPECTED: ("Expected", ""),
    CHECKED_IN: ("Checked in: pre-infusion checks", "ok"),
    HELD: ("Held: waiting for a provider", "danger"),
    READY: ("Ready to start", "ok"),
    INFUSING: ("Infusing", "ok"),
    PAUSED: ("Paused", "warn"),
    RECOVERY: ("In recovery", "ok"),
    READY_FOR_DISCHARGE: ("Ready for discharge", "ok"),
    DISCHARGED: ("Discharged", ""),
    COMPLETED: ("Visit completed", ""),
    CANCELLED: ("Cancelled", ""),
    NO_SHOW: ("No-show", ""),
}
# States in which the patient is in the clinic, in a chair.
PRESENT = (CHECKED_IN, HELD, READY, INFUSING, PAUSED, RECOVERY, READY_FOR_DISCHARGE)
# A reading whose judgement asks for one of these is an alert on the board.
ALERTING_ACTIONS = {
    clinical_vitals.Action.ALERT,
    clinical_vitals.Action.HOLD,
    clinical_vitals.Action.PAUSE,
    clinical_vitals.Action.STOP,
}
_SESSION_STATE = {
    Session.State.CHECKED_IN: CHECKED_IN,
    Session.State.HELD: HELD,
    Session.State.READY: READY,
    Session.State.INFUSING: INFUSING,
    Session.State.PAUSED: PAUSED,
    Session.State.RECOVERY: RECOVERY,
    Session.State.DISCHARGED: DISCHARGED,
    Session.State.CANCELLED: CANCELLED,
}
_PUMP_ACTIONS = {
    PumpEvent.Kind.START: dosing.PumpAction.START,
    PumpEvent.Kind.PAUSE: dosing.PumpAction.PAUSE,
    PumpEvent.Kind.RESUME: dosing.PumpAction.RESUME,
    PumpEvent.Kind.RATE: dosing.PumpAction.RATE_CHANGE,
    PumpEvent.Kind.STOP: dosing.PumpAction.STOP,
}


@dataclass
class BoardAlert:
    """Something a nurse must see from across the room: `kind` names it for
    the style sheet, `words` say it."""

    kind: str  # "reading", "overdue", "decision", "alert"
    words: str


@dataclass
class Row:
    """One infusion appointment of the day, as the board shows it."""

    appointment: Appointment
    session: Session | None
    patient: object
    chair: str
    state: str
    state_words: str
    tone: str
    starts_at: datetime
    reason: str = ""  # why held, cancelled, no-show
    urgent: bool = False
    allergies: list[str] = field(default_factory=list)
    alerts: list[BoardAlert] = field(default_factory=list)
    # Infusing and paused
    running: timedelta | None = None
    planned_minutes: int | None = None
    progress_pct: int | None = None
    expected_end: datetime | None = None
    paused_since: datetime | None = None
    # Recovery
    recovery_ends_at: datetime | None = None
    recovery_left: timedelta | None = None
    # Vital signs
    last_reading_at: datetime | None = None
    next_check_due: datetime | None = None
    # What the template shows, made once here (the board is read every 10 s
    # by every screen): the name, the times in the location's zone, the row's
    # classes and whether it is the chair's patient now.
    who: str = ""
    times: dict[str, str] = field(default_factory=dict)
    classes: str = ""
    is_now: bool = False
    # Set by the view: the chart's and the check-in's addresses.
    chart_url: str = ""
    check_in_url: str = ""

    @property
    def present(self) -> bool:
        return self.state in PRESENT

    @property
    def may_check_in(self) -> bool:
        return self.state == EXPECTED

    @property
    def running_words(self) -> str:
        return duration_words(self.running) if self.running is not None else ""

    @property
    def recovery_left_words(self) -> str:
        if self.recovery_left is None:
            return ""
        return duration_words(self.recovery_left + timedelta(seconds=59))


@dataclass
class Chair:
    resource: Resource | None  # None: the day's infusions with no chair
    rows: list[Row]

    @property
    def name(self) -> str:
        return self.resource.name if self.resource else "No chair"

    @property
    def now(self) -> Row | None:
        """Who is in the chair now (else the next expected)."""
        for row in self.rows:
            if row.present:
                return row
        for row in self.rows:
            if row.state == EXPECTED:
                return row
        return None


@dataclass
class Board:
    location: Location
    day: date
    now: datetime
    chairs: list[Chair]
    rows: list[Row]
    fingerprint: str

    @property
    def alerts(self) -> list[tuple[Row, BoardAlert]]:
        return [(row, alert) for row in self.rows for alert in row.alerts]

    @property
    def counts(self) -> list[tuple[str, int]]:
        """How many patients are in each state, in the states' order."""
        seen: dict[str, int] = defaultdict(int)
        for row in self.rows:
            seen[row.state] += 1
        return [(STATES[key][0], seen[key]) for key in STATES if seen[key]]


# The columns a row shows (the rest of the visit, chart and session is not read).
ROW_FIELDS = (
    "uuid",
    "status",
    "status_reason",
    "starts_at",
    "patient__uuid",
    "patient__mrn",
    "patient__first_name",
    "patient__last_name",
    "patient__preferred_name",
    "infusion__uuid",
    "infusion__state",
    "infusion__state_reason",
    "infusion__started_at",
    "infusion__stopped_at",
    "infusion__recovery_minutes",
    "infusion__planned_minutes",
    "infusion__dose_mg",
    "infusion__bag_volume_ml",
    "infusion__revision",
)


def day_bounds(location: Location, day: date) -> tuple[datetime, datetime]:
    zone = location.zone
    start = datetime.combine(day, time.min, zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, zone)


def day_appointments(location: Location, day: date) -> QuerySet[Appointment]:
    start, end = day_bounds(location, day)
    return _infusions_between(location.pk, start, end)


def _infusions_between(
    location_id: int, start: datetime, end: datetime
) -> QuerySet[Appointment]:
    return Appointment.objects.filter(
        location_id=location_id,
        starts_at__gte=start,
        starts_at__lt=end,
        type__kind=AppointmentType.Kind.INFUSION,
        patient__isnull=False,
    )


def _board_rows(location_id: int, start: datetime, end: datetime):
    """The day's infusion appointments with their session, patient, open
    urgent tasks and latest reading (a query built once: `prepared_objects`)."""
    return (
        _infusions_between(location_id, start, end)
        .select_related("patient", "infusion")
        .only(*ROW_FIELDS)
        .annotate(
            urgent=urgent_open("patient"),
            last_action=_latest_reading("action"),
            last_reading_at=_latest_reading("charted_at"),
            last_findings=_latest_reading("findings"),
        )
        .order_by("starts_at", "pk")
    )


def _fingerprint_rows(location_id: int, start: datetime, end: datetime):
    return (
        _infusions_between(location_id, start, end)
        .annotate(
            alerts=Count("infusion__alerts"),
            open_alerts=Count(
                "infusion__alerts", filter=Q(infusion__alerts__handled_at__isnull=True)
            ),
        )
        .order_by("pk")
        .values_list(
            "pk",
            "status",
            "infusion__revision",
            "infusion__state",
            "alerts",
            "open_alerts",
        )
    )


def fingerprint(location: Location, day: date, now: datetime) -> str:
    """One query: every appointment's status, every session's revision and
    its alerts (raised, still open) of the day, and the minute (elapsed times
    and countdowns move with it)."""
    start, end = day_bounds(location, day)
    sql, params = prepared_sql(
        ("board_fingerprint",), _fingerprint_rows, location.pk, start, end
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        parts = [tuple(row) for row in cursor.fetchall()]
    minute = int(now.timestamp() // 60)
    text = f"{minute}|{parts}"
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def _latest_reading(column: str) -> Subquery:
    return Subquery(
        VitalReading.objects.filter(
            session=OuterRef("infusion"), corrected_by__isnull=True
        )
        .order_by("-charted_at", "-id")
        .values(column)[:1]
    )


def board(location: Location, day: date, now: datetime | None = None) -> Board:
    """Queries: chairs, appointments (with session, patient, urgent tasks and
    latest reading), their chairs, allergies, pump events, the fingerprint (6),
    plus the open alerts' hook."""
    now = now or timezone.now()
    chairs = list(
        Resource.objects.filter(
            location=location, kind=Resource.Kind.CHAIR, active=True
        ).order_by("name")
    )
    start, end = day_bounds(location, day)
    appointments = prepared_objects(
        ("board_rows",), _board_rows, location.pk, start, end
    )
    appointment_ids = [a.pk for a in appointments]
    chair_of: dict[int, int] = {}
    for appointment_id, resource_id in (
        Allocation.objects.filter(
            appointment_id__in=appointment_ids,
            resource__kind=Resource.Kind.CHAIR,
        )
        .order_by("-active", "starts_at")
        .values_list("appointment_id", "resource_id")
    ):
        chair_of.setdefault(appointment_id, resource_id)
    patient_ids = {a.patient_id for a in appointments if a.patient_id}
    allergies: dict[int | None, list[str]] = defaultdict(list)
    for patient_id, substance in (
        Allergy.objects.filter(patient_id__in=patient_ids, active=True)
        .order_by("substance")
        .values_list("patient_id", "substance")
    ):
        allergies[patient_id].append(substance)
    sessions = [a.infusion for a in appointments if _session_of(a) is not None]
    pumps: dict[int, list[PumpEvent]] = defaultdict(list)
    started = [s.pk for s in sessions if s.started_at is not None]
    if started:
        for event in PumpEvent.objects.filter(
            session_id__in=started, corrected_by__isnull=True
        ).order_by("charted_at", "id"):
            pumps[event.session_id].append(event)
    alerts = open_alerts([s.pk for s in sessions])
    rows = [
        _row(
            appointment,
            now=now,
            allergies=allergies[appointment.patient_id],
            pump=pumps,
            alerts=alerts,
            zone=location.zone,
        )
        for appointment in appointments
    ]
    by_chair: dict[int | None, list[Row]] = defaultdict(list)
    names: dict[int | None, Resource] = {chair.pk: chair for chair in chairs}
    for row in rows:
        found = chair_of.get(row.appointment.pk)
        place = found if found in names else None
        row.chair = names[place].name if place else ""
        by_chair[place].append(row)
    columns = [Chair(chair, by_chair[chair.pk]) for chair in chairs]
    if by_chair[None]:
        columns.append(Chair(None, by_chair[None]))
    for column in columns:
        current = column.now
        for row in column.rows:
            _shown(row, is_now=row is current, zone=location.zone)
    return Board(
        location=location,
        day=day,
        now=now,
        chairs=columns,
        rows=rows,
        fingerprint=fingerprint(location, day, now),
    )


def _session_of(appointment: Appointment) -> Session | None:
    try:
        return appointment.infusion
    except Session.DoesNotExist:
        return None


def _state(appointment: Appointment, session: Session | None, now: datetime) -> str:
    status = appointment.status
    if status == Appointment.Status.CANCELLED:
        return CANCELLED
    if status == Appointment.Status.NO_SHOW:
        return NO_SHOW
    if session is None:
        return COMPLETED if status == Appointment.Status.COMPLETED else EXPECTED
    state = _SESSION_STATE[Session.State(session.state)]
    if (
        state == RECOVERY
        and session.stopped_at is not None
        and now >= recovery_ends(session)
    ):
        return READY_FOR_DISCHARGE
    return state


def recovery_ends(session: Session) -> datetime:
    """The end of the plan's minimum recovery (never under 30 minutes)."""
    assert session.stopped_at is not None
    minutes = max(session.recovery_minutes or 0, RECOVERY_MINUTES_MIN)
    return session.stopped_at + timedelta(minutes=minutes)


def _row(
    appointment: Appointment,
    *,
    now: datetime,
    allergies: list[str],
    pump: dict[int, list[PumpEvent]],
    alerts: dict[int, list[tuple[str, str]]],
    zone,
) -> Row:
    session = _session_of(appointment)
    state = _state(appointment, session, now)
    words, tone = STATES[state]
    row = Row(
        appointment=appointment,
        session=session,
        patient=appointment.patient,
        chair="",
        state=state,
        state_words=words,
        tone=tone,
        starts_at=appointment.starts_at,
        urgent=bool(getattr(appointment, "urgent", 0)),
        allergies=allergies,
    )
    if state in (CANCELLED, NO_SHOW):
        row.reason = appointment.status_reason or (
            session.state_reason if session else ""
        )
    if session is None or state not in PRESENT:
        return row
    if state == HELD:
        # The hold's reason is said once, by the alert for the decision.
        row.alerts.append(
            BoardAlert(
                "decision",
                "Waiting for a provider's decision"
                + (f": {session.state_reason}" if session.state_reason else ""),
            )
        )
    row.last_reading_at = getattr(appointment, "last_reading_at", None)
    action = getattr(appointment, "last_action", None) or ""
    open_here = alerts.get(session.pk, [])
    # A held patient's hold says its reading already (the state's reason), and
    # so does a provider's call to the chair for it while it is open.
    said = (state == HELD and action == "hold") or (
        action in CALLS_PROVIDER
        and any(kind == Alert.Kind.PROVIDER_NEEDED for kind, _ in open_here)
    )
    if action in ALERTING_ACTIONS and not said:
        row.alerts.append(BoardAlert("reading", _reading_words(appointment, action)))
    if state in (INFUSING, PAUSED) and session.started_at is not None:
        _timeline(row, session, pump.get(session.pk, []), now)
        _overdue(row, clinical_vitals.Phase.INFUSION, session.started_at, now, zone)
    if state in (RECOVERY, READY_FOR_DISCHARGE) and session.stopped_at is not None:
        ends = recovery_ends(session)
        row.recovery_ends_at = ends
        row.recovery_left = max(ends - now, timedelta(0))
        if state == RECOVERY:
            _overdue(row, clinical_vitals.Phase.RECOVERY, session.stopped_at, now, zone)
    for _, words in open_here:
        row.alerts.append(BoardAlert("alert", words))
    return row


def _shown(row: Row, *, is_now: bool, zone) -> None:
    """The row's words and times as the template lays them out."""
    row.who = row.patient.display_name  # type: ignore[attr-defined]
    row.is_now = is_now
    row.times = {
        name: _hm(moment, zone)
        for name, moment in (
            ("starts", row.starts_at),
            ("expected_end", row.expected_end),
            ("paused_since", row.paused_since),
            ("recovery_ends", row.recovery_ends_at),
            ("next_due", row.next_check_due),
        )
        if moment is not None
    }
    classes = ["board-row"]
    if is_now:
        classes.append("now")
    if row.alerts:
        classes.append("has-alert")
    if not row.present and row.state != EXPECTED:
        classes.append("past")
    row.classes = " ".join(classes)


def _reading_words(appointment: Appointment, action: str) -> str:
    said = clinical_vitals.Action(action).label
    findings = getattr(appointment, "last_findings", None) or []
    worst = [
        f.get("message", "")
        for f in findings
        if isinstance(f, dict) and f.get("action") == action and f.get("message")
    ]
    text = f"Reading over a limit: {said}"
    return f"{text}. {worst[0]}" if worst else f"{text}."


def _overdue(
    row: Row, phase: clinical_vitals.Phase, began: datetime, now: datetime, zone
) -> None:
    due = clinical_vitals.next_check_due(row.last_reading_at, phase, began)
    row.next_check_due = due
    if clinical_vitals.is_overdue(row.last_reading_at, phase, began, now):
        late = now - due
        when = f"due {_hm(due, zone)}"
        if late >= timedelta(minutes=1):
            when += f", {duration_words(late)} ago"
        row.alerts.append(BoardAlert("overdue", f"Vital signs check overdue ({when})"))


def _hm(moment: datetime, zone) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


def _timeline(row: Row, session: Session, events: list[PumpEvent], now: datetime):
    """Elapsed running time, progress against the planned minutes and the
    expected end, from the pump's timeline (clinical.dosing) when the dose is
    known, else from the clock."""
    started = session.started_at
    assert started is not None
    row.planned_minutes = session.planned_minutes
    delivery = None
    if events and session.dose_mg and session.bag_volume_ml:
        try:
            delivery = dosing.delivered(
                [
                    dosing.PumpEvent(
                        at=e.charted_at,
                        action=_PUMP_ACTIONS[PumpEvent.Kind(e.kind)],
                        rate_ml_per_h=e.rate_ml_per_h,
                    )
                    for e in events
                ],
                concentration_mg_per_ml=Decimal(session.dose_mg)
                / Decimal(session.bag_volume_ml),
                vtbi_ml=Decimal(session.bag_volume_ml),
                at=now,
            )
        except (dosing.DosingRefused, ValueError, KeyError):
            delivery = None
    pauses = [e for e in events if e.kind == PumpEvent.Kind.PAUSE]
    if row.state == PAUSED and pauses:
        row.paused_since = pauses[-1].charted_at
    if delivery is not None:
        row.running = delivery.running
        row.expected_end = delivery.expected_end
    else:
        paused_for = now - row.paused_since if row.paused_since else timedelta(0)
        row.running = max(now - started - paused_for, timedelta(0))
        if session.planned_minutes:
            row.expected_end = (
                started + timedelta(minutes=session.planned_minutes) + paused_for
            )
    if session.planned_minutes and row.running is not None:
        share = row.running.total_seconds() / (session.planned_minutes * 60)
        row.progress_pct = max(0, min(100, round(share * 100)))


# --- Open alerts ------------------------------------------------------------------
# The monitoring part's alerts (a provider called to the chair, a vitals check
# overdue), by session, in one query (`alerts.open_alerts`).


def open_alerts(session_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    return alerts_of_sessions(session_ids) if session_ids else {}


__all__ = [
    "STATES",
    "Board",
    "BoardAlert",
    "Chair",
    "Row",
    "board",
    "day_appointments",
    "fingerprint",
    "open_alerts",
    "recovery_ends",
]
