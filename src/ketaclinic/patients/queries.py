"""Reads of the chart that pages, APIs and exports share."""

from __future__ import annotations

import re
import uuid as uuid_module
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
from django.db.models import (
    Case,
    F,
    Model,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.fields.tuple_lookups import (
    Tuple,
    TupleGreaterThan,
    TupleLessThan,
)
from django.db.models.functions import Cast
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3

from ketaclinic.accounts.locations import location_ids_of, locations_of
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
from ketaclinic.patients.text import (
    format_phone,
    name_key,
    parse_phone,
    prefix_upper_bound,
)
from ketaclinic.prepared import prepared_objects, prepared_rows, prepared_sql

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


def _patient_by_uuid(value) -> QuerySet[Patient]:
    return Patient.objects.filter(uuid=value).select_related("location")


def patient_for_actor(
    actor: Actor, patient_uuid, *, purpose: str, perm: Perm = Perm.PATIENT_VIEW
) -> Patient:
    """The one way into a chart: the role must allow `perm` and the patient be
    of a location the actor works at (one 404 for missing and forbidden alike,
    so that a URL reveals nothing); the view is written to the audit trail,
    with `purpose` saying what was opened."""
    _may(actor, perm)
    try:
        wanted = (
            patient_uuid
            if isinstance(patient_uuid, uuid_module.UUID)
            else uuid_module.UUID(str(patient_uuid))
        )
    except ValueError:
        raise Http404("No such patient.") from None
    # Found by its uuid alone (a query built once), then kept only when it is
    # of one of the actor's locations.
    found = prepared_objects(("patient_by_uuid",), _patient_by_uuid, wanted)
    patient = found[0] if found else None
    if patient is None or patient.location_id not in location_ids_of(actor.user):
        raise Http404("No such patient.")
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


def _prefix(field: str, prefix: str, upper_bound: str) -> Q:
    # A range on a b-tree index: fast on SQLite and PostgreSQL alike.
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper_bound})


# The list's order, with the id last so that it is total: a page ends at a
# row, and the next page starts right after that row (keyset pagination).
LIST_ORDER = ("last_name_key", "first_name_key", "id")
FIRST_NAME_ORDER = ("first_name_key", "last_name_key", "id")
COUNT_CAP = 1000


@dataclass(frozen=True)
class Branch:
    """Part of a search's matches: a condition that no earlier branch's
    matches meet (so nothing needs de-duplicating), and the order of the
    index that finds them, per location, already sorted."""

    condition: Q
    order: tuple[str, str, str] = LIST_ORDER
    # Walked location by location (a name range, possibly thousands of rows);
    # an exact lookup (an MRN, a phone) finds its few rows in one go.
    per_location: bool = True


@dataclass(frozen=True)
class Search:
    """What a search box entry asks for: its kind, which shapes the queries,
    and its values, which fill them (so that each kind's queries are built
    once, `ketaclinic.prepared`)."""

    kind: str
    values: tuple = ()

    @classmethod
    def of(cls, text: str) -> Search | None:
        terms = SearchTerms.parse(text)
        if terms.empty:
            return None
        for kind in ("mrn", "email", "birth_date", "phone"):
            if getattr(terms, kind):
                return cls(kind, (getattr(terms, kind),))
        if terms.any_prefix:
            word = terms.any_prefix
            return cls("word", (word, prefix_upper_bound(word), terms.token))
        kind = "names"
        values: tuple[str, ...] = ()
        for part in ("last", "first"):
            prefix = getattr(terms, f"{part}_prefix")
            if prefix:
                kind += f" {part}"
                values += (prefix, prefix_upper_bound(prefix))
        return cls(kind, values)

    def branches(self) -> list[Branch]:
        """What the entry finds, branch by branch: one plain indexed lookup
        each (an OR of the name columns makes the planners scan every
        patient). A single word finds last names first, then first names,
        then an MRN with letters."""
        return _branches(self.kind, *self.values)


EVERY_PATIENT = Search("every patient")


