from __future__ import annotations

import uuid
from datetime import datetime

from django.db import models
from simple_history.models import HistoricalRecords

from ketaclinic.clinics.models import Location, OpeningHours, Resource


class StaffHours(models.Model):
    """When a staff member works at a location, per weekday (local time)."""

    staff = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="hours"
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="staff_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=OpeningHours.Weekday.choices)
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ["staff", "weekday", "starts"]
        verbose_name_plural = "staff hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")),
                name="staff_hours_end_after_start",
            )
        ]

    def __str__(self) -> str:
        day = self.get_weekday_display()
        return f"{self.staff} {day} {self.starts:%H:%M}-{self.ends:%H:%M}"


class TimeOff(models.Model):
    staff = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="time_off"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["staff", "starts_at"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="time_off_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff} off {self.starts_at:%Y-%m-%d}"


class AppointmentType(models.Model):
    """What can be booked: a consultation, an infusion, a follow-up ..."""

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", "Consultation"
        INFUSION = "infusion", "Infusion"
        FOLLOW_UP = "follow_up", "Follow-up"

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    remote = models.BooleanField(
        default=False, help_text="Phone or video: no room is held."
    )
    provider_on_site = models.BooleanField(
        default=False,
        help_text="A provider must be working at the location for the whole visit "
        "(e.g. during infusions), without being booked for it.",
    )
    min_notice_hours = models.PositiveSmallIntegerField(
        default=2, help_text="How soon before its start a visit can be booked."
    )
    instructions = models.TextField(
        blank=True,
        help_text="Sent with every reminder, e.g. fasting, escort, no driving.",
    )
    # Pre-visit questions asked when the patient confirms through the reminder
    # link: a list of {"key", "label", "kind": "text"|"phone"|"time"}.
    questions = models.JSONField(default=list, blank=True)
    color = models.CharField(max_length=7, default="#0b5cad")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def minutes(self) -> int:
        return sum(phase.minutes for phase in self.phases.all())


class AppointmentPhase(models.Model):
    """One stretch of a visit and what it holds: chair, room, nurse, provider."""

    type = models.ForeignKey(
        AppointmentType, on_delete=models.CASCADE, related_name="phases"
    )
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=40)
    minutes = models.PositiveSmallIntegerField()
    needs_chair = models.BooleanField(default=False)
    needs_room = models.BooleanField(default=False)
    needs_nurse = models.BooleanField(default=False)
    needs_provider = models.BooleanField(default=False)

    class Meta:
        ordering = ["type", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["type", "order"], name="phase_order_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(minutes__gt=0), name="phase_minutes_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.minutes} min)"


