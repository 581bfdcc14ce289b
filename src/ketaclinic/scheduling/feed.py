"""A staff member's own schedule as an iCalendar feed, at a secret URL
(/calendar/<token>.ics; the token is made on /messages/calendar/).

Calendar apps fetch it without signing in, so it says as little as it can:
the kind of visit, the patient's initials, the place and the staff member's
own phases. Never a patient's name.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import groupby

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from ketaclinic.accounts.requests import AppRequest
from ketaclinic.notifications.models import CalendarFeedToken
from ketaclinic.scheduling import ics
from ketaclinic.scheduling.models import Allocation, Appointment

FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=180)


def initials(patient) -> str:
    names = (patient.first_name.strip(), patient.last_name.strip())
    return "".join(f"{name[0].upper()}." for name in names if name)


def staff_events(user, now: datetime) -> list[ics.Event]:
    """One event per visit the staff member holds a seat in, over their phases."""
    allocations = (
        Allocation.objects.filter(
            staff=user,
            active=True,
            appointment__status__in=Appointment.HOLDING,
            starts_at__gte=now - FEED_PAST,
            starts_at__lte=now + FEED_AHEAD,
        )
        .select_related(
            "appointment__patient",
            "appointment__inquiry",
            "appointment__type",
            "appointment__location",
        )
        .order_by("appointment_id", "starts_at")
    )
    events = []
    for _, group in groupby(allocations, key=lambda a: a.appointment_id):
        parts = list(group)
        appointment = parts[0].appointment
        # A free consultation may be for a lead who has no chart yet.
        person = appointment.patient or appointment.inquiry
        phases = ", ".join(dict.fromkeys(part.phase for part in parts))
        events.append(
            ics.Event(
                uid=f"{appointment.uuid}-{user.pk}@ketaclinic",
                starts_at=min(part.starts_at for part in parts),
                ends_at=max(part.ends_at for part in parts),
                summary=f"{appointment.type.name}: {initials(person)}",
                location=appointment.location.name,
                description=f"Your part: {phases}. "
                f"Status: {appointment.get_status_display()}.",
            )
        )
    events.sort(key=lambda event: event.starts_at)
    return events


@never_cache
def staff_calendar(request: AppRequest, token: str) -> HttpResponse:
    feed = CalendarFeedToken.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    user = feed.user
    body = ics.calendar(
        staff_events(user, timezone.now()),
        name=f"ketaclinic: {user.get_full_name() or user.username}",
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="schedule.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
