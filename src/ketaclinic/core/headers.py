"""Headers every page carries: a strict Content-Security-Policy and no caching.

The app serves all its own scripts and styles, so the policy allows nothing
else: no inline script or event handler, no inline style attribute, nothing
from another site. The few pages that place things on a grid from the data
(the day calendar, the colour of an appointment type) do so in one <style>
element carrying the request's nonce.

Every page that Django answers may show patient data or a private link, so
none is kept by the browser or a proxy: `Cache-Control: no-store` (static
files, served before this, stay cacheable).
"""

from __future__ import annotations

import secrets

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

POLICY = (
    "default-src 'self'; "
    "script-src 'self'; "
    "style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self'; "
    "font-src 'self'; "
    "connect-src 'self'; "
    "object-src 'none'; "
    "base-uri 'none'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        response.headers.setdefault(
            "Content-Security-Policy", POLICY.format(nonce=request.csp_nonce)
        )
        if "Cache-Control" not in response.headers:
            add_never_cache_headers(response)
        return response
