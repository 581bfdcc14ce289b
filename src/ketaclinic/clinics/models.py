"""The clinic's places: locations, their chairs and rooms, opening hours and
closures. Every app above stands on them; this app imports none of them."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import models


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except Exception:
        raise ValidationError(f"{value!r} is not a known time zone.") from None


class Location(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    slug = models.SlugField(unique=True)
    time_zone = models.CharField(
        max_length=64, default="America/Denver", validators=[validate_time_zone]
    )
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        db_table = "scheduling_location"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class Resource(models.Model):
    class Kind(models.TextChoices):
        CHAIR = "chair", "Infusion chair"
        ROOM = "room", "Consultation room"

    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="resources"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=60)
    active = models.BooleanField(default=True)

    class Meta:
        db_table = "scheduling_resource"
        ordering = ["location", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "name"], name="resource_name_unique_per_location"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.location})"


class OpeningHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        db_table = "scheduling_openinghours"
        ordering = ["location", "weekday", "opens"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")),
                name="opening_hours_close_after_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Closure(models.Model):
    """Days a location is closed: holidays and one-off closures."""

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="closures"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=120)

    class Meta:
        db_table = "scheduling_closure"
        ordering = ["location", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="closure_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.location}: {self.reason} ({self.starts_on}–{self.ends_on})"
