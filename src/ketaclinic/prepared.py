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

`build` must make the same query whatever the moment or the data (no
`timezone.now()`, no value read from the database): only its argument may
vary, and it must reach the SQL as a parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from django.db import connections
from django.db.models import QuerySet

# Stands for the value while the query is built: an integer no id takes.
STAND_IN = -(2**62) + 104729

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
