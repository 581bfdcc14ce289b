from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qsl

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketaclinic.patients.models import Patient
from ketaclinic.patients.queries import LIST_ORDER, SearchTerms, patient_search
from ketaclinic.patients.text import name_key
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


def many_patients(location, count: int, **fields) -> None:
    """`count` patients in one insert (Patient.save() fills the name keys)."""
    patients = []
    for i in range(count):
        patient = Patient(
            location=location,
            mrn=f"B{i:07d}",
            first_name=fields.get("first_name", f"Pat{i:04d}"),
            last_name=fields.get("last_name", f"Smith{i:04d}"),
            date_of_birth=date(1980, 1, 1),
        )
        patient.last_name_key = name_key(patient.last_name)
        patient.first_name_key = name_key(patient.first_name)
        patients.append(patient)
    Patient.objects.bulk_create(patients)


def test_a_large_count_reads_more_than_a_thousand(world, as_role):
    many_patients(world.home, 1001)
    client = as_role("nurse")
    search = client.get(reverse("patients:list"), {"q": "smi"}).text
    assert "More than 1,000 matches for “smi” at your locations." in search
    listing = client.get(reverse("patients:list")).text
    assert "More than 1,000 patients at Home clinic." in listing
    one_less = client.get(reverse("patients:list"), {"q": "smith0"}).text
    assert "1,000 matches for “smith0”" in one_less


def names_on(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'/patients/[0-9a-f-]{36}/">([^<]+)</a>', response.text)


def follow(client, response, rel: str) -> tuple[list[list[str]], object]:
    """The pages from `response` on, by the pager's Next (rel="next") or
    Previous (rel="prev") link, and the last page reached."""
    pages = [names_on(response)]
    while link := re.search(rf'<a href="\?([^"]+)" rel="{rel}">', response.text):
        query = dict(parse_qsl(link.group(1).replace("&amp;", "&")))
        response = client.get(reverse("patients:list"), query)
        pages.append(names_on(response))
    return pages, response


@pytest.mark.parametrize("q", ["", "lo"])
def test_next_and_previous_walk_every_page_once_in_order(world, as_role, settings, q):
    """Deep pages by cursor: every patient once, in list order, whichever way;
    a one-word search lists those whose last name matches, then those whose
    first name does, each once."""
    settings.KETACLINIC_PAGE_SIZE = 5
    for i in range(9):
        make_patient(world.home, last_name=f"Lopez{i % 4}", first_name=f"Ann{i}")
    for i in range(7):
        make_patient(world.home, last_name=f"Baker{i}", first_name=f"Lou{i % 3}")
    make_patient(world.home, last_name="Lord", first_name="Lola")  # both names
    client = as_role("nurse")
    first = client.get(reverse("patients:list"), {"q": q} if q else {})
    pages, last = follow(client, first, "next")
    names = [name for page in pages for name in page]
    expected = sorted(
        Patient.objects.filter(location=world.home).values_list(
            "last_name_key", "first_name_key", "id", "last_name", "first_name"
        )
    )
    if q:  # last names first, then first names
        by_last = [row for row in expected if row[0].startswith(q)]
        by_first = sorted(
            (row for row in expected if row[1].startswith(q) and row not in by_last),
            key=lambda row: (row[1], row[0], row[2]),
        )
        expected = by_last + by_first
    assert names == [f"{row[3]}, {row[4]}" for row in expected]
    assert all(len(page) == 5 for page in pages[:-1]) and len(pages) >= 4
    back, _ = follow(client, last, "prev")
    assert back[::-1] == pages


def test_a_deep_page_costs_what_the_first_does(world, as_role, settings):
    """Keyset pages: a page deep in the list runs the first page's queries and
    one more (the cursor's row), not a longer scan."""
    settings.KETACLINIC_PAGE_SIZE = 5
    many_patients(world.home, 60)
    client = as_role("nurse")
    for params in ({}, {"q": "s"}):
        first, _ = list_queries(client, **params)
        deepest = Patient.objects.order_by(*LIST_ORDER).filter(location=world.home)[54]
        deep, text = list_queries(client, **params, after=str(deepest.uuid))
        assert deep == first + 1
        assert 'rel="prev"' in text and "Smith0055" in text


