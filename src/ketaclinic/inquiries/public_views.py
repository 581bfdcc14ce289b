"""The clinic's public pages: home, the get-started form, and the private
consultation link. No sign-in; phone first; English or Spanish.

The language is the visitor's choice (Django's language cookie, set by the
chooser on every page), else their browser's preference; a link in an email
carries `?lang=` so that it opens in the language the visitor wrote in.
Nothing changes on GET: mail scanners open links too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from ketaclinic.accounts import views as accounts_views
from ketaclinic.accounts.requests import AppRequest
from ketaclinic.audit.actor import Actor
from ketaclinic.inputs import calendar_date
from ketaclinic.inquiries import forms, notify, queries, services
from ketaclinic.inquiries.content import site_content
from ketaclinic.inquiries.models import ConsultationMode, Inquiry, Stage
from ketaclinic.links.problems import LinkProblem, Problem
from ketaclinic.links.tokens import Purpose, bound_record, read
from ketaclinic.links.views import link_page
from ketaclinic.scheduling import services as schedule

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}

if TYPE_CHECKING:
    pass


def public_page(view: Callable) -> Callable:
    """Render `view` in the visitor's language and say so in the response."""

    @wraps(view)
    def wrapped(request: AppRequest, *args, **kwargs) -> HttpResponse:
        chosen = request.GET.get("lang", "")
        if chosen in LANGUAGE_CODES:
            wanted = chosen
        else:
            wanted = translation.get_language_from_request(request)
        with translation.override(wanted):
            request.LANGUAGE_CODE = translation.get_language()
            response = view(request, *args, **kwargs)
        if chosen in LANGUAGE_CODES:
            # The next pages (after a redirect, say) stay in that language.
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                chosen,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
            )
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response

    return wrapped


def _page(request: AppRequest, template: str, context: dict, status: int = 200):
    path = request.path
    query = {k: v for k, v in request.GET.items() if k != "lang"}
    here = path + (f"?{urlencode(query)}" if query else "")
    content = site_content(request.LANGUAGE_CODE)
    return render(
        request,
        template,
        {
            "site": content,
            "here": here,
            "languages": settings.LANGUAGES,
            **notify.crisis_context(),
            **context,
        },
        status=status,
    )


# --- Home and the form ------------------------------------------------------------


@public_page
def front_door(request: AppRequest) -> HttpResponse:
    """The public home page; signed-in staff go on to their start page."""
    if request.user.is_authenticated:
        return accounts_views.start(request)
    return _page(request, "inquiries/public/home.html", {})


