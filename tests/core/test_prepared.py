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


def test_a_value_written_into_the_sql_is_refused():
    """A value in the SQL's text would stay there for every other value."""
    for value in (1, "smith"):
        with pytest.raises(ValueError, match="does not reach the SQL"):
            prepared_sql(
                ("test-refused", type(value)),
                # The very mistake this refuses: a value in the SQL's text.
                lambda v: (f"SELECT id FROM t WHERE name <> '{v}'", []),  # noqa: S608
                value,
            )


@pytest.mark.django_db
def test_a_value_the_query_leaves_out_is_no_harm(world):
    def build(pk, unused):
        return Patient.objects.filter(pk=pk).values_list("last_name")

    sql, params = prepared_sql(("test-unused",), build, world.patient.pk, "x")
    assert names(sql, params) == [world.patient.last_name]


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


@pytest.mark.django_db
def test_strings_and_dates_are_values_too(world):
    """A name range and a birth date: each set of values answers as the
    queryset does, the converted values (uuids, dates) as it gives them."""
    from datetime import date

    from ketaclinic.prepared import prepared_rows

    def build(location_id, low, high, born):
        return (
            Patient.objects.filter(
                location_id=location_id,
                last_name_key__gte=low,
                last_name_key__lt=high,
                date_of_birth__lte=born,
            )
            .order_by("last_name_key", "id")
            .values_list("uuid", "last_name", "date_of_birth")
        )

    make_patient(world.home, last_name="Quill", mrn="Q0000001")
    make_patient(world.home, last_name="Quint", mrn="Q0000002")
    make_patient(world.other, last_name="Quake", mrn="Q0000003")
    cases = [
        (world.home.pk, "qui", "quj", date(2100, 1, 1)),
        (world.other.pk, "q", "r", date(2100, 1, 1)),
        (world.home.pk, "quin", "quio", date(2100, 1, 1)),
        (world.home.pk, "q", "r", date(1800, 1, 1)),
        (world.home.pk, "\x1fstand-in 1\x1f", "\x1fstand-in 2\x1f", date(1901, 3, 7)),
    ]
    for values in cases:
        rows = prepared_rows(("test-strings",), build, *values)
        assert rows == list(build(*values))
    first = prepared_rows(("test-strings",), build, *cases[0])
    assert [name for _, name, _ in first] == ["Quill", "Quint"]
    assert all(isinstance(born, date) for _, _, born in first)


def test_a_value_of_another_type_is_refused():
    from decimal import Decimal

    with pytest.raises(TypeError, match="Decimal"):
        prepared_sql(
            ("test-decimal",), lambda v: Patient.objects.filter(pk=v), Decimal(1)
        )
