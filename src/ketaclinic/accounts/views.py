from __future__ import annotations

import base64
from io import BytesIO
from typing import cast

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login

from ketaclinic.accounts import lockout, services
from ketaclinic.accounts.access import has_confirmed_device, staff_required
from ketaclinic.accounts.forms import EnrolForm, SignInForm, TokenForm
from ketaclinic.accounts.locations import SESSION_KEY, location_ids_of, locations_of
from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import Perm, Role, can
from ketaclinic.accounts.requests import AppRequest, StaffRequest
from ketaclinic.audit.services import Action, audit_record
from ketaclinic.words import duration_words

# The roles whose day starts on the start page (/today/).
START_PAGE_ROLES = (Role.FRONT_DESK, Role.PROVIDER, Role.MANAGER)


@staff_required()
def start(request: StaffRequest) -> HttpResponse:
    """Where each role starts its day (the home page, for staff signed in): a
    nurse at today's infusion board, the front desk, providers and managers on their
    start page, an administrator at the audit log."""
    if request.user.role == Role.NURSE:
        return redirect("infusions:board")
    if request.user.role in START_PAGE_ROLES and can(request.user, Perm.PATIENT_VIEW):
        return redirect("today")
    if can(request.user, Perm.AUDIT_VIEW):
        return redirect("audit:log")
    return render(request, "accounts/start.html")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        request = cast(StaffRequest, self.request)
        services.staff_password_renewed(staff=request.user)
        audit_record(actor=request.actor, action=Action.PASSWORD_CHANGED)
        messages.success(self.request, "Your password was changed.")
        return response

    def get_success_url(self) -> str:
        return "/"


def _next_url(request: AppRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return "/"


@login_required
def otp_verify(request: StaffRequest) -> HttpResponse:
    """Second step of sign-in: the code from the staff member's app."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not has_confirmed_device(request.user):
        return redirect("accounts:otp_enrol")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        for device in devices_for_user(request.user, confirmed=True):
            if device.verify_is_allowed()[0] and device.verify_token(token):
                otp_login(request, device)
                return redirect(_next_url(request))
        audit_record(actor=request.actor, action=Action.OTP_FAILED)
        form.add_error(
            "token", "That code is not right or has expired. Try the next one."
        )
    return render(request, "accounts/otp_verify.html", {"form": form})


@login_required
def otp_enrol(request: StaffRequest) -> HttpResponse:
    """Set up an authenticator app: scan the code, type the first number."""
    if has_confirmed_device(request.user) and not request.user.is_verified():
        return redirect("accounts:otp")
    device = services.totp_pending_device(request.user)
    form = EnrolForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            services.totp_confirm(device)
            otp_login(request, device)
            audit_record(actor=request.actor, action=Action.OTP_ENROLLED)
            messages.success(request, "Two-factor sign-in is set up.")
            return redirect(_next_url(request))
        audit_record(actor=request.actor, action=Action.OTP_FAILED, summary="enrolment")
        form.add_error("token", "That code is not right. Check the time on your phone.")
    elif request.method == "POST" and "password" in form.errors:
        audit_record(
            actor=request.actor, action=Action.OTP_FAILED, summary="enrolment: password"
        )
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = BytesIO()
    image.save(buffer)
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "qr_svg": buffer.getvalue().decode(),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        },
    )


@staff_required()
def account(request: StaffRequest) -> HttpResponse:
    return render(
        request,
        "accounts/account.html",
        {"has_device": has_confirmed_device(request.user)},
    )


@require_POST
@staff_required()
def location_switch(request: StaffRequest) -> HttpResponse:
    wanted = request.POST.get("location", "")
    for location in locations_of(request.user):
        if str(location.pk) == wanted:
            request.session[SESSION_KEY] = location.pk
            messages.info(request, f"You are working at {location.name}.")
            break
    else:
        messages.error(request, "You do not work at that location.")
    return redirect(_next_url(request))


def locked_out(request: AppRequest, original_response=None, credentials=None):
    """What django-axes shows instead of signing in, in plain words."""
    return render(
        request,
        "accounts/locked_out.html",
        {"wait": duration_words(settings.AXES_COOLOFF_TIME)},
        status=429,
    )


def _colleagues(user):
    """The staff a manager may unlock: those of their locations (everyone, for
    an administrator)."""
    staff = User.objects.filter(is_active=True).exclude(pk=user.pk)
    if user.role == Role.ADMIN:
        return staff
    return staff.filter(locations__in=location_ids_of(user)).distinct()


@staff_required(Perm.STAFF_UNLOCK)
def lockouts(request: StaffRequest) -> HttpResponse:
    """Staff of my locations who cannot sign in now; unlock them."""
    colleagues = {member.get_username(): member for member in _colleagues(request.user)}
    if request.method == "POST":
        member = colleagues.get(request.POST.get("username", ""))
        if member is None:
            messages.error(request, "That person does not work at your locations.")
        else:
            services.staff_unlock(actor=request.actor, staff=member)
            messages.success(request, f"{member} can sign in again.")
        return redirect("accounts:lockouts")
    locked = lockout.locked_usernames(list(colleagues))
    return render(
        request,
        "accounts/lockouts.html",
        {
            "locked": [
                {"lockout": entry, "member": colleagues[entry.username]}
                for entry in locked
            ]
        },
    )
