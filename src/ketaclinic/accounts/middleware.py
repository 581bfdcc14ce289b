from __future__ import annotations

from django.utils import timezone

from ketaclinic.accounts.locations import active_location
from ketaclinic.accounts.requests import AppRequest
from ketaclinic.audit.actor import Actor


class StaffGateMiddleware:
    """Sets `request.location`, the location a staff member works at right now,
    and `request.actor`, who acts through this request; shows times in that
    location's time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: AppRequest):
        request.location = active_location(request)
        request.actor = Actor.of_request(request)
        if request.location is not None:
            timezone.activate(request.location.zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
