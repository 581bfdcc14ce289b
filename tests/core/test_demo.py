from __future__ import annotations

import hashlib
import io

from django.core.management import call_command
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.clinics.models import Location, Resource
from ketaclinic.core.demo import PATIENT_COUNT, STAFF, load_demo
from ketaclinic.intake.models import (
    ConsentVersion,
    Intake,
    QuestionnaireResponse,
    UrgentTask,
)
from ketaclinic.patients.models import (
    Allergy,
    BodyMeasurement,
    Condition,
    Escort,
    Medication,
    Patient,
)
from ketaclinic.patients.services import mrn_is_valid
from ketaclinic.scheduling.models import Allocation, Appointment
from ketaclinic.treatment.maintenance import maintenance_due
from ketaclinic.treatment.models import ScreeningDecision

MODELS = [
    User,
    Location,
    Resource,
    Patient,
    Escort,
    Allergy,
    Medication,
    Condition,
    BodyMeasurement,
    Appointment,
    Allocation,
    Intake,
    QuestionnaireResponse,
    ScreeningDecision,
    UrgentTask,
    ConsentVersion,
]


def fingerprint() -> str:
    digest = hashlib.sha256()
    for model in MODELS:
        for row in model.objects.order_by("pk").values():
            row.pop("last_login", None)
            digest.update(repr(sorted(row.items())).encode())
    return digest.hexdigest()


def test_the_demo_clinic_has_what_the_issue_names(db):
    result = load_demo(password="ketamine-demo")
    assert result.created_patients == PATIENT_COUNT
    location = Location.objects.get()
    assert location.time_zone == "America/Denver"
    assert location.resources.filter(kind="chair").count() == 6
    assert location.resources.filter(kind="room").count() == 2
    assert location.opening_hours.exists()
    usernames = set(User.objects.values_list("username", flat=True))
    assert usernames == {"frontdesk", "nurse", "nurse2", "provider", "manager", "admin"}
    assert {u.role for u in User.objects.all()} == {role for _, role, *_ in STAFF}
    nurse = User.objects.get(username="nurse")
    assert nurse.check_password("ketamine-demo")
    assert list(nurse.locations.all()) == [location]
    assert all(
        mrn_is_valid(mrn) for mrn in Patient.objects.values_list("mrn", flat=True)
    )
    assert Escort.objects.exists() and BodyMeasurement.objects.exists()
    # A realistically full calendar: most patients have a visit booked.
    assert result.booked >= PATIENT_COUNT // 2
    assert Appointment.objects.filter(type__kind="infusion").exists()
    assert Appointment.objects.filter(type__kind="consultation").exists()
    # Patients at every screening outcome, intakes in progress, a safety answer.
    assert set(ScreeningDecision.objects.values_list("outcome", flat=True)) == set(
        ScreeningDecision.Outcome.values
    )
    assert Intake.objects.filter(status="in_progress").exists()
    assert UrgentTask.objects.filter(done_at__isnull=True).count() == 1
    assert ConsentVersion.objects.count() == 4
    # Patients due for maintenance: their series done in the past.
    due = maintenance_due(User.objects.get(username="provider"), timezone.now())
    assert len(due) >= 2
    assert any(row.days_left < 0 for row in due)


def test_loading_it_twice_changes_nothing_the_second_time(db):
    call_command("demo", "--no-migrate", stdout=io.StringIO())
    first = fingerprint()
    result = load_demo(password="another-password")
    assert (result.created_staff, result.created_patients) == (0, 0)
    assert fingerprint() == first
