"""Queries the ORM builds once per process, then runs again and again with
other values.

Building a query (filters, annotations, subqueries, a UNION, then its SQL)
costs Django more than a small indexed query costs the database: a chart's
entry lists cost 2 to 4 ms of Python and a tenth of that in SQLite. A query
whose shape never changes, only the values in it (a patient's id; a location
and the bounds of a day), is built once per database with a stand-in for each
value, and its SQL run from then on with the values in the stand-ins' places.

    sql, params = prepared_sql(("journey",), lambda pk: facts_of(pk), patient.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)

`prepared_objects` does the same for a queryset whose model instances are
wanted (with their `select_related` objects and annotations), making them from
the rows as Django's own iterable does.

A value is an integer (an id), a string, a uuid, a date or an aware
datetime; each reaches the SQL as the database keeps it (SQLite: a uuid as 32
hex digits, a datetime as UTC text). `build` must make the same query
whatever the moment or the data (no `timezone.now()`, no value read from the
database): only its arguments may vary, and each must reach the SQL as a
parameter, or not at all (a value the query leaves out, which the key must
then tell: a branch not walked).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

# Stands for the value while the query is built: an integer no id takes.
STAND_IN = -(2**62) + 104729
# Stand-ins of a uuid and of a datetime: ones no record is given.
UUID_STAND_IN = uuid.UUID("00000000-0000-4000-8000-00000001a3f5")
DATETIME_STAND_IN = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)
DATE_STAND_IN = date(1901, 3, 4)
# A string no one types (control characters around a position).
STRING_STAND_IN = "\x1fstand-in {}\x1f"

Value = int | str | uuid.UUID | date | datetime
# How one parameter of the SQL is made: a constant of the query, or from the
# n-th value (as given, or as the database keeps it).
Slot = tuple[int, Callable[[Any], Any]] | None


def _stand_in(position: int, value: Value) -> Value:
    """A stand-in of the value's type, distinct for each position."""
    if isinstance(value, uuid.UUID):
        return uuid.UUID(int=UUID_STAND_IN.int + position)
    if isinstance(value, datetime):
        return DATETIME_STAND_IN + timedelta(seconds=position)
    if isinstance(value, date):
        return DATE_STAND_IN + timedelta(days=position)
    if isinstance(value, str):
        return STRING_STAND_IN.format(position)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"a prepared query takes no {type(value).__name__} value")
    return STAND_IN + position


def _same(value: Any) -> Any:
    return value


def _forms(stand_in: Value, using: str) -> list[tuple[Any, Callable[[Any], Any]]]:
    """The forms a value may take among the parameters, and how to make each
    from the real value."""
    forms: list[tuple[Any, Callable[[Any], Any]]] = [(stand_in, _same)]
    if isinstance(stand_in, uuid.UUID):
        forms.append((stand_in.hex, lambda value: value.hex))
    if isinstance(stand_in, datetime):
        adapt = connections[using].ops.adapt_datetimefield_value
        forms.append((adapt(stand_in), adapt))
    elif isinstance(stand_in, date):
        adapt_date = connections[using].ops.adapt_datefield_value
        forms.append((adapt_date(stand_in), adapt_date))
    return forms


def _slots(
    sql: str, params: list[Any], stand_ins: list[Value], using: str
) -> list[Slot]:
    """Where each value went among the parameters; none may be written into
    the SQL itself."""
    forms = [
        (position, form, make)
        for position, stand_in in enumerate(stand_ins)
        for form, make in _forms(stand_in, using)
    ]
    slots: list[Slot] = []
    for param in params:
        slot: Slot = None
        for position, form, make in forms:
            if type(param) is type(form) and param == form:
                slot = (position, make)
                break
        slots.append(slot)
    found = {slot[0] for slot in slots if slot is not None}
    for position, stand_in in enumerate(stand_ins):
        # A value the query leaves out (a branch it does not walk) is no
        # harm; one written into the SQL's text would stay there.
        if position not in found and _written_in(sql, stand_in, using):
            raise ValueError("a value does not reach the SQL as a parameter")
    return slots


def _written_in(sql: str, stand_in: Value, using: str) -> bool:
    texts = {str(stand_in)} | {str(form) for form, _ in _forms(stand_in, using)}
    if isinstance(stand_in, date):
        texts.add(stand_in.isoformat())
    return any(text in sql for text in texts)


def _params(slots: list[Slot], constants: list[Any], values: tuple) -> list[Any]:
    return [
        constant if slot is None else slot[1](values[slot[0]])
        for slot, constant in zip(slots, constants, strict=True)
    ]


_built: dict[tuple[Hashable, str], tuple[str, list[Slot], list[Any]]] = {}


