from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ketaclinic.audit.models import AuditEvent


@pytest.fixture
def viewed(world, as_role):
    """The nurse viewed the chart; the stranger viewed a chart at the other place."""
    as_role("nurse").get(reverse("patients:chart", args=[world.patient.uuid]))
    from tests.conftest import client_for

    client_for(world.stranger).get(
        reverse("patients:chart", args=[world.foreign_patient.uuid])
    )
    return world


def rows(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_a_manager_finds_a_chart_view_by_patient(viewed, as_role):
    page = as_role("manager").get(reverse("audit:log"), {"patient": viewed.patient.mrn})
    assert page.status_code == 200
    events = list(page.context["page_obj"].object_list)
    assert [(e.username, e.action) for e in events] == [("nurse", "view")]


def test_a_manager_sees_only_the_locations_they_work_at(viewed, as_role):
    page = as_role("manager").get(reverse("audit:log"))
    patients = {e.patient for e in page.context["page_obj"].object_list}
    assert viewed.foreign_patient not in patients
    assert viewed.patient in patients


def test_an_administrator_sees_every_location(viewed, as_role):
    page = as_role("admin").get(reverse("audit:log"))
    patients = {e.patient for e in page.context["page_obj"].object_list}
    assert {viewed.patient, viewed.foreign_patient} <= patients


def test_search_by_user_action_and_dates(viewed, as_role):
    client = as_role("manager")
    by_user = client.get(reverse("audit:log"), {"user": "nurse", "action": "view"})
    assert {e.username for e in by_user.context["page_obj"].object_list} == {"nurse"}
    today = timezone.localdate()
    in_range = client.get(
        reverse("audit:log"),
        {"date_from": today, "date_to": today, "user": "nurse", "action": "view"},
    )
    assert in_range.context["page_obj"].paginator.count == 1
    before = client.get(
        reverse("audit:log"),
        {"date_to": today - timedelta(days=1), "user": "nurse"},
    )
    assert before.context["page_obj"].paginator.count == 0


def test_bad_filters_are_explained_and_show_nothing(viewed, as_role):
    page = as_role("manager").get(
        reverse("audit:log"), {"date_from": "2026-05-02", "date_to": "2026-05-01"}
    )
    assert page.status_code == 200
    assert "The end date is before the start date." in page.text
    page = as_role("manager").get(reverse("audit:log"), {"date_from": "soon"})
    assert "Enter a valid date" in page.text
    export = as_role("manager").get(reverse("audit:export"), {"action": "nonsense"})
    assert export.status_code == 400


def test_csv_export_holds_the_filtered_entries_and_is_itself_audited(viewed, as_role):
    response = as_role("manager").get(
        reverse("audit:export"), {"patient": viewed.patient.mrn}
    )
    assert response["Content-Type"] == "text/csv"
    exported = rows(response)
    assert [(r["user"], r["action"], r["mrn"]) for r in exported] == [
        ("nurse", "view", viewed.patient.mrn)
    ]
    assert AuditEvent.objects.filter(action="export", username="manager").exists()


def test_the_log_page_runs_a_bounded_number_of_queries(viewed, as_role):
    client = as_role("manager")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("audit:log")).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _ in range(40):
        client.get(reverse("patients:chart", args=[viewed.patient.uuid]))
    assert count() == few <= 6


def test_entries_cannot_be_changed_or_deleted(viewed):
    event = AuditEvent.objects.first()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_change_or_delete_entries(viewed):
    for sql in (
        "UPDATE audit_auditevent SET summary = 'tampered'",
        "DELETE FROM audit_auditevent",
    ):
        with (
            pytest.raises(DatabaseError),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(sql)
    assert not AuditEvent.objects.filter(summary="tampered").exists()


def test_a_refused_page_is_recorded(world, as_role):
    response = as_role("front_desk").get(reverse("audit:log"))
    assert response.status_code == 403
    assert "Not allowed" in response.text
    assert AuditEvent.objects.filter(action="denied", username="front_desk").exists()