def _answers(form: forms.GetStartedForm) -> services.FormAnswers:
    data = form.cleaned_data
    return services.FormAnswers(
        location=data["location"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        email=data["email"],
        phone=data["phone"],
        preferred_contact=data["preferred_contact"],
        preferred_time=data["preferred_time"],
        conditions=tuple(data["conditions"]),
        antidepressants_tried=data["antidepressants"],
        heard_from=data["heard_from"],
        message=data["message"],
        crisis=data["crisis"] == "yes",
    )


@public_page
def get_started(request: AppRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(
            request,
            "inquiries/public/get_started.html",
            {"form": forms.GetStartedForm()},
        )
    form = forms.GetStartedForm(request.POST)
    crisis = request.POST.get("crisis") == "yes"
    thanks = reverse("get_started:thanks") + ("?crisis=1" if crisis else "")
    if form.is_robot:
        return redirect(thanks)  # looks like success; nothing is kept
    if not form.is_valid():
        return _page(
            request,
            "inquiries/public/get_started.html",
            {"form": form, "crisis": crisis},
            status=400,
        )
    # Only accepted forms count: a visitor's mistakes never use up the limit.
    allowed = services.rate_allow(
        actor=request.actor,
        scope="get_started",
        limit=settings.KETACLINIC_INQUIRY_RATE_PER_HOUR,
    )
    if not allowed:
        return _page(
            request,
            "inquiries/public/too_many.html",
            {"locations": queries.public_locations(), "crisis": crisis},
            status=429,
        )
    services.inquiry_submit(
        actor=request.actor, answers=_answers(form), language=request.LANGUAGE_CODE
    )
    return redirect(thanks)


@public_page
def thanks(request: AppRequest) -> HttpResponse:
    return _page(
        request,
        "inquiries/public/thanks.html",
        {"crisis": request.GET.get("crisis") == "1"},
    )


# --- The private consultation link ----------------------------------------------------

# The link books, changes and cancels the free consultation until it has
# taken place; afterwards the clinic leads the way (and staff can still book).
LINK_STAGES = (Stage.NEW, Stage.CONTACTED, Stage.CONSULTATION_BOOKED)


def _inquiry_from(token: str) -> Inquiry:
    """The lead a link names; LinkProblem says why the link cannot act."""
    link = read(Purpose.CONSULTATION, token)
    found = bound_record(link, Inquiry.objects.select_related("location"))
    if found.patient_id is not None or found.stage not in LINK_STAGES:
        raise LinkProblem(Problem.LEAD_CLOSED)
    return found


def _local(moment: datetime, inquiry: Inquiry) -> datetime:
    return moment.astimezone(inquiry.location.zone)


def _slot_days(slots, inquiry: Inquiry) -> list[dict]:
    """Free times grouped by local day, labelled in the active language."""
    days: list[dict] = []
    for slot in slots:
        local = _local(slot.start, inquiry)
        label = dateformat.format(local, _("l, F j"))
        if not days or days[-1]["label"] != label:
            days.append({"label": label, "times": []})
        days[-1]["times"].append(
            {
                "value": slot.start.isoformat(),
                "label": dateformat.format(local, _("g:i A")),
                "full": notify.local_when(slot.start, inquiry.location),
            }
        )
    return days


def _consultation_page(
    request: AppRequest,
    inquiry: Inquiry,
    token: str,
    *,
    refused: str = "",
    alternatives=None,
    status: int = 200,
) -> HttpResponse:
    appointment = queries.upcoming_consultation(inquiry)
    choosing = appointment is None or request.GET.get("change") == "1" or refused
    modes = [
        (value, label)
        for value, label in ConsultationMode.choices
        if value in queries.consultation_types(inquiry.location)
    ]
    mode = request.POST.get("mode") or request.GET.get("mode", "")
    if mode not in dict(modes):
        mode = ""
    start_day = calendar_date(request.GET.get("start"))
    days = []
    if choosing and mode and alternatives is None:
        days = _slot_days(
            queries.consultation_slots(
                inquiry, mode, start_day=start_day, moving=appointment
            ),
            inquiry,
        )
    elif alternatives is not None:
        days = _slot_days(alternatives, inquiry)
    later = None
    if days:
        last = datetime.fromisoformat(days[-1]["times"][-1]["value"])
        later = (_local(last, inquiry).date() + timedelta(days=1)).isoformat()
    context = {
        "inquiry": inquiry,
        "token": token,
        "appointment": appointment,
        "choosing": choosing,
        "modes": modes,
        "mode": mode,
        "mode_label": dict(modes).get(mode, ""),
        "days": days,
        "later": later,
        "refused": refused,
        "done": request.GET.get("done", ""),
        "change": request.GET.get("change") == "1",
    }
    if appointment is not None:
        context["when"] = notify.local_when(appointment.starts_at, inquiry.location)
        context["booked_mode"] = ConsultationMode(
            inquiry.consultation_mode
            or (
                ConsultationMode.PHONE
                if appointment.type.remote
                else ConsultationMode.IN_PERSON
            )
        ).label
    return _page(request, "inquiries/public/consultation.html", context, status=status)


@public_page
@link_page
def consultation(request: AppRequest, token: str) -> HttpResponse:
    inquiry = _inquiry_from(token)
    if request.method != "POST":
        return _consultation_page(request, inquiry, token)
    form = forms.SlotForm(request.POST)
    if not form.is_valid():
        return _consultation_page(
            request,
            inquiry,
            token,
            refused=_("Choose one of the times shown."),
            status=400,
        )
    mode, starts_at = form.cleaned_data["mode"], form.cleaned_data["starts_at"]
    appointment = queries.upcoming_consultation(inquiry)
    try:
        if appointment is None:
            services.consultation_book(
                actor=Actor.patient_link(request),
                inquiry=inquiry,
                mode=mode,
                starts_at=starts_at,
            )
        else:
            services.consultation_change(
                actor=Actor.patient_link(request),
                inquiry=inquiry,
                appointment=appointment,
                mode=mode,
                starts_at=starts_at,
            )
    except schedule.BookingRefused as refused:
        if appointment is None and queries.upcoming_consultation(inquiry):
            # Another tap of the same link booked first: that booking stands.
            return redirect(f"{request.path}?done=booked")
        return _consultation_page(
            request,
            inquiry,
            token,
            refused=_(
                "Sorry, that time has just been taken or is no longer free. "
                "Please choose another."
            ),
            alternatives=refused.alternatives,
            status=409,
        )
    done = "changed" if appointment is not None else "booked"
    return redirect(f"{request.path}?done={done}")


@public_page
@link_page
def consultation_cancel(request: AppRequest, token: str) -> HttpResponse:
    inquiry = _inquiry_from(token)
    appointment = queries.upcoming_consultation(inquiry)
    page = reverse("get_started:consultation", args=[token])
    if appointment is None:
        return redirect(page)
    if request.method == "POST":
        try:
            services.consultation_cancel(
                actor=Actor.patient_link(request),
                inquiry=inquiry,
                appointment=appointment,
            )
        except schedule.BookingRefused:
            raise LinkProblem(Problem.LEAD_CLOSED) from None
        return redirect(f"{page}?done=cancelled")
    return _page(
        request,
        "inquiries/public/cancel.html",
        {
            "inquiry": inquiry,
            "token": token,
            "appointment": appointment,
            "when": notify.local_when(appointment.starts_at, inquiry.location),
        },
    )
