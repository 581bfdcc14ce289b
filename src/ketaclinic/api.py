"""The JSON API (django-ninja). Each endpoint checks role and location."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Schema, Status
from ninja.errors import HttpError
from ninja.security import SessionAuth

from ketaclinic.accounts.access import needs_second_factor, staff_required
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.accounts.requests import AppRequest, StaffRequest
from ketaclinic.audit.services import Action, audit_record
from ketaclinic.patients import queries


class StaffSession(SessionAuth):
    """A signed-in staff member whose second factor, if needed, is passed."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
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


def require(request: AppRequest, perm: Perm) -> None:
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
def patient_search(request: StaffRequest, q: str, limit: int = 20):
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
def patient_detail(request: StaffRequest, patient_uuid: UUID):
    require(request, Perm.PATIENT_VIEW)
    try:
        return queries.patient_for_actor(request.actor, patient_uuid, purpose="API")
    except Http404:
        raise HttpError(404, "No such patient.") from None


class BookIn(Schema):
    """A visit to book at the staff member's active location: the patient,
    the appointment type's code, the start, and for an infusion while the
    patient has an open urgent task, a reason per task (key -> reason, the
    keys a 409 answer lists)."""

    patient: UUID
    type: str
    starts_at: datetime
    notes: str = ""
    acknowledgements: dict[str, str] = {}


class AppointmentOut(Schema):
    uuid: UUID
    patient: UUID | None
    type: str
    starts_at: datetime
    ends_at: datetime
    status: str
    acknowledgements: list[dict[str, str]]

    @staticmethod
    def resolve_patient(obj) -> UUID | None:
        # A lead's free consultation has no chart yet.
        return obj.patient.uuid if obj.patient else None

    @staticmethod
    def resolve_type(obj) -> str:
        return obj.type.code


class ToAcknowledge(Schema):
    key: str
    about: str


class BookingProblem(Schema):
    """Why nothing was booked, in plain words; what needs an acknowledgement;
    the nearest free times when another time would do."""

    detail: str
    to_acknowledge: list[ToAcknowledge] = []
    alternatives: list[datetime] = []


@api.post(
    "/appointments",
    response={201: AppointmentOut, 404: Problem, 409: BookingProblem, **REFUSALS},
    url_name="appointment_book",
)
def appointment_book(request: StaffRequest, payload: BookIn):
    """Book a visit, under the same rules as the booking page."""
    from ketaclinic.scheduling import services as scheduling
    from ketaclinic.scheduling.models import AppointmentType

    require(request, Perm.SCHEDULE_EDIT)
    if request.location is None:
        raise HttpError(404, "You work at no location yet.")
    try:
        patient = queries.patient_for_actor(
            request.actor,
            payload.patient,
            purpose="API booking",
            perm=Perm.SCHEDULE_EDIT,
        )
    except Http404:
        raise HttpError(404, "No such patient.") from None
    kind = AppointmentType.objects.filter(code=payload.type, active=True).first()
    if kind is None:
        raise HttpError(404, "No such appointment type.")
    starts_at = payload.starts_at
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=request.location.zone)
    try:
        appointment = scheduling.appointment_book(
            actor=request.actor,
            patient=patient,
            location=request.location,
            appointment_type=kind,
            starts_at=starts_at,
            notes=payload.notes[:500],
            acknowledgements=payload.acknowledgements,
        )
    except scheduling.BookingRefused as refused:
        needed = getattr(refused, "needed", ())
        return Status(
            409,
            {
                "detail": refused.message,
                "to_acknowledge": [{"key": i.key, "about": i.about} for i in needed],
                "alternatives": [slot.start for slot in refused.alternatives],
            },
        )
    return Status(201, appointment)


class MoveIn(Schema):
    """A new start for a booked visit and why it moves; for an infusion while
    the patient has an open urgent task, a reason per task (key -> reason, the
    keys a 409 answer lists), as for a booking."""

    starts_at: datetime
    reason: str
    acknowledgements: dict[str, str] = {}


@api.post(
    "/appointments/{appointment_uuid}/move",
    response={200: AppointmentOut, 404: Problem, 409: BookingProblem, **REFUSALS},
    url_name="appointment_move",
)
def appointment_move(request: StaffRequest, appointment_uuid: UUID, payload: MoveIn):
    """Move a visit, under the same rules as a booking (and the move on the
    appointment page)."""
    from ketaclinic.scheduling import services as scheduling
    from ketaclinic.scheduling.models import Appointment

    require(request, Perm.SCHEDULE_EDIT)
    try:
        appointment = queries.record_for_actor(
            request.actor,
            Appointment.objects.select_related("patient", "type", "location"),
            purpose="API move",
            perm=Perm.SCHEDULE_EDIT,
            location_field="location",
            uuid=appointment_uuid,
        )
    except Http404:
        raise HttpError(404, "No such appointment.") from None
    starts_at = payload.starts_at
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=appointment.location.zone)
    try:
        scheduling.appointment_move(
            actor=request.actor,
            appointment=appointment,
            starts_at=starts_at,
            reason=payload.reason[:200],
            acknowledgements=payload.acknowledgements,
        )
    except scheduling.BookingRefused as refused:
        needed = getattr(refused, "needed", ())
        return Status(
            409,
            {
                "detail": refused.message,
                "to_acknowledge": [{"key": i.key, "about": i.about} for i in needed],
                "alternatives": [slot.start for slot in refused.alternatives],
            },
        )
    return Status(200, appointment)
