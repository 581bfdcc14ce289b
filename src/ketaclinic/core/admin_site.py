"""The Django admin, for administrators with a passed second factor only."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect

from ketaclinic.accounts.access import forbidden, needs_second_factor
from ketaclinic.accounts.permissions import Perm, can


class KetaclinicAdminSite(admin.AdminSite):
    site_header = "ketaclinic configuration"
    site_title = "ketaclinic configuration"
    index_title = "Locations, chairs, rooms and staff"

    def has_permission(self, request) -> bool:
        user = request.user
        return (
            user.is_active
            and can(user, Perm.CONFIGURE)
            and not needs_second_factor(user)
        )

    def login(self, request, extra_context=None):
        """One sign-in page for the whole app (lockout, second factor, audit)."""
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.GET.get("next", self.index_url()))
        if needs_second_factor(user):
            return redirect("accounts:otp")
        return forbidden(request)

    def index_url(self) -> str:
        from django.urls import reverse

        return reverse("admin:index", current_app=self.name)
