"""The clinic's protocols, first made from ketaclinic.clinical.protocols.

Only missing protocols are made: a protocol the manager edited is never
overwritten. The data migration, the demo and `ketaclinic seed_protocols` call
`protocols_seed`.
"""

from __future__ import annotations

from typing import Any

from ketaclinic.clinical import plan_orders
from ketaclinic.clinical.protocols import PROTOCOLS, Protocol

# The appointment type each protocol books, by the code of the default types
# (ketaclinic.scheduling.defaults): 40-minute infusions, or 4-hour pain sessions.
APPOINTMENT_TYPE_OF = {"mg/kg": "infusion-depression", "mg/kg/h": "infusion-pain"}


def maintenance_record(protocol: Protocol) -> dict[str, Any]:
    policy = protocol.maintenance
    return {
        "indication": policy.indication,
        "start_days": policy.start_days,
        "floor_days": policy.floor_days,
        "cap_days": policy.cap_days,
        "lengthen_step_days": policy.lengthen_step_days,
        "shorten_step_days": policy.shorten_step_days,
        "source": policy.source,
    }


def protocol_fields(protocol: Protocol) -> dict[str, Any]:
    limits = protocol.limits
    return {
        "name": protocol.name,
        "indication": protocol.indication,
        "phase": protocol.phase.value,
        "dose_unit": protocol.dose_unit.value,
        "amount_per_kg": protocol.amount_per_kg,
        "usual_low": limits.usual_low,
        "usual_high": limits.usual_high,
        "hard_max": limits.hard_max,
        "cap": limits.cap,
        "limits_source": limits.source,
        "titration": [
            {
                "after_infusions": step.after_infusions,
                "amount_per_kg": str(step.amount_per_kg),
                "source": step.source,
            }
            for step in protocol.titration
        ],
        "minutes": protocol.minutes,
        "bag_volume_ml": protocol.bag_volume_ml,
        "diluent": protocol.diluent,
        "source": protocol.source,
        "infusions": protocol.series.infusions,
        "within_days": protocol.series.within_days,
        "min_days_apart": protocol.series.min_days_apart,
        "min_hours_apart": protocol.series.min_hours_apart,
        "series_source": protocol.series.source,
        "recovery_minutes": protocol.recovery_minutes,
        "recovery_source": protocol.recovery_source,
        "maintenance": maintenance_record(protocol),
        "standing_orders": [
            order.as_record() for order in plan_orders.DEFAULT_STANDING_ORDERS
        ],
        "vital_limits": {
            "limits": [limit.as_record() for limit in plan_orders.DEFAULT_VITAL_LIMITS],
            "source": plan_orders.SOURCE_VITAL_LIMITS,
        },
    }


def protocols_seed(protocol_model: Any = None, type_model: Any = None) -> int:
    """Make each missing protocol; returns how many were made. The migration
    passes its historical models."""
    if protocol_model is None:
        from ketaclinic.scheduling.defaults import ensure_default_types
        from ketaclinic.scheduling.models import AppointmentType
        from ketaclinic.treatment.models import Protocol as ProtocolModel

        protocol_model, type_model = ProtocolModel, AppointmentType
        ensure_default_types()
    types = {
        t.code: t
        for t in type_model.objects.filter(code__in=APPOINTMENT_TYPE_OF.values())
    }
    made = 0
    for key, protocol in PROTOCOLS.items():
        booked_as = types.get(APPOINTMENT_TYPE_OF[protocol.dose_unit.value])
        existing = protocol_model.objects.filter(key=key)
        if existing.exists():
            # The types are made with the first visit: fill only what is unset.
            if booked_as is not None:
                existing.filter(appointment_type=None).update(
                    appointment_type=booked_as
                )
            continue
        protocol_model.objects.create(
            key=key,
            appointment_type=booked_as,
            **protocol_fields(protocol),
        )
        made += 1
    return made
