"""Which locations a staff member works at, and which one is active."""

from __future__ import annotations

from django.http import HttpRequest

from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.clinics.models import Location
from ketaclinic.prepared import prepared_sql

SESSION_KEY = "ketaclinic_location_id"


def _locations_query(user_id: int):
    return Location.objects.filter(staff=user_id, active=True).order_by("name")


def locations_of(user) -> list:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_ketaclinic_locations", None)
    if cached is None:
        # Every staff page asks: a query built once (ketaclinic.prepared).
        sql, params = prepared_sql(("locations_of",), _locations_query, user.pk)
        cached = list(Location.objects.raw(sql, params))
        user._ketaclinic_locations = cached
    return cached


def active_location(request: HttpRequest):
    locations = locations_of(request.user)
    if not locations:
        return None
    wanted = request.session.get(SESSION_KEY)
    for location in locations:
        if location.pk == wanted:
            return location
    return locations[0]


def location_ids_of(user) -> list[int]:
    return [location.pk for location in locations_of(user)]


def location_scope(user) -> list[int] | None:
    """The locations whose logs this user reads: None for every location
    (administrators), else the locations they work at."""
    return None if can(user, Perm.ALL_LOCATIONS) else location_ids_of(user)
