"""The controlled-drug ledger in a browser: a manager receives a box of vials;
a nurse draws for a patient and wastes the rest before a witness who types
their own password; the end-of-day count finds one vial missing, which the
manager finds on the discrepancy worklist and resolves with a reason."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ketaclinic.inventory import queries
from ketaclinic.inventory.models import Entry, EntryKind, Lot, Safe
from ketaclinic.patients.models import Patient

pytestmark = pytest.mark.e2e


def test_a_box_received_drawn_wasted_counted_and_a_missing_vial_resolved(
    new_page, sign_in, demo
):
    safe = Safe.objects.get(name="Medication room safe")
    patient = Patient.objects.filter(location=safe.location).order_by("mrn").first()
    assert patient is not None

    manager = new_page()
    sign_in(manager, "manager")
    manager.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Ledger"
    ).click()
    manager.get_by_role("link", name="Receive").click()
    manager.get_by_label("Into the safe").select_option(label=str(safe))
    manager.get_by_label("Supplier").select_option(index=1)
    manager.get_by_label("Invoice or packing-slip number").fill("FR-E2E-1")
    manager.get_by_label("Product").select_option(index=1)
    manager.get_by_label("Lot number (printed on the vials)").fill("E2E1")
    expiry = timezone.localdate() + timedelta(days=400)
    manager.get_by_label("Expiry date (printed on the vials)").fill(expiry.isoformat())
    manager.get_by_label("Vials received").fill("-2")
    manager.get_by_role("button", name="Record the delivery").click()
    expect(
        manager.get_by_text("The number of vials must be more than zero.")
    ).to_be_visible()
    assert not Lot.objects.filter(number="E2E1").exists()
    manager.get_by_label("Vials received").fill("10")
    manager.get_by_role("button", name="Record the delivery").click()
    expect(manager.get_by_text("Received 10 vials of lot E2E1")).to_be_visible()
    lot = Lot.objects.get(number="E2E1")

    nurse = new_page()
    sign_in(nurse, "nurse")
    nurse.goto("/ledger/draw/")
    nurse.get_by_label("Patient's MRN").fill(patient.mrn)
    nurse.get_by_label("Lot").select_option(label=str(lot))
    nurse.get_by_label("Safe").select_option(label=str(safe))
    nurse.get_by_label("Drawn (mg)").fill("40")
    nurse.get_by_label("Wasted (mg)").fill("5")
    nurse.get_by_label("Witness's username").fill("nurse2")
    secret = nurse.get_by_label("Witness's own password", exact=False)
    secret.fill("not the password")
    nurse.get_by_role("button", name="Record the draw").click()
    expect(nurse.get_by_text("That is not the witness's password")).to_be_visible()
    assert not Entry.objects.filter(lot=lot, kind=EntryKind.DRAW).exists()
    nurse.get_by_label("Witness's own password", exact=False).fill(demo)
    nurse.get_by_role("button", name="Record the draw").click()
    expect(nurse.get_by_text("Drawn 40 mg of lot E2E1, 5 mg wasted.")).to_be_visible()
    waste = Entry.objects.get(lot=lot, kind=EntryKind.WASTE)
    assert waste.witness.username == "nurse2" and waste.witnessed_with_credentials

    # The end-of-day count: every lot as the ledger has it, but one sealed
    # vial of the new lot is missing.
    nurse.goto(f"/ledger/count/?safe={safe.pk}")
    for holding in queries.balances_of_safe(safe):
        number = Lot.objects.get(pk=holding.lot_id).number
        sealed = holding.sealed_containers - (1 if holding.lot_id == lot.pk else 0)
        nurse.get_by_label(f"Lot {number}: sealed vials").fill(str(sealed))
        open_ml = holding.open_mg / Decimal(10)
        nurse.get_by_label(f"Lot {number}: mL left", exact=False).fill(f"{open_ml:f}")
    nurse.get_by_label("Witness's username").fill("nurse2")
    nurse.get_by_label("Witness's own password", exact=False).fill(demo)
    nurse.get_by_role("button", name="Record the count").click()
    expect(nurse.get_by_text("it is on the discrepancy worklist")).to_be_visible()

    manager.goto("/ledger/discrepancies/")
    # The nurse's draw from the ledger page names no infusion session: it is
    # on the worklist too. The count's difference is the one resolved here.
    counted = manager.locator("section").filter(has_text="A count found")
    item = counted.filter(has_text="lot E2E1")
    expect(item).to_contain_text("where the ledger has")
    item.get_by_role("button", name="Resolve").click()
    expect(manager.get_by_text("Say how the discrepancy was resolved.")).to_be_visible()
    item = counted.filter(has_text="lot E2E1")
    item.get_by_label("How it was resolved").fill(
        "Vial dropped during restocking; found broken, recorded late."
    )
    item.get_by_label("Bring the balance to what was counted").check()
    item.get_by_role("button", name="Resolve").click()
    expect(manager.get_by_text("The discrepancy is resolved.")).to_be_visible()
    expect(counted.filter(has_text="lot E2E1")).to_have_count(0)
    # 10 vials less the vial drawn from, less the vial missing: 8 sealed.
    on_shelf = {h.lot_id: h for h in queries.balances_of_safe(safe)}[lot.pk]
    assert on_shelf.sealed_containers == 8