def prepared_sql(
    key: Hashable,
    build: Callable[..., QuerySet | tuple[str, list[Any]]],
    *values: Value,
    using: str = "default",
) -> tuple[str, list[Any]]:
    """The SQL of `build(*values)` (a queryset, or SQL and its parameters) and
    its parameters, built once per `key` and database."""
    cache_key = (key, connections[using].vendor)
    built = _built.get(cache_key)
    if built is None:
        stand_ins = [_stand_in(n, value) for n, value in enumerate(values)]
        query = build(*stand_ins)
        sql, params = (
            query.query.sql_with_params() if isinstance(query, QuerySet) else query
        )
        try:
            slots = _slots(sql, list(params), stand_ins, using)
        except ValueError:
            raise ValueError(
                f"{key!r}: a value does not reach the SQL as a parameter"
            ) from None
        built = _built[cache_key] = (sql, slots, list(params))
    sql, slots, constants = built
    return sql, _params(slots, constants, values)


@dataclass(frozen=True)
class _Objects:
    """A queryset compiled once: its SQL, and what turns its rows into model
    instances as Django's own iterable does (columns, related objects,
    annotations)."""

    sql: str
    slots: list[Slot]
    constants: list[Any]
    compiler: Any
    model: type[Model]
    init_list: list[str]
    start: int
    end: int
    populators: list[Any]
    annotations: dict[str, int]
    converters: dict


M = TypeVar("M", bound=Model)
_objects: dict[tuple[Hashable, str], _Objects] = {}


def _compile_objects(
    queryset: QuerySet, stand_ins: list[Value], using: str
) -> _Objects:
    compiler = queryset.query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    slots = _slots(sql, list(params), stand_ins, using)
    if getattr(queryset, "_known_related_objects", None) or getattr(
        queryset, "_prefetch_related_lookups", None
    ):
        raise ValueError("a prepared queryset reads its rows in one query")
    select, klass_info = compiler.select, compiler.klass_info
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    return _Objects(
        sql=sql,
        slots=slots,
        constants=list(params),
        compiler=compiler,
        model=klass_info["model"],
        init_list=[column[0].target.attname for column in select[start:end]],
        start=start,
        end=end,
        # (Django 5.2's signature; the type stubs already know a later one.)
        populators=get_related_populators(klass_info, select, using),  # type: ignore[call-arg]
        annotations=dict(compiler.annotation_col_map or {}),
        converters=_converters(compiler),
    )


def prepared_objects(
    key: Hashable,
    build: Callable[..., QuerySet[M]],
    *values: Value,
    using: str = "default",
) -> list[M]:
    """The model instances `build(*values)` would give (with its
    select_related objects and annotations), its SQL built once per `key` and
    database and its rows made into instances as Django's own iterable makes
    them."""
    connection = connections[using]
    cache_key = (key, connection.vendor)
    prepared = _objects.get(cache_key)
    if prepared is None:
        stand_ins = [_stand_in(n, value) for n, value in enumerate(values)]
        prepared = _objects[cache_key] = _compile_objects(
            build(*stand_ins), stand_ins, using
        )
    with connection.cursor() as cursor:
        cursor.execute(
            prepared.sql, _params(prepared.slots, prepared.constants, values)
        )
        width = prepared.compiler.col_count
        rows = [row[:width] for row in cursor.fetchall()]
    found: list[M] = []
    for row in _converted(prepared.compiler, prepared.converters, rows):
        obj = prepared.model.from_db(
            using, prepared.init_list, row[prepared.start : prepared.end]
        )
        for populator in prepared.populators:
            populator.populate(row, obj)
        for name, position in prepared.annotations.items():
            setattr(obj, name, row[position])
        found.append(obj)  # type: ignore[arg-type]
    return found


_rows: dict[tuple[Hashable, str], tuple[str, list[Slot], list[Any], Any, dict]] = {}


def prepared_rows(
    key: Hashable,
    build: Callable[..., QuerySet],
    *values: Value,
    using: str = "default",
) -> list[tuple]:
    """The rows of `build(*values)`, a `values_list` queryset, as tuples of
    converted values (uuids, dates) as the queryset gives them; its SQL built
    once per `key` and database."""
    connection = connections[using]
    cache_key = (key, connection.vendor)
    prepared = _rows.get(cache_key)
    if prepared is None:
        stand_ins = [_stand_in(n, value) for n, value in enumerate(values)]
        compiler = build(*stand_ins).query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = _slots(sql, list(params), stand_ins, using)
        prepared = _rows[cache_key] = (
            sql,
            slots,
            list(params),
            compiler,
            _converters(compiler),
        )
    sql, slots, constants, compiler, converters = prepared
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(slots, constants, values))
        width = compiler.col_count
        rows = [row[:width] for row in cursor.fetchall()]
    return [tuple(row) for row in _converted(compiler, converters, rows)]


def _converters(compiler: Any) -> dict:
    """The converters of a compiled query's columns, as `results_iter` finds
    them on every run (a tenth of a small query's Python): found once."""
    return compiler.get_converters(
        [s[0] for s in compiler.select[: compiler.col_count]]
    )


def _converted(compiler: Any, converters: dict, rows: list) -> Any:
    return compiler.apply_converters(rows, converters) if converters else rows
