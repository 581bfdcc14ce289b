from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ketaclinic.accounts.access import staff_required
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.accounts.requests import AppRequest, StaffRequest
from ketaclinic.clinics.models import Resource
from ketaclinic.inputs import OUT_OF_RANGE, calendar_date
from ketaclinic.patients.queries import (
    patient_for_actor,
    patient_search,
    patients_seen,
    record_for_actor,
    urgent_risk,
)
from ketaclinic.scheduling import eligibility, forms, queries, services, slots
from ketaclinic.scheduling.models import Appointment, AppointmentType, WaitlistEntry


def _location(request: AppRequest):
    if request.location is None:
        raise Http404("You work at no location yet.")
    return request.location


def _parse_day(request: AppRequest, location) -> date:
    """The day asked for in `?day=`; today when none, or a word of why not."""
    value = request.GET.get("day")
    day = calendar_date(value)
    if day is not None:
        return day
    if value:
        messages.error(request, f"That is not a day the calendar shows. {OUT_OF_RANGE}")
    return timezone.now().astimezone(location.zone).date()


@staff_required(Perm.SCHEDULE_VIEW)
def calendar_day(request: StaffRequest) -> HttpResponse:
    """One day at the active location: chairs and rooms as columns.

    A free cell's link comes back here with the chair and the time
    (`?resource=&at=`): the page then finds the patient to book there.

    Queries: session, user, locations, opening hours, closures, resources,
    allocations with their appointments and patients, staff allocations (8).
    """
    location = _location(request)
    day = _parse_day(request, location)
    calendar = queries.day_calendar(location, day)
    cell = _chosen_cell(request, calendar)
    text = request.GET.get("q", "")[:100] if cell else ""
    matches = list(patient_search(request.user, text)[:8]) if text else []
    patients_seen(
        request.actor,
        purpose=f"Schedule of {day:%b %-d, %Y}"
        + (f', searched patients for "{text}"' if text else ""),
    )
    return render(
        request,
        "scheduling/day.html",
        {
            "day": day,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "calendar": calendar,
            "cell": cell,
            "q": text,
            "matches": matches,
        },
    )


def _chosen_cell(request: StaffRequest, calendar: queries.DayCalendar) -> dict | None:
    """The free cell named by `?resource=&at=HH:MM`, when the user may book."""
    if not can(request.user, Perm.SCHEDULE_EDIT):
        return None
    resource, at = request.GET.get("resource", ""), request.GET.get("at", "")
    return next(
        (
            cell
            for cell in calendar.free_cells
            if str(cell["resource"].pk) == resource and f"{cell['start']:%H:%M}" == at
        ),
        None,
    )


@staff_required(Perm.SCHEDULE_VIEW)
def calendar_week(request: StaffRequest) -> HttpResponse:
    """Seven days, a column each, every appointment with its chair or room.

    Queries: session, user, locations, appointments with patients and types,
    their resource allocations, opening hours, closures (7).
    """
    location = _location(request)
    day = _parse_day(request, location)
    monday = day - timedelta(days=day.weekday())
    days = queries.week_calendar(location, monday)
    # Book from the week: find the patient, then their free times this week.
    text = request.GET.get("q", "")[:100]
    matches = list(patient_search(request.user, text)[:8]) if text else []
    patients_seen(
        request.actor,
        purpose=f"Week of {monday:%b %-d, %Y}"
        + (f', searched patients for "{text}"' if text else ""),
    )
    return render(
        request,
        "scheduling/week.html",
        {
            "days": days,
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "q": text,
            "matches": matches,
            "start_date": max(monday, timezone.localdate()),
        },
    )


def _slot_rows(found: list[slots.Slot], location) -> list[dict]:
    rows = []
    for slot in found:
        places = sorted({a.resource_id for a in slot.allocations if a.resource_id})
        rows.append(
            {
                "slot": slot,
                "local": slot.start.astimezone(location.zone),
                "places": places,
            }
        )
    return rows


