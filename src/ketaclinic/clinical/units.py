"""Weights and heights as typed, in the unit typed: kg or lb, cm or feet and
inches; the check of a new weight against the last one; durations in hours.

Conversions are exact, by definition (the international yard and pound
agreement of 1959): 1 lb = 0.45359237 kg and 1 in = 2.54 cm (body.CM_PER_INCH).
Nothing here rounds; a chart rounds only for display.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_CEILING, Decimal

from ketaclinic.clinical.body import CM_PER_INCH

KG_PER_LB = Decimal("0.45359237")
INCHES_PER_FOOT = 12

# A new weight that differs from the last by more than this share of it asks
# the person recording it to confirm. Reasoned, not a published threshold:
# ketamine is dosed in mg/kg, so a weight 10% wrong gives a dose 10% wrong; a
# real change of that size within weeks or months is itself a reason to look
# again (unintended loss of more than 5% in a month, or 7.5% in three months,
# counts as severe in the ASPEN/Academy consensus on adult malnutrition, White
# et al., JPEN 2012;36:275); and the common slip, pounds typed as kilograms, is
# a change of +120% (kilograms as pounds, -55%). A clinic sets its own with
# KETACLINIC_WEIGHT_CHANGE_CONFIRM_PERCENT.
WEIGHT_CHANGE_CONFIRM_PERCENT = Decimal("10")


class WeightUnit(enum.StrEnum):
    KG = "kg"
    LB = "lb"


class HeightUnit(enum.StrEnum):
    CM = "cm"
    FEET_INCHES = "ft_in"


def weight_to_kg(value: Decimal, unit: WeightUnit) -> Decimal:
    """The weight in kg of `value` typed in `unit` (exact)."""
    return value * KG_PER_LB if WeightUnit(unit) == WeightUnit.LB else value


def kg_to_lb(kg: Decimal) -> Decimal:
    return kg / KG_PER_LB


def feet_inches_to_cm(feet: Decimal, inches: Decimal) -> Decimal:
    """5 ft 7 in -> 170.18 cm (exact)."""
    return (feet * INCHES_PER_FOOT + inches) * CM_PER_INCH


def inches_to_feet_inches(inches: Decimal) -> tuple[int, Decimal]:
    """67 -> (5, 7)."""
    feet = int(inches // INCHES_PER_FOOT)
    return feet, inches - feet * INCHES_PER_FOOT


@dataclass(frozen=True, slots=True)
class WeightChange:
    previous_kg: Decimal
    new_kg: Decimal

    @property
    def percent(self) -> Decimal:
        """The change as a percentage of the previous weight (signed)."""
        return (self.new_kg - self.previous_kg) / self.previous_kg * 100

    def needs_confirmation(
        self, threshold_percent: Decimal = WEIGHT_CHANGE_CONFIRM_PERCENT
    ) -> bool:
        return abs(self.percent) > threshold_percent


MINUTES_PER_HOUR = 60
_MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)


def hours_of(duration: timedelta) -> Decimal:
    """A duration in hours, exact to the microsecond (no float on the way)."""
    return Decimal(duration // timedelta(microseconds=1)) / _MICROSECONDS_PER_HOUR


def duration_of_hours(hours: Decimal) -> timedelta:
    """Hours as a duration, rounded up to the next microsecond (an end time is
    never announced early)."""
    microseconds = (hours * _MICROSECONDS_PER_HOUR).to_integral_value(ROUND_CEILING)
    return timedelta(microseconds=int(microseconds))
