"""Recovery and discharge: from the pump's stop to the patient's release.

Recovery begins when the infusion stops (the session is "in recovery" with
`stopped_at`) and lasts at least the plan's recovery minutes, never fewer than
`clinical.recovery.RECOVERY_MINUTES_FLOOR`. The discharge score (modified PADSS
or modified Aldrete, `settings.KETACLINIC_DISCHARGE_SCALE`) is worked out by
`clinical.recovery` from the readings charted (before the infusion and the
latest in recovery) and the nurse's observations. The patient leaves only with
the escort named at check-in, whom the nurse has seen; leaving before the
minimum, below the score's threshold or with someone else needs a provider's
override (their password or code re-entered, the reason written), recorded as
`Override` rows. The written instructions go by email in the patient's
language when the patient is discharged, and print from their own page.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import MATRIX, Perm, can
from ketaclinic.accounts.services import credentials_match
from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.clinical import recovery
from ketaclinic.clinical.vitals import Reading, ReadingRefused
from ketaclinic.infusions import offline
from ketaclinic.infusions.models import Discharge, Override, Session, VitalReading
from ketaclinic.infusions.services import InfusionRefused, may_chart, transition
from ketaclinic.notifications import services as notifications
from ketaclinic.scheduling.models import Appointment
from ketaclinic.scheduling.services import BookingRefused, appointment_set_status

# --- What the instructions say (CLINICAL.md 3, "Instructions" and the clinic's
# patient page) -------------------------------------------------------------------

SOURCE_INSTRUCTIONS = (
    "CLINICAL.md 3: no driving, machinery or important decisions for 24 h; no "
    "alcohol or recreational drugs for 24 h; avoid opioids and benzodiazepines "
    "for 4 h after; suicidal thoughts -> 911 or the ER, and 988 "
    "(ketwell.com; nervanamedical.com/s/ketaminedischarge). Mild effects wear "
    "off within 2 h (the clinic's own patient page)."
)
NO_DRIVING_HOURS = 24
NO_ALCOHOL_HOURS = 24
AVOID_SEDATIVES_HOURS = 4
EFFECTS_WEAR_OFF_HOURS = 2
CRISIS_LINE = "988"
EMERGENCY_NUMBER = "911"

INSTRUCTIONS_EMAIL = "discharge_instructions"  # notifications/email/<this>*

NOT_IN_RECOVERY = (
    "The infusion has not stopped yet: the patient is discharged after recovery."
)
WRONG_SECRET = "".join(  # a message, not a password
    (
        "That is not the provider's password (or a current code of their ",
        "authenticator app). Type it again.",
    )
)


def scale() -> recovery.Scale:
    """The clinic's discharge score (settings.KETACLINIC_DISCHARGE_SCALE)."""
    return recovery.Scale(settings.KETACLINIC_DISCHARGE_SCALE)


def items(which: recovery.Scale | None = None) -> tuple[recovery.Item, ...]:
    which = which or scale()
    if which is recovery.Scale.ALDRETE:
        return recovery.ALDRETE_ITEMS
    return recovery.PADSS_ITEMS


def minimum_minutes(session: Session) -> int:
    return max(session.recovery_minutes, recovery.RECOVERY_MINUTES_FLOOR)


def earliest(session: Session) -> datetime | None:
    """When the recovery minimum is over (None before the pump stopped)."""
    if session.stopped_at is None:
        return None
    return session.stopped_at + timedelta(minutes=minimum_minutes(session))


