"""The demo clinic's ledger agrees with its infusions: each infusion whose
drug was drawn has one ledger draw of the chart's amount, the waste of what
was not given, and the manager's worklist holds only the deliberate items."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.clinics.models import Location
from ketaclinic.core.demo import load_demo
from ketaclinic.infusions.models import DrugDraw, Session, Waste
from ketaclinic.inventory import queries
from ketaclinic.inventory.models import Entry, EntryKind
from tests.conftest import client_for

ZERO = Decimal(0)


def _sum(values) -> Decimal:
    return sum(values, ZERO)


def test_every_infusion_given_has_its_draw_and_waste_in_the_ledger(db):
    load_demo(password="ketamine-demo")
    location = Location.objects.get()
    today = timezone.localdate(timezone.now(), location.zone)
    given = Session.objects.filter(location=location, started_at__isnull=False)
    past = [
        s
        for s in given
        if timezone.localtime(s.started_at, location.zone).date() < today
    ]
    assert len(past) > 50  # months of infusions
    for session in given:
        chart_draws = DrugDraw.objects.filter(session=session, corrected_by=None)
        drawn = _sum(d.mg_drawn for d in chart_draws)
        wasted = _sum(
            w.mg_wasted
            for w in Waste.objects.filter(draw__in=chart_draws, corrected_by=None)
        )
        draws = list(
            Entry.objects.filter(kind=EntryKind.DRAW, session_uuid=session.uuid)
        )
        assert len(draws) == 1, session.pk
        draw = draws[0]
        waste = Entry.objects.filter(kind=EntryKind.WASTE, source=draw)
        assert draw.quantity_mg == drawn
        assert draw.patient_id == session.patient_id
        assert draw.lot is not None
        assert draw.lot.number == chart_draws[0].lot_number
        assert _sum(w.quantity_mg for w in waste) == wasted
        assert all(w.witness_id and w.witness_id != w.who_id for w in waste)
        if session in past:
            assert draw.quantity_mg - wasted == session.dose_mg, session.pk
    # No balance ever went below zero.
    assert not Entry.objects.filter(balance_after_mg__lt=0).exists()
    assert all(h.mg >= 0 for h in queries.balances_of_location(location.pk))
    # The worklist: the one count difference left open, and no infusion
    # given without a draw.
    manager = client_for(User.objects.get(username="manager"))
    page = manager.get("/ledger/discrepancies/").content.decode()
    assert "Infusions given with no draw in the ledger" not in page
    assert page.count('<section class="card"') == 1
    (item,) = queries.worklist(location.pk)
    assert item.entry.kind == EntryKind.DISCREPANCY
