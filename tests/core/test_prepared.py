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


def _patients_with_allergies(location_id: int):
    from django.db.models import Count, Exists, OuterRef

    from ketaclinic.patients.models import Allergy

    return (
        Patient.objects.filter(location_id=location_id)
        .select_related("location")
        .annotate(
            allergies_n=Count("allergies"),
            allergic=Exists(Allergy.objects.filter(patient=OuterRef("pk"))),
        )
        .order_by("-last_name", "id")[:3]
    )


@pytest.mark.django_db
def test_prepared_objects_are_the_querysets_own(world):
    """Instances, their select_related objects and annotations, types
    converted (dates, booleans) as the queryset gives them, for any value."""
    from ketaclinic.patients.models import Allergy
    from ketaclinic.prepared import prepared_objects

    for n in range(4):
        make_patient(world.home, last_name=f"Zed{n}", mrn=f"Z{n:07d}")
    Allergy.objects.create(
        patient=Patient.objects.get(last_name="Zed3"), substance="Latex"
    )
    key = ("test-objects",)
    for location in (world.home, world.other):
        mine = prepared_objects(key, _patients_with_allergies, location.pk)
        theirs = list(_patients_with_allergies(location.pk))
        assert [p.pk for p in mine] == [p.pk for p in theirs]
        for a, b in zip(mine, theirs, strict=True):
            assert a.date_of_birth == b.date_of_birth and a.location == b.location
            assert a.location.name == b.location.name
            assert (a.allergies_n, a.allergic) == (b.allergies_n, b.allergic)
            assert type(a.allergic) is bool and a._state.adding is False
    first = prepared_objects(key, _patients_with_allergies, world.home.pk)[0]
    assert (first.last_name, first.allergies_n, first.allergic) == ("Zed3", 1, True)


@pytest.mark.django_db
def test_a_uuid_is_a_value_too(world):
    """A uuid reaches the SQL as the database keeps it (32 hex digits on
    SQLite, a uuid on PostgreSQL); a uuid no record has finds nothing."""
    import uuid

    from ketaclinic.prepared import prepared_objects

    def build(value):
        return Patient.objects.filter(uuid=value).select_related("location")

    for patient in (world.patient, world.foreign_patient):
        (found,) = prepared_objects(("test-uuid",), build, patient.uuid)
        assert (found.pk, found.location.name) == (patient.pk, patient.location.name)
    assert prepared_objects(("test-uuid",), build, uuid.uuid4()) == []


@pytest.mark.django_db
def test_several_values_an_id_and_datetimes(world):
    """A location and the bounds of a span of time: each value reaches the
    SQL as the database keeps it, whatever its time zone, and the query
    answers for each set of values as the queryset would."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from ketaclinic.prepared import prepared_objects, prepared_sql

    def build(location_id, start, end):
        return Patient.objects.filter(
            location_id=location_id, created_at__gte=start, created_at__lt=end
        ).order_by("pk")

    now = timezone.now()
    Patient.objects.filter(pk=world.patient.pk).update(
        created_at=now - timedelta(days=3)
    )
    late = make_patient(world.home, last_name="Late", mrn="L0000001")
    denver = ZoneInfo("America/Denver")
    cases = [
        (world.home.pk, now - timedelta(days=1), now + timedelta(hours=1)),
        (world.home.pk, (now - timedelta(days=4)).astimezone(denver), now),
        (world.other.pk, now - timedelta(days=1), now + timedelta(hours=1)),
    ]
    for values in cases:
        expected = [p.pk for p in build(*values)]
        assert [p.pk for p in prepared_objects(("test-span",), build, *values)] == (
            expected
        )
        sql, params = prepared_sql(
            ("test-span-sql",), lambda *v: build(*v).values_list("pk"), *values
        )
        assert [row for (row,) in _rows(sql, params)] == expected
    assert [p.pk for p in prepared_objects(("test-span",), build, *cases[0])] == [
        late.pk
    ]


def _rows(sql: str, params: list) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