def minutes_left(session: Session, now: datetime) -> int:
    """Whole minutes until the recovery minimum is over (rounded up; 0 after)."""
    end = earliest(session)
    if end is None or now >= end:
        return 0
    return -(-int((end - now).total_seconds()) // 60)


# --- The readings the score is worked out from -----------------------------------


def _reading(row: VitalReading) -> Reading:
    return Reading(
        systolic_mmhg=row.systolic_mmhg,
        diastolic_mmhg=row.diastolic_mmhg,
        heart_rate_bpm=row.heart_rate_bpm,
        spo2_pct=row.spo2_pct,
        resp_rate_per_min=row.resp_rate_per_min,
        moaas=row.moaas,
        dissociation=row.dissociation,
        symptoms=frozenset(row.symptoms or ()),
    )


def _standing(rows: list[VitalReading]) -> list[VitalReading]:
    """The readings that stand: those no later entry corrects."""
    corrected = {row.corrects_id for row in rows if row.corrects_id}
    return [row for row in rows if row.pk not in corrected]


@dataclass(frozen=True)
class ScoreInputs:
    baseline: VitalReading | None
    current: VitalReading | None


def score_inputs(session: Session, vitals: list[VitalReading] | None = None):
    """The latest reading before the infusion and the latest in recovery."""
    if vitals is None:
        vitals = list(VitalReading.objects.filter(session=session))
    rows = sorted(_standing(vitals), key=lambda row: (row.charted_at, row.pk))
    baseline = [r for r in rows if r.phase == VitalReading.Phase.BASELINE]
    current = [
        r
        for r in rows
        if r.phase == VitalReading.Phase.RECOVERY
        and (session.stopped_at is None or r.charted_at >= session.stopped_at)
    ]
    return ScoreInputs(
        baseline=baseline[-1] if baseline else None,
        current=current[-1] if current else None,
    )


def score(
    session: Session,
    observations: Mapping[str, int],
    vitals: list[VitalReading] | None = None,
) -> recovery.Score:
    """The clinic's discharge score from the readings and the observations,
    or InfusionRefused naming what is missing."""
    inputs = score_inputs(session, vitals)
    if inputs.baseline is None:
        raise InfusionRefused(
            "No vital signs were charted before the infusion: the score compares "
            "recovery with them."
        )
    if inputs.current is None:
        raise InfusionRefused(
            "Chart a set of vital signs in recovery first: the score is worked "
            "out from the latest one."
        )
    which = scale()
    baseline, current = _reading(inputs.baseline), _reading(inputs.current)
    try:
        if which is recovery.Scale.ALDRETE:
            return recovery.aldrete(observations, baseline=baseline, current=current)
        return recovery.padss(observations, baseline=baseline, current=current)
    except recovery.ScoreRefused as refused:
        raise InfusionRefused({refused.field: refused.message}) from None
    except ReadingRefused as refused:
        raise InfusionRefused(
            {None: f"A charted reading cannot be used: {refused.message}"}
        ) from None


def score_json(result: recovery.Score) -> dict:
    return {
        "scale": str(result.scale),
        "total": result.total,
        "maximum": result.maximum,
        "threshold": result.threshold,
        "passes": result.passes,
        "items": [list(item) for item in result.items],
        "words": result.words,
    }


# --- The escort ------------------------------------------------------------------


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def escort_words(session: Session) -> str:
    """Sam Lee, brother (303) 555-0111 — or '' when none was named."""
    if not session.escort_name:
        return ""
    words = session.escort_name
    if session.escort_relation:
        words += f", {session.escort_relation}"
    return words


@dataclass(frozen=True)
class Escort:
    name: str  # who takes the patient home, with the relation
    verified: bool  # the escort named at check-in, seen by the nurse
    problem: str  # why a provider must agree ('' when none is needed)


def _escort(
    session: Session, *, seen: bool, collected_by: str, relation: str
) -> Escort:
    named = session.escort_name.strip()
    collected_by = " ".join(collected_by.split())
    relation = " ".join(relation.split())
    if not collected_by or (named and _same_name(collected_by, named)):
        if not named:
            raise InfusionRefused(
                {
                    "collected_by": "No escort was named at check-in: write who "
                    "is taking the patient home."
                }
            )
        if not seen:
            raise InfusionRefused(
                {
                    "escort_seen": f"Tick that you have seen {escort_words(session)}, "
                    "or write who is taking the patient home instead."
                }
            )
        return Escort(name=escort_words(session), verified=True, problem="")
    if not relation:
        raise InfusionRefused(
            {"collected_relation": f"Say who {collected_by} is to the patient."}
        )
    problem = f"{collected_by} ({relation}) is not the escort named at check-in" + (
        f" ({escort_words(session)})." if named else " (none was named)."
    )
    return Escort(name=f"{collected_by}, {relation}", verified=False, problem=problem)


# --- Discharge -------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    about: str
    words: str


def needs(
    session: Session, *, at: datetime, result: recovery.Score, escort: Escort
) -> list[Need]:
    """What stands between the patient and the door, each needing a provider's
    override (clinical.recovery.readiness says it in plain words)."""
    assert session.stopped_at is not None
    ready = recovery.readiness(
        stopped_at=session.stopped_at,
        now=at,
        minimum_minutes=session.recovery_minutes,
        score=result,
        escort_verified=escort.verified,
    )
    flags = [
        ("recovery_minimum", at < ready.earliest),
        ("discharge_score", not result.passes),
        ("escort", not escort.verified),
    ]
    found = [about for about, flag in flags if flag]
    out = []
    for about, words in zip(found, ready.reasons, strict=True):
        out.append(Need(about, escort.problem if about == "escort" else words))
    return out


def providers_at(session: Session):
    """Who may override at the session's location."""
    return (
        User.objects.filter(
            is_active=True,
            role__in=[str(role) for role in MATRIX[Perm.SIGN]],
            locations=session.location_id,
        )
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


def _provider_agrees(
    session: Session, provider: User | None, secret: str, reason: str, needed: list
) -> User:
    errors: dict[str | None, str] = {
        None: "Not ready to leave. "
        + " ".join(need.words for need in needed)
        + " A provider's override, with the reason, is needed to discharge now."
    }
    if provider is None:
        errors["override_by"] = "Choose the provider who agrees."
    elif not (
        can(provider, Perm.SIGN)
        and provider.locations.filter(pk=session.location_id).exists()
    ):
        errors["override_by"] = "Only a provider of this location can agree."
    elif not credentials_match(provider, secret):
        errors["override_secret"] = WRONG_SECRET
    if not reason.strip():
        errors["override_reason"] = "Say why the patient may leave now."
    if len(errors) > 1:
        raise InfusionRefused(errors)
    assert provider is not None
    return provider


def discharge(
    *,
    actor: Actor,
    session: Session,
    observations: Mapping[str, int],
    escort_seen: bool,
    collected_by: str = "",
    collected_relation: str = "",
    override_by: User | None = None,
    override_secret: str = "",
    override_reason: str = "",
    client_id: uuid.UUID | None = None,
    charted_at: datetime | None = None,
    now: datetime | None = None,
) -> Discharge:
    """Release the patient to their escort, once; or refuse in plain words by
    field. Sending the same `client_id` again returns the discharge made."""
    user = may_chart(actor)
    now = now or timezone.now()
    charted_at = charted_at or now
    if charted_at > now + timedelta(minutes=2):
        raise InfusionRefused({"charted_at": "A discharge cannot be in the future."})
    if client_id is not None:
        done = Discharge.objects.filter(client_id=client_id).first()
        if done is not None:
            return done
    client_id = client_id or uuid.uuid4()
    try:
        with transaction.atomic():
            return _discharge(
                actor=actor,
                user=user,
                session=session,
                observations=observations,
                escort_seen=escort_seen,
                collected_by=collected_by,
                collected_relation=collected_relation,
                override_by=override_by,
                override_secret=override_secret,
                override_reason=override_reason,
                client_id=client_id,
                charted_at=charted_at,
                now=now,
            )
    except IntegrityError:
        # A discharge of the same session made at the same moment won.
        done = Discharge.objects.filter(session=session).select_related("by").first()
        if done is None:
            raise
        raise InfusionRefused(_already(done)) from None


def _already(done: Discharge) -> str:
    at = timezone.localtime(done.charted_at, done.session.location.zone)
    return f"Already discharged at {at:%H:%M} by {done.by} to {done.escort_name}."


def _discharge(
    *,
    actor: Actor,
    user: User,
    session: Session,
    observations: Mapping[str, int],
    escort_seen: bool,
    collected_by: str,
    collected_relation: str,
    override_by: User | None,
    override_secret: str,
    override_reason: str,
    client_id: uuid.UUID,
    charted_at: datetime,
    now: datetime,
) -> Discharge:
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("patient", "location", "appointment")
        .get(pk=session.pk)
    )
    done = Discharge.objects.filter(session=session).first()
    if done is not None:
        raise InfusionRefused(_already(done))
    if session.state != Session.State.RECOVERY or session.stopped_at is None:
        raise InfusionRefused(NOT_IN_RECOVERY)
    if charted_at < session.stopped_at:
        raise InfusionRefused(
            {"charted_at": "A discharge cannot be before the infusion stopped."}
        )
    errors: dict[str | None, str] = {}
    result = escort = None
    try:
        result = score(session, observations)
    except InfusionRefused as refused:
        errors.update(refused.errors)
    try:
        escort = _escort(
            session,
            seen=escort_seen,
            collected_by=collected_by,
            relation=collected_relation,
        )
    except InfusionRefused as refused:
        errors.update(refused.errors)
    if errors or result is None or escort is None:
        raise InfusionRefused(errors)
    needed = needs(session, at=charted_at, result=result, escort=escort)
    provider = None
    if needed:
        if override_by is None and can(user, Perm.SIGN):
            override_by = user
        provider = _provider_agrees(
            session, override_by, override_secret, override_reason, needed
        )
    for need in needed:
        assert provider is not None
        Override.objects.create(
            client_id=uuid.uuid5(client_id, need.about),
            charted_at=charted_at,
            by=provider,
            session=session,
            about=need.about,
            about_words=need.words[:300],
            decision=Override.Decision.OVERRIDE,
            reason=override_reason.strip()[:500],
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=session.patient,
            obj=session,
            summary=f"Discharge override by {provider}: {need.words}"[:200],
        )
    language = language_of(session.patient)
    sent = _instructions_email(session, language=language)
    record = Discharge.objects.create(
        client_id=client_id,
        charted_at=charted_at,
        by=user,
        session=session,
        scale=str(result.scale),
        score=score_json(result),
        escort_name=escort.name[:120],
        escort_verified=escort.verified,
        language=language,
        instructions_sent_at=now if sent else None,
    )
    session.discharged_at = charted_at
    session.save(update_fields=["discharged_at", "updated_at"])
    transition(
        session,
        Session.State.DISCHARGED,
        actor=actor,
        reason=f"Discharged to {escort.name}"[:300],
    )
    _appointment_completed(actor, session.appointment)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        patient=session.patient,
        obj=record,
        summary=f"Discharged to {escort.name}"[:200],
    )
    return record


