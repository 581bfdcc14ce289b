"""A shared world for every test: a home location with staff of every role,
another location with its own staff, and patients at each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.db.models.signals import post_save
from django.test import Client

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import Role
from ketaclinic.clinics.models import Location
from ketaclinic.patients.models import Patient

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.KETACLINIC_2FA = "optional"


@dataclass
class World:
    home: Location
    other: Location
    staff: dict[str, User]  # by role value, all at `home`
    stranger: User  # a nurse at `other` only
    patient: Patient  # at home
    foreign_patient: Patient  # at other


def make_staff(username: str, role: str, *locations: Location) -> User:
    user = User(username=username, role=role, first_name=username.title())
    user.set_password(PASSWORD)
    user.save()
    user.locations.set(locations)
    return user


def make_patient(location: Location, **fields) -> Patient:
    defaults = {
        "mrn": fields.pop("mrn", None) or f"T{Patient.objects.count() + 1:07d}",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "date_of_birth": date(1980, 5, 17),
        "phone": "+13035550142",
        "email": "ada@example.com",
    }
    defaults.update(fields)
    return Patient.objects.create(location=location, **defaults)


@pytest.fixture
def world(db) -> World:
    home = Location.objects.create(name="Home clinic", slug="home")
    other = Location.objects.create(name="Other clinic", slug="other")
    staff = {role.value: make_staff(role.value, role.value, home) for role in Role}
    stranger = make_staff("stranger", Role.NURSE, other)
    patient = make_patient(home)
    foreign = make_patient(
        other,
        first_name="Grace",
        last_name="Hopper",
        phone="+13035550199",
        email="grace@example.com",
    )
    return World(home, other, staff, stranger, patient, foreign)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_role(world):
    """as_role("nurse") -> a signed-in test client."""
    return lambda role: client_for(world.staff[role])


def sign_candidate(patient: Patient, indication: str = "depression"):
    """A provider's signed "candidate" decision: what an infusion booking needs
    (ketaclinic.scheduling.eligibility)."""
    from ketaclinic.treatment.models import ScreeningDecision

    provider = User.objects.filter(role=Role.PROVIDER).first() or make_staff(
        "candidacy", Role.PROVIDER
    )
    return ScreeningDecision.objects.create(
        patient=patient,
        outcome=ScreeningDecision.Outcome.CANDIDATE,
        indication=indication,
        rationale="Meets the criteria.",
        signed_by=provider,
    )


@pytest.fixture
def candidates():
    """Every patient of the test, made now or later, is a signed candidate:
    for tests of the schedule itself, not of who may be booked."""

    def screened(sender, instance, created, raw=False, **kwargs):
        if created and not raw:
            sign_candidate(instance)

    for patient in Patient.objects.all():
        sign_candidate(patient)
    post_save.connect(screened, sender=Patient, dispatch_uid="candidates")
    yield
    post_save.disconnect(sender=Patient, dispatch_uid="candidates")
