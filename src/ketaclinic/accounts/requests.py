"""The shape of a request once the middleware has run: what views may read.

These classes only type what the middleware sets (`actor`, `location`, `htmx`)
and, behind the staff gate, that the user is a signed-in staff member.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from ketaclinic.accounts.models import User
    from ketaclinic.audit.actor import Actor
    from ketaclinic.clinics.models import Location


class AppRequest(HttpRequest):
    """Any request: a visitor's, a patient's link, or staff."""

    actor: Actor
    location: Location | None
    htmx: HtmxDetails


class StaffRequest(AppRequest):
    """A request that passed `staff_required`: a signed-in staff member."""

    user: User
