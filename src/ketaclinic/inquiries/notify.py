"""What the pipeline tells visitors and staff, through the one sending path
(ketaclinic.notifications): each message is a row written inside the
transaction of the change that causes it, sent by the background worker.

Messages to a visitor are written in the language they used; messages to
staff stay in English and name the lead by first name and initial only.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, translation

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import Role
from ketaclinic.inquiries.models import (
    ConsultationMode,
    Inquiry,
    LeadAlert,
    Submission,
)
from ketaclinic.links import tokens as links
from ketaclinic.notifications import services as messages
from ketaclinic.patients.text import format_phone
from ketaclinic.scheduling import ics
from ketaclinic.scheduling.models import Appointment
from ketaclinic.words import labels_add

RECEIVED = "inquiry_received"
CONSULTATION_BOOKED = "consultation_booked"
CONSULTATION_CANCELLED = "consultation_cancelled"
LEAD_ALERT = "lead_alert"
labels_add(
    {
        RECEIVED: "Inquiry received",
        LEAD_ALERT: "New lead (to staff)",
        "lead_booking_link": "Consultation booking link",
    }
)

# Who hears of a lead at its location: the front desk and managers answer new
# leads; for an urgent one (a yes to the crisis question) providers too.
ALERT_ROLES: dict[str, tuple[Role, ...]] = {
    LeadAlert.Kind.NEW: (Role.FRONT_DESK, Role.MANAGER),
    LeadAlert.Kind.AGAIN: (Role.FRONT_DESK, Role.MANAGER),
    LeadAlert.Kind.URGENT: (Role.FRONT_DESK, Role.MANAGER, Role.PROVIDER),
}


def local_when(moment, location) -> str:
    """A visit's time on the location's clock, in the active language."""
    local = moment.astimezone(location.zone)
    # Translators: a date and time, in Django's date format (e.g. Tuesday,
    # March 3 at 9:30 AM).
    return dateformat.format(local, translation.gettext("l, F j \\a\\t g:i A"))


def crisis_context() -> dict[str, str]:
    return {
        "crisis_line": settings.KETACLINIC_CRISIS_LINE,
        "emergency_number": settings.KETACLINIC_EMERGENCY_NUMBER,
    }


def consultation_url(inquiry: Inquiry) -> str:
    """The lead's private link; it opens in the language the visitor wrote in."""
    return links.url(
        links.Purpose.CONSULTATION, inquiry.uuid, query={"lang": inquiry.language}
    )


def _visitor_context(inquiry: Inquiry) -> dict:
    return {
        "inquiry": inquiry,
        "first_name": inquiry.first_name,
        "location": inquiry.location,
        "booking_url": consultation_url(inquiry),
        **crisis_context(),
    }


def inquiry_received(inquiry: Inquiry, submission: Submission) -> None:
    """Thank the visitor and send the private link to book a consultation.

    Always to the address the lead was made with: a second form naming the
    same phone with another address must not receive this lead's link.
    """
    with translation.override(inquiry.language):
        messages.email_queue(
            to=inquiry.email,
            template=RECEIVED,
            context={**_visitor_context(inquiry), "crisis": submission.crisis},
            purpose=RECEIVED,
            dedupe_key=f"{RECEIVED}:{submission.pk}",
            location=inquiry.location,
        )


def booking_link_resend(inquiry: Inquiry, *, key: str):
    with translation.override(inquiry.language):
        return messages.email_queue(
            to=inquiry.email,
            template="lead_booking_link",
            context=_visitor_context(inquiry),
            purpose="lead_booking_link",
            dedupe_key=key,
            location=inquiry.location,
        )


def lead_email(inquiry: Inquiry, template: str, *, key: str, sender: User):
    """One of the front desk's one-click emails (templates lead_<template>)."""
    with translation.override(inquiry.language):
        return messages.email_queue(
            to=inquiry.email,
            template=f"lead_{template}",
            context={**_visitor_context(inquiry), "sender": sender},
            purpose=f"lead_{template}",
            dedupe_key=key,
            location=inquiry.location,
        )


