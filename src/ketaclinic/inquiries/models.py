"""Leads: who asked through the public form, where they stand, what was said.

An inquiry is one person's lead. Each time they send the form a Submission
keeps what they wrote (a second submission with the same email or phone joins
the lead instead of making another). The front desk's calls, emails and notes
are ContactEntry rows; every move between stages is a StageChange with its
reason; a provider's ConsultationNote is signed and never edited (an
amendment is a new signed note that points at the one it corrects).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from ketaclinic.records import SignedRecord


class Condition(models.TextChoices):
    DEPRESSION = "depression", _("Depression")
    PTSD = "ptsd", _("PTSD")
    ANXIETY = "anxiety", _("Anxiety")
    CHRONIC_PAIN = "chronic_pain", _("Chronic pain")
    OTHER = "other", pgettext_lazy("condition", "Other")


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("Phone call")
    TEXT = "text", _("Text message")
    EMAIL = "email", _("Email")


class ContactTime(models.TextChoices):
    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")
    EVENING = "evening", _("Evening")
    ANY = "any", _("Any time")


class HeardFrom(models.TextChoices):
    SEARCH = "search", _("Web search")
    DOCTOR = "doctor", _("My doctor or therapist")
    FRIEND = "friend", _("A friend or family member")
    SOCIAL = "social", _("Social media")
    OTHER = "other", pgettext_lazy("heard from", "Other")


class Antidepressants(models.IntegerChoices):
    """How many antidepressants a visitor has tried (3 means three or more)."""

    NONE = 0, _("None")
    ONE = 1, _("One")
    TWO = 2, _("Two")
    THREE_OR_MORE = 3, _("Three or more")


class ConsultationMode(models.TextChoices):
    PHONE = "phone", _("Phone call")
    VIDEO = "video", _("Video call")
    IN_PERSON = "in_person", _("In person")


class Stage(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    CONSULTATION_BOOKED = "consultation_booked", "Consultation booked"
    CONSULTATION_DONE = "consultation_done", "Consultation done"
    INTAKE_SENT = "intake_sent", "Intake sent"
    SCREENING = "screening", "Screening"
    CANDIDATE = "candidate", "Candidate"
    NOT_CANDIDATE = "not_candidate", "Not a candidate"
    PLAN = "plan", "Plan"
    IN_TREATMENT = "in_treatment", "In treatment"
    MAINTENANCE = "maintenance", "Maintenance"
    CLOSED = "closed", "Closed"


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    SPANISH = "es", "Español"


class Inquiry(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, related_name="inquiries"
    )
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    email = models.EmailField(max_length=254)
    phone = models.CharField(
        max_length=20, help_text="With the area code: (303) 555-0142"
    )
    preferred_contact = models.CharField(
        max_length=10, choices=ContactMethod.choices, default=ContactMethod.PHONE
    )
    preferred_time = models.CharField(
        max_length=10, choices=ContactTime.choices, default=ContactTime.ANY
    )
    # What they want treated: Condition codes between commas, ",depression,ptsd,"
    # (a filter on one is a plain LIKE, the same on SQLite and PostgreSQL).
    conditions = models.CharField(max_length=100, blank=True)
    antidepressants_tried = models.PositiveSmallIntegerField(
        choices=Antidepressants.choices, null=True, blank=True
    )
    heard_from = models.CharField(max_length=10, choices=HeardFrom.choices, blank=True)
    language = models.CharField(
        max_length=5, choices=Language.choices, default=Language.ENGLISH
    )
    consented_at = models.DateTimeField(
        help_text="When the visitor agreed to be contacted."
    )
    # Answered yes to "Are you thinking about harming yourself right now?"
    crisis = models.BooleanField(default=False)
    urgent = models.BooleanField(default=False)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.NEW)
    stage_changed_at = models.DateTimeField()
    consultation_mode = models.CharField(
        max_length=10, choices=ConsultationMode.choices, blank=True
    )
    created_at = models.DateTimeField()
    last_submission_at = models.DateTimeField()
    first_contact_at = models.DateTimeField(null=True, blank=True)
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    converted_at = models.DateTimeField(null=True, blank=True)
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-urgent", "created_at", "id"]
        verbose_name_plural = "inquiries"
        indexes = [
            models.Index(fields=["location", "stage", "created_at"]),
            models.Index(fields=["email"]),
            models.Index(fields=["phone"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stage__in=[s.value for s in Stage]),
                name="inquiry_stage_known",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def condition_codes(self) -> list[str]:
        return [code for code in self.conditions.split(",") if code]

    @property
    def condition_labels(self) -> list[str]:
        known = dict(Condition.choices)
        return [str(known[c]) for c in self.condition_codes if c in known]

    @staticmethod
    def conditions_value(codes) -> str:
        ordered = [c for c in Condition.values if c in set(codes)]
        return f",{','.join(ordered)}," if ordered else ""

    @property
    def time_to_first_contact(self):
        if self.first_contact_at is None:
            return None
        return self.first_contact_at - self.created_at


class Submission(models.Model):
    """One sending of the public form, kept as the visitor wrote it."""

    inquiry = models.ForeignKey(
        Inquiry, on_delete=models.PROTECT, related_name="submissions"
    )
    message = models.TextField(blank=True, max_length=2000)
    answers = models.JSONField(default=dict)
    language = models.CharField(max_length=5, choices=Language.choices)
    crisis = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Form from {self.inquiry} at {self.created_at:%Y-%m-%d %H:%M}"


class StageChange(models.Model):
    inquiry = models.ForeignKey(
        Inquiry, on_delete=models.PROTECT, related_name="stage_changes"
    )
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    reason = models.CharField(max_length=200)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_stage or '-'} -> {self.to_stage}: {self.reason}"


class ContactEntry(models.Model):
    """A call, email, text or note of the front desk about a lead."""

    class Kind(models.TextChoices):
        CALL = "call", "Call"
        EMAIL = "email", "Email"
        TEXT = "text", "Text message"
        NOTE = "note", "Note"

    # Kinds that reach the person: the first of them is the first contact.
    REACHING = (Kind.CALL, Kind.EMAIL, Kind.TEXT)

    inquiry = models.ForeignKey(
        Inquiry, on_delete=models.PROTECT, related_name="contacts"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    summary = models.TextField(max_length=1000)
    message = models.ForeignKey(
        "notifications.OutboundMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "contact entries"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} with {self.inquiry}"


class ConsultationNote(SignedRecord):
    """A provider's note of the free consultation, signed when written.

    Never edited: the model refuses, and so does the database (`AppendOnly`,
    migration 0004). A correction is a new note that `amends` this one.
    """

    class Outcome(models.TextChoices):
        PROCEED = "proceed", "Proceed to intake"
        NOT_CANDIDATE = "not_candidate", "Not a candidate"
        NEEDS_RECORDS = "needs_records", "Needs records"
        REFER_OUT = "refer_out", "Refer out"

    inquiry = models.ForeignKey(Inquiry, on_delete=models.PROTECT, related_name="notes")
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    text = models.TextField(max_length=5000)

    class Meta:
        ordering = ["signed_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.signed_at:%Y-%m-%d})"


class LeadAlert(models.Model):
    """An entry of the staff's list of new and urgent leads."""

    class Kind(models.TextChoices):
        NEW = "new", "New lead"
        URGENT = "urgent", "Urgent: crisis answer"
        AGAIN = "again", "Wrote again"

    inquiry = models.ForeignKey(
        Inquiry, on_delete=models.PROTECT, related_name="alerts"
    )
    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["location", "handled_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.inquiry}"


class RateCounter(models.Model):
    """Form posts per client address and time window, in the database so that
    every app server counts together. The address is stored only as a keyed
    hash."""

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "window_start"], name="rate_counter_unique_window"
            )
        ]
        indexes = [models.Index(fields=["window_start"])]

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.count} since {self.window_start:%H:%M}"