def _branches(kind: str, *values: Any) -> list[Branch]:
    if kind == EVERY_PATIENT.kind:
        return [Branch(Q())]
    if kind in ("mrn", "email", "birth_date", "phone"):
        field = "date_of_birth" if kind == "birth_date" else kind
        return [Branch(Q(**{field: values[0]}), per_location=False)]
    if kind == "word":
        prefix, upper_bound, token = values
        last = _prefix("last_name_key", prefix, upper_bound)
        first = _prefix("first_name_key", prefix, upper_bound)
        return [
            Branch(last),
            Branch(first & ~last, FIRST_NAME_ORDER),
            Branch(Q(mrn=token) & ~last & ~first, per_location=False),
        ]
    condition = Q()
    rest = list(values)
    for part in kind.split()[1:]:
        prefix, upper_bound, *rest = rest
        condition &= _prefix(f"{part}_name_key", prefix, upper_bound)
    return [Branch(condition)]


def search_branches(text: str) -> list[Branch]:
    """What a search box entry finds, branch by branch (Search.branches)."""
    search = Search.of(text)
    return search.branches() if search else []


def patient_search(user, text: str) -> QuerySet[Patient]:
    """Every match of a search box entry at the user's locations, in list
    order (for pickers that show the first few; the patient list pages
    through `patient_page`)."""
    branches = search_branches(text)
    if not branches:
        return Patient.objects.none()
    condition = Q()
    for branch in branches:
        condition |= branch.condition
    if len(branches) == 1:
        return (
            patients_for_user(user)
            .filter(condition)
            .select_related("location")
            .order_by(*LIST_ORDER)
        )
    # Each branch on its own index, combined without de-duplicating rows.
    first, *rest = [
        patients_for_user(user).filter(b.condition).order_by() for b in branches
    ]
    return first.union(*rest, all=True).order_by(*LIST_ORDER)


# The columns of a row of the patient list.
ROW_FIELDS = (
    "uuid",
    "last_name",
    "first_name",
    "preferred_name",
    "date_of_birth",
    "mrn",
    "phone",
    "location_id",
)
# Stands for the location of a walk in the query built once for every
# location (no location has a negative id).
_ANY_LOCATION = -(2**62) + 7919
# Stands for a patient's uuid in the chart's URL, reversed once per page.
_URL_PLACEHOLDER = uuid_module.UUID(int=0)


@dataclass(frozen=True, slots=True)
class PatientRow:
    """A patient as the list shows them: each column's words, ready to show
    (a page of 50 rows is written without a model, a URL lookup or a phone
    parse per row in the template)."""

    uuid: uuid_module.UUID
    last_name: str
    first_name: str
    name: str  # "Last, First"
    preferred_name: str
    born: str  # "Jan 2, 1990"
    mrn: str
    phone: str  # (303) 555-0142
    location: str
    chart_url: str


def _born(day: date | None) -> str:
    """A date as the date filter writes "M j, Y": Jan 2, 1990."""
    if day is None:
        return ""
    return f"{MONTHS_3[day.month].title()} {day.day}, {day.year:04d}"


def patient_rows(
    values: list[dict], location_names: dict[int, str]
) -> list[PatientRow]:
    """Rows of the list from their ROW_FIELDS values."""
    chart_url = reverse("patients:chart", args=[_URL_PLACEHOLDER])
    placeholder = str(_URL_PLACEHOLDER)
    return [
        PatientRow(
            uuid=row["uuid"],
            last_name=row["last_name"],
            first_name=row["first_name"],
            name=f"{row['last_name']}, {row['first_name']}",
            preferred_name=row["preferred_name"],
            born=_born(row["date_of_birth"]),
            mrn=row["mrn"],
            phone=format_phone(row["phone"] or ""),
            location=location_names.get(row["location_id"], ""),
            chart_url=chart_url.replace(placeholder, str(row["uuid"])),
        )
        for row in values
    ]


@dataclass(frozen=True)
class PatientPage:
    """One page of the patient list or of a search's matches.

    `count` is exact up to COUNT_CAP; past it, `more_than_cap` is true (the
    page reads "more than 1,000"): counting 20,000 matches costs more than
    showing 50 of them. `next_after` and `previous_before` are the cursors of
    the neighbouring pages (the uuid of the row to continue from), or None.
    """

    patients: list[PatientRow]
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


@dataclass(frozen=True)
class Cursor:
    branch: int
    key: tuple  # in the branch's order


