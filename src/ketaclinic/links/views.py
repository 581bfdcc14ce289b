"""The one page of link problems, and the decorator that serves it for every
page a private link opens."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache

from ketaclinic.links.problems import LinkProblem

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
