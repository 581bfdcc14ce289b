"""Staff accounts: creating staff, second-factor enrolment."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.accounts import lockout
from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import Perm, Role, can
from ketaclinic.accounts.signals import credentials_reset
from ketaclinic.audit.services import Action, Actor, audit_record


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
        User.objects.filter(pk=device.user_id).update(must_enrol_second_factor=False)


def staff_unlock(*, actor: Actor, staff: User) -> None:
    """Let a locked-out staff member sign in again, on a manager's word."""
    with transaction.atomic():
        lockout.unlock(staff.get_username())
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=staff,
            summary=f"Unlocked the sign-in of {staff.get_username()}",
        )


def staff_credentials_reset(*, actor: Actor, staff: User, what: str) -> None:
    """After an administrator set `staff`'s password (`what`="password") or
    cleared their second factor ("second factor"): their authenticator apps
    stop working, they enrol a new one and choose a new password at their next
    sign-in, the audit log records who did it, and they are told by email (so
    that a reset they did not ask for does not go unnoticed: the outbox
    answers `credentials_reset`)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=staff).delete()
        staff.must_enrol_second_factor = True
        staff.must_change_password = True
        staff.save(update_fields=["must_enrol_second_factor", "must_change_password"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=staff,
            summary=f"Reset the {what} of {staff.get_username()}: they enrol a new "
            "second factor and choose a new password at their next sign-in"
            + ("" if staff.email else " (no email address on file to tell them)"),
        )
        if staff.email:
            credentials_reset.send(
                sender=User, staff=staff, admin=actor.user, what=what
            )


def staff_password_renewed(*, staff: User) -> None:
    if staff.must_change_password:
        staff.must_change_password = False
        staff.save(update_fields=["must_change_password"])


def credentials_match(user: User, secret: str) -> bool:
    """The user's own password, or a current code of their authenticator app,
    re-entered on the spot (signing, witnessing, a double check)."""
    if secret and user.check_password(secret):
        return True
    from django_otp import match_token

    return bool(secret.strip().isdigit() and match_token(user, secret.strip()))


class SecondPerson(enum.Enum):
    """Why someone cannot be the second person of a witnessed act (a waste, a
    count, a double check): each caller says it in its own words."""

    SAME = "same"  # the one acting
    NOT_LICENSED = "not_licensed"  # inactive, or not a licensed role
    ELSEWHERE = "elsewhere"  # does not work at the location
    WRONG_SECRET = "wrong_secret"  # noqa: S105 (the re-entered password or code)


def second_person_problem(
    person: User,
    *,
    by: User,
    perm: Perm,
    location_id: int | None,
    secret: str,
    also_not: User | None = None,
) -> SecondPerson | None:
    """The one check of a second person: someone else than `by` (and
    `also_not`), active and allowed `perm`, working at the location, who
    re-entered their own password or code on the spot. None when they may."""
    if person.pk == by.pk or (also_not is not None and person.pk == also_not.pk):
        return SecondPerson.SAME
    if not person.is_active or not can(person, perm):
        return SecondPerson.NOT_LICENSED
    if location_id is not None and not person.locations.filter(pk=location_id).exists():
        return SecondPerson.ELSEWHERE
    if not credentials_match(person, secret or ""):
        return SecondPerson.WRONG_SECRET
    return None