def _consultation_context(inquiry: Inquiry, appointment: Appointment) -> dict:
    mode = inquiry.consultation_mode or (
        ConsultationMode.PHONE
        if appointment.type.remote
        else ConsultationMode.IN_PERSON
    )
    return {
        **_visitor_context(inquiry),
        "appointment": appointment,
        "mode": mode,
        "mode_label": ConsultationMode(mode).label,
        "when": local_when(appointment.starts_at, appointment.location),
        "minutes": int((appointment.ends_at - appointment.starts_at).seconds // 60),
        "phone": format_phone(inquiry.phone),
    }


def consultation_event(context: dict) -> ics.Event:
    appointment, location = context["appointment"], context["location"]
    if context["mode"] == ConsultationMode.IN_PERSON:
        where = ", ".join(
            p for p in (location.name, " ".join(location.address.split())) if p
        )
        how = where
    elif context["mode"] == ConsultationMode.VIDEO:
        where = ""
        how = translation.gettext("The clinic sends you the video call link.")
    else:
        where = ""
        how = translation.gettext("The clinic calls you.")
    description = "\n\n".join(
        part
        for part in (
            how,
            translation.gettext("Change or cancel: %(url)s")
            % {"url": context["booking_url"]},
            f"{location.name}: {format_phone(location.phone)}"
            if location.phone
            else "",
        )
        if part
    )
    return ics.Event(
        uid=f"{appointment.uuid}@ketaclinic",
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        summary=translation.gettext("Free consultation (%(mode)s), %(clinic)s")
        % {"mode": context["mode_label"], "clinic": location.name},
        location=where,
        description=description,
        sequence=appointment.history.count(),
    )


def consultation_booked(
    inquiry: Inquiry, appointment: Appointment, *, changed: bool = False
) -> None:
    """The booking (or its new time) with a calendar file (.ics)."""
    with translation.override(inquiry.language):
        context = {**_consultation_context(inquiry, appointment), "changed": changed}
        invite = ics.calendar([consultation_event(context)], method="PUBLISH")
        messages.email_queue(
            to=inquiry.email,
            template=CONSULTATION_BOOKED,
            context=context,
            purpose=CONSULTATION_BOOKED,
            dedupe_key=f"{CONSULTATION_BOOKED}:{appointment.uuid}:"
            f"{appointment.starts_at.isoformat()}",
            attachments=[
                messages.Attachment("consultation.ics", "text/calendar", invite)
            ],
            appointment=appointment,
        )


def consultation_cancelled(inquiry: Inquiry, appointment: Appointment) -> None:
    with translation.override(inquiry.language):
        messages.email_queue(
            to=inquiry.email,
            template=CONSULTATION_CANCELLED,
            context=_consultation_context(inquiry, appointment),
            purpose=CONSULTATION_CANCELLED,
            dedupe_key=f"{CONSULTATION_CANCELLED}:{appointment.uuid}",
            location=appointment.location,
        )


def alert_recipients(alert: LeadAlert) -> list[User]:
    return list(
        User.objects.filter(
            locations=alert.location,
            role__in=ALERT_ROLES[alert.kind],
            is_active=True,
        )
        .exclude(email="")
        .order_by("id")
    )


def staff_alert(alert: LeadAlert) -> int:
    """Email the staff who answer leads at the lead's location; returns how many."""
    inquiry = alert.inquiry
    context = {
        "alert": alert,
        "urgent": alert.kind == LeadAlert.Kind.URGENT,
        "again": alert.kind == LeadAlert.Kind.AGAIN,
        "short_name": f"{inquiry.first_name} {inquiry.last_name[:1]}.",
        "location": alert.location,
        "lead_url": links.absolute_url(reverse("inquiries:lead", args=[inquiry.uuid])),
        **crisis_context(),
    }
    written = 0
    with translation.override("en"):
        for user in alert_recipients(alert):
            written += (
                messages.email_queue(
                    to=user.email,
                    template=LEAD_ALERT,
                    context={**context, "recipient": user},
                    purpose=LEAD_ALERT,
                    dedupe_key=f"{LEAD_ALERT}:{alert.pk}:{user.pk}",
                    location=alert.location,
                )
                is not None
            )
    return written
