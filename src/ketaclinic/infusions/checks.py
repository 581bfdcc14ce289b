"""The pre-infusion checklist (CLINICAL.md 1.5): the escort, fasting, a
pregnancy test where the clinic requires it, today's weight, baseline vital
signs, the pre-infusion questionnaire and current consents.

Each item is passed, not passed, not needed, still to do, or waiting for a
provider's acknowledgement. An item not passed holds the infusion until a
provider overrides it with a reason (re-entering their password or code) or
cancels the infusion; the acknowledgement band of the baseline blood pressure
asks for an acknowledgement, not a hold. `evaluate` moves the session between
checked in, held and ready after every entry: ready only when every item is
clear, the dose is worked out and the pump's double check matched
(`administration`).

What the nurse records (escort, fasting, pregnancy test, weight) is kept as
`Check` entries; what is read from elsewhere (the weight's age, the baseline
reading's judgement, the questionnaire, consents) is judged afresh each time
and kept as a `Check` entry whenever its outcome changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.accounts.services import (
    SecondPerson,
    credentials_match,
    second_person_problem,
)
from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.clinical import scales
from ketaclinic.clinical.body import check_weight_kg
from ketaclinic.clinical.units import WeightUnit, weight_to_kg
from ketaclinic.clinical.vitals import RECHECK_MINUTES, is_early_recheck
from ketaclinic.clinical.vitals import Action as VitalAction
from ketaclinic.infusions.models import Check, Override, Session, VitalReading
from ketaclinic.infusions.services import InfusionRefused, may_chart, touch, transition
from ketaclinic.intake import queries as intake_queries
from ketaclinic.intake import services as intake_services
from ketaclinic.intake.models import QuestionnaireResponse
from ketaclinic.patients import services as patient_services
from ketaclinic.patients.models import BodyMeasurement, Escort
from ketaclinic.patients.text import parse_phone_parts
from ketaclinic.treatment import plans
from ketaclinic.treatment.maintenance import INSTRUMENT_OF

Key = Check.Key
Outcome = Check.Outcome

# A device clock a little ahead of the server's is not "in the future".
CLOCK_TOLERANCE = timedelta(minutes=1)
# Entries charted this long before check-in are refused as mistyped times.
BEFORE_CHECK_IN = timedelta(hours=12)

REPLAY_DIFFERS = (
    "This entry was already recorded with other values. Reload the page to see "
    "what was recorded."
)
WRONG_CREDENTIALS = (
    "That is not the password (or a current code of the authenticator app) of "
    "this person. Type it again."
)
PREGNANCY_RESULTS = {
    "negative": "Negative",
    "positive": "Positive",
    "not_done": "Not done",
}

# Holds a provider may override (everything but the dose and the double check).
OVERRIDABLE = frozenset(Key.values)


# --- Small shared rules of every entry -------------------------------------------


def client_id_of(value: Any) -> uuid.UUID:
    """The id the page made for an entry (a new one when none came)."""
    if value in (None, ""):
        return uuid.uuid4()
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InfusionRefused(
            "This entry carries a damaged id. Reload the page and enter it again."
        ) from None


def charted_time(
    value: datetime | None,
    *,
    now: datetime,
    not_before: datetime | None = None,
    before_words: str = "",
    field: str = "charted_at",
) -> datetime:
    """When the entry was charted (now by default): never in the future, never
    before `not_before`."""
    value = value or now
    if timezone.is_naive(value):
        raise InfusionRefused({field: "Give the time with its time zone."})
    if value > now + CLOCK_TOLERANCE:
        raise InfusionRefused(
            {field: "That time is in the future. Give the time it happened."}
        )
    if not_before is not None and value < not_before:
        raise InfusionRefused(
            {field: f"That time is before {before_words or 'the check-in'}."}
        )
    return value


def _same(stored: Any, given: Any) -> bool:
    if isinstance(stored, models.Model):
        stored = stored.pk
    if isinstance(given, models.Model):
        given = given.pk
    if isinstance(stored, Decimal) or isinstance(given, Decimal):
        try:
            return Decimal(str(stored)) == Decimal(str(given))
        except InvalidOperation:
            return False
    return stored == given


def replayed(model: type[models.Model], client_id: uuid.UUID, values: Mapping):
    """The entry already stored under `client_id` if its values are the same
    (a retried request), None when there is none; refused when they differ."""
    existing = model._default_manager.filter(client_id=client_id).first()
    if existing is None:
        return None
    for name, value in values.items():
        if not _same(getattr(existing, name), value):
            raise InfusionRefused(REPLAY_DIFFERS)
    return existing


def create_once(
    model: type[models.Model],
    client_id: uuid.UUID,
    values: Mapping,
    *,
    compare: Mapping | None = None,
):
    """Store an entry once under `client_id` (inside the caller's transaction):
    the same request sent again, or a parallel copy of it, answers with the
    stored entry (`compare`: the values a copy must repeat; all by default)."""
    compare = values if compare is None else compare
    existing = replayed(model, client_id, compare)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return model._default_manager.create(client_id=client_id, **values)
    except IntegrityError:
        existing = replayed(model, client_id, compare)
        if existing is None:
            raise
        return existing


def _as_sent(values: Mapping, charted_at: datetime | None) -> dict:
    """What a repeated request repeats: its time only when the page gave one."""
    if charted_at is not None:
        return dict(values)
    return {name: value for name, value in values.items() if name != "charted_at"}


def witness_of(
    username: str, secret: str, *, actor_user: User, session: Session, field: str
) -> User:
    """A second licensed clinician (nurse or provider of the session's
    location, not the one charting) who re-entered their password or code."""
    username = (username or "").strip()
    if not username:
        raise InfusionRefused({field: "Give the second clinician's user name."})
    user = User.objects.filter(username__iexact=username).first()
    problem = (
        SecondPerson.NOT_LICENSED
        if user is None
        else second_person_problem(
            user,
            by=actor_user,
            perm=Perm.INFUSION_CHART,
            location_id=session.location_id,
            secret=secret,
        )
    )
    if problem is None and user is not None:
        return user
    if problem is SecondPerson.SAME:
        raise InfusionRefused(
            {field: "The second clinician must be someone else than you."}
        )
    if problem is SecondPerson.WRONG_SECRET:
        raise InfusionRefused({f"{field}_secret": WRONG_CREDENTIALS})
    raise InfusionRefused(
        {field: "Only a nurse or provider of this clinic can be the second."}
    )


def _locked(session: Session) -> Session:
    return Session.objects.select_for_update().get(pk=session.pk)


def _require_before_start(session: Session) -> None:
    if session.state not in (
        Session.State.CHECKED_IN,
        Session.State.HELD,
        Session.State.READY,
    ):
        raise InfusionRefused(
            "The pre-infusion checks are closed: the infusion is "
            f"{session.get_state_display().lower()}."
        )


# --- The checklist ---------------------------------------------------------------


class Status:
    PASSED = "passed"
    FAILED = "failed"
    NOT_NEEDED = "not_needed"
    TO_DO = "to_do"
    ACKNOWLEDGE = "acknowledge"


STATUS_WORDS = {
    Status.PASSED: "Passed",
    Status.FAILED: "Not passed",
    Status.NOT_NEEDED: "Not needed",
    Status.TO_DO: "To do",
    Status.ACKNOWLEDGE: "A provider's acknowledgement",
}


@dataclass
class Item:
    key: str
    label: str
    status: str
    words: str = ""
    since: datetime | None = None  # when the evidence judged here was recorded
    value: dict = field(default_factory=dict)
    decision: Override | None = None  # the provider's override or acknowledgement
    derived: bool = False  # judged from elsewhere, not typed on the checklist

    @property
    def status_words(self) -> str:
        if self.decision is not None:
            return f"{self.decision.get_decision_display()} by {self.decision.by}"
        return STATUS_WORDS[self.status]

    @property
    def holds(self) -> bool:
        return self.status == Status.FAILED and self.decision is None

    @property
    def needs_acknowledgement(self) -> bool:
        return self.status == Status.ACKNOWLEDGE and self.decision is None

    @property
    def clear(self) -> bool:
        return (
            self.status in (Status.PASSED, Status.NOT_NEEDED)
            or self.decision is not None
        )

    @property
    def tone(self) -> str:
        if self.clear:
            return "ok"
        if self.holds:
            return "danger"
        return "warn" if self.status == Status.ACKNOWLEDGE else "info"


@dataclass
class Checklist:
    items: list[Item]

    def item(self, key: str) -> Item:
        return next(item for item in self.items if item.key == key)

    @property
    def holds(self) -> list[Item]:
        return [item for item in self.items if item.holds]

    @property
    def to_acknowledge(self) -> list[Item]:
        return [item for item in self.items if item.needs_acknowledgement]

    @property
    def to_do(self) -> list[Item]:
        return [item for item in self.items if item.status == Status.TO_DO]

    @property
    def clear(self) -> bool:
        return all(item.clear for item in self.items)

    @property
    def hold_words(self) -> str:
        return " ".join(f"{item.label}: {item.words}" for item in self.holds)[:300]


def fasting_hours() -> tuple[int, int]:
    """Hours since solid food and since clear liquids the clinic asks for."""
    return (
        settings.KETACLINIC_FASTING_SOLIDS_HOURS,
        settings.KETACLINIC_FASTING_CLEAR_HOURS,
    )


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def pregnancy_test_needed(session: Session, today: date) -> bool:
    """The clinic's policy: a patient whose sex at birth is female, of
    child-bearing age, when the clinic tests (CLINICAL.md 1.4, 1.5)."""
    if not settings.KETACLINIC_PREGNANCY_TEST_REQUIRED:
        return False
    patient = session.patient
    if patient.sex_at_birth != "female":
        return False
    age = _age_on(patient.date_of_birth, today)
    return (
        settings.KETACLINIC_PREGNANCY_TEST_AGE_FROM
        <= age
        <= settings.KETACLINIC_PREGNANCY_TEST_AGE_TO
    )


def instrument_of(session: Session) -> scales.Instrument:
    """The questionnaire the plan's indication follows (PHQ-9 for depression)."""
    return INSTRUMENT_OF.get(session.plan.protocol.indication, scales.PHQ9)


def start_of_day(session: Session, now: datetime) -> datetime:
    zone = session.location.zone
    local = timezone.localtime(now, zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _latest_checks(session: Session) -> dict[str, Check]:
    latest: dict[str, Check] = {}
    for check in Check.objects.filter(session=session).order_by("received_at", "id"):
        latest[check.key] = check
    return latest


def _typed_item(key: str, check: Check | None, to_do: str) -> Item:
    label = Key(key).label
    if check is None:
        return Item(key, label, Status.TO_DO, to_do)
    status = {
        Outcome.PASSED: Status.PASSED,
        Outcome.FAILED: Status.FAILED,
        Outcome.NOT_NEEDED: Status.NOT_NEEDED,
    }[Outcome(check.outcome)]
    return Item(
        key, label, status, check.words, since=check.received_at, value=check.value
    )


def _weight_item(session: Session, now: datetime) -> Item:
    label = Key.WEIGHT.label
    measurement = (
        BodyMeasurement.objects.filter(patient=session.patient, active=True)
        .order_by("-measured_at", "-id")
        .first()
    )
    window = timedelta(hours=session.plan.weight_max_age_hours)
    if measurement is None:
        return Item(Key.WEIGHT, label, Status.TO_DO, "Weigh the patient.", derived=True)
    kg = measurement.weight_kg
    if measurement.measured_at > now + CLOCK_TOLERANCE:
        return Item(
            Key.WEIGHT,
            label,
            Status.TO_DO,
            "The last weight is dated later than now: weigh the patient.",
            derived=True,
        )
    if now - measurement.measured_at > window:
        return Item(
            Key.WEIGHT,
            label,
            Status.TO_DO,
            f"The last weight ({kg.normalize():f} kg) is older than the plan's "
            f"{session.plan.weight_max_age_hours} hours: weigh the patient again.",
            since=measurement.recorded_at,
            derived=True,
        )
    local = timezone.localtime(measurement.measured_at, session.location.zone)
    return Item(
        Key.WEIGHT,
        label,
        Status.PASSED,
        f"{kg.quantize(Decimal('0.1')):f} kg, weighed at {local:%H:%M}.",
        since=measurement.recorded_at,
        value={"kg": str(kg), "measurement": measurement.pk},
        derived=True,
    )


def latest_baseline(session: Session) -> VitalReading | None:
    return (
        VitalReading.objects.filter(
            session=session,
            phase=VitalReading.Phase.BASELINE,
            corrected_by__isnull=True,
        )
        .order_by("-charted_at", "-id")
        .first()
    )


def _vitals_item(session: Session) -> Item:
    label = Key.BASELINE_VITALS.label
    reading = latest_baseline(session)
    if reading is None:
        return Item(
            Key.BASELINE_VITALS,
            label,
            Status.TO_DO,
            "Take the baseline blood pressure, heart rate and oxygen saturation.",
            derived=True,
        )
    findings = " ".join(
        f"{finding.get('message', '')}." for finding in reading.findings
    ).strip()
    action = VitalAction(reading.action)
    value = {"reading": reading.pk, "action": reading.action}
    since = reading.received_at
    if action is VitalAction.RECHECK:
        early = is_early_recheck(reading.findings)
        then = "" if early else f" Re-check after {RECHECK_MINUTES} minutes' rest."
        return Item(
            Key.BASELINE_VITALS,
            label,
            Status.TO_DO,
            f"{findings}{then}".strip(),
            since=since,
            value=value,
            derived=True,
        )
    if action is VitalAction.ACKNOWLEDGE:
        return Item(
            Key.BASELINE_VITALS,
            label,
            Status.ACKNOWLEDGE,
            f"{findings} A provider acknowledges before the start.".strip(),
            since=since,
            value=value,
            derived=True,
        )
    if action.rank >= VitalAction.HOLD.rank:
        return Item(
            Key.BASELINE_VITALS,
            label,
            Status.FAILED,
            f"{findings} Held for a provider.".strip(),
            since=since,
            value=value,
            derived=True,
        )
    return Item(
        Key.BASELINE_VITALS,
        label,
        Status.PASSED,
        findings or "Within the plan's limits.",
        since=since,
        value=value,
        derived=True,
    )


def todays_response(session: Session, now: datetime) -> QuestionnaireResponse | None:
    return (
        QuestionnaireResponse.objects.filter(
            patient=session.patient,
            instrument=instrument_of(session).code,
            completed_at__gte=start_of_day(session, now),
        )
        .order_by("-completed_at", "-id")
        .first()
    )


def _questionnaire_item(session: Session, now: datetime) -> Item:
    label = Key.QUESTIONNAIRE.label
    instrument = instrument_of(session)
    response = todays_response(session, now)
    if response is None:
        return Item(
            Key.QUESTIONNAIRE,
            label,
            Status.TO_DO,
            f"The patient fills the {instrument.name} today.",
            derived=True,
        )
    value = {"response": str(response.uuid), "instrument": instrument.code}
    score = (
        f"{instrument.name} {response.total:f}"
        if response.total is not None
        else (instrument.name)
    )
    urgent = [
        scales.Flag(flag).message
        for flag in response.flags
        if flag in scales.Flag.__members__.values() and scales.Flag(flag).urgent
    ]
    if urgent:
        return Item(
            Key.QUESTIONNAIRE,
            label,
            Status.FAILED,
            f"{score}: a safety answer. {urgent[0]} A provider reviews before "
            "the infusion.",
            since=response.completed_at,
            value=value,
            derived=True,
        )
    band = f" ({response.band})" if response.band else ""
    return Item(
        Key.QUESTIONNAIRE,
        label,
        Status.PASSED,
        f"{score}{band}, no safety answer.",
        since=response.completed_at,
        value=value,
        derived=True,
    )


def _consents_item(session: Session) -> Item:
    label = Key.CONSENTS.label
    missing = intake_queries.consents_missing(session.patient)
    if missing:
        names = ", ".join(version.document.title for version in missing)
        return Item(
            Key.CONSENTS,
            label,
            Status.FAILED,
            f"Not signed in their current version: {names}.",
            value={"missing": [version.pk for version in missing]},
            derived=True,
        )
    return Item(
        Key.CONSENTS,
        label,
        Status.PASSED,
        "Every required consent is signed in its current version.",
        derived=True,
    )


def checklist(session: Session, *, now: datetime | None = None) -> Checklist:
    """Every item of the session's checklist as it stands at `now`, with the
    provider's decisions that cover them (a decision covers what was recorded
    before it, not a later entry)."""
    now = now or timezone.now()
    typed = _latest_checks(session)
    solids, clear = fasting_hours()
    items = [
        _typed_item(Key.ESCORT, typed.get(Key.ESCORT), "Name the escort."),
        _typed_item(
            Key.FASTING_SOLIDS,
            typed.get(Key.FASTING_SOLIDS),
            f"Ask when the patient last ate (at least {solids} hours).",
        ),
        _typed_item(
            Key.FASTING_CLEAR,
            typed.get(Key.FASTING_CLEAR),
            f"Ask when the patient last drank (at least {clear} hours).",
        ),
    ]
    today = timezone.localtime(now, session.location.zone).date()
    if pregnancy_test_needed(session, today):
        items.append(
            _typed_item(
                Key.PREGNANCY, typed.get(Key.PREGNANCY), "Record the test's result."
            )
        )
    else:
        items.append(
            Item(
                Key.PREGNANCY,
                Key.PREGNANCY.label,
                Status.NOT_NEEDED,
                "Not asked for this patient by the clinic's policy.",
                derived=True,
            )
        )
    items += [
        _weight_item(session, now),
        _vitals_item(session),
        _questionnaire_item(session, now),
        _consents_item(session),
    ]
    decisions = list(
        Override.objects.filter(session=session)
        .exclude(decision=Override.Decision.CANCEL)
        .select_related("by")
        .order_by("received_at", "id")
    )
    for item in items:
        if item.status not in (Status.FAILED, Status.ACKNOWLEDGE):
            continue
        wanted = (
            Override.Decision.ACKNOWLEDGE
            if item.status == Status.ACKNOWLEDGE
            else Override.Decision.OVERRIDE
        )
        for decision in decisions:
            if decision.about != item.key or decision.decision != wanted:
                continue
            if item.since is None or decision.received_at >= item.since:
                item.decision = decision
    return Checklist(items)


# --- Moving the session ----------------------------------------------------------


def _keep_derived(session: Session, items: list[Item], user: User, now: datetime):
    """Keep a Check entry of each item judged from elsewhere when its outcome
    changed since the last one kept."""
    latest = _latest_checks(session)
    for item in items:
        if not item.derived or item.status == Status.TO_DO:
            continue
        outcome = (
            Outcome.PASSED
            if item.status in (Status.PASSED, Status.ACKNOWLEDGE)
            else Outcome.NOT_NEEDED
            if item.status == Status.NOT_NEEDED
            else Outcome.FAILED
        )
        kept = latest.get(item.key)
        if kept is not None and kept.outcome == outcome and kept.words == item.words:
            continue
        Check.objects.create(
            session=session,
            key=item.key,
            outcome=outcome,
            value=item.value,
            words=item.words[:300],
            charted_at=now,
            by=user,
        )


def evaluate(session: Session, *, actor: Actor, now: datetime | None = None):
    """After any entry before the start (inside the caller's transaction):
    work the dose out again from today's weight, and hold the infusion, clear
    the hold, or make it ready to start. Returns the checklist."""
    from ketaclinic.infusions import administration

    now = now or timezone.now()
    if session.state not in (
        Session.State.CHECKED_IN,
        Session.State.HELD,
        Session.State.READY,
    ):
        return checklist(session, now=now)
    administration.dose_update(session, now=now)
    found = checklist(session, now=now)
    if actor.user is not None:
        _keep_derived(session, found.items, actor.user, now)
    double_checked = administration.double_check_current(session)
    if found.holds:
        target, reason = Session.State.HELD, found.hold_words
    elif found.clear and session.dose_mg is not None and double_checked:
        target, reason = Session.State.READY, ""
    elif session.state == Session.State.READY:
        missing = [item.label for item in found.items if not item.clear]
        if session.dose_mg is None:
            missing.append("today's dose")
        if not double_checked:
            missing.append("the pump's double check")
        target = Session.State.HELD
        reason = ("Missing since it was ready: " + ", ".join(missing) + ".")[:300]
    else:
        target, reason = Session.State.CHECKED_IN, ""
    if target != session.state:
        transition(session, target, actor=actor, reason=reason)
    elif reason != session.state_reason:
        session.state_reason = reason
        session.save(update_fields=["state_reason", "updated_at"])
    return found


# --- What the nurse records ------------------------------------------------------


def escort_prefill(session: Session) -> dict[str, str]:
    """The escort the patient named when confirming the reminder, else the
    chart's active escort."""
    answers = session.appointment.answers
    if not isinstance(answers, dict):
        answers = {}
    name = str(answers.get("escort_name", "") or "").strip()
    phone = str(answers.get("escort_phone", "") or "").strip()
    relation = str(answers.get("escort_relation", "") or "").strip()
    chart = Escort.objects.filter(patient=session.patient, active=True).first()
    if not name and chart is not None:
        return {"name": chart.name, "relation": chart.relation, "phone": chart.phone}
    if chart is not None and chart.name.strip().lower() == name.lower():
        relation = relation or chart.relation
        phone = phone or chart.phone
    return {"name": name, "relation": relation, "phone": phone}


def _record_check(
    session: Session,
    *,
    actor: Actor,
    key: str,
    outcome: str,
    words: str,
    value: dict,
    client_id: uuid.UUID,
    charted_at: datetime,
    sent_at: datetime | None,
) -> Check:
    values = {
        "session": session,
        "key": key,
        "outcome": outcome,
        "value": value,
        "words": words[:300],
        "charted_at": charted_at,
        "by": actor.user,
    }
    return create_once(Check, client_id, values, compare=_as_sent(values, sent_at))


def _chart(
    session: Session, actor: Actor, now: datetime | None, charted_at, client_id
) -> tuple[Session, datetime, datetime, uuid.UUID]:
    """The common start of a checklist entry (inside the transaction)."""
    may_chart(actor)
    now = now or timezone.now()
    session = _locked(session)
    _require_before_start(session)
    when = charted_time(
        charted_at, now=now, not_before=session.checked_in_at - BEFORE_CHECK_IN
    )
    return session, now, when, client_id_of(client_id)


def escort_record(
    *,
    actor: Actor,
    session: Session,
    name: str,
    relation: str,
    phone: str,
    none_today: bool = False,
    client_id: Any = None,
    charted_at: datetime | None = None,
    now: datetime | None = None,
) -> Check:
    """The adult who takes the patient home (CLINICAL.md 1.5: no escort, no
    infusion), kept on the session and as a check."""
    name, relation, phone = (
        (name or "").strip(),
        (relation or "").strip(),
        (phone or "").strip(),
    )
    with transaction.atomic():
        session, now, when, cid = _chart(session, actor, now, charted_at, client_id)
        if none_today:
            outcome, words = (
                Outcome.FAILED,
                "No escort today: the infusion cannot go ahead.",
            )
        else:
            errors: dict[str | None, str] = {}
            if not name:
                errors["escort_name"] = "Give the escort's name."
            if not phone:
                errors["escort_phone"] = "Give the escort's phone number."
            elif (parts := parse_phone_parts(phone)) is None:
                errors["escort_phone"] = (
                    "Type a phone number with its area code, for example "
                    "(303) 555-0142."
                )
            else:
                phone = parts[0] + (f" ext. {parts[1]}" if parts[1] else "")
            if len(name) > 120:
                errors["escort_name"] = "At most 120 characters."
            if len(relation) > 60:
                errors["escort_relation"] = "At most 60 characters."
            if len(phone) > 40:
                errors["escort_phone"] = "At most 40 characters."
            if errors:
                raise InfusionRefused(errors)
            outcome = Outcome.PASSED
            words = f"{name}" + (f" ({relation})" if relation else "") + f", {phone}."
        check = _record_check(
            session,
            actor=actor,
            key=Key.ESCORT,
            outcome=outcome,
            words=words,
            value={"name": name, "relation": relation, "phone": phone},
            client_id=cid,
            charted_at=when,
            sent_at=charted_at,
        )
        if not none_today:
            session.escort_name, session.escort_relation = name, relation
            session.escort_phone = phone
            session.save(
                update_fields=[
                    "escort_name",
                    "escort_relation",
                    "escort_phone",
                    "updated_at",
                ]
            )
        touch(session)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=session.patient,
            obj=check,
            summary=f"Infusion check: escort ({check.get_outcome_display().lower()})",
        )
        evaluate(session, actor=actor, now=now)
    return check


def _hours(value: Any, field: str) -> Decimal:
    try:
        hours = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        raise InfusionRefused(
            {field: "Give a number of hours, for example 8."}
        ) from None
    if not hours.is_finite() or hours < 0:
        raise InfusionRefused({field: "Give a number of hours, 0 or more."})
    if hours > 168:
        raise InfusionRefused({field: "More than a week? Check the number of hours."})
    return hours


def fasting_record(
    *,
    actor: Actor,
    session: Session,
    solids_hours: Any,
    clear_hours: Any,
    client_id: Any = None,
    charted_at: datetime | None = None,
    now: datetime | None = None,
) -> tuple[Check, Check]:
    """Hours since solid food and since clear liquids, against the clinic's
    6 and 2 hours (CLINICAL.md 1.5; KETACLINIC_FASTING_*_HOURS)."""
    errors: dict[str | None, str] = {}
    parsed = {}
    for field_name, value in (
        ("solids_hours", solids_hours),
        ("clear_hours", clear_hours),
    ):
        try:
            parsed[field_name] = _hours(value, field_name)
        except InfusionRefused as refused:
            errors.update(refused.errors)
    if errors:
        raise InfusionRefused(errors)
    solids_needed, clear_needed = fasting_hours()
    with transaction.atomic():
        session, now, when, cid = _chart(session, actor, now, charted_at, client_id)
        checks = []
        second = uuid.uuid5(cid, "clear")
        for key, hours, needed, what, entry_id in (
            (
                Key.FASTING_SOLIDS,
                parsed["solids_hours"],
                solids_needed,
                "solid food",
                cid,
            ),
            (
                Key.FASTING_CLEAR,
                parsed["clear_hours"],
                clear_needed,
                "clear liquids",
                second,
            ),
        ):
            ok = hours >= needed
            words = (
                f"{hours.normalize():f} hours since {what} (at least {needed} asked)."
                if ok
                else f"Only {hours.normalize():f} hours since {what}: the clinic "
                f"asks for at least {needed} hours."
            )
            checks.append(
                _record_check(
                    session,
                    actor=actor,
                    key=key,
                    outcome=Outcome.PASSED if ok else Outcome.FAILED,
                    words=words,
                    value={"hours": str(hours), "needed_hours": needed},
                    client_id=entry_id,
                    charted_at=when,
                    sent_at=charted_at,
                )
            )
        touch(session)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=session.patient,
            obj=checks[0],
            summary="Infusion check: fasting",
        )
        evaluate(session, actor=actor, now=now)
    return checks[0], checks[1]


