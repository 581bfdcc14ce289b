"""Queries built once and run again with another value (ketaclinic.prepared)."""

from __future__ import annotations

import pytest
from django.db import connection

from ketaclinic.patients.models import Patient
from ketaclinic.prepared import STAND_IN, prepared_sql
from tests.conftest import make_patient


def names(sql: str, params: list) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_the_query_is_built_once_and_answers_for_each_value(world):
    built = []

    def build(pk):
        built.append(pk)
        return Patient.objects.filter(pk=pk).values_list("last_name")

    other = make_patient(world.home, last_name="Hamilton")
    first = prepared_sql(("test-built-once",), build, world.patient.pk)
    second = prepared_sql(("test-built-once",), build, other.pk)
    assert built == [STAND_IN]
    assert names(*first) == [world.patient.last_name]
    assert names(*second) == ["Hamilton"]
    assert STAND_IN not in first[1] + second[1]


def test_a_value_that_is_not_a_parameter_is_refused():
    with pytest.raises(ValueError, match="does not reach the SQL"):
        prepared_sql(("test-refused",), lambda pk: Patient.objects.all(), 1)
