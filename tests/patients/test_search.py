from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketaclinic.patients.queries import SearchTerms, patient_search
from tests.conftest import make_patient


@pytest.fixture
def people(world):
    make_patient(
        world.home,
        first_name="José",
        last_name="Núñez",
        mrn="M0000010",
        phone="+17205550190",
        email="jose@example.com",
        date_of_birth=date(1990, 1, 2),
    )
    make_patient(
        world.home,
        first_name="Adam",
        last_name="Lovell",
        mrn="M0000011",
        phone="",
        email="",
        date_of_birth=date(1975, 3, 4),
    )
    return world


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lov", {"Lovelace", "Lovell"}),
        ("LOVEL", {"Lovelace", "Lovell"}),
        ("lovela", {"Lovelace"}),
        ("Lovelace, A", {"Lovelace"}),
        ("ada lov", {"Lovelace", "Lovell"}),
        ("ada lovela", {"Lovelace"}),
        ("nunez", {"Núñez"}),
        ("jos", {"Núñez"}),
        ("M0000010", {"Núñez"}),  # an MRN with a letter
        ("m0000010", {"Núñez"}),
        ("1990-01-02", {"Núñez"}),
        ("01/02/1990", {"Núñez"}),
        ("(720) 555-0190", {"Núñez"}),
        ("720.555.0190", {"Núñez"}),
        ("+1 720 555 0190", {"Núñez"}),
        ("JOSE@example.com", {"Núñez"}),
        ("hopper", set()),  # at another location
        ("", set()),
    ],
)
def test_search_finds_by_name_birth_date_phone_and_email(people, query, expected):
    found = {p.last_name for p in patient_search(people.staff["nurse"], query)}
    assert found == expected


def test_search_by_mrn(world):
    patient = make_patient(world.home, mrn="12345674", last_name="Turing")
    found = list(patient_search(world.staff["nurse"], "12345674"))
    assert found == [patient]


def test_the_stranger_finds_only_their_location(people):
    found = {p.last_name for p in patient_search(people.stranger, "hop")}
    assert found == {"Hopper"}
    assert list(patient_search(people.stranger, "lov")) == []


@pytest.mark.parametrize(
    "text", ["a" * 500, "%", "_", "'; DROP TABLE x; --", "\\", "ÿ"]
)
def test_odd_searches_do_no_harm(world, as_role, text):
    response = as_role("nurse").get(reverse("patients:list"), {"q": text})
    assert response.status_code == 200


def test_a_wildcard_is_not_a_wildcard(people):
    assert list(patient_search(people.staff["nurse"], "%")) == []
    assert SearchTerms.parse("lo%").any_prefix == "lo%"


def list_queries(client, **params) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("patients:list"), params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.text


@pytest.mark.parametrize("params", [{}, {"q": "lov"}, {"q": "(303) 555-0142"}])
def test_list_and_search_run_a_bounded_number_of_queries(world, as_role, params):
    """Queries: session, user, locations, count, page, the page's locations and
    the audit entry of the search: the same for 3 or 120 rows."""
    client = as_role("nurse")
    few, _ = list_queries(client, **params)
    for i in range(120):
        make_patient(world.home, mrn=f"Q{i:07d}", first_name=f"P{i}", email="")
    many, text = list_queries(client, **params)
    assert many == few <= 10  # the audit entry: lock the chain head, insert, advance


def test_live_search_answers_htmx_with_the_results_only(people, as_role):
    response = as_role("nurse").get(
        reverse("patients:list"), {"q": "lov"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Lovelace" in response.text
