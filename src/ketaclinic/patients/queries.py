"""Reads of the chart that pages, APIs and exports share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from ketaclinic.accounts.locations import location_ids_of
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.audit.actor import Actor
from ketaclinic.audit.services import Action, audit_record
from ketaclinic.patients.models import (
    Allergy,
    BodyMeasurement,
    Condition,
    Escort,
    Medication,
    Patient,
)
from ketaclinic.patients.text import name_key, parse_phone, prefix_upper_bound

if TYPE_CHECKING:
    from ketaclinic.clinics.models import Location

MRN_RE = re.compile(r"^\d{6,12}$")
R = TypeVar("R", bound=Model)
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y")


def patients_for_user(user) -> QuerySet[Patient]:
    """Every patient of the locations this staff member works at."""
    return Patient.objects.filter(location_id__in=location_ids_of(user))


def _may(actor: Actor, perm: Perm) -> None:
    if actor.user is None or not can(actor.user, perm):
        raise PermissionDenied


def patient_for_actor(
    actor: Actor, patient_uuid, *, purpose: str, perm: Perm = Perm.PATIENT_VIEW
) -> Patient:
    """The one way into a chart: the role must allow `perm` and the patient be
    of a location the actor works at (one 404 for missing and forbidden alike,
    so that a URL reveals nothing); the view is written to the audit trail,
    with `purpose` saying what was opened."""
    _may(actor, perm)
    try:
        patient = (
            patients_for_user(actor.user)
            .select_related("location")
            .get(uuid=patient_uuid)
        )
    except (Patient.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such patient.") from None
    audit_record(
        actor=actor, action=Action.VIEW, patient=patient, obj=patient, summary=purpose
    )
    return patient


def record_for_actor(
    actor: Actor,
    queryset: QuerySet[R],
    *,
    purpose: str,
    perm: Perm = Perm.PATIENT_VIEW,
    location_field: str = "patient__location",
    **lookup: Any,
) -> R:
    """A record of a chart (a visit, an intake, a task), found only among the
    actor's locations before anything is read from it; audited like a chart."""
    _may(actor, perm)
    scope = {f"{location_field}__in": location_ids_of(actor.user)}
    try:
        record = queryset.filter(**scope).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("Not found.") from None
    patient = getattr(record, "patient", None)
    audit_record(
        actor=actor, action=Action.VIEW, patient=patient, obj=record, summary=purpose
    )
    return record


def patients_seen(actor: Actor, *, purpose: str, count: int | None = None) -> None:
    """A list or search that shows patients, audited once per page."""
    summary = purpose if count is None else f"{purpose} ({count} shown)"
    audit_record(actor=actor, action=Action.SEARCH, summary=summary)


def _parse_date(text: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class SearchTerms:
    """What a search box entry means: an MRN, a phone, a date, an email or names."""

    mrn: str = ""
    phone: str = ""
    birth_date: date | None = None
    email: str = ""
    last_prefix: str = ""
    first_prefix: str = ""
    any_prefix: str = ""
    token: str = ""  # a single word: a name prefix, or an MRN with letters

    @classmethod
    def parse(cls, text: str) -> SearchTerms:
        text = " ".join(text.split())[:100]
        if not text:
            return cls()
        if "@" in text:
            return cls(email=text.lower())
        if MRN_RE.match(text):
            return cls(mrn=text)
        birth_date = _parse_date(text)
        if birth_date is not None:
            return cls(birth_date=birth_date)
        digits = re.sub(r"\D", "", text)
        if len(digits) >= 7 and not re.search(r"[A-Za-z]", text):
            return cls(phone=parse_phone(text) or "+" + digits)
        if "," in text:
            last, _, first = text.partition(",")
            return cls(last_prefix=name_key(last), first_prefix=name_key(first))
        words = name_key(text).split(" ")
        if len(words) == 1:
            return cls(any_prefix=words[0], token=text.upper())
        return cls(first_prefix=words[0], last_prefix=" ".join(words[1:]))

    @property
    def empty(self) -> bool:
        return self == SearchTerms()


def _prefix(field: str, prefix: str) -> Q:
    # A range on a b-tree index: fast on SQLite and PostgreSQL alike.
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix_upper_bound(prefix)})


