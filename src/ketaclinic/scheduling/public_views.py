"""Pages a patient reaches from a reminder, without signing in: confirm the
visit (answering the type's pre-visit questions), cancel it, or take a time
offered from the waitlist. The signed link is the key (see ketaclinic.links).

A link that is altered, expired, or meant for a visit that has since moved
or closed gets a plain page that says so and reveals nothing of the visit.
Nothing here changes a visit on GET: mail scanners open links too.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ketaclinic.accounts.requests import AppRequest
from ketaclinic.audit.services import Actor
from ketaclinic.links.problems import LinkProblem, Problem
from ketaclinic.links.tokens import Purpose, bound_record, read
from ketaclinic.links.views import link_page
from ketaclinic.patients.text import format_phone, parse_phone
from ketaclinic.scheduling import services
from ketaclinic.scheduling.models import Appointment, WaitlistEntry
from ketaclinic.scheduling.notify import instructions_for, local_when

PATIENT_CANCEL_REASON = "cancelled by patient via link"
Status = Appointment.Status


def _visit_from(token: str, purpose: Purpose) -> Appointment:
    """The visit a link acts on; LinkProblem says why it cannot act."""
    link = read(purpose, token)
    appointment = bound_record(
        link,
        Appointment.objects.select_related("patient", "type", "location"),
        missing=Problem.VISIT_GONE,
    )
    if not link.matches(appointment.starts_at):
        raise LinkProblem(Problem.VISIT_MOVED)
    if appointment.status == Status.CANCELLED:
        # The cancel page says "your visit is cancelled", whoever cancelled it.
        if purpose == Purpose.VISIT_CANCEL:
            return appointment
        raise LinkProblem(Problem.VISIT_CANCELLED)
    if appointment.status not in (Status.BOOKED, Status.CONFIRMED):
        raise LinkProblem(Problem.VISIT_CLOSED)
    if appointment.starts_at <= timezone.now():
        raise LinkProblem(Problem.VISIT_CLOSED)
    return appointment


def _visit_context(appointment: Appointment) -> dict:
    return {
        "appointment": appointment,
        "when": local_when(appointment.starts_at, appointment.location),
        "location": appointment.location,
        "instructions": instructions_for(appointment.type),
    }


# --- Pre-visit questions -----------------------------------------------------------


class PhoneField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        phone = parse_phone(value)
        if phone is None:
            raise forms.ValidationError(
                "Enter a phone number we can call, e.g. (303) 555-0142."
            )
        return phone


def _questions(appointment: Appointment) -> list[dict]:
    """The type's questions that are well formed: {"key", "label", "kind"}."""
    raw = appointment.type.questions
    if not isinstance(raw, list):
        return []
    return [
        q
        for q in raw
        if isinstance(q, dict)
        and isinstance(q.get("key"), str)
        and q["key"].isidentifier()
        and isinstance(q.get("label"), str)
    ]


def answers_form_class(questions: list[dict]) -> type[forms.Form]:
    fields: dict[str, forms.Field] = {}
    for question in questions:
        kind = question.get("kind", "text")
        common = {
            "label": question["label"],
            "required": question.get("required", True) is not False,
            "help_text": str(question.get("help", ""))[:200],
        }
        if kind == "phone":
            fields[question["key"]] = PhoneField(
                max_length=30,
                widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
                **common,
            )
        elif kind == "time":
            fields[question["key"]] = forms.TimeField(
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                input_formats=["%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p", "%I %p"],
                error_messages={"invalid": "Enter a time such as 07:30 or 7:30 AM."},
                **common,
            )
        else:
            fields[question["key"]] = forms.CharField(max_length=200, **common)
    return type("AnswersForm", (forms.Form,), fields)


def _as_answers(form: forms.Form) -> dict[str, str]:
    answers = {}
    for key, value in form.cleaned_data.items():
        if hasattr(value, "strftime"):
            value = value.strftime("%H:%M")
        answers[key] = str(value or "").strip()
    return answers


def _initial(appointment: Appointment, questions: list[dict]) -> dict:
    given = appointment.answers if isinstance(appointment.answers, dict) else {}
    initial = {}
    for question in questions:
        value = given.get(question["key"])
        if isinstance(value, str) and value:
            is_phone = question.get("kind") == "phone"
            initial[question["key"]] = format_phone(value) if is_phone else value
    return initial


# --- Pages ---------------------------------------------------------------------