def _cursor(search: Search, location_ids: list[int], uuid: str | None) -> Cursor | None:
    """Where the row a cursor names (a patient of `location_ids`) stands: its
    branch and its key; None for a missing or unknown cursor, or a row that
    no longer matches (then the page is the first)."""
    if not uuid:
        return None
    try:
        wanted = uuid_module.UUID(str(uuid))
    except ValueError:
        return None

    def build(*values: Any) -> QuerySet:
        *search_values, wanted = values
        places = search_values[len(search.values) :]
        branches = _branches(search.kind, *search_values[: len(search.values)])
        rows = Patient.objects.filter(location_id__in=places, uuid=wanted)
        if len(branches) == 1:
            rows = rows.filter(branches[0].condition).annotate(branch=Value(0))
        else:
            rows = rows.annotate(
                branch=Case(
                    *(When(b.condition, then=Value(i)) for i, b in enumerate(branches)),
                    default=Value(-1),
                )
            )
        return rows.order_by().values_list("branch", *LIST_ORDER)[:1]

    found = prepared_rows(
        ("search cursor", search.kind, len(location_ids)),
        build,
        *search.values,
        *location_ids,
        wanted,
    )
    if not found or found[0][0] < 0:
        return None
    number, *key = found[0]
    branch = search.branches()[number]
    row = dict(zip(LIST_ORDER, key, strict=True))
    return Cursor(number, tuple(row[field] for field in branch.order))


def _union_all_sql(querysets: list[QuerySet], *, tag: bool = False) -> tuple[str, list]:
    """UNION ALL of querysets that may each be ordered and sliced (which
    Django's union() refuses on SQLite): each becomes a derived table. With
    `tag`, a column `part` says which queryset a row came from."""
    parts: list[str] = []
    params: list[Any] = []
    for i, queryset in enumerate(querysets):
        sql, part_params = queryset.query.sql_with_params()
        extra = f", {i} AS part" if tag else ""
        # Django's own SQL with its parameters kept apart: nothing is
        # interpolated but aliases.
        parts.append(f"SELECT u{i}.*{extra} FROM ({sql}) AS u{i}")  # noqa: S608
        params.extend(part_params)
    return " UNION ALL ".join(parts), params