def _acknowledged(request: StaffRequest) -> dict[str, str]:
    """The reasons posted for open urgent tasks, by key."""
    return {
        name[len("ack_") :]: request.POST.get(name, "")
        for name in request.POST
        if name.startswith("ack_")
    }


@staff_required(Perm.SCHEDULE_EDIT)
def book(request: StaffRequest, patient_uuid) -> HttpResponse:
    """Find the next free times for a patient, then book one.

    An infusion is refused for a patient who is not a signed candidate, and
    asks an acknowledgement of each open urgent task first
    (scheduling.eligibility)."""
    location = _location(request)
    patient = patient_for_actor(
        request.actor, patient_uuid, purpose="Booking", perm=Perm.SCHEDULE_EDIT
    )
    page = {
        "patient": patient,
        "urgent": urgent_risk(patient),
    }
    if request.method == "POST":
        form = forms.BookForm(request.POST)
        if form.is_valid():
            chosen = form.cleaned_data["type"]
            try:
                appointment = services.appointment_book(
                    actor=request.actor,
                    patient=patient,
                    location=location,
                    appointment_type=chosen,
                    starts_at=form.cleaned_data["starts_at"],
                    notes=form.cleaned_data["notes"],
                    resource_id=form.cleaned_data["resource"],
                    acknowledgements=_acknowledged(request),
                )
            except services.AcknowledgementNeeded as asked:
                acknowledge = forms.AcknowledgeForm(
                    request.POST if _acknowledged(request) else None,
                    needed=asked.needed,
                )
                acknowledge.is_valid()  # the errors beside the empty reasons
                return render(
                    request,
                    "scheduling/book.html",
                    {
                        **page,
                        "form": forms.FindTimeForm(
                            initial={"type": chosen}, location=location
                        ),
                        "acknowledge": acknowledge,
                        "booking": form.cleaned_data,
                        "booking_local": form.cleaned_data["starts_at"].astimezone(
                            location.zone
                        ),
                        "chosen_type": chosen,
                    },
                    status=409,
                )
            except services.BookingRefused as refused:
                return render(
                    request,
                    "scheduling/book.html",
                    {
                        **page,
                        "form": forms.FindTimeForm(
                            initial={"type": chosen}, location=location
                        ),
                        "refused": refused.message,
                        "found": _slot_rows(refused.alternatives, location),
                        "chosen_type": chosen,
                    },
                    status=409,
                )
            messages.success(request, "Booked.")
            return redirect("scheduling:appointment", appointment.uuid)
        messages.error(request, "That time could not be read; pick one from the list.")
        return redirect(request.path)
    searching = "type" in request.GET
    # From the calendar's free cell: its day, time and chair are filled in.
    find = forms.FindTimeForm(
        request.GET if searching else None,
        initial={
            "start_date": request.GET.get("start_date") or timezone.localdate(),
            "not_before": request.GET.get("not_before"),
            "resource": request.GET.get("resource"),
        },
        location=location,
    )
    found = []
    chosen_type = chosen_resource = None
    refusal = ""
    if searching and find.is_valid():
        chosen_type = find.cleaned_data["type"]
        chosen_resource = find.cleaned_data["resource"]
        refusal = eligibility.booking_check(patient, chosen_type).refusal
    if chosen_type is not None and not refusal:
        day_start = datetime.combine(
            find.cleaned_data["start_date"], time.min, location.zone
        )
        earliest = max(day_start, services.earliest_start(chosen_type))
        weekdays = find.cleaned_data["weekdays"]
        found = _slot_rows(
            queries.find_free(
                location=location,
                appointment_type=chosen_type,
                earliest=earliest,
                latest=earliest + timedelta(days=forms.SEARCH_DAYS),
                count=10,
                weekdays=frozenset(weekdays) if weekdays else None,
                day_window=find.day_window(),
                patient_id=patient.pk,
                resource_id=chosen_resource.pk if chosen_resource else None,
            ),
            location,
        )
    names = dict(Resource.objects.filter(location=location).values_list("id", "name"))
    for row in found:
        row["places"] = [names.get(pk, "?") for pk in row["places"]]
    return render(
        request,
        "scheduling/book.html",
        {
            **page,
            "form": find,
            "found": found,
            "chosen_type": chosen_type,
            "chosen_resource": chosen_resource,
            "refused": refusal,
        },
    )