def test_an_unknown_cursor_shows_the_first_page(world, as_role):
    client = as_role("nurse")
    for cursor in ("nonsense", str(world.foreign_patient.uuid)):
        response = client.get(reverse("patients:list"), {"after": cursor})
        assert response.status_code == 200
        assert "Lovelace, Ada" in response.text
        assert 'rel="prev"' not in response.text


def test_live_search_answers_htmx_with_the_results_only(people, as_role):
    response = as_role("nurse").get(
        reverse("patients:list"), {"q": "lov"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Lovelace" in response.text


def test_a_row_shows_every_column_with_its_words_escaped(world, as_role):
    make_patient(
        world.home,
        last_name="O'Hara <b>",
        first_name="Ann & Co",
        preferred_name='"<i>Annie</i>"',
        mrn="E0000001",
        date_of_birth=date(1990, 1, 2),
    )
    page = as_role("nurse").get(reverse("patients:list"), {"q": "o'h"}).text
    patient = Patient.objects.get(mrn="E0000001")
    row = re.search(r"<tr><td><a href=.*?</tr>", page).group(0)
    assert row == (
        f'<tr><td><a href="/patients/{patient.uuid}/">O&#x27;Hara &lt;b&gt;, '
        'Ann &amp; Co</a> <span class="muted">“&quot;&lt;i&gt;Annie&lt;/i&gt;'
        '&quot;”</span></td><td data-label="Date of birth">Jan 2, 1990</td>'
        '<td data-label="MRN">E0000001</td>'
        '<td data-label="Phone">(303) 555-0142</td>'
        f'<td data-label="Location">{world.home.name}</td></tr>'
    )


def test_a_birth_date_is_written_as_the_date_filter_writes_it():
    from django.utils import dateformat

    from ketaclinic.patients.queries import _born

    for day in [date(1990, 1, 2), date(2001, 5, 31), date(1899, 12, 9)] + [
        date(1975, month, 15) for month in range(1, 13)
    ]:
        assert _born(day) == dateformat.format(day, "M j, Y")


@pytest.mark.parametrize("q", ["lo", "l"])
def test_a_search_over_two_locations_merges_them_in_order(world, as_role, settings, q):
    """Each location is walked on its own: the pages merge them, in list
    order (last names first, then first names), every patient once."""
    settings.KETACLINIC_PAGE_SIZE = 4
    nurse = world.staff["nurse"]
    nurse.locations.add(world.other)
    for i in range(7):
        make_patient(world.home, last_name=f"Lopez{i % 3}", first_name=f"Ann{i}")
        make_patient(world.other, last_name=f"Lopez{i % 4}", first_name=f"Bea{i}")
        make_patient(world.other, last_name=f"Baker{i}", first_name=f"Lou{i % 2}")
    client = as_role("nurse")
    pages, last = follow(client, client.get(reverse("patients:list"), {"q": q}), "next")
    names = [name for page in pages for name in page]
    rows = sorted(
        Patient.objects.values_list(
            "last_name_key", "first_name_key", "id", "last_name", "first_name"
        )
    )
    by_last = [row for row in rows if row[0].startswith(q)]
    by_first = sorted(
        (row for row in rows if row[1].startswith(q) and row not in by_last),
        key=lambda row: (row[1], row[0], row[2]),
    )
    assert names == [f"{row[3]}, {row[4]}" for row in by_last + by_first]
    assert any("Ann" in n for n in names) and any("Bea" in n for n in names)
    assert len(pages) >= 5
    back, _ = follow(client, last, "prev")
    assert back[::-1] == pages