class Appointment(models.Model):
    """One visit of a patient (or of a lead, before there is a chart).

    The patient is held like a chair: two visits that hold time never overlap
    for one patient or one lead, at any location. On PostgreSQL an exclusion
    constraint guarantees it (migration 0006_one_visit_at_a_time_per_patient);
    on SQLite the booking service re-checks inside its write-locked
    transaction (see Allocation).
    """

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CONFIRMED = "confirmed", "Confirmed"
        CHECKED_IN = "checked_in", "Checked in"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "No-show"

    # How a status reads at a glance (the badge's tone).
    STATUS_TONES: dict[str, str] = {
        Status.CANCELLED: "danger",
        Status.NO_SHOW: "danger",
        Status.CHECKED_IN: "ok",
        Status.IN_PROGRESS: "ok",
        Status.COMPLETED: "ok",
        Status.CONFIRMED: "ok",
    }

    # Statuses that hold their chair, room and staff.
    HOLDING = (
        Status.BOOKED,
        Status.CONFIRMED,
        Status.CHECKED_IN,
        Status.IN_PROGRESS,
        Status.COMPLETED,
    )
    # Which status each status may become.
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        Status.BOOKED: (
            Status.CONFIRMED,
            Status.CHECKED_IN,
            Status.CANCELLED,
            Status.NO_SHOW,
        ),
        Status.CONFIRMED: (Status.CHECKED_IN, Status.CANCELLED, Status.NO_SHOW),
        Status.CHECKED_IN: (Status.IN_PROGRESS, Status.CANCELLED),
        Status.IN_PROGRESS: (Status.COMPLETED,),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # A visit is for a patient, or, for a free consultation before there is a
    # chart, for a lead (an inquiry); never both, never neither.
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
    )
    inquiry = models.ForeignKey(
        "inquiries.Inquiry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="appointments"
    )
    type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.BOOKED
    )
    status_reason = models.CharField(max_length=200, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    booked_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    # An infusion booked while the patient had an open urgent suicide-risk
    # task: one acknowledgement per task, with its reason and who gave it
    # ({"kind", "key", "about", "reason", "by"}; scheduling.eligibility).
    acknowledgements = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["location", "starts_at"]),
            models.Index(fields=["patient", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="appointment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(patient__isnull=False, inquiry__isnull=True)
                    | models.Q(patient__isnull=True, inquiry__isnull=False)
                ),
                name="appointment_for_patient_or_lead",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} for {self.patient} at {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def holds_time(self) -> bool:
        return self.status in self.HOLDING

    @property
    def status_tone(self) -> str:
        return self.STATUS_TONES.get(self.status, "")

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(self.location.zone)

    def refusal(self, status: str, now: datetime) -> str:
        """Why this visit cannot become `status` now, in plain words ('' when
        it can). Check-in is on the visit's day at its location; a no-show
        only once the visit has started."""
        if status not in self.TRANSITIONS.get(self.status, ()):
            return (
                f"A {self.get_status_display().lower()} appointment cannot become "
                f"{self.Status(status).label.lower()}."
            )
        start = self.local_start
        today = now.astimezone(start.tzinfo).date()
        if status == self.Status.CHECKED_IN and today != start.date():
            return f"Check-in is on the day of the visit, {start:%a %b %-d}."
        if status == self.Status.NO_SHOW and now < self.starts_at:
            return (
                "A visit becomes a no-show only once it has started "
                f"({start:%a %b %-d}, {start:%H:%M})."
            )
        return ""

    def open_statuses(self, now: datetime) -> list[str]:
        """The statuses this visit can take now, in the order they are offered."""
        return [
            s for s in self.TRANSITIONS.get(self.status, ()) if not self.refusal(s, now)
        ]

    @property
    def can_move(self) -> bool:
        return self.status in (self.Status.BOOKED, self.Status.CONFIRMED)

    def has_begun(self, now: datetime) -> bool:
        """Has the visit taken place (or begun)? A cancelled one never has."""
        if self.status in (
            self.Status.CHECKED_IN,
            self.Status.IN_PROGRESS,
            self.Status.COMPLETED,
        ):
            return True
        return self.holds_time and self.starts_at <= now


class Allocation(models.Model):
    """A chair, room or staff seat held by one phase of an appointment.

    The guarantee against double booking lives here: on PostgreSQL an
    exclusion constraint forbids two active allocations of the same chair or
    room, or the same staff seat, whose times overlap (migration
    0003_no_double_booking). On SQLite every write transaction takes the
    database's write lock at BEGIN (IMMEDIATE), and the booking service checks
    for overlaps inside it, so no two bookings interleave.
    """

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="allocations"
    )
    phase = models.CharField(max_length=40)
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    staff = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
    )
    seat = models.PositiveSmallIntegerField(default=0)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["resource", "starts_at"],
                condition=models.Q(active=True),
                name="allocation_resource_active",
            ),
            models.Index(
                fields=["staff", "starts_at"],
                condition=models.Q(active=True),
                name="allocation_staff_active",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="allocation_ends_after_start",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(resource__isnull=False, staff__isnull=True)
                    | models.Q(resource__isnull=True, staff__isnull=False)
                ),
                name="allocation_holds_one_thing",
            ),
        ]

    def __str__(self) -> str:
        held = self.resource or self.staff
        return f"{self.phase}: {held} {self.starts_at:%Y-%m-%d %H:%M}"


class WaitlistEntry(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered a slot"
        BOOKED = "booked", "Booked"
        REMOVED = "removed", "Removed"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="waitlist"
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="+"
    )
    earliest = models.DateField()
    latest = models.DateField()
    notes = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.WAITING
    )
    offered_start = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "waitlist entries"

    def __str__(self) -> str:
        return f"{self.patient} waiting for {self.type}"
