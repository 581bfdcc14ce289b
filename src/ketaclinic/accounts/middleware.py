from __future__ import annotations

from django.http import HttpRequest

from ketaclinic.accounts.locations import active_location


class StaffGateMiddleware:
    """Sets `request.location`: the location a staff member works at right now."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.location = active_location(request)
        return self.get_response(request)
