"""Protocol defaults: what CLINICAL.md says, each with its source, and each one
computable by the dosing core."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from ketaclinic.clinical.dosing import (
    DosingRefused,
    Refusal,
    dose_mg,
    hourly_rate_mg_per_h,
    hourly_total_mg,
    prepare_infusion,
)
from ketaclinic.clinical.maintenance import CHRONIC_PAIN_POLICY, DEPRESSION_POLICY
from ketaclinic.clinical.protocols import (
    CRPS_HOURLY,
    DEPRESSION_INDUCTION,
    INDUCTION_PROTOCOLS,
    MAINTENANCE_PROTOCOLS,
    PROTOCOLS,
    PTSD_INDUCTION,
    RECOVERY_MINUTES_MIN,
    DoseUnit,
    Phase,
    Protocol,
    Series,
)
from ketaclinic.clinical.screening import INDICATIONS

D = Decimal


def test_the_depression_induction_follows_clinical_md() -> None:
    protocol = DEPRESSION_INDUCTION
    # CLINICAL.md 1.1 and 7: 0.5 mg/kg in 100 mL 0.9% NaCl over 40 min
    assert (protocol.amount_per_kg, protocol.dose_unit) == (
        D("0.5"),
        DoseUnit.MG_PER_KG,
    )
    assert (protocol.minutes, protocol.bag_volume_ml) == (40, D(100))
    assert protocol.diluent == "0.9% sodium chloride"
    # CLINICAL.md 1.1: 0.1 to 0.75 mg/kg (Andrade)
    assert (protocol.limits.usual_low, protocol.limits.usual_high) == (
        D("0.1"),
        D("0.75"),
    )
    # CLINICAL.md 1.2: six infusions, never on consecutive days
    assert (protocol.series.infusions, protocol.series.min_days_apart) == (6, 2)
    assert protocol.series.min_hours_apart == 48
    assert [
        (step.after_infusions, step.amount_per_kg) for step in protocol.titration
    ] == [(2, D("0.75"))]
    assert protocol.recovery_minutes == 30  # CLINICAL.md 3
    assert protocol.maintenance is DEPRESSION_POLICY


def test_the_crps_protocol_doses_by_the_hour_with_its_cap() -> None:
    protocol = CRPS_HOURLY
    # CLINICAL.md 2.2, Schwartzman: 0.35 mg/kg/h, never over 25 mg/h, 4 h, 10 days
    assert protocol.dose_unit is DoseUnit.MG_PER_KG_PER_H
    assert (protocol.amount_per_kg, protocol.limits.cap) == (D("0.35"), D(25))
    assert (protocol.minutes, protocol.series.infusions) == (240, 10)
    assert protocol.recovery_minutes == 60  # CLINICAL.md 2.2 and 3: about 1 h
    assert protocol.maintenance is CHRONIC_PAIN_POLICY
    rate = hourly_rate_mg_per_h(protocol.amount_per_kg, D(80), protocol.limits)
    four_hours_mg = hourly_total_mg(rate, D(protocol.minutes))
    assert four_hours_mg == D(100)
    infusion = prepare_infusion(
        four_hours_mg,
        vial_mg_per_ml=D(50),
        bag_volume_ml=protocol.bag_volume_ml,
        minutes=D(protocol.minutes),
    )
    assert infusion.rate_ml_per_h == D(25)  # 100 mL at 25 mL/h


def test_ptsd_keeps_its_own_range() -> None:
    # CLINICAL.md 2.3: 0.2 and 0.5 mg/kg studied
    assert (PTSD_INDUCTION.limits.usual_low, PTSD_INDUCTION.limits.usual_high) == (
        D("0.2"),
        D("0.5"),
    )
    assert PTSD_INDUCTION.titration == ()


@pytest.mark.parametrize("protocol", PROTOCOLS.values(), ids=list(PROTOCOLS))
def test_every_protocol_names_its_sources(protocol: Protocol) -> None:
    assert protocol.indication in INDICATIONS
    for source in (
        protocol.source,
        protocol.limits.source,
        protocol.series.source,
        protocol.recovery_source,
        protocol.maintenance.source,
        *(step.source for step in protocol.titration),
    ):
        assert "CLINICAL.md" in source or "clinic policy" in source
    assert protocol.recovery_minutes >= RECOVERY_MINUTES_MIN


@pytest.mark.parametrize("protocol", PROTOCOLS.values(), ids=list(PROTOCOLS))
def test_every_protocol_gives_a_dose_for_a_70_kg_patient(protocol: Protocol) -> None:
    if protocol.dose_unit is DoseUnit.MG_PER_KG:
        total_mg = dose_mg(protocol.amount_per_kg, D(70), protocol.limits).amount
    else:
        rate = hourly_rate_mg_per_h(protocol.amount_per_kg, D(70), protocol.limits)
        total_mg = hourly_total_mg(rate, D(protocol.minutes))
    infusion = prepare_infusion(
        total_mg,
        vial_mg_per_ml=D(10),
        bag_volume_ml=protocol.bag_volume_ml,
        minutes=D(protocol.minutes),
    )
    assert infusion.rate_ml_per_h == protocol.bag_volume_ml * 60 / protocol.minutes
    with pytest.raises(DosingRefused) as refused:
        dose_mg(protocol.amount_per_kg * 10, D(70), protocol.limits)
    assert refused.value.refusal is Refusal.DOSE_TEN_TIMES_TOO_LARGE


def test_each_induction_has_a_single_infusion_booster() -> None:
    assert len(PROTOCOLS) == len(INDUCTION_PROTOCOLS) + len(MAINTENANCE_PROTOCOLS)
    assert all(protocol.phase is Phase.INDUCTION for protocol in INDUCTION_PROTOCOLS)
    for booster in MAINTENANCE_PROTOCOLS:
        assert booster.phase is Phase.MAINTENANCE
        assert booster.series.infusions == 1
        assert booster.titration == ()
    booster = PROTOCOLS["depression_maintenance"]
    assert booster.name == "Depression: maintenance booster"
    assert booster.amount_per_kg == DEPRESSION_INDUCTION.amount_per_kg


def test_a_protocol_refuses_a_default_outside_its_range() -> None:
    with pytest.raises(ValueError, match="outside its usual range"):
        dataclasses.replace(DEPRESSION_INDUCTION, amount_per_kg=D(1))


def test_a_protocol_refuses_a_recovery_under_30_minutes() -> None:
    with pytest.raises(ValueError, match="at least 30 minutes"):
        dataclasses.replace(DEPRESSION_INDUCTION, recovery_minutes=20)


def test_a_series_that_cannot_fit_its_window_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot fit"):
        Series(
            infusions=6, within_days=10, min_days_apart=2, min_hours_apart=48, source=""
        )
