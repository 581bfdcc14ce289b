"""The JSON API (django-ninja). Each endpoint checks role and location."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.security import SessionAuth

from ketaclinic.accounts.access import needs_second_factor, staff_required
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.audit.services import Action, audit_record
from ketaclinic.patients import queries


class StaffSession(SessionAuth):
    """A signed-in staff member whose second factor, if needed, is passed."""

    def authenticate(self, request: HttpRequest, key):
        user = request.user
        if user.is_authenticated and user.is_active and not needs_second_factor(user):
            return user
        return None


api = NinjaAPI(
    title="ketaclinic",
    version="1",
    auth=StaffSession(),
    urls_namespace="api",
    docs_decorator=staff_required(),
)


def require(request: HttpRequest, perm: Perm) -> None:
    if not can(request.user, perm):
        audit_record(
            actor=request.actor, action=Action.DENIED, summary=f"API needs {perm}"
        )
        raise HttpError(403, "Your role does not allow this.")


class PatientOut(Schema):
    uuid: UUID
    mrn: str
    first_name: str
    last_name: str
    preferred_name: str
    date_of_birth: date
    phone: str
    email: str
    location: str

    @staticmethod
    def resolve_location(obj) -> str:
        return obj.location.slug


class Problem(Schema):
    """Why a request was refused: not signed in (401), a role that may not
    (403), or nothing there at the staff member's locations (404)."""

    detail: str


class InputProblem(Schema):
    """Which query or path values could not be read (422)."""

    detail: list[dict[str, Any]]


REFUSALS = {401: Problem, 403: Problem, 422: InputProblem}


@api.get(
    "/patients",
    response={200: list[PatientOut], **REFUSALS},
    url_name="patient_search",
)
def patient_search(request: HttpRequest, q: str, limit: int = 20):
    """Patients whose name, MRN, birth date, phone or email match `q`."""
    require(request, Perm.PATIENT_VIEW)
    limit = max(1, min(limit, 100))
    found = list(queries.patient_search(request.user, q[:100])[:limit])
    prefetch_related_objects(found, "location")
    queries.patients_seen(
        request.actor,
        purpose=f'API: searched patients for "{q[:100]}"',
        count=len(found),
    )
    return found


@api.get(
    "/patients/{patient_uuid}",
    response={200: PatientOut, 404: Problem, **REFUSALS},
    url_name="patient_detail",
)
def patient_detail(request: HttpRequest, patient_uuid: UUID):
    require(request, Perm.PATIENT_VIEW)
    try:
        return queries.patient_for_actor(request.actor, patient_uuid, purpose="API")
    except Http404:
        raise HttpError(404, "No such patient.") from None