def patient_search(user, text: str) -> QuerySet[Patient]:
    terms = SearchTerms.parse(text)
    qs = patients_for_user(user).select_related("location")
    if terms.empty:
        return qs.none()
    if terms.mrn:
        return qs.filter(mrn=terms.mrn)
    if terms.email:
        return qs.filter(email=terms.email)
    if terms.birth_date:
        return qs.filter(date_of_birth=terms.birth_date)
    if terms.phone:
        return qs.filter(phone=terms.phone)
    if terms.any_prefix:
        # One indexed range scan per name column, combined: an OR of the three
        # makes the planners scan every patient of the user's locations.
        base = qs.select_related(None).order_by()
        return (
            base.filter(_prefix("last_name_key", terms.any_prefix))
            .union(
                base.filter(_prefix("first_name_key", terms.any_prefix)),
                base.filter(mrn=terms.token),
            )
            .order_by("last_name_key", "first_name_key", "id")
        )
    condition = Q()
    if terms.last_prefix:
        condition &= _prefix("last_name_key", terms.last_prefix)
    if terms.first_prefix:
        condition &= _prefix("first_name_key", terms.first_prefix)
    return qs.filter(condition)


@dataclass(frozen=True)
class Duplicates:
    """Possible duplicates of a new chart: those the actor may open, and the
    other locations where one exists (named, never the patient)."""

    here: list[Patient]
    elsewhere: list[Location]

    def __bool__(self) -> bool:
        return bool(self.here or self.elsewhere)


def possible_duplicates(
    actor: Actor,
    *,
    first_name: str,
    last_name: str,
    date_of_birth: date | None,
    phone: str,
    email: str,
    exclude_pk: int | None = None,
) -> Duplicates:
    """Patients with the same name and birth date, or the same phone or email.

    Searched across all locations: a duplicate chart is a safety problem
    wherever it lives. A match at a location the actor does not work at is
    told only by the location's name, so that its staff can be asked; the
    check is audited.
    """
    condition = Q()
    if date_of_birth is not None:
        condition |= Q(
            last_name_key=name_key(last_name),
            first_name_key=name_key(first_name),
            date_of_birth=date_of_birth,
        )
    if phone:
        condition |= Q(phone=phone)
    if email:
        condition |= Q(email=email.lower())
    if not condition:
        return Duplicates([], [])
    qs = Patient.objects.filter(condition).select_related("location")
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    mine = set(location_ids_of(actor.user))
    found = list(qs[:10])
    here = [patient for patient in found if patient.location_id in mine]
    elsewhere = list(
        {p.location_id: p.location for p in found if p.location_id not in mine}.values()
    )
    if found:
        audit_record(
            actor=actor,
            action=Action.SEARCH,
            summary=f"Duplicate check before a new chart: {len(here)} possible "
            f"at the user's locations, {len(elsewhere)} other location(s)",
        )
    return Duplicates(here, elsewhere)


@dataclass(frozen=True)
class Chart:
    patient: Patient
    escorts: list[Escort]
    allergies: list[Allergy]
    medications: list[Medication]
    conditions: list[Condition]
    measurements: list[BodyMeasurement]

    @property
    def active_allergies(self) -> list[Allergy]:
        """The allergies in force: what the banner shows wherever staff act."""
        return [allergy for allergy in self.allergies if allergy.active]

    @property
    def inactive_allergy_count(self) -> int:
        return len(self.allergies) - len(self.active_allergies)


def chart_for(patient: Patient, *, clinical: bool, measurements: int = 10) -> Chart:
    """The chart's lists in one query each (a bounded count whatever the data)."""
    escorts = list(Escort.objects.filter(patient=patient))
    if not clinical:
        return Chart(patient, escorts, [], [], [], [])
    return Chart(
        patient=patient,
        escorts=escorts,
        allergies=list(Allergy.objects.filter(patient=patient)),
        medications=list(Medication.objects.filter(patient=patient)),
        conditions=list(Condition.objects.filter(patient=patient)),
        measurements=list(
            BodyMeasurement.objects.filter(patient=patient)[:measurements]
        ),
    )


def latest_height_cm(patient: Patient, measurements: list[BodyMeasurement]):
    for measurement in measurements:
        if measurement.height_cm is not None and measurement.active:
            return measurement.height_cm
    older = (
        BodyMeasurement.objects.filter(
            patient=patient, active=True, height_cm__isnull=False
        )
        .values_list("height_cm", flat=True)
        .first()
    )
    return older


@dataclass(frozen=True)
class UrgentRisk:
    """The open urgent suicide-risk tasks of a patient, and the leads with a
    crisis answer that became this chart: the urgent banner shown wherever
    staff act on the patient (patients/_urgent_banner.html)."""

    tasks: list
    crisis_leads: list

    def __bool__(self) -> bool:
        return bool(self.tasks or self.crisis_leads)


def urgent_risk(patient: Patient) -> UrgentRisk:
    """One query; a second only when a task is open (its leads)."""
    tasks = list(patient.urgent_tasks.filter(done_at__isnull=True).order_by("pk"))
    if not tasks:
        return UrgentRisk([], [])
    leads = list(patient.inquiries.filter(crisis=True).order_by("created_at"))
    return UrgentRisk(tasks, leads)