def _appointment_completed(actor: Actor, appointment: Appointment) -> None:
    """The visit is over: checked in -> in progress -> completed."""
    path: dict[str, tuple[str, ...]] = {
        Appointment.Status.CHECKED_IN: (
            Appointment.Status.IN_PROGRESS,
            Appointment.Status.COMPLETED,
        ),
        Appointment.Status.IN_PROGRESS: (Appointment.Status.COMPLETED,),
    }
    steps = path.get(appointment.status, ())
    for status in steps:
        try:
            appointment_set_status(actor=actor, appointment=appointment, status=status)
        except BookingRefused as refused:
            raise InfusionRefused(str(refused)) from None
        appointment.status = status


# --- The written instructions ----------------------------------------------------


def language_of(patient) -> str:
    """English or Spanish (a patient with another language gets English)."""
    return "es" if patient.preferred_language == "es" else "en"


def instructions_context(session: Session) -> dict:
    location = session.location
    return {
        "patient_name": session.patient.first_name,
        "clinic": location.name,
        "clinic_phone": location.phone,
        "no_driving_hours": NO_DRIVING_HOURS,
        "no_alcohol_hours": NO_ALCOHOL_HOURS,
        "avoid_sedatives_hours": AVOID_SEDATIVES_HOURS,
        "wear_off_hours": EFFECTS_WEAR_OFF_HOURS,
        "crisis_line": CRISIS_LINE,
        "emergency": EMERGENCY_NUMBER,
    }


