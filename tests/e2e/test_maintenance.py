"""A provider opens the "maintenance due" worklist and books a demo patient's
maintenance infusion: the booking page opens with the type and the due day."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ketaclinic.clinics.models import Location
from ketaclinic.treatment.demo import MAINTENANCE_DEMO_DAYS_AGO
from ketaclinic.treatment.models import Protocol

pytestmark = pytest.mark.e2e


def test_a_provider_follows_book_from_the_maintenance_worklist(page, sign_in, demo):
    zone = Location.objects.get().zone
    today = timezone.now().astimezone(zone).date()
    soon = 28 - MAINTENANCE_DEMO_DAYS_AGO[1]  # the depression policy: 4 weeks
    booster = Protocol.objects.get(key="depression_maintenance").appointment_type
    sign_in(page, "provider")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Maintenance due"
    ).click()
    expect(page.get_by_role("heading", name="Maintenance due")).to_be_visible()
    overdue = page.get_by_role("row").filter(has_text="overdue by")
    expect(overdue.first).to_contain_text("First maintenance interval")
    row = page.get_by_role("row").filter(has_text=f"due in {soon} days")
    expect(row).to_contain_text("4 weeks")
    row.get_by_role("link", name=re.compile("^Book maintenance for")).click()
    expect(page).to_have_url(re.compile(r"/book/"))
    due = today + timedelta(days=soon)
    expect(page.get_by_label("From")).to_have_value(due.isoformat())
    expect(page.get_by_label("Appointment type")).to_have_value(str(booster.pk))
