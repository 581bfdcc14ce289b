"""The ledger's pages through real requests: a delivery received, a draw and
its waste before a witness on one screen, a count that finds a vial missing,
the discrepancy resolved; bad input shown beside its field with nothing
written; the reports as pages, printable pages and CSV in bounded queries."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketaclinic.audit.models import AuditEvent
from ketaclinic.audit.services import Actor
from ketaclinic.inventory import queries, services
from ketaclinic.inventory.models import Entry, EntryKind, Lot
from ketaclinic.inventory.reports import REPORTS
from tests.conftest import PASSWORD, client_for, make_patient
from tests.inventory.helpers import received, stock

D = Decimal

REPORT_URLS = [
    f"/ledger/reports/{name}/{suffix}"
    for name in REPORTS
    for suffix in ("", "print/", "csv/")
]


@pytest.fixture
def shelf(world):
    return stock(world)


def receive_post(shelf, **changes):
    data = {
        "safe": shelf.safe.pk,
        "supplier": shelf.supplier.pk,
        "product": shelf.product.pk,
        "lot_number": "K2002",
        "expires_on": (timezone.localdate() + timedelta(days=300)).isoformat(),
        "containers": "10",
        "ordered_containers": "",
        "invoice_number": "INV-77",
    }
    data.update(changes)
    return data


def test_a_manager_receives_a_box(world, shelf):
    manager = client_for(world.staff["manager"])
    assert manager.get("/ledger/receive/").status_code == 200
    response = manager.post("/ledger/receive/", receive_post(shelf))
    assert response.status_code == 302
    lot = Lot.objects.get(number="K2002")
    assert queries.balance(lot, shelf.safe) == D("2000")
    page = manager.get("/ledger/").content.decode()
    assert "K2002" in page and "2000 mg" in page


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("containers", "-3", "more than zero"),
        ("containers", "2.5", "whole number"),
        ("expires_on", "2001-01-01", "has passed"),
        ("lot_number", "", "lot number"),
        ("safe", "99999", "valid choice"),
    ],
)
def test_bad_input_on_receipt_is_shown_beside_its_field(
    world, shelf, field, value, words
):
    before = Entry.objects.count()
    response = client_for(world.staff["manager"]).post(
        "/ledger/receive/", receive_post(shelf, **{field: value})
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors or (field == "safe" and "safe" in errors), errors
    assert words.lower() in " ".join(errors[field]).lower()
    assert Entry.objects.count() == before


def test_a_nurse_is_refused_the_receipt_and_front_desk_the_ledger(world, shelf):
    assert client_for(world.staff["nurse"]).get("/ledger/receive/").status_code == 403
    assert client_for(world.staff["front_desk"]).get("/ledger/").status_code == 403


def draw_post(world, shelf, **changes):
    data = {
        "mrn": world.patient.mrn,
        "lot": shelf.lot.pk,
        "safe": shelf.safe.pk,
        "container": "",
        "mg": "35",
        "ml": "",
        "waste_mg": "5",
        "witness": "provider",
        "witness_secret": PASSWORD,
    }
    data.update(changes)
    return data


def test_a_draw_and_its_waste_before_a_witness_on_one_screen(world, shelf):
    received(world, shelf)
    nurse = client_for(world.staff["nurse"])
    assert 'type="password"' in nurse.get("/ledger/draw/").content.decode()
    response = nurse.post("/ledger/draw/", draw_post(world, shelf))
    assert response.status_code == 302, response.context["form"].errors
    drawn = Entry.objects.get(kind=EntryKind.DRAW)
    assert drawn.patient == world.patient
    wasted = Entry.objects.get(kind=EntryKind.WASTE)
    assert wasted.source == drawn and wasted.witness == world.staff["provider"]
    assert wasted.witnessed_with_credentials


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"witness_secret": "not-it"}, "witness_secret"),
        ({"witness": "nurse"}, "witness"),  # the nurse herself
        ({"witness": "front_desk"}, "witness"),  # not licensed
        ({"witness": "nobody"}, "witness"),
        ({"mrn": "X0"}, "mrn"),
        ({"mg": "abc"}, "mg"),
        ({"mg": "500"}, "mg"),  # more than a vial holds
        ({"waste_mg": "40"}, "waste_mg"),  # more than was drawn
    ],
)
def test_a_refused_draw_writes_nothing(world, shelf, changes, field):
    received(world, shelf)
    before = Entry.objects.count()
    response = client_for(world.staff["nurse"]).post(
        "/ledger/draw/", draw_post(world, shelf, **changes)
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors, response.context["form"].errors
    assert Entry.objects.count() == before


def test_a_count_finds_a_vial_missing_and_the_manager_resolves_it(world, shelf):
    received(world, shelf, containers=3)
    nurse = client_for(world.staff["nurse"])
    page = nurse.get("/ledger/count/")
    assert page.status_code == 200
    response = nurse.post(
        "/ledger/count/",
        {
            "safe": shelf.safe.pk,
            "kind": "count",
            f"sealed_{shelf.lot.pk}": "2",
            f"open_{shelf.lot.pk}": "",
            "witness": "provider",
            "witness_secret": PASSWORD,
        },
    )
    assert response.status_code == 302
    gap = Entry.objects.get(kind=EntryKind.DISCREPANCY)
    assert gap.expected_mg == D("600") and gap.counted_mg == D("400")

    manager = client_for(world.staff["manager"])
    worklist = manager.get("/ledger/discrepancies/").content.decode()
    assert "400" in worklist and "600" in worklist
    url = f"/ledger/discrepancies/{gap.uuid}/resolve/"
    empty = manager.post(url, {f"r{gap.pk}-reason": ""})
    assert empty.status_code == 400
    assert "Say how the discrepancy was resolved." in empty.content.decode()
    assert not Entry.objects.filter(kind=EntryKind.DISCREPANCY_RESOLUTION).exists()
    done = manager.post(
        f"/ledger/discrepancies/{gap.uuid}/resolve/",
        {
            f"r{gap.pk}-reason": "Vial broken in transit, found in the sharps bin",
            f"r{gap.pk}-accept_count": "on",
        },
    )
    assert done.status_code == 302
    assert queries.balance(shelf.lot, shelf.safe) == D("400")
    assert (
        "Nothing to resolve" in manager.get("/ledger/discrepancies/").content.decode()
    )


def test_a_correction_names_the_entry_and_its_reason(world, shelf):
    entry = received(world, shelf, containers=3)
    manager = client_for(world.staff["manager"])
    url = f"/ledger/entries/{entry.uuid}/correct/"
    assert manager.post(url, {"quantity": "400", "reason": ""}).status_code == 400
    assert manager.post(url, {"quantity": "400", "reason": "Two vials, not three"})
    correction = Entry.objects.get(kind=EntryKind.CORRECTION)
    assert correction.corrects == entry
    assert queries.balance(shelf.lot, shelf.safe) == D("400")


def test_a_loss_shows_the_dates_it_must_be_reported_by(world, shelf):
    received(world, shelf)
    response = client_for(world.staff["manager"]).post(
        "/ledger/loss/",
        {
            "lot": shelf.lot.pk,
            "safe": shelf.safe.pk,
            "container": "",
            "containers": "1",
            "mg": "",
            "loss_type": "theft_employee",
            "circumstances": "One vial missing at the morning count",
            "significant": "on",
            "police_notified": "on",
            "police_department": "Denver PD",
            "police_report_number": "24-1",
            "thefts_in_last_24_months": "0",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Form 106" in page
    loss = Entry.objects.get(kind=EntryKind.LOSS)
    assert loss.facts["form_106_by"] in page
    report = client_for(world.staff["manager"]).get("/ledger/reports/losses/")
    assert "Denver PD" in report.content.decode()


def test_reports_as_page_print_and_csv_in_bounded_queries(
    world, shelf, django_assert_max_num_queries
):
    received(world, shelf, containers=5)
    nurse = Actor.staff(world.staff["nurse"], world.home)
    world.patient.address_line1 = "=HYPERLINK(1)"
    world.patient.save()
    for _ in range(4):
        draw = services.draw(
            actor=nurse, lot=shelf.lot, safe=shelf.safe, mg="35", patient=world.patient
        )
        services.waste(
            actor=nurse,
            draw=draw,
            mg="5",
            witness=world.staff["provider"],
            witness_secret=PASSWORD,
        )
    client = client_for(world.staff["manager"])
    for url in REPORT_URLS:
        with django_assert_max_num_queries(20):
            response = client.get(url)
        assert response.status_code == 200, url
    csv = b"".join(
        client.get("/ledger/reports/administration/csv/").streaming_content
    ).decode()
    assert "Lovelace, Ada" in csv
    assert "'=HYPERLINK(1)" in csv  # a formula is written as text
    assert csv.count("\n") == 5  # the header and four draws
    read = AuditEvent.objects.filter(summary__startswith="Ledger administration log")
    assert read.count() == 4  # page, printable page, CSV, and the CSV again
    bad = client.get("/ledger/reports/administration/?start=2026-05-01&end=2020-01-01")
    assert bad.status_code == 200 and "before the start" in bad.content.decode()
    assert client.get("/ledger/reports/nothing/").status_code == 404


def test_the_manager_exports_every_record(world, shelf):
    received(world, shelf)
    response = client_for(world.staff["manager"]).get("/ledger/export/")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert {"entries.csv", "lots.csv", "safes.csv", "patients.csv"} <= set(
        archive.namelist()
    )
    assert "K1001" in archive.read("lots.csv").decode()
    assert client_for(world.staff["nurse"]).get("/ledger/export/").status_code == 403


def test_the_home_flags_expiring_lots_and_vials_past_their_use(world, shelf):
    received(world, shelf)
    Lot.objects.filter(pk=shelf.lot.pk).update(
        expires_on=timezone.localdate() + timedelta(days=10)
    )
    nurse = Actor.staff(world.staff["nurse"], world.home)
    services.draw(
        actor=nurse,
        lot=shelf.lot,
        safe=shelf.safe,
        mg="10",
        at=timezone.now() - timedelta(days=40),
    )
    page = client_for(world.staff["nurse"]).get("/ledger/").content.decode()
    assert "Expires soon" in page
    assert "Past its use" in page


def test_the_menu_offers_the_ledger_to_the_roles_that_keep_it(world):
    for role, shown in (("nurse", True), ("manager", True), ("front_desk", False)):
        page = client_for(world.staff[role]).get("/patients/").content.decode()
        assert ('href="/ledger/"' in page) is shown, role


def _queries_of_each_report(client) -> dict[str, int]:
    made = {}
    for url in REPORT_URLS:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200, url
        made[url] = len(captured.captured_queries)
    return made


def _a_busy_day(world, shelf, day: int) -> None:
    """A new lot delivered, drawn for new patients by a nurse and a provider
    (each witnessing the other's waste), a short count resolved and a theft."""
    manager = Actor.staff(world.staff["manager"], world.home)
    lot = received(world, shelf, 6, lot_number=f"Q{day}").lot
    assert lot is not None
    people = (world.staff["nurse"], world.staff["provider"])
    for n in range(3):
        who, witness = people[n % 2], people[(n + 1) % 2]
        patient = make_patient(world.home, last_name=f"Day{day}", first_name=f"P{n}")
        draw = services.draw(
            actor=Actor.staff(who, world.home),
            lot=lot,
            safe=shelf.safe,
            mg="40",
            patient=patient,
        )
        services.waste(
            actor=Actor.staff(who, world.home),
            draw=draw,
            mg="5",
            witness=witness,
            witness_secret=PASSWORD,
        )
    lines = [
        services.CountLine(h.lot_id, h.sealed_containers, h.open_mg / 10)
        for h in queries.balances_of_safe(shelf.safe)
    ]
    lines = [
        services.CountLine(line.lot, line.sealed - 1, line.open_ml)
        if line.lot == lot.pk
        else line
        for line in lines
    ]
    counted = services.count(
        actor=Actor.staff(world.staff["nurse"], world.home),
        safe=shelf.safe,
        lines=lines,
        witness=world.staff["provider"],
        witness_secret=PASSWORD,
    )
    gap = next(e for e in counted if e.kind == EntryKind.DISCREPANCY)
    services.resolve(
        actor=manager, entry=gap, reason="Found broken.", accept_count=True
    )
    services.loss(
        actor=manager,
        lot=lot,
        safe=shelf.safe,
        containers=1,
        facts=services.LossFacts(
            loss_type="theft_break_in",
            circumstances="Safe forced overnight.",
            police_notified=True,
            police_department="Denver Police",
        ),
    )


def test_each_report_reads_as_many_queries_whatever_its_length(world, shelf):
    client = client_for(world.staff["manager"])
    _a_busy_day(world, shelf, 1)
    _queries_of_each_report(client)  # the first request of each warms caches
    one_day = _queries_of_each_report(client)
    for day in range(2, 5):
        _a_busy_day(world, shelf, day)
    assert Entry.objects.filter(location=world.home).count() > 4 * 12
    assert _queries_of_each_report(client) == one_day
    assert max(one_day.values()) <= 16
