"""The lead pipeline for staff: the board, a lead's page and what is done there."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ketaclinic.accounts.access import forbidden, staff_required
from ketaclinic.accounts.locations import locations_of
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.inquiries import forms, links, queries, services
from ketaclinic.inquiries.content import site_content
from ketaclinic.inquiries.models import (
    ConsultationMode,
    ConsultationNote,
    Inquiry,
    Language,
    LeadAlert,
    Stage,
)
from ketaclinic.patients import queries as patient_queries


@staff_required(Perm.LEAD_WORK)
def board(request: HttpRequest) -> HttpResponse:
    """Every lead in its stage, with counts, filters, ages and first-contact times.

    Queries: session, user, locations (gate and middleware), the locations of
    the filter, stage counts, the leads of every stage, open alerts (7).
    """
    locations = locations_of(request.user)
    form = forms.BoardFilterForm(request.GET or None, locations=locations)
    filters = form.filters() if request.GET else queries.BoardFilters()
    columns = queries.board(request.user, filters)
    alerts = queries.open_alerts(request.user).count()
    return render(
        request,
        "inquiries/board.html",
        {
            "form": form,
            "columns": columns,
            "total": sum(column.count for column in columns),
            "open_alerts": alerts,
            "several_locations": len(locations) > 1,
        },
    )


def _lead_context(request: HttpRequest, inquiry: Inquiry, **extra) -> dict:
    notes = list(inquiry.notes.select_related("signed_by", "amends"))
    amended = {note.amends_id for note in notes if note.amends_id}
    return {
        "inquiry": inquiry,
        "submissions": list(inquiry.submissions.all()),
        "contacts": list(inquiry.contacts.select_related("by", "message")),
        "changes": list(inquiry.stage_changes.select_related("by")),
        "appointments": queries.consultations(inquiry),
        "notes": notes,
        "amended": amended,
        "clinical": can(request.user, Perm.CLINICAL_VIEW),
        "may_sign": can(request.user, Perm.SIGN),
        "may_convert": can(request.user, Perm.PATIENT_EDIT),
        "contact_form": forms.ContactForm(),
        "stage_form": forms.StageForm(initial={"stage": inquiry.stage}),
        "urgent_form": forms.UrgentClearForm(),
        "email_templates": services.EMAIL_TEMPLATES,
        "booking_url": links.consultation_url(inquiry),
        "now": timezone.now(),
        **extra,
    }


@staff_required(Perm.LEAD_WORK)
def lead(request: HttpRequest, inquiry_uuid) -> HttpResponse:
    inquiry = queries.inquiry_for_actor(request.actor, inquiry_uuid, purpose="Lead")
    return render(request, "inquiries/lead.html", _lead_context(request, inquiry))


def _refused(request: HttpRequest, inquiry: Inquiry, message: str):
    messages.error(request, message)
    return redirect("inquiries:lead", inquiry.uuid)


@require_POST
@staff_required(Perm.LEAD_WORK)
def contact(request: HttpRequest, inquiry_uuid) -> HttpResponse:
    inquiry = queries.inquiry_for_actor(
        request.actor, inquiry_uuid, purpose="Contact log"
    )
    form = forms.ContactForm(request.POST)
    if not form.is_valid():
        return _refused(request, inquiry, "Say what kind of contact and what was said.")
    try:
        services.contact_record(
            actor=request.actor, inquiry=inquiry, **form.cleaned_data
        )
    except services.Refused as refused:
        return _refused(request, inquiry, str(refused))
    messages.success(request, "Added to the contact log.")
    return redirect("inquiries:lead", inquiry.uuid)


@require_POST
@staff_required(Perm.LEAD_WORK)
def email(request: HttpRequest, inquiry_uuid, template: str) -> HttpResponse:
    inquiry = queries.inquiry_for_actor(
        request.actor, inquiry_uuid, purpose="Lead email"
    )
    try:
        services.lead_email_send(
            actor=request.actor, inquiry=inquiry, template=template
        )
    except services.Refused as refused:
        return _refused(request, inquiry, str(refused))
    messages.success(request, f"Email queued to {inquiry.email}.")
    return redirect("inquiries:lead", inquiry.uuid)


@require_POST
@staff_required(Perm.LEAD_WORK)
def stage(request: HttpRequest, inquiry_uuid) -> HttpResponse:
    inquiry = queries.inquiry_for_actor(
        request.actor, inquiry_uuid, purpose="Lead stage"
    )
    form = forms.StageForm(request.POST)
    if not form.is_valid():
        return _refused(request, inquiry, "Choose a stage and say why.")
    try:
        services.stage_set(actor=request.actor, inquiry=inquiry, **form.cleaned_data)
    except services.Refused as refused:
        return _refused(request, inquiry, str(refused))
    messages.success(request, f"Moved to “{Stage(form.cleaned_data['stage']).label}”.")
    return redirect("inquiries:lead", inquiry.uuid)


@require_POST
@staff_required(Perm.LEAD_WORK)
def urgent_clear(request: HttpRequest, inquiry_uuid) -> HttpResponse:
    inquiry = queries.inquiry_for_actor(
        request.actor, inquiry_uuid, purpose="Lead urgency"
    )
    form = forms.UrgentClearForm(request.POST)
    if not form.is_valid():
        return _refused(request, inquiry, "Say how the urgent lead was handled.")
    services.urgent_clear(
        actor=request.actor,
        inquiry=inquiry,
        reason=form.cleaned_data["reason"],
    )
    messages.success(request, "No longer marked urgent.")
    return redirect("inquiries:lead", inquiry.uuid)


@staff_required(Perm.LEAD_WORK)
def book(request: HttpRequest, inquiry_uuid) -> HttpResponse:
    """The front desk books (or changes) a lead's free consultation while on
    the phone with them: the same free times and rules as the private link."""
    if not can(request.user, Perm.SCHEDULE_EDIT):
        return forbidden(request)
    inquiry = queries.inquiry_for_actor(
        request.actor, inquiry_uuid, purpose="Book a consultation"
    )
    if inquiry.patient_id is not None:
        messages.info(request, "This lead has a chart: book from the chart.")
        return redirect("scheduling:book", inquiry.patient.uuid)
    appointment = queries.upcoming_consultation(inquiry)
    types = queries.consultation_types(inquiry.location)
    modes = [(v, label) for v, label in ConsultationMode.choices if v in types]
    mode = request.POST.get("mode") or request.GET.get("mode", "")
    mode = mode if mode in types else ""
    refused, found = "", None
    if request.method == "POST":
        form = forms.SlotForm(request.POST)
        if not form.is_valid():
            refused = "Choose one of the times shown."
        else:
            data = form.cleaned_data
            try:
                if appointment is None:
                    services.consultation_book(
                        actor=request.actor,
                        inquiry=inquiry,
                        mode=data["mode"],
                        starts_at=data["starts_at"],
                    )
                else:
                    services.consultation_change(
                        actor=request.actor,
                        inquiry=inquiry,
                        appointment=appointment,
                        mode=data["mode"],
                        starts_at=data["starts_at"],
                    )
            except services.BookingRefused as booking_refused:
                refused, found = booking_refused.message, booking_refused.alternatives
            else:
                done = "booked" if appointment is None else "changed"
                messages.success(request, f"Consultation {done}; the lead is emailed.")
                return redirect("inquiries:lead", inquiry.uuid)
    if found is None:
        found = (
            queries.consultation_slots(inquiry, mode, moving=appointment)
            if mode
            else []
        )
    return render(
        request,
        "inquiries/book.html",
        {
            "inquiry": inquiry,
            "appointment": appointment,
            "modes": modes,
            "mode": mode,
            "slots": [slot.start for slot in found],
            "refused": refused,
        },
        status=409 if refused else 200,
    )


@staff_required(Perm.SIGN)
def note(request: HttpRequest, inquiry_uuid, amends_id: int | None = None):
    """The provider writes and signs the consultation note (or an amendment)."""
    inquiry = queries.inquiry_for_actor(
        request.actor, inquiry_uuid, purpose="Consultation note"
    )
    amends = None
    if amends_id is not None:
        amends = get_object_or_404(ConsultationNote, pk=amends_id, inquiry=inquiry)
    appointments = queries.consultations(inquiry)
    initial = {}
    if amends is not None:
        initial = {"outcome": amends.outcome, "text": amends.text}
        if amends.appointment_id:
            initial["appointment"] = str(amends.appointment_id)
    elif appointments:
        past = [a for a in appointments if a.starts_at <= timezone.now()]
        initial["appointment"] = str((past or appointments)[-1].pk)
    form = forms.NoteForm(
        request.POST or None,
        appointments=appointments,
        initial=initial,
        amending=amends is not None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.note_sign(
                actor=request.actor,
                inquiry=inquiry,
                outcome=form.cleaned_data["outcome"],
                text=form.cleaned_data["text"],
                appointment=form.cleaned_data["appointment"],
                amends=amends,
                reason=form.cleaned_data.get("reason", ""),
            )
        except services.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "Consultation note signed.")
            return redirect("inquiries:lead", inquiry.uuid)
    return render(
        request,
        "inquiries/note.html",
        {"inquiry": inquiry, "form": form, "amends": amends},
    )


def _convert_initial(inquiry: Inquiry) -> dict:
    return {
        "location": inquiry.location_id,
        "first_name": inquiry.first_name,
        "last_name": inquiry.last_name,
        "phone": inquiry.phone,
        "email": inquiry.email,
        "preferred_language": "es" if inquiry.language == Language.SPANISH else "en",
        "notes": f"From the lead of {inquiry.created_at:%Y-%m-%d} "
        f"({', '.join(inquiry.condition_labels) or 'no condition given'}).",
    }


@staff_required(Perm.LEAD_WORK)
def convert(request: HttpRequest, inquiry_uuid) -> HttpResponse:
    """Create the chart from the lead, with the foundation's duplicate check."""
    if not can(request.user, Perm.PATIENT_EDIT):
        return forbidden(request)
    inquiry = queries.inquiry_for_actor(
        request.actor, inquiry_uuid, purpose="Convert lead to patient"
    )
    if inquiry.patient_id is not None:
        messages.info(request, "This lead already has a chart.")
        return redirect("patients:chart", inquiry.patient.uuid)
    form = forms.ConvertForm(
        request.POST or None,
        locations=locations_of(request.user),
        initial=_convert_initial(inquiry),
    )
    duplicates = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        confirmed = data.pop("confirm_not_duplicate")
        duplicates = patient_queries.possible_duplicates(
            request.actor,
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            phone=data["phone"],
            email=data["email"],
        )
        if not duplicates or confirmed:
            try:
                patient = services.inquiry_convert(
                    actor=request.actor, inquiry=inquiry, **data
                )
            except services.Refused as refused:
                return _refused(request, inquiry, str(refused))
            messages.success(request, f"Chart created for {patient.display_name}.")
            return redirect("patients:chart", patient.uuid)
    return render(
        request,
        "inquiries/convert.html",
        {"inquiry": inquiry, "form": form, "duplicates": duplicates},
    )


