"""What the recovery and note parts of the session page need, worked out from
the session in the page's context (the page's own context stays as it is)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from ketaclinic.infusions import discharge, notes
from ketaclinic.infusions.discharge_forms import CoSignForm, DischargeForm, NoteSignForm
from ketaclinic.infusions.models import Discharge, Override, Session

register = template.Library()

DISCHARGE_OVERRIDES = ("recovery_minimum", "discharge_score", "escort")


@register.simple_tag(takes_context=True)
def recovery_of(context: Any) -> dict:
    session: Session = context["session"]
    now = timezone.now()
    vitals = context.get("vitals")
    if vitals is None:
        vitals = notes.vitals_of(session)
    record = (
        Discharge.objects.filter(session=session).select_related("by").first()
        if session.state == Session.State.DISCHARGED
        else None
    )
    out: dict[str, Any] = {
        "in_recovery": session.state == Session.State.RECOVERY
        and session.stopped_at is not None,
        "record": record,
        **discharge.recovery_context(session, list(vitals), now),
    }
    if record is not None:
        out["overrides"] = list(
            Override.objects.filter(
                session=session, about__in=DISCHARGE_OVERRIDES
            ).select_related("by")
        )
    if out["in_recovery"] and context.get("may_chart"):
        out["form"] = context.get("discharge_form") or DischargeForm(session=session)
    return out


@register.simple_tag(takes_context=True)
def note_of(context: Any) -> dict:
    session: Session = context["session"]
    versions = notes.versions(session)
    amended = {note.amends_id for note in versions if note.amends_id}
    in_force = next(
        (note for note in reversed(versions) if note.pk not in amended), None
    )
    out: dict[str, Any] = {
        "versions": versions,
        "current": in_force,
        "discharged": session.state == Session.State.DISCHARGED,
    }
    if out["discharged"] and context.get("may_chart"):
        form = context.get("note_form")
        if form is None:
            if in_force is None:
                chart = {
                    key: context[key]
                    for key in (
                        "checks",
                        "overrides",
                        "draws",
                        "pump_events",
                        "vitals",
                        "side_effects",
                        "medications",
                    )
                    if key in context
                }
                text = notes.draft(session, chart=chart if len(chart) == 7 else None)
            else:
                text = in_force.text
            form = NoteSignForm(initial={"text": text})
        out["form"] = form
        out["amends"] = in_force
    if in_force is not None and context.get("may_sign"):
        cosigned = hasattr(in_force, "cosignature")
        if not cosigned:
            out["cosign_form"] = context.get("cosign_form") or CoSignForm()
    return out