def pregnancy_record(
    *,
    actor: Actor,
    session: Session,
    result: str,
    client_id: Any = None,
    charted_at: datetime | None = None,
    now: datetime | None = None,
) -> Check:
    """The pregnancy test's result: negative passes; positive or not done
    holds the infusion for a provider (CLINICAL.md 1.4)."""
    if result not in PREGNANCY_RESULTS:
        raise InfusionRefused({"result": "Choose negative, positive or not done."})
    with transaction.atomic():
        session, now, when, cid = _chart(session, actor, now, charted_at, client_id)
        words = {
            "negative": "Negative.",
            "positive": "Positive: pregnancy is a reason not to give ketamine.",
            "not_done": "The test was not done.",
        }[result]
        check = _record_check(
            session,
            actor=actor,
            key=Key.PREGNANCY,
            outcome=Outcome.PASSED if result == "negative" else Outcome.FAILED,
            words=words,
            value={"result": result},
            client_id=cid,
            charted_at=when,
            sent_at=charted_at,
        )
        touch(session)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=session.patient,
            obj=check,
            summary="Infusion check: pregnancy test",
        )
        evaluate(session, actor=actor, now=now)
    return check


def weight_record(
    *,
    actor: Actor,
    session: Session,
    weight: Any,
    unit: str,
    client_id: Any = None,
    charted_at: datetime | None = None,
    now: datetime | None = None,
) -> Check:
    """Today's weight: a new measurement on the chart, and the dose worked out
    again from it."""
    if unit not in (WeightUnit.KG, WeightUnit.LB):
        raise InfusionRefused({"unit": "Choose kg or lb."})
    try:
        entered = Decimal(str(weight).strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        raise InfusionRefused({"weight": "Give the weight as a number."}) from None
    if not entered.is_finite() or entered <= 0:
        raise InfusionRefused({"weight": "Give the weight as a number more than 0."})
    if entered.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InfusionRefused({"weight": "Give the weight to 0.01 at most."})
    kg = weight_to_kg(entered, WeightUnit(unit))
    problem = check_weight_kg(kg)
    if problem is not None:
        raise InfusionRefused({"weight": problem})
    with transaction.atomic():
        session, now, when, cid = _chart(session, actor, now, charted_at, client_id)
        existing = Check.objects.filter(client_id=cid).first()
        if existing is not None:
            if existing.session_id != session.pk or existing.value.get("entered") != (
                f"{entered.normalize():f} {unit}"
            ):
                raise InfusionRefused(REPLAY_DIFFERS)
            return existing
        measurement = BodyMeasurement(
            measured_at=when,
            weight_entered=entered,
            weight_unit=unit,
            weight_kg=kg.quantize(Decimal("0.001")),
        )
        patient_services.entry_save(
            actor=actor, patient=session.patient, entry=measurement, label="weight"
        )
        check = _record_check(
            session,
            actor=actor,
            key=Key.WEIGHT,
            outcome=Outcome.PASSED,
            words=f"{entered.normalize():f} {unit} weighed today.",
            value={
                "entered": f"{entered.normalize():f} {unit}",
                "kg": str(measurement.weight_kg),
                "measurement": measurement.pk,
            },
            client_id=cid,
            charted_at=when,
            sent_at=charted_at,
        )
        touch(session)
        evaluate(session, actor=actor, now=now)
    return check


def questionnaire_fill(
    *,
    actor: Actor,
    session: Session,
    answers: Mapping[str, Any],
    now: datetime | None = None,
) -> QuestionnaireResponse:
    """The pre-infusion questionnaire filled with the patient on the tablet,
    through the intake's questionnaire machinery (a safety answer raises its
    urgent task there, and holds the infusion here)."""
    may_chart(actor)
    instrument = instrument_of(session)
    parsed: dict[str, int | None] = {}
    for item in instrument.items:
        raw = answers.get(item.key)
        if raw in (None, ""):
            parsed[item.key] = None
            continue
        try:
            parsed[item.key] = int(str(raw))
        except ValueError:
            raise InfusionRefused({item.key: "Choose one of the answers."}) from None
    with transaction.atomic():
        session = _locked(session)
        _require_before_start(session)
        try:
            response, _ = intake_services.questionnaire_record(
                actor=actor,
                patient=session.patient,
                instrument=instrument.code,
                answers=parsed,
                source=QuestionnaireResponse.Source.STAFF,
            )
        except ValueError as problem:
            field_name = next(
                (item.key for item in instrument.items if item.key in str(problem)),
                None,
            )
            raise InfusionRefused({field_name: str(problem)}) from None
        touch(session)
        evaluate(session, actor=actor, now=now)
    return response


def hold_decide(
    *,
    actor: Actor,
    session: Session,
    about: str,
    decision: str,
    reason: str,
    secret: str,
    client_id: Any = None,
    now: datetime | None = None,
) -> Override:
    """A provider's decision on a hold (proceed anyway, with the reason), on a
    blood pressure in the acknowledgement band (acknowledge), or cancelling
    the infusion; signed by re-entering their password or code."""
    if actor.user is None or not can(actor.user, Perm.SIGN):
        raise InfusionRefused("Only a provider decides on a hold.")
    user = actor.user
    reason = (reason or "").strip()
    errors: dict[str | None, str] = {}
    if decision not in Override.Decision.values:
        errors["decision"] = "Choose what to do."
    if about not in OVERRIDABLE and decision != Override.Decision.CANCEL:
        errors["about"] = "Choose the check this decision is about."
    if not reason and decision != Override.Decision.ACKNOWLEDGE:
        errors["reason"] = "Say why."
    if len(reason) > 500:
        errors["reason"] = "At most 500 characters."
    if not credentials_match(user, secret or ""):
        errors["secret"] = plans.WRONG_SECRET
    if errors:
        raise InfusionRefused(errors)
    now = now or timezone.now()
    cid = client_id_of(client_id)
    with transaction.atomic():
        session = _locked(session)
        _require_before_start(session)
        found = checklist(session, now=now)
        about_words = "The infusion"
        if decision != Override.Decision.CANCEL:
            item = found.item(about)
            if decision == Override.Decision.OVERRIDE and not item.holds:
                raise InfusionRefused(
                    {"about": "This check does not hold the infusion."}
                )
            if (
                decision == Override.Decision.ACKNOWLEDGE
                and not item.needs_acknowledgement
            ):
                raise InfusionRefused(
                    {"about": "This check does not wait for an acknowledgement."}
                )
            about_words = f"{item.label}: {item.words}"
        entry = create_once(
            Override,
            cid,
            {
                "session": session,
                "about": about if decision != Override.Decision.CANCEL else "infusion",
                "about_words": about_words[:300],
                "decision": decision,
                "reason": reason,
                "charted_at": now,
                "by": user,
            },
            compare={"session": session, "about": about, "decision": decision},
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=session.patient,
            obj=entry,
            summary=f"Infusion hold: {entry.get_decision_display().lower()}",
        )
        if decision == Override.Decision.CANCEL:
            transition(
                session, Session.State.CANCELLED, actor=actor, reason=reason[:300]
            )
        else:
            touch(session)
            evaluate(session, actor=actor, now=now)
    return entry