@staff_required(Perm.LEAD_WORK)
def alerts(request: HttpRequest) -> HttpResponse:
    """New and urgent leads not yet handled at the staff member's locations."""
    return render(
        request,
        "inquiries/alerts.html",
        {"alerts": list(queries.open_alerts(request.user)[:200])},
    )


@require_POST
@staff_required(Perm.LEAD_WORK)
def alert_handle(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = LeadAlert.objects.filter(
        pk=alert_id, location__in=locations_of(request.user)
    ).first()
    if alert is None:
        raise Http404
    services.alert_handle(actor=request.actor, alert=alert)
    return redirect("inquiries:alerts")


@staff_required(Perm.SITE_EDIT)
def site(request: HttpRequest, language: str = "en") -> HttpResponse:
    """The clinic manager edits the public home page, in each language."""
    if language not in Language.values:
        raise Http404
    content = site_content(language)
    form = forms.SiteContentForm(request.POST or None, instance=_copy(content))
    if request.method == "POST" and form.is_valid():
        changed = services.site_content_save(
            actor=request.actor, content=content, **form.cleaned_data
        )
        messages.success(
            request, "Saved." if changed else "Nothing changed; nothing saved."
        )
        return redirect("inquiries:site_language", language)
    return render(
        request,
        "inquiries/site.html",
        {"form": form, "content": content, "languages": Language.choices},
    )


def _copy(instance):
    import copy

    return copy.copy(instance)
