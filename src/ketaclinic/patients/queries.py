"""Reads of the chart that pages, APIs and exports share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db import connection
from django.db.models import F, Model, Q, QuerySet, TextField, Value
from django.db.models.fields.tuple_lookups import (
    Tuple,
    TupleGreaterThan,
    TupleLessThan,
)
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

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
    from ketaclinic.scheduling.models import Location

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


def _search_branches(user, text: str) -> list[QuerySet[Patient]]:
    """The patients a search finds, as querysets that never overlap (so that
    nothing needs de-duplicating), each one a plain indexed lookup: an OR of
    the name columns makes the planners scan every patient of the user's
    locations."""
    terms = SearchTerms.parse(text)
    qs = patients_for_user(user).order_by()
    if terms.empty:
        return []
    if terms.mrn:
        return [qs.filter(mrn=terms.mrn)]
    if terms.email:
        return [qs.filter(email=terms.email)]
    if terms.birth_date:
        return [qs.filter(date_of_birth=terms.birth_date)]
    if terms.phone:
        return [qs.filter(phone=terms.phone)]
    if terms.any_prefix:
        # One indexed range scan per column; each later branch leaves out what
        # an earlier one found.
        last = _prefix("last_name_key", terms.any_prefix)
        first = _prefix("first_name_key", terms.any_prefix)
        return [
            qs.filter(last),
            qs.filter(first).exclude(last),
            qs.filter(mrn=terms.token).exclude(last).exclude(first),
        ]
    condition = Q()
    if terms.last_prefix:
        condition &= _prefix("last_name_key", terms.last_prefix)
    if terms.first_prefix:
        condition &= _prefix("first_name_key", terms.first_prefix)
    return [qs.filter(condition)]


def patient_search(user, text: str) -> QuerySet[Patient]:
    """Every match of a search box entry, in list order (for pickers that
    show the first few; the patient list pages through `patient_page`)."""
    branches = _search_branches(user, text)
    if not branches:
        return Patient.objects.none()
    if len(branches) == 1:
        return branches[0].select_related("location").order_by(*LIST_ORDER)
    first, *rest = branches
    return first.union(*rest, all=True).order_by(*LIST_ORDER)


# The list's order, with the id last so that it is total: a page ends at a
# row, and the next page starts right after that row (keyset pagination).
LIST_ORDER = ("last_name_key", "first_name_key", "id")
COUNT_CAP = 1000


@dataclass(frozen=True)
class PatientPage:
    """One page of the patient list or of a search's matches.

    `count` is exact up to COUNT_CAP; past it, `more_than_cap` is true (the
    page reads "more than 1,000"): counting 20,000 matches costs more than
    showing 50 of them. `next_after` and `previous_before` are the cursors of
    the neighbouring pages (the uuid of the row to continue from), or None.
    """

    patients: list[Patient]
    count: int
    more_than_cap: bool
    next_after: str | None
    previous_before: str | None
    cap: int = COUNT_CAP

    @property
    def count_text(self) -> str:
        """ "12", "1,000", or "more than 1,000" past the cap."""
        if self.more_than_cap:
            return f"more than {self.cap:,}"
        return f"{self.count:,}"

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_after or self.previous_before)


def _cursor_key(user, cursor: str | None) -> tuple | None:
    """The list-order key of the row a cursor names (one of the user's
    patients), or None for a missing or unknown cursor: the first page."""
    if not cursor:
        return None
    try:
        return (
            patients_for_user(user).filter(uuid=cursor).values_list(*LIST_ORDER).first()
        )
    except (ValueError, ValidationError):
        return None


def _union_all_sql(querysets: list[QuerySet], *, tag: bool = False) -> tuple[str, list]:
    """UNION ALL of querysets that may each be ordered and sliced (which
    Django's union() refuses on SQLite): each becomes a derived table. With
    `tag`, a column `part` says which queryset a row came from."""
    parts, params = [], []
    for i, queryset in enumerate(querysets):
        sql, part_params = queryset.query.sql_with_params()
        extra = f", {i} AS part" if tag else ""
        # Django's own SQL with its parameters kept apart: nothing is
        # interpolated but aliases.
        parts.append(f"SELECT u{i}.*{extra} FROM ({sql}) AS u{i}")  # noqa: S608
        params.extend(part_params)
    return " UNION ALL ".join(parts), params


def _capped_count(branches: list[QuerySet[Patient]], cap: int) -> int:
    """How many rows the branches hold together, counting at most cap + 1 of
    each: one query, whatever the number of matches."""
    sql, params = _union_all_sql(
        [b.order_by().values("id")[: cap + 1] for b in branches]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS matches", params)  # noqa: S608
        return cursor.fetchone()[0]


def _page_rows(
    branches: list[QuerySet[Patient]], key: tuple | None, backwards: bool, limit: int
) -> list[Patient]:
    """Up to `limit` rows in list order after `key` (before it, nearest
    first, when going backwards). Each branch walks its index in list order
    from the key; with several branches, only their keys are read (from the
    indexes) and merged by the database, then the rows of the page by id."""
    order = [f"-{f}" for f in LIST_ORDER] if backwards else list(LIST_ORDER)
    if key is not None:
        lookup = TupleLessThan if backwards else TupleGreaterThan
        columns = Tuple(*(F(field) for field in LIST_ORDER))
        branches = [branch.filter(lookup(columns, key)) for branch in branches]
    if len(branches) == 1:
        return list(branches[0].select_related("location").order_by(*order)[:limit])
    sql, params = _union_all_sql(
        [b.order_by(*order).values_list(*LIST_ORDER)[:limit] for b in branches]
    )
    direction = "DESC" if backwards else "ASC"
    merged = f"{sql} ORDER BY 1 {direction}, 2 {direction}, 3 {direction} LIMIT %s"
    with connection.cursor() as cursor:
        cursor.execute(merged, [*params, limit])
        ids = [row[2] for row in cursor.fetchall()]
    by_id = Patient.objects.select_related("location").in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def patient_page(
    user,
    *,
    text: str = "",
    location: Location | None = None,
    after: str | None = None,
    before: str | None = None,
    size: int,
) -> PatientPage:
    """A page of a search's matches at the user's locations (`text`), or of
    the patients of one of the user's locations. Every page costs what the
    first does: a capped count, the page's keys, its rows (and the cursor's
    row when there is one)."""
    if text:
        branches = _search_branches(user, text)
    elif location is not None and location.pk in location_ids_of(user):
        branches = [Patient.objects.filter(location_id=location.pk).order_by()]
    else:
        branches = []
    if not branches:
        return PatientPage([], 0, False, None, None)
    backwards = bool(before) and not after
    key = _cursor_key(user, before if backwards else after)
    backwards = backwards and key is not None
    count = _capped_count(branches, COUNT_CAP)
    rows = _page_rows(branches, key, backwards, size + 1)
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    has_next = more if not backwards else True
    has_previous = more if backwards else key is not None
    return PatientPage(
        patients=rows,
        count=min(count, COUNT_CAP),
        more_than_cap=count > COUNT_CAP,
        next_after=str(rows[-1].uuid) if rows and has_next else None,
        previous_before=str(rows[0].uuid) if rows and has_previous else None,
    )


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
    height_cm: Decimal | None = None  # the latest active height, however old

    @property
    def active_allergies(self) -> list[Allergy]:
        """The allergies in force: what the banner shows wherever staff act."""
        return [allergy for allergy in self.allergies if allergy.active]

    @property
    def inactive_allergy_count(self) -> int:
        return len(self.allergies) - len(self.active_allergies)


# The columns every chart entry list shares (ChartEntry's).
_ENTRY_COLUMNS = ("id", "active", "recorded_at", "recorded_by_id", "patient_id")


def _own_fields(model: type[Model]) -> list:
    return [f for f in model._meta.concrete_fields if f.attname not in _ENTRY_COLUMNS]


def _from_text(field, text: str | None):
    """A model field's value from its text form (CAST(... AS text))."""
    if text is None:
        return None
    if field.get_internal_type() == "BooleanField":
        return text.lower() in ("1", "t", "true")
    value = field.to_python(text)
    if isinstance(value, datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def _sort_by_meta_ordering(model: type[Model], rows: list) -> list:
    for name in reversed(model._meta.ordering):
        attname = name.lstrip("-")
        rows.sort(
            key=lambda row: (getattr(row, attname) is None, getattr(row, attname)),
            reverse=name.startswith("-"),
        )
    return rows


def entry_lists(patient: Patient, models: tuple[type[Model], ...]) -> list[list]:
    """Several of the chart's entry lists (escorts, allergies, ...) in one
    query: the columns they share as they are, each model's own columns as
    text, turned back into values by their fields; each list in its model's
    order."""
    width = max(len(_own_fields(model)) for model in models)
    querysets = []
    for number, model in enumerate(models):
        own = [Cast(f.attname, TextField()) for f in _own_fields(model)]
        padding = [Value(None, output_field=TextField())] * (width - len(own))
        querysets.append(
            model._default_manager.filter(patient=patient)
            .order_by()
            .values_list(Value(number), *_ENTRY_COLUMNS, *own, *padding)
        )
    first, *rest = querysets
    lists: list[list] = [[] for _ in models]
    for number, *values in first.union(*rest, all=True):
        model = models[number]
        shared = dict(zip(_ENTRY_COLUMNS, values, strict=False))
        texts = values[len(_ENTRY_COLUMNS) :]
        for field, text in zip(_own_fields(model), texts, strict=False):
            shared[field.attname] = _from_text(field, text)
        row_values = [shared[f.attname] for f in model._meta.concrete_fields]
        lists[number].append(model.from_db(connection.alias, None, row_values))
    return [
        _sort_by_meta_ordering(model, rows)
        for model, rows in zip(models, lists, strict=True)
    ]


def _measurements_and_height(
    patient: Patient, count: int
) -> tuple[list[BodyMeasurement], Decimal | None]:
    """The latest weights and, in the same query, the latest active height
    (which may be older than those)."""
    mine = BodyMeasurement.objects.filter(patient=patient)
    sql, params = _union_all_sql(
        [
            mine.order_by("-measured_at", "-id")[:count],
            mine.filter(active=True, height_cm__isnull=False).order_by(
                "-measured_at", "-id"
            )[:1],
        ],
        tag=True,
    )
    rows = list(BodyMeasurement.objects.raw(f"{sql} ORDER BY part, 1", params))
    measurements = sorted(
        (row for row in rows if row.part == 0),
        key=lambda m: (m.measured_at, m.pk),
        reverse=True,
    )
    height = next((row.height_cm for row in rows if row.part == 1), None)
    return measurements, height


def chart_for(patient: Patient, *, clinical: bool, measurements: int = 10) -> Chart:
    """The chart's lists in two queries (a bounded count whatever the data):
    the entry lists together, then the latest weights with the latest height."""
    if not clinical:
        (escorts,) = entry_lists(patient, (Escort,))
        return Chart(patient, escorts, [], [], [], [])
    escorts, allergies, medications, conditions = entry_lists(
        patient, (Escort, Allergy, Medication, Condition)
    )
    weights, height = _measurements_and_height(patient, measurements)
    return Chart(
        patient=patient,
        escorts=escorts,
        allergies=allergies,
        medications=medications,
        conditions=conditions,
        measurements=weights,
        height_cm=height,
    )