def _instructions_email(session: Session, *, language: str) -> bool:
    """Queue the instructions to the patient's email, in their language (inside
    the discharge's transaction); False when there is no email address."""
    patient = session.patient
    if not patient.email:
        return False
    with translation.override(language):
        notifications.email_queue(
            to=patient.email,
            template=INSTRUCTIONS_EMAIL,
            context=instructions_context(session),
            purpose=INSTRUCTIONS_EMAIL,
            dedupe_key=f"{INSTRUCTIONS_EMAIL}:{session.uuid}",
            appointment=session.appointment,
            location=session.location,
        )
    return True


# --- What the recovery part of the page shows ------------------------------------


def recovery_context(session: Session, vitals: list[VitalReading], now: datetime):
    which = scale()
    inputs = score_inputs(session, vitals)
    computed = recovery.COMPUTED_ITEMS[which]
    return {
        "scale_label": which.label,
        "threshold": recovery.DISCHARGE_THRESHOLD,
        "minimum_minutes": minimum_minutes(session),
        "earliest": earliest(session),
        "minutes_left": minutes_left(session, now),
        "baseline_reading": inputs.baseline,
        "recovery_reading": inputs.current,
        "computed_items": computed,
        "escort": escort_words(session),
    }


# --- From a tablet that lost its connection (infusions.offline) -------------------


@offline.recorder("discharge", "Discharge")
def discharge_offline(
    actor: Actor,
    session: Session,
    client_id: uuid.UUID,
    charted_at: datetime,
    values: Mapping[str, Any],
) -> tuple[Discharge, bool]:
    """A discharge charted while the tablet was offline: the same form and the
    same service as online. A provider's override is not queued (their
    password is never kept on a tablet): it is given with the connection back."""
    from ketaclinic.infusions.discharge_forms import DischargeForm

    if any(values.get(name) for name in ("override_secret", "override_reason")):
        raise InfusionRefused(
            {
                "override_secret": "A provider's agreement is given on the spot "
                "once the tablet is connected again, not queued."
            }
        )
    form = DischargeForm(data=dict(values), session=session)
    if not form.is_valid():
        field, problems = next(iter(form.errors.items()))
        raise InfusionRefused({field: " ".join(str(p) for p in problems)})
    existed = Discharge.objects.filter(client_id=client_id).exists()
    if not existed:
        done = Discharge.objects.filter(session=session).first()
        if done is not None:
            raise offline.Conflict(_already(done))
    data = form.cleaned_data
    record = discharge(
        actor=actor,
        session=session,
        observations=form.observations(),
        escort_seen=bool(data.get("escort_seen")),
        collected_by=data.get("collected_by") or "",
        collected_relation=data.get("collected_relation") or "",
        client_id=client_id,
        charted_at=charted_at,
    )
    return record, not existed
