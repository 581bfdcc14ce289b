"""A provider opens the "maintenance due" worklist and books a demo patient's
maintenance infusion: the booking page opens with the type and the due day."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ketaclinic.accounts.models import User
from ketaclinic.treatment.maintenance import maintenance_due
from ketaclinic.treatment.models import Protocol

pytestmark = pytest.mark.e2e


def test_a_provider_follows_book_from_the_maintenance_worklist(page, sign_in, demo):
    rows = maintenance_due(User.objects.get(username="provider"), timezone.now())
    soon = next(row for row in rows if row.days_left > 0)
    booster = Protocol.objects.get(key="depression_maintenance").appointment_type
    sign_in(page, "provider")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Maintenance due"
    ).click()
    expect(page.get_by_role("heading", name="Maintenance due")).to_be_visible()
    overdue = page.get_by_role("row").filter(has_text="overdue by")
    expect(overdue.first).to_contain_text("First maintenance interval")
    row = page.get_by_role("row").filter(has_text=soon.patient.mrn)
    expect(row).to_contain_text(soon.when)  # "due in N days"
    expect(row).to_contain_text("4 weeks")
    row.get_by_role("link", name=re.compile("^Book maintenance for")).click()
    expect(page).to_have_url(re.compile(r"/book/"))
    expect(page.get_by_label("From")).to_have_value(soon.due_on.isoformat())
    expect(page.get_by_label("Appointment type")).to_have_value(str(booster.pk))
