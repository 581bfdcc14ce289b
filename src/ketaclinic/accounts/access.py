"""Gates every staff page and API: signed in, second factor, role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render

from ketaclinic.accounts.permissions import ROLES_REQUIRING_2FA, Perm, can
from ketaclinic.accounts.requests import AppRequest
from ketaclinic.prepared import prepared_sql


def needs_second_factor(user) -> bool:
    """True when this user must still pass a second factor in this session."""
    if not user.is_authenticated:
        return False
    if user.must_enrol_second_factor:
        return True  # until a new authenticator app is enrolled and used
    if user.is_verified():
        return False
    if settings.KETACLINIC_2FA == "required" and user.role in ROLES_REQUIRING_2FA:
        return True
    # Whoever enrolled a device uses it, whatever the policy. Asked once per
    # request (the gate and the page both ask).
    if not hasattr(user, "_ketaclinic_has_device"):
        user._ketaclinic_has_device = has_confirmed_device(user)
    return user._ketaclinic_has_device


def has_confirmed_device(user) -> bool:
    """Whether the user has a confirmed device of any kind (what django_otp's
    devices_for_user finds), asked with a query built once per kind."""
    from django_otp import device_classes

    for model in device_classes():

        def confirmed(user_id: int, model=model) -> QuerySet:
            devices = model.objects.filter(user_id=user_id, confirmed=True)
            return devices.values_list("pk")[:1]

        key = ("confirmed_device", model._meta.label)
        sql, params = prepared_sql(key, confirmed, user.pk)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if cursor.fetchone() is not None:
                return True
    return False


def forbidden(request: AppRequest, what: str = "") -> HttpResponse:
    return render(request, "core/forbidden.html", {"what": what}, status=403)


def staff_required(perm: Perm | None = None) -> Callable:
    """Decorator: a signed-in staff member (second factor passed) with `perm`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: AppRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if needs_second_factor(user):
                from django.shortcuts import redirect

                return redirect("accounts:otp")
            if perm is not None and not can(user, perm):
                from ketaclinic.audit.services import Action, audit_record

                audit_record(
                    actor=request.actor,
                    action=Action.DENIED,
                    summary=f"{request.method} {request.path} needs {perm}",
                )
                return forbidden(request)
            return view(request, *args, **kwargs)

        setattr(wrapped, "required_perm", perm)  # noqa: B010 (read by the access table test)
        return wrapped

    return decorator
