"""What the infusion chart adds to the pages of the apps below it."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.dispatch import receiver

from ketaclinic.infusions.models import CoSignature, Session, SessionNote
from ketaclinic.patients.models import Patient
from ketaclinic.patients.signals import chart_shown
from ketaclinic.prepared import prepared_objects

# The patient's chart lists this many of the latest sessions.
CHART_SESSIONS = 20


def chart_sessions(patient: Patient) -> list[Session]:
    """The patient's latest sessions with their dose, events, discharge score
    and whether the note is signed and co-signed: one query, built once."""
    return prepared_objects(("chart_sessions",), _sessions_of, patient.pk)


def _sessions_of(patient_id: int):
    in_force = SessionNote.objects.filter(
        session=OuterRef("pk"), amended_by__isnull=True
    )
    return (
        Session.objects.filter(patient_id=patient_id)
        .select_related("discharge")
        .annotate(
            events=Count("side_effects", filter=Q(side_effects__corrected_by=None)),
            note_signed=Exists(in_force),
            note_cosigned=Exists(
                CoSignature.objects.filter(
                    note__session=OuterRef("pk"), note__amended_by__isnull=True
                )
            ),
        )
        .order_by("-checked_in_at", "-id")[:CHART_SESSIONS]
    )


@receiver(chart_shown)
def sessions_on_chart(
    sender: Any, *, patient: Patient, clinical: bool, **kwargs: Any
) -> dict[str, Any]:
    """The infusions, for readers of clinical data."""
    if not clinical:
        return {}
    return {"infusion_sessions": chart_sessions(patient)}
