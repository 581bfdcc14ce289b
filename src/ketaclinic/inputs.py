"""What every page, form and API accepts, checked in one place: dates within
the calendar's years, and text without NUL characters (PostgreSQL cannot store
them, and no person types one)."""

from __future__ import annotations

from datetime import date, datetime

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

# Dates a calendar, a search or a booking may name. Far enough apart for any
# clinic; near enough that a week or a time zone added never leaves the years
# Python and the databases can hold.
CALENDAR_FIRST = date(1900, 1, 1)
CALENDAR_LAST = date(2199, 12, 31)
OUT_OF_RANGE = f"Pick a date between {CALENDAR_FIRST:%Y} and {CALENDAR_LAST:%Y}."
NUL_MESSAGE = (
    "What you sent contains an invisible control character (NUL) that cannot "
    "be stored. Please type it again, or paste it as plain text."
)


def calendar_date(value: str | None) -> date | None:
    """`value` as a date (YYYY-MM-DD) within the calendar's years, else None."""
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return None
    return day if CALENDAR_FIRST <= day <= CALENDAR_LAST else None


def in_calendar(moment: date | datetime) -> bool:
    day = moment.date() if isinstance(moment, datetime) else moment
    return CALENDAR_FIRST <= day <= CALENDAR_LAST


class CalendarDateField(forms.DateField):
    default_validators = [
        MinValueValidator(CALENDAR_FIRST, OUT_OF_RANGE),
        MaxValueValidator(CALENDAR_LAST, OUT_OF_RANGE),
    ]


class CalendarDateTimeField(forms.DateTimeField):
    def validate(self, value: datetime | None) -> None:
        super().validate(value)
        if value is not None and not in_calendar(value):
            raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")


def _has_nul(data) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in data.lists()
    )


class RejectNulMiddleware:
    """Refuses a request whose query or form fields hold a NUL character,
    with a plain page (or the API's JSON error), before any view reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        has_form = request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        )
        if _has_nul(request.GET) or (has_form and _has_nul(request.POST)):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": NUL_MESSAGE}, status=422)
            return render(
                request, "core/bad_input.html", {"text": NUL_MESSAGE}, status=400
            )
        return self.get_response(request)
