from __future__ import annotations

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

from ketaclinic.accounts.requests import AppRequest


def health(request: AppRequest) -> JsonResponse:
    """For load balancers: the app answers and its database does too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def page_not_found(request: AppRequest, exception=None) -> HttpResponse:
    return render(request, "core/not_found.html", status=404)


def server_error(request: AppRequest) -> HttpResponse:
    return render(request, "core/server_error.html", status=500)


def csrf_failure(request: AppRequest, reason: str = "") -> HttpResponse:
    return render(request, "core/csrf_failure.html", status=403)


def permission_denied(request: AppRequest, exception=None) -> HttpResponse:
    return render(request, "core/forbidden.html", {"what": ""}, status=403)