def _appointment_for(
    request: AppRequest, appointment_uuid, *, purpose: str, perm: Perm
) -> Appointment:
    """A visit at a location the user works at (a lead's consultation too)."""
    return record_for_actor(
        request.actor,
        Appointment.objects.select_related("patient", "inquiry", "type", "location"),
        purpose=purpose,
        perm=perm,
        location_field="location",
        uuid=appointment_uuid,
    )


# The button of each status an appointment page offers, and what it asks first.
STATUS_BUTTONS = {
    Appointment.Status.CONFIRMED: ("Confirm", ""),
    Appointment.Status.CHECKED_IN: ("Check in", ""),
    Appointment.Status.IN_PROGRESS: ("Start", ""),
    Appointment.Status.COMPLETED: ("Mark done", ""),
    Appointment.Status.NO_SHOW: ("No-show", "Mark as no-show? The chair is freed."),
}


def _appointment_page(
    request: AppRequest,
    appointment: Appointment,
    *,
    status: int = 200,
    **extra,
) -> HttpResponse:
    """The appointment page, offering only what the visit allows now (the
    rules: Appointment.open_statuses). A move picks a day (`?move_day=`), then
    one of that day's free times; a refused move offers the nearest ones.
    A move sent back (refused, or with a field missing) shows what was sent."""
    zone = appointment.location.zone
    open_now = appointment.open_statuses(timezone.now())
    sent = request.POST if request.method == "POST" else None
    asked = sent if sent and "move_day" in sent else request.GET
    day_form = forms.MoveDayForm(asked if "move_day" in asked else None)
    times = [t.astimezone(zone) for t in extra.get("alternatives", [])]
    if not times and day_form.is_valid():
        times = _free_starts_on(appointment, day_form.cleaned_data["move_day"])
    context = {
        "appointment": appointment,
        "allocations": appointment.allocations.filter(active=True).select_related(
            "resource", "staff"
        ),
        "local_start": appointment.starts_at.astimezone(zone),
        "local_end": appointment.ends_at.astimezone(zone),
        "buttons": [
            {"status": value, "label": label, "ask": ask}
            for value, (label, ask) in STATUS_BUTTONS.items()
            if value in open_now
        ],
        "can_cancel": Appointment.Status.CANCELLED in open_now,
        "day_form": day_form,
        "move_form": forms.MoveForm(sent, zone=zone, times=times),
        "move_times": times,
        "cancel_form": forms.CancelForm(),
        "history": queries.appointment_history(appointment),
        # An infusion that moves is booked again under the urgent-task rule.
        "urgent": urgent_risk(appointment.patient)
        if appointment.patient and appointment.type.kind == INFUSION
        else None,
        **extra,
    }
    return render(request, "scheduling/appointment.html", context, status=status)


def _free_starts_on(appointment: Appointment, day: date) -> list[datetime]:
    """The times the visit could start on `day`, in the location's time."""
    zone = appointment.location.zone
    day_start = datetime.combine(day, time.min, zone)
    earliest = max(day_start, services.earliest_start(appointment.type))
    found = queries.find_free(
        location=appointment.location,
        appointment_type=appointment.type,
        earliest=earliest,
        latest=day_start + timedelta(days=1),
        count=MOVE_TIMES,
        exclude_appointment_id=appointment.pk,
        patient_id=appointment.patient_id,
        inquiry_id=appointment.inquiry_id,
    )
    return [slot.start.astimezone(zone) for slot in found]


INFUSION = AppointmentType.Kind.INFUSION

# At most this many free times are offered for a day a visit moves to.
MOVE_TIMES = 48