class SiteContent(models.Model):
    """The public home page in one language, as the clinic manager writes it.

    Plain text: a blank line starts a new paragraph; nothing is read as HTML.
    """

    language = models.CharField(max_length=5, choices=Language.choices, unique=True)
    clinic_name = models.CharField(max_length=120)
    headline = models.CharField(max_length=200)
    intro = models.TextField(max_length=2000, blank=True)
    treatments = models.TextField("treatments offered", max_length=4000, blank=True)
    candidates = models.TextField("who may be a candidate", max_length=4000, blank=True)
    infusion_day = models.TextField(
        "what happens at an infusion", max_length=4000, blank=True
    )
    aftercare = models.TextField("after-care", max_length=4000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["language"]
        verbose_name_plural = "site content"

    def __str__(self) -> str:
        return f"Home page ({self.get_language_display()})"


class ConsultationSetup(models.Model):
    """Which appointment types a location books as free consultations: their
    phases set the length. Without a row, the default types are used."""

    location = models.OneToOneField(
        "clinics.Location",
        on_delete=models.CASCADE,
        related_name="consultation_setup",
    )
    in_person_type = models.ForeignKey(
        "scheduling.AppointmentType",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "consultation"},
    )
    remote_type = models.ForeignKey(
        "scheduling.AppointmentType",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "consultation"},
        help_text="Phone and video consultations.",
    )

    class Meta:
        verbose_name = "consultation setup"

    def __str__(self) -> str:
        return f"Consultations at {self.location}"
