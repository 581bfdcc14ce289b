from __future__ import annotations

from ketaclinic.accounts.locations import locations_of
from ketaclinic.accounts.permissions import Perm, perms_of
from ketaclinic.accounts.requests import AppRequest


def staff(request: AppRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    granted = perms_of(user.role)
    return {
        "perms_granted": {perm.value: True for perm in Perm if perm in granted},
        "staff_locations": locations_of(user),
        "active_location": getattr(request, "location", None),
    }