@staff_required(Perm.SCHEDULE_VIEW)
def appointment_detail(request: StaffRequest, appointment_uuid) -> HttpResponse:
    appointment = _appointment_for(
        request, appointment_uuid, purpose="Appointment", perm=Perm.SCHEDULE_VIEW
    )
    return _appointment_page(request, appointment)


@require_POST
@staff_required(Perm.SCHEDULE_EDIT)
def appointment_status(request: StaffRequest, appointment_uuid, status: str):
    if status not in Appointment.Status.values:
        raise Http404
    appointment = _appointment_for(
        request, appointment_uuid, purpose="Appointment status", perm=Perm.SCHEDULE_EDIT
    )
    reason = ""
    if status == Appointment.Status.CANCELLED:
        form = forms.CancelForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Say why the appointment is cancelled.")
            return redirect("scheduling:appointment", appointment.uuid)
        reason = form.cleaned_data["reason"]
    try:
        services.appointment_set_status(
            actor=request.actor,
            appointment=appointment,
            status=status,
            reason=reason,
        )
    except services.BookingRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"{appointment.get_status_display()}.")
    return redirect("scheduling:appointment", appointment.uuid)


@require_POST
@staff_required(Perm.SCHEDULE_EDIT)
def appointment_move(request: StaffRequest, appointment_uuid):
    appointment = _appointment_for(
        request, appointment_uuid, purpose="Move appointment", perm=Perm.SCHEDULE_EDIT
    )
    zone = appointment.location.zone
    form = forms.MoveForm(request.POST, zone=zone)
    if form.is_valid():
        try:
            services.appointment_move(
                actor=request.actor,
                appointment=appointment,
                starts_at=form.cleaned_data["starts_at"],
                reason=form.cleaned_data["reason"],
                acknowledgements=_acknowledged(request),
            )
        except services.AcknowledgementNeeded as asked:
            acknowledge = forms.AcknowledgeForm(
                request.POST if _acknowledged(request) else None,
                needed=asked.needed,
            )
            acknowledge.is_valid()  # the errors beside the empty reasons
            return _appointment_page(
                request,
                appointment,
                status=409,
                acknowledge=acknowledge,
                moving=form.cleaned_data,
                moving_local=form.cleaned_data["starts_at"].astimezone(zone),
            )
        except services.BookingRefused as refused:
            return _appointment_page(
                request,
                appointment,
                status=409,
                refused=refused.message,
                alternatives=[s.start.astimezone(zone) for s in refused.alternatives],
            )
        messages.success(request, "Moved.")
        return redirect("scheduling:appointment", appointment.uuid)
    return _appointment_page(request, appointment, status=400)


@staff_required(Perm.SCHEDULE_VIEW)
def waitlist(request: StaffRequest) -> HttpResponse:
    location = _location(request)
    entries = (
        WaitlistEntry.objects.filter(location=location)
        .exclude(status=WaitlistEntry.Status.REMOVED)
        .select_related("patient", "type")
    )
    patients_seen(request.actor, purpose="Waitlist")
    return render(request, "scheduling/waitlist.html", {"entries": entries})


@staff_required(Perm.SCHEDULE_EDIT)
def waitlist_add(request: StaffRequest, patient_uuid) -> HttpResponse:
    location = _location(request)
    patient = patient_for_actor(
        request.actor, patient_uuid, purpose="Add to waitlist", perm=Perm.SCHEDULE_EDIT
    )
    form = forms.WaitlistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.waitlist_add(
            actor=request.actor,
            patient=patient,
            location=location,
            appointment_type=form.cleaned_data["type"],
            earliest=form.cleaned_data["earliest"],
            latest=form.cleaned_data["latest"],
            notes=form.cleaned_data["notes"],
        )
        messages.success(request, f"{patient.display_name} is on the waitlist.")
        return redirect(reverse("scheduling:waitlist"))
    return render(
        request, "scheduling/waitlist_add.html", {"patient": patient, "form": form}
    )
