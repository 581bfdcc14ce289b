"""The session note: drafted from what was charted, signed, co-signed, amended.

`draft` writes the note as plain text from the chart (checks, overrides, the
dose and its arithmetic, the double check, the drug drawn and wasted, the
pump's timeline with the dose delivered worked out by `clinical.dosing`, the
vital signs, side effects and medicines, the discharge score and whom the
patient left with). The nurse corrects it and signs (password or code
re-entered) once the patient is discharged; a provider co-signs. A signed note
is never changed: a correction is a new note that amends it and says why, and
the original stays readable.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.accounts.services import credentials_match
from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.clinical import dosing
from ketaclinic.clinical.recovery import RECOVERY_MINUTES_FLOOR
from ketaclinic.infusions import queries
from ketaclinic.infusions.models import (
    CoSignature,
    Discharge,
    DoubleCheck,
    PumpEvent,
    Session,
    SessionNote,
    VitalReading,
)
from ketaclinic.infusions.services import InfusionRefused, may_chart, touch

WRONG_SECRET = "".join(  # a message, not a password
    (
        "That is not your password (or a current code of your authenticator ",
        "app). Type it again to sign.",
    )
)
NOT_DISCHARGED = "The note is signed once the patient has been discharged."

# The vital signs summarised, with their units.
_VITALS = (
    ("systolic_mmhg", "Systolic blood pressure", "mmHg"),
    ("diastolic_mmhg", "Diastolic blood pressure", "mmHg"),
    ("heart_rate_bpm", "Heart rate", "beats/min"),
    ("spo2_pct", "Oxygen saturation", "%"),
    ("resp_rate_per_min", "Breathing rate", "breaths/min"),
    ("moaas", "Sedation (MOAA/S)", "of 5"),
    ("dissociation", "Dissociation (CADSS-6)", "of 24"),
)


def _n(value: Decimal | int | None, places: int = 1) -> str:
    """A number for reading (rounded for display only)."""
    if value is None:
        return "—"
    text = f"{Decimal(value):.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _standing(rows: list) -> list:
    corrected = {row.corrects_id for row in rows if row.corrects_id}
    return [row for row in rows if row.pk not in corrected]


def delivered(session: Session, events: list[PumpEvent]):
    """What the pump gave by its last event, worked out as the dose card and
    the waste owed work it out (`administration.delivery`: the bag's own
    concentration, so what stays in the bag is not counted as given), or None
    when the session has no bag or no timeline to work it out from."""
    from ketaclinic.infusions import administration

    standing = _standing(events)
    if not standing or not session.bag_volume_ml or not session.dose_mg:
        return None
    try:
        return administration.delivery(
            session, at=standing[-1].charted_at, rows=standing
        )
    except (dosing.DosingRefused, ValueError):
        return None


def draft(session: Session, *, chart: dict | None = None) -> str:
    """The note as plain text, from everything charted on the session."""
    chart = chart or queries.chart_of(session)
    zone = session.location.zone

    def at(moment) -> str:
        return f"{timezone.localtime(moment, zone):%H:%M}" if moment else "—"

    lines: list[str] = []
    add = lines.append
    patient = session.patient
    day = timezone.localtime(session.checked_in_at, zone)
    add(f"Ketamine infusion, {day:%A %B %-d, %Y}, {session.location.name}.")
    add(
        f"Patient: {patient.display_name}, MRN {patient.mrn}. Plan version "
        f"{session.plan.version}, {session.plan.protocol_name}."
    )
    add(f"Checked in at {at(session.checked_in_at)} by {session.checked_in_by}.")
    if session.escort_name:
        add(
            f"Escort named at check-in: {session.escort_name}"
            + (f" ({session.escort_relation})" if session.escort_relation else "")
            + "."
        )

    checks = _standing(chart["checks"])
    if checks:
        add("")
        add("Pre-infusion checks:")
        for check in checks:
            words = f": {check.words}" if check.words else ""
            add(
                f"- {check.get_key_display()}: {check.get_outcome_display().lower()}"
                f"{words} ({at(check.charted_at)}, {check.by})."
            )
    overrides = _standing(chart["overrides"])
    if overrides:
        add("")
        add("Provider decisions:")
        for override in overrides:
            add(
                f"- {override.about_words} — {override.get_decision_display().lower()}"
                f" by {override.by} at {at(override.charted_at)}: {override.reason}"
            )

    if session.dose_mg is not None:
        add("")
        add(
            f"Dose: {_n(session.dose_mg)} mg"
            + (
                f" for {_n(session.dosing_weight_kg)} kg dosing weight"
                if session.dosing_weight_kg
                else ""
            )
            + (
                f" (weighed {_n(session.weight_kg)} kg today)"
                if session.weight_kg
                else ""
            )
            + "."
        )
        if session.drug_volume_ml is not None:
            add(
                f"Drug volume {_n(session.drug_volume_ml, 2)} mL"
                + (
                    f" of {session.vial_mg_per_ml} mg/mL"
                    if session.vial_mg_per_ml
                    else ""
                )
                + (
                    f" in a {_n(session.bag_volume_ml)} mL bag"
                    if session.bag_volume_ml
                    else ""
                )
                + (
                    f", pump rate {_n(session.rate_ml_per_h)} mL/h"
                    if session.rate_ml_per_h
                    else ""
                )
                + (
                    f" over {session.planned_minutes} minutes"
                    if session.planned_minutes
                    else ""
                )
                + "."
            )
        for step in session.dose_arithmetic or []:
            add(f"  {step}")

    double_checks = list(
        DoubleCheck.objects.filter(session=session).select_related("by", "first_by")
    )
    for check in double_checks:
        add(
            f"Independent double check at {at(check.charted_at)}: {check.first_by} "
            f"({_n(check.first_rate_ml_per_h)} mL/h, {_n(check.first_volume_ml)} mL) "
            f"and {check.by} ({_n(check.second_rate_ml_per_h)} mL/h, "
            f"{_n(check.second_volume_ml)} mL): "
            + ("matched." if check.matched else "did not match.")
        )

    for draw in _standing(chart["draws"]):
        add(
            f"Drawn: {draw.product}, lot {draw.lot_number}, {draw.vial_mg_per_ml} "
            f"mg/mL, {_n(draw.volume_drawn_ml, 2)} mL = {_n(draw.mg_drawn)} mg, by "
            f"{draw.by}" + (f", witness {draw.witness}" if draw.witness else "") + "."
        )
        for waste in draw.wastes.all():
            add(
                f"Wasted: {_n(waste.mg_wasted)} mg at {at(waste.charted_at)} by "
                f"{waste.by}, witness {waste.witness}."
            )

    events = _standing(chart["pump_events"])
    if events:
        add("")
        add("Pump:")
        for event in events:
            rate = f" at {_n(event.rate_ml_per_h)} mL/h" if event.rate_ml_per_h else ""
            reason = f" ({event.reason})" if event.reason else ""
            kind = event.get_kind_display().lower()
            add(f"- {at(event.charted_at)} {kind}{rate}{reason}")
        given = delivered(session, chart["pump_events"])
        if given is not None:
            add(
                f"Delivered: {_n(given.delivered_mg)} mg ({_n(given.delivered_ml)} mL) "
                f"over {int(given.running.total_seconds() // 60)} minutes running"
                + (
                    f", {int(given.paused.total_seconds() // 60)} minutes paused"
                    if given.paused
                    else ""
                )
                + "."
            )

    vitals = _standing(chart["vitals"])
    if vitals:
        add("")
        add(f"Vital signs: {len(vitals)} sets charted.")
        for name, label, unit in _VITALS:
            values = [getattr(r, name) for r in vitals if getattr(r, name) is not None]
            if values:
                add(f"- {label}: lowest {min(values)}, highest {max(values)} {unit}.")
        for reading in vitals:
            for finding in reading.findings or []:
                message = finding.get("message") if isinstance(finding, dict) else None
                if message:
                    add(f"- {at(reading.charted_at)}: {message}")

    effects = _standing(chart["side_effects"])
    medicines = _standing(chart["medications"])
    if effects or medicines:
        add("")
        add("Side effects and medicines:")
        for effect in effects:
            notes = f": {effect.notes}" if effect.notes else ""
            add(
                f"- {at(effect.charted_at)} {effect.get_kind_display()} "
                f"({effect.get_severity_display().lower()}){notes}"
            )
        for medicine in medicines:
            order = f", ordered by {medicine.ordered_by}" if medicine.ordered_by else ""
            effect = f"; effect: {medicine.effect}" if medicine.effect else ""
            add(
                f"- {at(medicine.charted_at)} {medicine.drug} "
                f"{_n(medicine.dose_mg)} mg "
                f"{medicine.route} for {medicine.indication}, by {medicine.by}"
                f"{order}{effect}"
            )
    elif vitals or events:
        add("")
        add("No side effects charted; no as-needed medicines given.")

    record = Discharge.objects.filter(session=session).select_related("by").first()
    add("")
    if session.stopped_at:
        add(f"Infusion stopped at {at(session.stopped_at)}; recovery followed.")
    if record is not None:
        score = record.score or {}
        if score.get("words"):
            add(str(score["words"]))
        if session.stopped_at:
            lasted = int((record.charted_at - session.stopped_at).total_seconds() // 60)
            minimum = max(session.recovery_minutes, RECOVERY_MINUTES_FLOOR)
            add(f"Recovery lasted {lasted} minutes (at least {minimum} planned).")
        add(
            f"Discharged at {at(record.charted_at)} by {record.by} to "
            f"{record.escort_name}"
            + (
                " (the escort named at check-in, seen by the nurse)"
                if record.escort_verified
                else ""
            )
            + ". Written instructions given"
            + (" and emailed." if record.instructions_sent_at else ".")
        )
    else:
        add("Not discharged yet.")
    return "\n".join(lines)


# --- Signing ---------------------------------------------------------------------


def versions(session: Session) -> list[SessionNote]:
    """Every version of the note, oldest first, with who co-signed."""
    return list(
        SessionNote.objects.filter(session=session)
        .select_related("signed_by", "cosignature", "cosignature__by")
        .order_by("signed_at", "id")
    )


def current(session: Session) -> SessionNote | None:
    """The version in force: the one no later version amends."""
    return (
        SessionNote.objects.filter(session=session, amended_by__isnull=True)
        .select_related("signed_by")
        .order_by("-signed_at", "-id")
        .first()
    )


# A pump and a syringe leave this much unaccounted for (rounding to 0.1 mL of
# the weakest vial, 10 mg/mL: 1 mg; the ledger counts to the milligram).
WASTE_TOLERANCE_MG = Decimal("1")


def unwasted_mg(session: Session) -> Decimal:
    """Drug drawn for the session that was neither given (by the pump's
    timeline) nor recorded as wasted."""
    from ketaclinic.infusions import administration
    from ketaclinic.infusions.models import Waste

    drawn = administration.drawn_mg(session)
    if not drawn:
        return Decimal(0)
    wasted = sum(
        (
            waste.mg_wasted
            for waste in Waste.objects.filter(
                draw__session=session,
                draw__corrected_by__isnull=True,
                corrected_by__isnull=True,
            )
        ),
        Decimal(0),
    )
    given = administration.delivery(session)
    given_mg = given.delivered_mg if given is not None else Decimal(0)
    return max(drawn - given_mg - wasted, Decimal(0))


def note_sign(
    *,
    actor: Actor,
    session: Session,
    text: str,
    secret: str,
    amends: SessionNote | None = None,
    reason: str = "",
) -> SessionNote:
    """Sign the note (or a correction of `amends`, saying why); refused before
    the patient is discharged, with a wrong password or code, or when someone
    else signed meanwhile."""
    user = may_chart(actor)
    errors: dict[str | None, str] = {}
    text = text.strip()
    if not text:
        errors["text"] = "Write the note before signing it."
    if amends is not None and not reason.strip():
        errors["amendment_reason"] = "Say why the note is corrected."
    if not credentials_match(user, secret):
        errors["secret"] = WRONG_SECRET
    with transaction.atomic():
        session = Session.objects.select_for_update(of=("self",)).get(pk=session.pk)
        if session.state != Session.State.DISCHARGED:
            raise InfusionRefused({None: NOT_DISCHARGED, **errors})
        if amends is not None and amends.session_id != session.pk:
            raise InfusionRefused("That note belongs to another infusion.")
        latest = current(session)
        if amends is None and latest is not None:
            raise InfusionRefused(
                "The note is signed already: correct it with an amendment."
            )
        if amends is not None and (latest is None or latest.pk != amends.pk):
            raise InfusionRefused(
                "That version was corrected meanwhile: open the page again."
            )
        left = unwasted_mg(session)
        if left > WASTE_TOLERANCE_MG:
            errors[None] = (
                f"{left.normalize():f} mg of ketamine drawn for this infusion was "
                "neither given nor wasted: record its waste, before a witness, "
                "before signing the note."
            )
        if errors:
            raise InfusionRefused(errors)
        try:
            with transaction.atomic():
                note = SessionNote.objects.create(
                    session=session,
                    text=text,
                    signed_by=user,
                    amends=amends,
                    amendment_reason=reason.strip()[:500],
                )
        except IntegrityError:
            raise InfusionRefused(
                "That version was corrected meanwhile: open the page again."
            ) from None
        touch(session)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=session.patient,
            obj=note,
            summary="Session note amended" if amends else "Session note signed",
        )
        return note


def note_cosign(*, actor: Actor, note: SessionNote, secret: str) -> CoSignature:
    """A provider co-signs a signed version of the note, once."""
    user = actor.signer
    if not can(user, Perm.SIGN):
        raise PermissionError("Only a provider co-signs the session note.")
    if note.signed_by_id == user.pk:
        raise InfusionRefused("Another provider co-signs a note you signed.")
    if not credentials_match(user, secret):
        raise InfusionRefused({"secret": WRONG_SECRET})
    with transaction.atomic():
        session = Session.objects.select_for_update(of=("self",)).get(
            pk=note.session_id
        )
        if CoSignature.objects.filter(note=note).exists():
            raise InfusionRefused("This version is co-signed already.")
        if SessionNote.objects.filter(amends=note).exists():
            raise InfusionRefused(
                "This version was corrected: co-sign the newest version."
            )
        try:
            with transaction.atomic():
                signature = CoSignature.objects.create(note=note, by=user)
        except IntegrityError:
            raise InfusionRefused("This version is co-signed already.") from None
        touch(session)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=session.patient,
            obj=note,
            summary="Session note co-signed",
        )
        return signature


def vitals_of(session: Session) -> list[VitalReading]:
    return list(VitalReading.objects.filter(session=session))
