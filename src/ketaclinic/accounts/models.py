from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.db import models

from ketaclinic.accounts.permissions import Role


class User(AbstractUser):
    """A staff member. Patients have no account; they use private links."""

    role = models.CharField(max_length=20, choices=Role.choices)
    locations = models.ManyToManyField(
        "clinics.Location", blank=True, related_name="staff"
    )
    patients_at_once = models.PositiveSmallIntegerField(
        default=1,
        help_text="How many patients this person can look after at the same time "
        "(e.g. a nurse watching 3 chairs).",
    )
    title = models.CharField(
        max_length=40,
        blank=True,
        help_text="Credentials shown after the name, e.g. RN.",
    )
    phone = models.CharField(
        "mobile phone",
        max_length=32,
        blank=True,
        help_text="For urgent alerts by text message (a patient's safety answer).",
    )
    # Set when an administrator set this person's password or second factor:
    # at the next sign-in they enrol a new authenticator app and choose a new
    # password before anything else.
    must_enrol_second_factor = models.BooleanField(default=False, editable=False)
    must_change_password = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["last_name", "first_name"]

    if TYPE_CHECKING:
        # Set on each request by django-otp's middleware.
        def is_verified(self) -> bool: ...

    def __str__(self) -> str:
        name = self.get_full_name() or self.username
        return f"{name}, {self.title}" if self.title else name

    def save(self, *args, **kwargs):
        # Only administrators reach the Django admin.
        self.is_staff = self.role == Role.ADMIN
        self.is_superuser = self.role == Role.ADMIN
        super().save(*args, **kwargs)