def _capped_count(search: Search, location_ids: list[int], cap: int) -> int:
    """How many patients the search finds together, counting at most cap + 1
    of each branch: one query, whatever the number of matches."""

    def build(*values: Any) -> tuple[str, list]:
        places = values[len(search.values) :]
        scope = Patient.objects.filter(location_id__in=places).order_by()
        sql, params = _union_all_sql(
            [
                scope.filter(b.condition).values("id")[: cap + 1]
                for b in _branches(search.kind, *values[: len(search.values)])
            ]
        )
        return f"SELECT COUNT(*) FROM ({sql}) AS matches", params  # noqa: S608

    sql, params = prepared_sql(
        ("search count", search.kind, len(location_ids), cap),
        build,
        *search.values,
        *location_ids,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _walked(
    branches: list[Branch], at: int | None, backwards: bool
) -> list[tuple[int, Branch]]:
    """The branches a page walks from a cursor in branch `at`: that one and
    those after it (before it, going back); all of them from the start."""
    return [
        (number, branch)
        for number, branch in enumerate(branches)
        if at is None or number == at or (number > at) != backwards
    ]


def _walks(
    branches: list[Branch],
    location_ids: list[Any],
    cursor: tuple[int, tuple] | None,
    backwards: bool,
) -> list[tuple[int, QuerySet, tuple[str, ...], list[Any] | None]]:
    """The branches' walks from the cursor (its branch, its key): each a
    queryset in its index's order, and the locations it is walked at one by
    one (None: all at once)."""
    walks: list[tuple[int, QuerySet, tuple[str, ...], list[Any] | None]] = []
    at = cursor[0] if cursor is not None else None
    for number, branch in _walked(branches, at, backwards):
        order = [f"-{f}" for f in branch.order] if backwards else list(branch.order)
        matches = Q(branch.condition)
        if cursor is not None:
            at, key = cursor
            if number == at:
                lookup = TupleLessThan if backwards else TupleGreaterThan
                columns = Tuple(*(F(field) for field in branch.order))
                matches &= Q(lookup(columns, key))
        if branch.per_location and len(location_ids) > 1:
            # One walk per location: the same query but for the location.
            walk = Patient.objects.filter(matches, location_id=_ANY_LOCATION)
            walks.append((number, walk.order_by(*order), branch.order, location_ids))
        else:
            scope = (
                Q(location_id=location_ids[0])
                if len(location_ids) == 1
                else Q(location_id__in=location_ids)
            )
            walk = Patient.objects.filter(matches, scope)
            walks.append((number, walk.order_by(*order), branch.order, None))
    return walks


def _merged_keys(walks, backwards: bool, limit: int) -> tuple[str, list]:
    """The keys of the first `limit` rows of the walks together, in order:
    each walk's own first `limit`, merged by the database."""
    parts: list[str] = []
    params: list[Any] = []
    for number, walk, fields, per_location in walks:
        keys = walk.values_list(Value(number), *fields)[:limit]
        sql, walk_params = keys.query.sql_with_params()
        for location_id in per_location or [_ANY_LOCATION]:
            alias = f"u{len(parts)}"
            # Django's own SQL, its parameters kept apart.
            parts.append(f"SELECT {alias}.* FROM ({sql}) AS {alias}")  # noqa: S608
            params.extend(
                location_id if param == _ANY_LOCATION else param
                for param in walk_params
            )
    direction = "DESC" if backwards else "ASC"
    order = ", ".join(f"{n} {direction}" for n in (1, 2, 3, 4))
    return f"{' UNION ALL '.join(parts)} ORDER BY {order} LIMIT {int(limit)}", params


def _page_rows(
    search: Search,
    location_ids: list[int],
    cursor: Cursor | None,
    backwards: bool,
    limit: int,
) -> list[dict]:
    """The ROW_FIELDS of up to `limit` rows after the cursor (before it,
    nearest first, when going backwards), branch after branch, each in its
    order.

    Every branch is walked per location along the index that holds it in
    order (location, then the names), from the cursor, so that a page reads
    about `limit` index entries per branch and location, however many match
    and however deep the page. With more than one walk, only their keys are
    read and merged by the database, then the rows of the page by id. Each
    kind of search's queries are built once (ketaclinic.prepared).
    """
    n = len(search.values)
    places = len(location_ids)
    key_values = cursor.key if cursor is not None else ()

    def walks_of(values: tuple) -> list:
        at = (cursor.branch, values[n + places :]) if cursor is not None else None
        return _walks(
            _branches(search.kind, *values[:n]),
            list(values[n : n + places]),
            at,
            backwards,
        )

    shape = (
        search.kind,
        places,
        cursor.branch if cursor is not None else None,
        backwards,
        limit,
    )
    values = (*search.values, *location_ids, *key_values)
    walked = _walked(
        search.branches(), cursor.branch if cursor is not None else None, backwards
    )
    if len(walked) == 1 and not (walked[0][1].per_location and places > 1):
        found = prepared_rows(
            ("search page", *shape),
            lambda *v: walks_of(v)[0][1].values_list(*ROW_FIELDS)[:limit],
            *values,
        )
        return [dict(zip(ROW_FIELDS, row, strict=True)) for row in found]
    sql, params = prepared_sql(
        ("search keys", *shape),
        lambda *v: _merged_keys(walks_of(v), backwards, limit),
        *values,
    )
    with connection.cursor() as db:
        db.execute(sql, params)
        ids = [row[3] for row in db.fetchall()]
    if not ids:
        return []
    found = prepared_rows(
        ("search rows", len(ids)),
        lambda *v: (
            Patient.objects.filter(id__in=v).order_by().values_list("id", *ROW_FIELDS)
        ),
        *ids,
    )
    by_id = {row[0]: dict(zip(ROW_FIELDS, row[1:], strict=True)) for row in found}
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
    first does: a capped count, the page (its keys, then its rows, when more
    than one index is walked), and the cursor's row on a later page."""
    mine = location_ids_of(user)
    search: Search | None
    if text:
        search, location_ids = Search.of(text), list(mine)
    elif location is not None and location.pk in mine:
        search, location_ids = EVERY_PATIENT, [location.pk]
    else:
        search, location_ids = None, []
    if search is None or not location_ids:
        return PatientPage([], 0, False, None, None)
    backwards = bool(before) and not after
    cursor = _cursor(search, location_ids, before if backwards else after)
    backwards = backwards and cursor is not None
    count = _capped_count(search, location_ids, COUNT_CAP)
    values = _page_rows(search, location_ids, cursor, backwards, size + 1)
    more = len(values) > size
    values = values[:size]
    if backwards:
        values.reverse()
    names = {location.pk: location.name for location in locations_of(user)}
    rows = patient_rows(values, names)
    has_next = more if not backwards else True
    has_previous = more if backwards else cursor is not None
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


def _shared_fields(model: type[Model]) -> list:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return [by_attname[name] for name in _ENTRY_COLUMNS]


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
    """Rows in their model's default order (field names only)."""
    for name in reversed([str(name) for name in model._meta.ordering or ()]):
        rows.sort(key=_field_key(name.lstrip("-")), reverse=name.startswith("-"))
    return rows


def _field_key(attname: str):
    return lambda row: (getattr(row, attname) is None, getattr(row, attname))


def _entry_lists_query(models: tuple[type[Model], ...], patient_id: int) -> QuerySet:
    """The entry lists of `models` as one UNION ALL: each row's list number,
    then every column as text (the shared columns first), padded to the
    widest model."""
    width = max(len(_own_fields(model)) for model in models)
    querysets = []
    for number, model in enumerate(models):
        shared = [Cast(name, TextField()) for name in _ENTRY_COLUMNS]
        own = [Cast(f.attname, TextField()) for f in _own_fields(model)]
        padding = [Value(None, output_field=TextField())] * (width - len(own))
        querysets.append(
            model._default_manager.filter(patient_id=patient_id)
            .order_by()
            .values_list(Value(number), *shared, *own, *padding)
        )
    first, *rest = querysets
    return first.union(*rest, all=True)


def entry_lists(patient: Patient, models: tuple[type[Model], ...]) -> list[list]:
    """Several of the chart's entry lists (escorts, allergies, ...) in one
    query, built once (ketaclinic.prepared): every column as text, turned
    back into values by its field; each list in its model's order."""
    sql, params = prepared_sql(
        ("entry_lists", models),
        lambda pk: _entry_lists_query(models, pk),
        patient.pk,
        using=connection.alias,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    lists: list[list] = [[] for _ in models]
    for number, *texts in found:
        model = models[int(number)]
        shared = {
            f.attname: _from_text(f, text)
            for f, text in zip(_shared_fields(model), texts, strict=False)
        }
        own_texts = texts[len(_ENTRY_COLUMNS) :]
        for field, text in zip(_own_fields(model), own_texts, strict=False):
            shared[field.attname] = _from_text(field, text)
        names = [f.attname for f in model._meta.concrete_fields]
        row_values = [shared[name] for name in names]
        lists[int(number)].append(model.from_db(connection.alias, names, row_values))
    return [
        _sort_by_meta_ordering(model, rows)
        for model, rows in zip(models, lists, strict=True)
    ]


def _measurements_and_height(
    patient: Patient, count: int
) -> tuple[list[BodyMeasurement], Decimal | None]:
    """The latest weights and, in the same query, the latest active height
    (which may be older than those)."""

    def build(patient_id: int) -> tuple[str, list]:
        mine = BodyMeasurement.objects.filter(patient_id=patient_id)
        sql, params = _union_all_sql(
            [
                mine.order_by("-measured_at", "-id")[:count],
                mine.filter(active=True, height_cm__isnull=False).order_by(
                    "-measured_at", "-id"
                )[:1],
            ],
            tag=True,
        )
        return f"{sql} ORDER BY part, 1", params

    sql, params = prepared_sql(
        ("measurements_and_height", count), build, patient.pk, using=connection.alias
    )
    rows: list[Any] = list(BodyMeasurement.objects.raw(sql, params))
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


@dataclass(frozen=True)
class UrgentRisk:
    """The open urgent suicide-risk tasks of a patient, and the leads with a
    crisis answer that became this chart: the urgent banner shown wherever
    staff act on the patient (patients/_urgent_banner.html)."""

    tasks: list
    crisis_leads: list

    def __bool__(self) -> bool:
        return bool(self.tasks or self.crisis_leads)


def _open_urgent_tasks(patient_id: int) -> QuerySet:
    # The tasks live in intake, a layer above: their model is reached through
    # the relation.
    tasks = Patient.urgent_tasks.rel.related_model
    return tasks._default_manager.filter(
        patient_id=patient_id, done_at__isnull=True
    ).order_by("pk")


def urgent_risk(patient: Patient) -> UrgentRisk:
    """One query; a second only when a task is open (its leads)."""
    tasks = prepared_objects(("urgent_tasks",), _open_urgent_tasks, patient.pk)
    if not tasks:
        return UrgentRisk([], [])
    leads = list(patient.inquiries.filter(crisis=True).order_by("created_at"))
    return UrgentRisk(tasks, leads)
