"""The protocol page as the clinic manager uses it: the main fields, the standing
as-needed orders, the vital-sign limits and the maintenance policy, each checked
by the clinical core as a plan is, saved together or not at all."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from ketaclinic.audit.models import AuditEvent
from ketaclinic.treatment.models import Protocol
from ketaclinic.treatment.seed import protocols_seed
from tests.conftest import client_for
from tests.treatment.helpers import page_data


@pytest.fixture
def protocol_page(world):
    protocols_seed()
    protocol = Protocol.objects.get(key="depression_induction")
    manager = client_for(world.staff["manager"])
    url = reverse("plans:protocol_edit", args=[protocol.key])
    page = manager.get(url)
    assert page.status_code == 200
    return manager, url, protocol, page


def _snapshot(protocol: Protocol) -> tuple:
    protocol.refresh_from_db()
    return (
        protocol.standing_orders,
        protocol.vital_limits,
        protocol.maintenance,
        protocol.recovery_minutes,
    )


def test_the_page_shows_orders_limits_and_policy_with_units(protocol_page):
    _, _, protocol, page = protocol_page
    text = page.text
    assert 'name="order-0-drug" value="ondansetron"' in text
    assert 'name="order-1-drug" value="midazolam"' in text
    # Every limit, the new ones included, with its unit and plausible range.
    for key, words in {
        "pre_sbp_ack": "(mmHg)",
        "pre_dbp_ack": "(mmHg)",
        "spo2_stop": "(%)",
        "moaas_pause": "(MOAA/S points)",
        "dissociation_alert": "(CADSS-6 points)",
    }.items():
        assert f'name="{key}"' in text
        assert words in text
    assert "From 1 to 4 MOAA/S points." in text
    # Numbers as people write them: no exponent, no trailing zeros.
    assert 'name="pre_sbp_hold" value="160"' in text
    assert 'name="order-0-dose_mg" value="4"' in text
    assert "E+" not in text
    assert "CLINICAL.md 1.7" in text
    assert 'name="maintenance_cap_days" value="91"' in text
    assert "Maintenance policy" in text


def test_saving_orders_limits_and_policy_in_one_change(protocol_page, world):
    manager, url, protocol, page = protocol_page
    data = page_data(page) | {
        "order-0-dose_mg": "8",
        "order-0-max_per_session_mg": "16",
        "order-2-drug": "Midazolam",
        "order-2-dose_mg": "2",
        "order-2-route": "IV",
        "order-2-indication": "agitation",
        "order-2-min_interval_minutes": "20",
        "order-2-max_per_session_mg": "2",
        "pre_sbp_ack": "145",
        "moaas_pause": "2",
        "maintenance_cap_days": "120",
        "maintenance_lengthen_step_days": "21",
    }
    saved = manager.post(url, data)
    assert saved.status_code == 302, saved.context and saved.context["form"].errors
    protocol.refresh_from_db()
    orders = protocol.standing_orders
    assert [o["drug"] for o in orders] == ["ondansetron", "midazolam", "midazolam"]
    assert orders[0]["dose_mg"] == "8"
    assert orders[0]["max_per_session_mg"] == "16"
    assert orders[0]["rxnorm"]
    # An order keeps the source of the protocol's order for the same drug.
    assert "CLINICAL.md 1.8" in orders[0]["source"]
    limits = {limit["key"]: limit for limit in protocol.vital_limits["limits"]}
    assert limits["pre_sbp_ack"]["value"] == "145"
    assert limits["pre_sbp_ack"]["unit"] == "mmHg"
    assert limits["moaas_pause"]["value"] == "2"
    assert "CLINICAL.md 1.7" in protocol.vital_limits["source"]
    assert protocol.maintenance["cap_days"] == 120
    assert protocol.maintenance["lengthen_step_days"] == 21
    assert protocol.maintenance["start_days"] == 28
    assert protocol.maintenance["source"]
    event = AuditEvent.objects.get(summary__startswith="Changed the protocol")
    assert "standing orders" in event.summary
    assert "maintenance policy" in event.summary
    # The page shows what was saved, and a plan written now starts from it.
    again = manager.get(url).text
    assert 'name="pre_sbp_ack" value="145"' in again
    assert 'name="maintenance_cap_days" value="120"' in again


def test_clearing_an_order_row_removes_the_order(protocol_page):
    manager, url, protocol, page = protocol_page
    data = page_data(page)
    for name in ("drug", "dose_mg", "indication", "max_per_session_mg"):
        data[f"order-1-{name}"] = ""
    data["order-1-min_interval_minutes"] = ""
    assert manager.post(url, data).status_code == 302
    protocol.refresh_from_db()
    assert [o["drug"] for o in protocol.standing_orders] == ["ondansetron"]


BAD_INPUT = [
    # (changes, field with the error, words of the message)
    (
        {"order-0-dose_mg": "20", "order-0-max_per_session_mg": "40"},
        ("order", 0, "dose_mg"),
        "over the limit of 16 mg",
    ),
    (
        {"order-0-max_per_session_mg": ""},
        ("order", 0, "max_per_session_mg"),
        "the most ondansetron",
    ),
    ({"order-0-drug": "unobtainium"}, ("order", 0, "drug"), "No RxNorm code"),
    (
        {"order-0-min_interval_minutes": "0"},
        ("order", 0, "min_interval_minutes"),
        "shortest time between two doses",
    ),
    ({"order-2-dose_mg": "4"}, ("order", 2, "drug"), "Name the drug"),
    ({"pre_sbp_hold": "400"}, "pre_sbp_hold", "not a plausible limit"),
    ({"pre_sbp_ack": "170"}, "pre_sbp_ack", "must be lower than the hold limit"),
    ({"spo2_stop": "95"}, "spo2_stop", "must be lower than the pause limit"),
    ({"moaas_pause": "5"}, "moaas_pause", "from 1 to 4 MOAA/S points"),
    ({"dissociation_alert": "12.5"}, "dissociation_alert", "whole number"),
    ({"hr_pause": "fast"}, "hr_pause", "number"),
    ({"maintenance_floor_days": "0"}, "maintenance_floor_days", "at least 1 day"),
    ({"maintenance_start_days": "7"}, "maintenance_start_days", "shorter than"),
    ({"maintenance_cap_days": "20"}, "maintenance_cap_days", "shorter than"),
    (
        {"maintenance_shorten_step_days": "0"},
        "maintenance_shorten_step_days",
        "never shortens",
    ),
    (
        {"maintenance_lengthen_step_days": "-3"},
        "maintenance_lengthen_step_days",
        "0 days or more",
    ),
    ({"maintenance_cap_days": "99999"}, "maintenance_cap_days", "730"),
]


@pytest.mark.parametrize(("changes", "where", "words"), BAD_INPUT)
def test_bad_input_is_named_beside_its_field_and_nothing_is_saved(
    protocol_page, changes, where, words
):
    manager, url, protocol, page = protocol_page
    before = _snapshot(protocol)
    events = AuditEvent.objects.count()
    # A good change elsewhere on the page is not saved either.
    refused = manager.post(url, page_data(page) | {"recovery_minutes": "45"} | changes)
    assert refused.status_code == 200
    if isinstance(where, tuple):
        _, row, field = where
        errors = refused.context["formset"][row].errors
    else:
        errors, field = refused.context["form"].errors, where
    assert field in errors, (errors, refused.context["form"].errors)
    assert words.lower() in " ".join(errors[field]).lower()
    assert "Please correct the field marked below. Nothing was saved." in (refused.text)
    # The message is shown on the page itself, next to the field.
    assert "error" in refused.text
    assert _snapshot(protocol) == before
    assert AuditEvent.objects.count() == events


def test_a_nurse_cannot_open_or_change_the_protocol(protocol_page, world):
    _, url, protocol, page = protocol_page
    nurse = client_for(world.staff["nurse"])
    before = _snapshot(protocol)
    assert nurse.get(url).status_code == 403
    assert nurse.post(url, page_data(page) | {"moaas_pause": "2"}).status_code == 403
    assert _snapshot(protocol) == before


def test_a_plan_written_after_the_change_starts_from_it(protocol_page, world):
    from tests.treatment.helpers import candidate

    manager, url, protocol, page = protocol_page
    data = page_data(page) | {"spo2_pause": "93", "maintenance_start_days": "35"}
    assert manager.post(url, data).status_code == 302
    candidate(world)
    provider = client_for(world.staff["provider"])
    form = provider.get(reverse("plans:new", args=[world.patient.uuid])).context["form"]
    assert form.initial["spo2_pause"] == Decimal("93")
    assert form.initial["maintenance_start_days"] == 35
    page = provider.get(reverse("plans:new", args=[world.patient.uuid])).text
    assert 'name="spo2_pause" value="93"' in page
    assert 'name="bag_volume_ml" value="100"' in page
    assert "E+" not in page


def test_errors_in_orders_and_limits_are_counted_together(protocol_page):
    manager, url, protocol, page = protocol_page
    before = _snapshot(protocol)
    refused = manager.post(
        url,
        page_data(page)
        | {"order-0-dose_mg": "20", "moaas_pause": "5", "maintenance_cap_days": "7"},
    )
    assert "Please correct the 3 fields marked below. Nothing was saved." in (
        refused.text
    )
    assert _snapshot(protocol) == before
