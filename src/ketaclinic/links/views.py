"""The one page of link problems, the decorator that serves it for every page
a private link opens, and the date-of-birth question of links that show health
information."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from ketaclinic.audit.actor import Actor
from ketaclinic.links.forms import FIELD, BirthDateForm
from ketaclinic.links.problems import LinkLocked, LinkProblem
from ketaclinic.links.services import BirthDate, link_birth_date_check, link_locked
from ketaclinic.links.tokens import RULES, Link

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def problem_language(request: HttpRequest) -> str:
    """Nobody is known when a link fails: the language the link asks for
    (`?lang=`), else the browser's (language cookie or Accept-Language)."""
    chosen = request.GET.get("lang", "")
    if chosen in LANGUAGE_CODES:
        return chosen
    return translation.get_language_from_request(request)


def problem_page(request: HttpRequest, problem: LinkProblem) -> HttpResponse:
    with translation.override(problem_language(request)):
        page = problem.page
        response = render(
            request,
            "links/problem.html",
            {"title": str(page.title), "text": str(page.text)},
            status=page.status,
        )
        response.headers.setdefault("Content-Language", translation.get_language())
    return response


def link_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page a private link opens: never cached, and a LinkProblem raised in
    it answers with the problem page."""

    @wraps(view)
    @never_cache
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except LinkProblem as problem:
            return problem_page(request, problem)

    return wrapped


# The links this browser has opened with the right date of birth, kept in its
# session (a cookie that ends when the browser closes, for visitors).
OPENED = "links_opened"


def birth_date_gate(
    request: HttpRequest, link: Link, *, patient
) -> HttpResponse | None:
    """None when the link may open in this browser; else the page that asks
    for `patient`'s date of birth. Render it in the patient's language."""
    if not RULES[link.purpose].asks_birth_date:
        return None
    opened = request.session.get(OPENED, [])
    name = f"{link.purpose}:{link.key}"
    if name in opened:
        return None
    if link_locked(link=link):
        raise LinkLocked
    answering = request.method == "POST" and FIELD in request.POST
    form = BirthDateForm(request.POST if answering else None)
    if answering and form.is_valid():
        outcome = link_birth_date_check(
            actor=Actor.patient_link(request),
            link=link,
            given=form.cleaned_data[FIELD],
            patient=patient,
        )
        if outcome == BirthDate.LOCKED:
            raise LinkLocked
        if outcome == BirthDate.RIGHT:
            request.session.cycle_key()  # a session id planted before stays closed
            request.session[OPENED] = [*opened, name]
            if not request.user.is_authenticated:
                request.session.set_expiry(0)
            return redirect(request.get_full_path())
        form.add_error(
            FIELD,
            _("That is not the date of birth we have. Please check it and try again."),
        )
    # A step sent without the date of birth (the browser was closed) changes
    # nothing: 403, and the question.
    status = 200 if request.method == "GET" else (400 if answering else 403)
    return render(request, "links/birth_date.html", {"form": form}, status=status)
