from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.access import needs_second_factor
from ketaclinic.accounts.locations import active_location
from ketaclinic.audit.actor import Actor

# What a staff member may reach after the password and before the second factor.
BEFORE_SECOND_FACTOR = frozenset(
    {"accounts:otp", "accounts:otp_enrol", "accounts:logout", "health"}
)
# ... and, after an administrator reset their password, before a new one.
BEFORE_NEW_PASSWORD = BEFORE_SECOND_FACTOR | {"accounts:password_change"}


class StaffGateMiddleware:
    """Sets `request.location`, the location a staff member works at right now,
    and `request.actor`, who acts through this request; shows times in that
    location's time zone.

    A staff member who still owes a second factor reaches nothing but the
    second-factor pages and sign-out, whatever the page's own checks say."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.location = active_location(request)
        request.actor = Actor.of_request(request)
        if request.location is not None:
            timezone.activate(request.location.zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request: HttpRequest, view, args, kwargs):
        match = request.resolver_match
        if match is None or match.view_name in BEFORE_SECOND_FACTOR:
            return None
        user = request.user
        if needs_second_factor(user):
            return self._refuse(request, match, "accounts:otp", "your second factor")
        if user.is_authenticated and user.must_change_password:
            if match.view_name in BEFORE_NEW_PASSWORD:
                return None
            return self._refuse(
                request, match, "accounts:password_change", "a new password"
            )
        return None

    def _refuse(self, request: HttpRequest, match, page: str, what: str):
        if "api" in match.namespaces:
            return JsonResponse({"detail": f"Sign in with {what} first."}, status=401)
        return redirect_to_login(request.get_full_path(), reverse(page))
