"""The one permission matrix: which role may do what.

Every page and API asks `can(user, Perm.X)`; nothing else decides by role.
Location is checked per record by the one chart guard,
patients.queries.patient_for_actor.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ketaclinic.accounts.models import User


class Role(models.TextChoices):
    FRONT_DESK = "front_desk", "Front desk"
    NURSE = "nurse", "Nurse"
    PROVIDER = "provider", "Provider"
    MANAGER = "manager", "Clinic manager"
    ADMIN = "admin", "Administrator"


class Perm(StrEnum):
    PATIENT_VIEW = "patient_view"  # find patients, see demographics and contacts
    PATIENT_EDIT = "patient_edit"  # create patients, edit demographics and contacts
    CLINICAL_VIEW = "clinical_view"  # allergies, medications, conditions, measures
    CLINICAL_EDIT = "clinical_edit"
    SCHEDULE_VIEW = "schedule_view"  # calendars, appointments, waitlist
    SCHEDULE_EDIT = "schedule_edit"  # book, move, cancel, mark no-show
    LEAD_WORK = "lead_work"  # the inquiry pipeline: contact, stage, convert
    INTAKE_SEND = "intake_send"  # send intake and questionnaire links, phone intake
    SIGN = "sign"  # sign consultation notes and screening decisions (prescribers)
    PLAN_VIEW = "plan_view"  # read treatment plans, their order sheets, protocols
    PROTOCOL_EDIT = "protocol_edit"  # edit the clinic's treatment protocols
    INFUSION_VIEW = "infusion_view"  # the infusion board and session charts
    INFUSION_CHART = "infusion_chart"  # chart an infusion: checks, pump, vitals
    # discard, with a reason, entries a nurse left waiting on a tablet
    INFUSION_RESOLVE = "infusion_resolve"
    SITE_EDIT = "site_edit"  # the clinic's public pages (home page words)
    CONSENT_EDIT = "consent_edit"  # publish new versions of consent documents
    AUDIT_VIEW = "audit_view"  # search and export the audit log
    STAFF_UNLOCK = "staff_unlock"  # unlock locked-out staff of one's locations
    CONFIGURE = "configure"  # Django admin: locations, chairs, rooms, users
    ALL_LOCATIONS = "all_locations"  # audit and message logs of every location
    LEDGER_VIEW = "ledger_view"  # the controlled-substance ledger and its reports
    LEDGER_RECORD = "ledger_record"  # draw, waste, witness, count, breakage
    LEDGER_MANAGE = "ledger_manage"  # receive, transfer, return, destroy, loss,
    # correct and resolve discrepancies


_F, _N, _P, _M, _A = (
    Role.FRONT_DESK,
    Role.NURSE,
    Role.PROVIDER,
    Role.MANAGER,
    Role.ADMIN,
)

MATRIX: dict[Perm, frozenset[Role]] = {
    Perm.PATIENT_VIEW: frozenset({_F, _N, _P, _M}),
    Perm.PATIENT_EDIT: frozenset({_F, _N, _P, _M}),
    Perm.CLINICAL_VIEW: frozenset({_N, _P, _M}),
    Perm.CLINICAL_EDIT: frozenset({_N, _P}),
    Perm.SCHEDULE_VIEW: frozenset({_F, _N, _P, _M}),
    Perm.SCHEDULE_EDIT: frozenset({_F, _N, _P, _M}),
    Perm.LEAD_WORK: frozenset({_F, _N, _P, _M}),
    Perm.INTAKE_SEND: frozenset({_F, _N, _P, _M}),
    Perm.SIGN: frozenset({_P}),
    Perm.PLAN_VIEW: frozenset({_F, _N, _P, _M}),
    Perm.PROTOCOL_EDIT: frozenset({_M}),
    Perm.INFUSION_VIEW: frozenset({_F, _N, _P, _M}),
    Perm.INFUSION_CHART: frozenset({_N, _P}),
    Perm.INFUSION_RESOLVE: frozenset({_M}),
    Perm.SITE_EDIT: frozenset({_M, _A}),
    Perm.CONSENT_EDIT: frozenset({_M}),
    Perm.AUDIT_VIEW: frozenset({_M, _A}),
    Perm.STAFF_UNLOCK: frozenset({_M, _A}),
    Perm.CONFIGURE: frozenset({_A}),
    Perm.ALL_LOCATIONS: frozenset({_A}),
    Perm.LEDGER_VIEW: frozenset({_N, _P, _M}),
    Perm.LEDGER_RECORD: frozenset({_N, _P}),
    Perm.LEDGER_MANAGE: frozenset({_M}),
}

# Roles that must sign in with a second factor when KETACLINIC_2FA=required.
ROLES_REQUIRING_2FA = frozenset({_P, _A})


def can(user: User | AnonymousUser | None, perm: Perm) -> bool:
    """Whether this user's role may do `perm` (never for nobody or a visitor)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return getattr(user, "role", None) in MATRIX[perm]


def perms_of(role: str) -> frozenset[Perm]:
    return frozenset(perm for perm, roles in MATRIX.items() if role in roles)
