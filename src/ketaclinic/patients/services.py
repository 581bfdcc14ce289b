"""Every change of a chart: inside one transaction, with its audit entry."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction

from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.patients.models import BodyMeasurement, Patient

MRN_DIGITS = 7


def luhn_check_digit(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def mrn_generate() -> str:
    """A random MRN with a Luhn check digit: typos are caught, order not leaked."""
    body = str(secrets.randbelow(9 * 10 ** (MRN_DIGITS - 1)) + 10 ** (MRN_DIGITS - 1))
    return body + luhn_check_digit(body)


def mrn_is_valid(mrn: str) -> bool:
    return mrn.isdigit() and len(mrn) > 1 and luhn_check_digit(mrn[:-1]) == mrn[-1]


def _changed_fields(instance, data: dict[str, Any]) -> list[str]:
    return [name for name, value in data.items() if getattr(instance, name) != value]


def patient_create(
    *,
    actor: Actor,
    **fields: Any,
) -> Patient:
    """Create a chart. Inside a caller's transaction, it is part of that action
    (e.g. a lead converted and its visits moved): all happen or none."""
    mrn = fields.pop("mrn", "") or ""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                patient = Patient(
                    **fields, mrn=mrn or mrn_generate(), created_by=actor.user
                )
                patient.save()
                audit_record(
                    actor=actor,
                    action=Action.CREATE,
                    patient=patient,
                    obj=patient,
                    summary="Chart created",
                )
                return patient
        except IntegrityError:
            if mrn:  # a chosen MRN taken meanwhile: the caller reports it
                raise
    raise RuntimeError("Could not find a free MRN after 5 attempts.")


def patient_update(*, actor: Actor, patient: Patient, **fields: Any) -> list[str]:
    changed = _changed_fields(patient, fields)
    if not changed:
        return []
    with transaction.atomic():
        for name in changed:
            setattr(patient, name, fields[name])
        patient.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            patient=patient,
            obj=patient,
            summary="Changed " + ", ".join(changed),
        )
    return changed


def entry_save(*, actor: Actor, patient: Patient, entry, label: str) -> None:
    """Add or change one entry of a chart list (escort, allergy, ...)."""
    creating = entry.pk is None
    with transaction.atomic():
        entry.patient = patient
        if creating:
            entry.recorded_by = actor.user
        entry.save()
        audit_record(
            actor=actor,
            action=Action.CREATE if creating else Action.UPDATE,
            patient=patient,
            obj=entry,
            summary=f"{'Added' if creating else 'Changed'} {label}: {entry}",
        )


def measurement_mark_in_error(*, actor: Actor, measurement: BodyMeasurement) -> None:
    """A weight is never edited: a wrong one is marked entered in error."""
    with transaction.atomic():
        measurement.active = False
        measurement.save(update_fields=["active"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            patient=measurement.patient,
            obj=measurement,
            summary=f"Marked entered in error: {measurement}",
        )
