"""Pages a patient reaches from a reminder, without signing in: confirm the
visit (answering the type's pre-visit questions), cancel it, or take a time
offered from the waitlist. The signed link is the key (see links.py).

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
from django.views.decorators.cache import never_cache

from ketaclinic.accounts.requests import AppRequest
from ketaclinic.audit.services import Actor
from ketaclinic.patients.text import format_phone, parse_phone
from ketaclinic.scheduling import links, services
from ketaclinic.scheduling.models import Appointment, WaitlistEntry
from ketaclinic.scheduling.notify import instructions_for, local_when

PATIENT_CANCEL_REASON = "cancelled by patient via link"
Status = Appointment.Status

PROBLEMS: dict[str, tuple[int, str, str]] = {
    "altered": (
        400,
        "This link does not work",
        "The link is incomplete or has been changed. Please open it exactly as it "
        "came in your message, or call the clinic.",
    ),
    "expired": (
        410,
        "This link has expired",
        "Please use the link in your most recent message from the clinic, or call "
        "the clinic.",
    ),
    "gone": (
        410,
        "This visit is no longer on the schedule",
        "Please call the clinic if you have questions about your visits.",
    ),
    "moved": (
        410,
        "Your visit has changed",
        "This link belongs to an earlier time of your visit. Please use the link "
        "in your most recent message from the clinic.",
    ),
    "cancelled": (
        410,
        "This visit was cancelled",
        "Please call the clinic if you would like a new time.",
    ),
    "closed": (
        410,
        "This visit can no longer be changed online",
        "Please call the clinic.",
    ),
    "offer_closed": (
        410,
        "This time is no longer on offer",
        "Someone else may have taken it, or the clinic has changed the offer. "
        "You stay on the waiting list; the clinic will contact you.",
    ),
}


def link_problem(request: AppRequest, problem: str) -> HttpResponse:
    status, title, text = PROBLEMS[problem]
    return render(
        request,
        "scheduling/public/link_problem.html",
        {"title": title, "text": text},
        status=status,
    )


def _visit_from(token: str, purpose: links.Purpose) -> Appointment | str:
    """The visit a link acts on, or the name of the problem with the link."""
    try:
        target = links.read_token(purpose, token)
        visit_uuid = links.appointment_uuid(target)
    except links.LinkExpired:
        return "expired"
    except links.LinkProblem:
        return "altered"
    appointment = (
        Appointment.objects.select_related("patient", "type", "location")
        .filter(uuid=visit_uuid)
        .first()
    )
    if appointment is None:
        return "gone"
    if not links.same_start(target, appointment.starts_at):
        return "moved"
    if appointment.status == Status.CANCELLED:
        # The cancel page says "your visit is cancelled", whoever cancelled it.
        return appointment if purpose == links.Purpose.CANCEL else "cancelled"
    if appointment.status not in (Status.BOOKED, Status.CONFIRMED):
        return "closed"
    if appointment.starts_at <= timezone.now():
        return "closed"
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


@never_cache
def visit_confirm(request: AppRequest, token: str) -> HttpResponse:
    found = _visit_from(token, links.Purpose.CONFIRM)
    if isinstance(found, str):
        return link_problem(request, found)
    appointment = found
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
                    return link_problem(request, "closed")
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


@never_cache
def visit_cancel(request: AppRequest, token: str) -> HttpResponse:
    found = _visit_from(token, links.Purpose.CANCEL)
    if isinstance(found, str):
        return link_problem(request, found)
    appointment = found
    if request.method == "POST" and appointment.status != Status.CANCELLED:
        try:
            services.appointment_set_status(
                actor=Actor.patient_link(request),
                appointment=appointment,
                status=Status.CANCELLED,
                reason=PATIENT_CANCEL_REASON,
            )
        except services.BookingRefused:
            return link_problem(request, "closed")
        return redirect(request.path)
    return render(
        request,
        "scheduling/public/cancel.html",
        {
            **_visit_context(appointment),
            "cancelled": appointment.status == Status.CANCELLED,
        },
    )


def _offer_from(token: str) -> WaitlistEntry | str:
    try:
        target = links.read_token(links.Purpose.OFFER, token)
        entry_id = int(target.key)
    except links.LinkExpired:
        return "expired"
    except (links.LinkProblem, ValueError):
        return "altered"
    entry = (
        WaitlistEntry.objects.select_related("patient", "type", "location")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        return "gone"
    if not links.same_start(target, entry.offered_start):
        return "offer_closed"
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
        return link_problem(request, "offer_closed")
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


@never_cache
def waitlist_offer(request: AppRequest, token: str) -> HttpResponse:
    found = _offer_from(token)
    if isinstance(found, str):
        return link_problem(request, found)
    entry = found
    if request.method == "GET" and entry.status == WaitlistEntry.Status.BOOKED:
        return _booked_page(request, entry)
    if (
        entry.status != WaitlistEntry.Status.OFFERED
        or entry.offered_start is None
        or entry.offered_start <= timezone.now()
    ):
        return link_problem(request, "offer_closed")
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
        return link_problem(request, "offer_closed")
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
