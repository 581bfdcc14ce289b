from __future__ import annotations

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from ketaclinic.accounts.access import staff_required
from ketaclinic.accounts.permissions import Perm
from ketaclinic.accounts.requests import AppRequest, StaffRequest
from ketaclinic.core import queries
from ketaclinic.patients.queries import patients_seen


@staff_required(Perm.PATIENT_VIEW)
def today(request: StaffRequest) -> HttpResponse:
    """The start page: what this role does first today.

    Queries: session, user, locations, one per part shown (2-4), audit entry.
    """
    page = queries.today(request.user, request.location, timezone.now())
    patients_seen(
        request.actor, purpose=f"Start page of {page.day:%b %-d, %Y}", count=page.shown
    )
    return render(request, "core/today.html", {"today": page})


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
