"""Queries the ORM builds once per process, then runs again and again with
another value.

Building a query (filters, annotations, subqueries, a UNION, then its SQL)
costs Django more than a small indexed query costs the database: a chart's
entry lists cost 2 to 4 ms of Python and a tenth of that in SQLite. A query
whose shape never changes, only one value in it (the patient's id), is built
once per database with a stand-in for that value, and its SQL run from then
on with the value in the stand-in's place.

    sql, params = prepared_sql(("journey",), lambda pk: facts_of(pk), patient.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)

`prepared_objects` does the same for a queryset whose model instances are
wanted (with their `select_related` objects and annotations), making them from
the rows as Django's own iterable does.

`build` must make the same query whatever the moment or the data (no
`timezone.now()`, no value read from the database): only its argument may
vary, and it must reach the SQL as a parameter.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

# Stands for the value while the query is built: an integer no id takes.
STAND_IN = -(2**62) + 104729
# Stands for a uuid (prepared_objects): one no record is given.
UUID_STAND_IN = uuid.UUID("00000000-0000-4000-8000-00000001a3f5")

_built: dict[tuple[Hashable, str], tuple[str, tuple[Any, ...]]] = {}


def prepared_sql(
    key: Hashable,
    build: Callable[[int], QuerySet | tuple[str, list[Any]]],
    value: int,
    using: str = "default",
) -> tuple[str, list[Any]]:
    """The SQL of `build(value)` (a queryset, or SQL and its parameters) and
    its parameters, built once per `key` and database."""
    connection = connections[using]
    cache_key = (key, connection.vendor)
    built = _built.get(cache_key)
    if built is None:
        query = build(STAND_IN)
        sql, params = (
            query.query.sql_with_params() if isinstance(query, QuerySet) else query
        )
        if STAND_IN not in params:
            raise ValueError(
                f"{key!r}: the value does not reach the SQL as a parameter"
            )
        built = _built[cache_key] = (sql, tuple(params))
    sql, stand_in_params = built
    return sql, [value if param == STAND_IN else param for param in stand_in_params]


@dataclass(frozen=True)
class _Objects:
    """A queryset compiled once: its SQL, and what turns its rows into model
    instances as Django's own iterable does (columns, related objects,
    annotations)."""

    sql: str
    # Each parameter: a constant, or how the value becomes it (the value
    # itself, or a uuid as the database stores it).
    params: tuple[tuple[Callable[[Any], Any] | None, Any], ...]
    compiler: Any
    model: type[Model]
    init_list: list[str]
    start: int
    end: int
    populators: list[Any]
    annotations: dict[str, int]


M = TypeVar("M", bound=Model)
_objects: dict[tuple[Hashable, str], _Objects] = {}


def _slot(param: Any, stand_in: Any) -> Callable[[Any], Any] | None:
    if param == stand_in:
        return _same
    if isinstance(stand_in, uuid.UUID) and param == stand_in.hex:
        return _hex  # SQLite keeps a uuid as its 32 hex digits
    return None


def _same(value: Any) -> Any:
    return value


def _hex(value: Any) -> Any:
    return value.hex


def _compile_objects(queryset: QuerySet, stand_in: Any, using: str) -> _Objects:
    compiler = queryset.query.get_compiler(using=using)
    sql, found = compiler.as_sql()
    params = tuple((_slot(param, stand_in), param) for param in found)
    if not any(slot for slot, _param in params):
        raise ValueError("the value does not reach the SQL as a parameter")
    if getattr(queryset, "_known_related_objects", None) or getattr(
        queryset, "_prefetch_related_lookups", None
    ):
        raise ValueError("a prepared queryset reads its rows in one query")
    select, klass_info = compiler.select, compiler.klass_info
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    return _Objects(
        sql=sql,
        params=tuple(params),
        compiler=compiler,
        model=klass_info["model"],
        init_list=[column[0].target.attname for column in select[start:end]],
        start=start,
        end=end,
        # (Django 5.2's signature; the type stubs already know a later one.)
        populators=get_related_populators(klass_info, select, using),  # type: ignore[call-arg]
        annotations=dict(compiler.annotation_col_map or {}),
    )


def prepared_objects(
    key: Hashable,
    build: Callable[[Any], QuerySet[M]],
    value: int | uuid.UUID,
    using: str = "default",
) -> list[M]:
    """The model instances `build(value)` would give (with its select_related
    objects and annotations), its SQL built once per `key` and database and
    its rows made into instances as Django's own iterable makes them. The
    value is an id (an integer) or a uuid."""
    connection = connections[using]
    cache_key = (key, connection.vendor)
    prepared = _objects.get(cache_key)
    if prepared is None:
        stand_in = UUID_STAND_IN if isinstance(value, uuid.UUID) else STAND_IN
        prepared = _objects[cache_key] = _compile_objects(
            build(stand_in), stand_in, using
        )
    params = [
        slot(value) if slot is not None else param for slot, param in prepared.params
    ]
    with connection.cursor() as cursor:
        cursor.execute(prepared.sql, params)
        width = prepared.compiler.col_count
        rows = [row[:width] for row in cursor.fetchall()]
    found: list[M] = []
    for row in prepared.compiler.results_iter([rows]):
        obj = prepared.model.from_db(
            using, prepared.init_list, row[prepared.start : prepared.end]
        )
        for populator in prepared.populators:
            populator.populate(row, obj)
        for name, position in prepared.annotations.items():
            setattr(obj, name, row[position])
        found.append(obj)  # type: ignore[arg-type]
    return found
