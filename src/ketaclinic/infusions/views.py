"""The infusion chart of one session: parse, call the services, render.

The page is made of one partial per part of the day (checks, dose and pump,
flowsheet, events and medicines, recovery and discharge, note); each part's
forms post to their own views (`check_views`, `monitor_views`,
`discharge_views`), and the board has `board_views`.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ketaclinic.accounts.access import staff_required
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.accounts.requests import StaffRequest
from ketaclinic.infusions import monitor_views, offline_views, queries, services
from ketaclinic.patients.queries import record_for_actor
from ketaclinic.scheduling.models import Appointment


def session_context(request: StaffRequest, session) -> dict:
    """What every part of the session page needs."""
    context = {
        "session": session,
        "patient": session.patient,
        "plan": session.plan,
        "may_chart": can(request.user, Perm.INFUSION_CHART),
        "may_sign": can(request.user, Perm.SIGN),
        **queries.chart_of(session),
        **offline_views.chart_settings(request, session),
    }
    # The checklist and the dose and pump parts (check_views).
    from ketaclinic.infusions import check_views

    context.update(check_views.part_context(request, session))
    # Monitoring: the flowsheet and events parts (monitor_views).
    context.update(monitor_views.monitor_context(request, session, context))
    return context


@staff_required(Perm.INFUSION_VIEW)
def session_page(request: StaffRequest, session_uuid) -> HttpResponse:
    session = queries.session_for_actor(
        request.actor, session_uuid, purpose="Infusion chart"
    )
    context = session_context(request, session)
    # A refused discharge comes back here with what was typed and why.
    from ketaclinic.infusions.discharge_views import kept_refusal

    context["discharge_form"] = kept_refusal(request, session)
    return render(request, "infusions/session.html", context)


@require_POST
@staff_required(Perm.INFUSION_CHART)
def check_in(request: StaffRequest, appointment_uuid) -> HttpResponse:
    appointment = record_for_actor(
        request.actor,
        Appointment.objects.select_related("patient", "type", "location"),
        purpose="Check in for the infusion",
        perm=Perm.INFUSION_CHART,
        location_field="location",
        uuid=appointment_uuid,
    )
    try:
        session = services.check_in(actor=request.actor, appointment=appointment)
    except services.InfusionRefused as refused:
        messages.error(request, " ".join(refused.errors.values()))
        return redirect("scheduling:appointment", appointment.uuid)
    return redirect("infusions:session", session.uuid)