@link_page
def visit_confirm(request: AppRequest, token: str) -> HttpResponse:
    appointment = _visit_from(token, Purpose.VISIT_CONFIRM)
    questions = _questions(appointment)
    form_class = answers_form_class(questions)
    if request.method == "POST":
        form = form_class(request.POST, prefix="q")
        if form.is_valid():
            services.visit_answers_save(
                actor=Actor.patient_link(request),
                appointment=appointment,
                answers=_as_answers(form),
            )
            appointment.refresh_from_db(fields=["status"])
            if appointment.status == Status.BOOKED:
                try:
                    services.appointment_set_status(
                        actor=Actor.patient_link(request),
                        appointment=appointment,
                        status=Status.CONFIRMED,
                    )
                except services.BookingRefused:
                    raise LinkProblem(Problem.VISIT_CLOSED) from None
            return redirect(f"{request.path}?done=1")
    else:
        form = form_class(initial=_initial(appointment, questions), prefix="q")
    return render(
        request,
        "scheduling/public/confirm.html",
        {
            **_visit_context(appointment),
            "form": form,
            "confirmed": appointment.status == Status.CONFIRMED,
            "done": request.GET.get("done") == "1",
        },
    )


@link_page
def visit_cancel(request: AppRequest, token: str) -> HttpResponse:
    appointment = _visit_from(token, Purpose.VISIT_CANCEL)
    if request.method == "POST" and appointment.status != Status.CANCELLED:
        try:
            services.appointment_set_status(
                actor=Actor.patient_link(request),
                appointment=appointment,
                status=Status.CANCELLED,
                reason=PATIENT_CANCEL_REASON,
            )
        except services.BookingRefused:
            raise LinkProblem(Problem.VISIT_CLOSED) from None
        return redirect(request.path)
    return render(
        request,
        "scheduling/public/cancel.html",
        {
            **_visit_context(appointment),
            "cancelled": appointment.status == Status.CANCELLED,
        },
    )


def _offer_from(token: str) -> WaitlistEntry:
    link = read(Purpose.WAITLIST_OFFER, token)
    entry = bound_record(
        link,
        WaitlistEntry.objects.select_related("patient", "type", "location"),
        missing=Problem.VISIT_GONE,
    )
    if not link.matches(entry.offered_start):
        raise LinkProblem(Problem.OFFER_CLOSED)
    return entry


def _chosen_start(request: AppRequest, entry: WaitlistEntry) -> datetime | None:
    """The offered time, or one of the alternatives the page showed."""
    raw = request.POST.get("starts_at", "")
    if not raw:
        return entry.offered_start
    try:
        chosen = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if timezone.is_naive(chosen):
        return None
    window = services.ALTERNATIVES_WINDOW + timedelta(days=1)
    if entry.offered_start is None:
        return None
    if not timezone.now() < chosen <= entry.offered_start + window:
        return None
    return chosen


def _booked_page(request: AppRequest, entry: WaitlistEntry) -> HttpResponse:
    booked = _uuid_or_none(request.GET.get("booked", ""))
    appointment = (
        Appointment.objects.filter(uuid=booked, patient_id=entry.patient_id)
        .select_related("type", "location")
        .first()
        if booked is not None
        else None
    )
    if appointment is None:
        raise LinkProblem(Problem.OFFER_CLOSED)
    return render(
        request,
        "scheduling/public/offer.html",
        {**_visit_context(appointment), "booked": True},
    )


def _uuid_or_none(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


@link_page
def waitlist_offer(request: AppRequest, token: str) -> HttpResponse:
    entry = _offer_from(token)
    if request.method == "GET" and entry.status == WaitlistEntry.Status.BOOKED:
        return _booked_page(request, entry)
    if (
        entry.status != WaitlistEntry.Status.OFFERED
        or entry.offered_start is None
        or entry.offered_start <= timezone.now()
    ):
        raise LinkProblem(Problem.OFFER_CLOSED)
    context = {
        "entry": entry,
        "location": entry.location,
        "when": local_when(entry.offered_start, entry.location),
    }
    if request.method != "POST":
        return render(request, "scheduling/public/offer.html", context)
    starts_at = _chosen_start(request, entry)
    if starts_at is None:
        return render(
            request,
            "scheduling/public/offer.html",
            {**context, "refused": "Please choose one of the times shown."},
            status=400,
        )
    # Take the offer first, so that two clicks cannot book it twice.
    taken = WaitlistEntry.objects.filter(
        pk=entry.pk,
        status=WaitlistEntry.Status.OFFERED,
        offered_start=entry.offered_start,
    ).update(status=WaitlistEntry.Status.BOOKED)
    if not taken:
        raise LinkProblem(Problem.OFFER_CLOSED)
    try:
        appointment = services.appointment_book(
            actor=Actor.patient_link(request),
            patient=entry.patient,
            location=entry.location,
            appointment_type=entry.type,
            starts_at=starts_at,
            notes="Booked by the patient from a waitlist offer",
        )
    except services.BookingRefused as refused:
        WaitlistEntry.objects.filter(
            pk=entry.pk, status=WaitlistEntry.Status.BOOKED
        ).update(status=WaitlistEntry.Status.OFFERED)
        alternatives = [
            (slot.start.isoformat(), local_when(slot.start, entry.location))
            for slot in refused.alternatives
        ]
        return render(
            request,
            "scheduling/public/offer.html",
            {**context, "refused": refused.message, "alternatives": alternatives},
            status=409,
        )
    return redirect(f"{request.path}?booked={appointment.uuid}")
