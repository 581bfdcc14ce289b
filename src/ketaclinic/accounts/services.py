"""Staff accounts: creating staff, second-factor enrolment."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import Role


def staff_create(
    *,
    username: str,
    password: str,
    role: str,
    locations: Iterable,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    title: str = "",
) -> User:
    if role not in Role.values:
        raise ValueError(
            f"Unknown role {role!r}; choose one of {', '.join(Role.values)}."
        )
    with transaction.atomic():
        user = User(
            username=username,
            role=role,
            first_name=first_name,
            last_name=last_name,
            email=email,
            title=title,
        )
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        user.locations.set(list(locations))
    return user


def totp_pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device shown while enrolling; made on first use."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(
                user=user, name="Authenticator app", confirmed=False
            )
    return device


def totp_confirm(device: TOTPDevice) -> None:
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
