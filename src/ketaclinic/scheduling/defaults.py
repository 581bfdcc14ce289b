"""The appointment types a new clinic starts with, from CLINICAL.md.

A clinic changes them in the admin; these are the defaults and their sources.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from ketaclinic.scheduling.models import AppointmentPhase, AppointmentType


@dataclass(frozen=True)
class Phase:
    name: str
    minutes: int
    chair: bool = False
    room: bool = False
    nurse: bool = False
    provider: bool = False


# CLINICAL.md 1.5 (fasting, escort) and 3 (no driving or machinery for 24 h,
# effects wear off within about 2 h, suicidal thoughts -> 911 / 988).
INFUSION_INSTRUCTIONS = (
    "No solid food or milk for 6 hours before your infusion; clear liquids "
    "(water, black coffee) are fine until 2 hours before.\n"
    "Bring an adult escort who will take you home: without one the infusion "
    "cannot go ahead.\n"
    "Do not drive, operate heavy machinery or make important decisions for 24 "
    "hours afterwards. Mild effects usually wear off within about 2 hours.\n"
    "If you have thoughts of harming yourself, call or text 988, or 911."
)
INFUSION_QUESTIONS = [
    {"key": "escort_name", "label": "Your escort's name", "kind": "text"},
    {"key": "escort_phone", "label": "Your escort's phone", "kind": "phone"},
    {"key": "last_meal", "label": "When will you stop eating?", "kind": "time"},
]

TYPES: dict[str, dict] = {
    # CLINICAL.md 1.1: 0.5 mg/kg over 40 min; 3: at least 30 min recovery.
    "infusion-depression": {
        "name": "Infusion (depression, PTSD, anxiety)",
        "kind": AppointmentType.Kind.INFUSION,
        "color": "#7a5af8",
        "min_notice_hours": 24,
        "instructions": INFUSION_INSTRUCTIONS,
        "questions": INFUSION_QUESTIONS,
        "phases": [
            Phase("Preparation", 15, chair=True, nurse=True),
            Phase("Infusion", 40, chair=True, nurse=True),
            Phase("Recovery", 30, chair=True, nurse=True),
        ],
    },
    # CLINICAL.md 2.2: pain sessions up to 4 h (Schwartzman 4 h daily);
    # about 1 h recovery after infusions of 2 h or more.
    "infusion-pain": {
        "name": "Infusion (chronic pain)",
        "kind": AppointmentType.Kind.INFUSION,
        "color": "#dd2590",
        "min_notice_hours": 24,
        "instructions": INFUSION_INSTRUCTIONS,
        "questions": INFUSION_QUESTIONS,
        "phases": [
            Phase("Preparation", 15, chair=True, nurse=True),
            Phase("Infusion", 240, chair=True, nurse=True),
            Phase("Recovery", 60, chair=True, nurse=True),
        ],
    },
    "consultation": {
        "name": "Free consultation (in person)",
        "kind": AppointmentType.Kind.CONSULTATION,
        "color": "#0b5cad",
        "min_notice_hours": 2,
        "instructions": "Bring a list of the medicines you take, and of the "
        "antidepressants you have tried.",
        "questions": [],
        "phases": [Phase("Consultation", 30, room=True, provider=True)],
    },
    "consultation-remote": {
        "name": "Free consultation (phone or video)",
        "kind": AppointmentType.Kind.CONSULTATION,
        "remote": True,
        "color": "#2e90fa",
        "min_notice_hours": 2,
        "instructions": "We will call you at the time booked.",
        "questions": [],
        "phases": [Phase("Consultation", 30, provider=True)],
    },
    "follow-up": {
        "name": "Follow-up visit",
        "kind": AppointmentType.Kind.FOLLOW_UP,
        "color": "#12b76a",
        "min_notice_hours": 2,
        "instructions": "",
        "questions": [],
        "phases": [Phase("Follow-up", 20, room=True, provider=True)],
    },
}


def ensure_default_types() -> dict[str, AppointmentType]:
    """Create the default types that are missing; never change existing ones."""
    result = {}
    with transaction.atomic():
        for code, spec in TYPES.items():
            spec = dict(spec)
            phases = spec.pop("phases")
            kind, created = AppointmentType.objects.get_or_create(
                code=code, defaults=spec
            )
            if created:
                AppointmentPhase.objects.bulk_create(
                    AppointmentPhase(
                        type=kind,
                        order=order,
                        name=phase.name,
                        minutes=phase.minutes,
                        needs_chair=phase.chair,
                        needs_room=phase.room,
                        needs_nurse=phase.nurse,
                        needs_provider=phase.provider,
                    )
                    for order, phase in enumerate(phases, start=1)
                )
            result[code] = kind
    return result
