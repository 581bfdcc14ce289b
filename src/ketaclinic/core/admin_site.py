"""The Django admin, for administrators with a passed second factor only."""

from __future__ import annotations

from django.contrib import admin

from ketaclinic.accounts.access import needs_second_factor
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
