"""The patient's intake, the instruments that measure them, their consents,
and the urgent tasks safety answers raise. The clinician's screening decision
lives in ketaclinic.treatment.

Completed questionnaires and consent signatures are never edited.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from ketaclinic.records import AppendOnlyQuerySet


class Intake(models.Model):
    """One intake of one patient, filled through a private link or by staff."""

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"

    class Channel(models.TextChoices):
        LINK = "link", "Patient, through the private link"
        PHONE = "phone", "Staff, on the patient's behalf (phone intake)"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="intakes"
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.SENT
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    language = models.CharField(max_length=8, default="en")
    # Answers by section key, saved as the patient goes; locked on submission.
    answers = models.JSONField(default=dict, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    filled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The staff member who filled it on the patient's behalf.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Intake of {self.patient} ({self.get_status_display()})"

    @property
    def locked(self) -> bool:
        return self.status == self.Status.SUBMITTED


class ReportedItemReview(models.Model):
    """A nurse's or provider's review of one thing the patient reported in an
    intake (an allergy, a medicine, the escort, a correction of their details):
    accepted as written, accepted with changes, or rejected. What was accepted
    is written into the chart in the same transaction. Never edited: one review
    per reported item (`ketaclinic.intake.review`)."""

    class Kind(models.TextChoices):
        ALLERGY = "allergy", "Allergy"
        MEDICATION = "medication", "Medicine"
        ESCORT = "escort", "Escort"
        PHONE = "phone", "Phone number"
        EMAIL = "email", "Email address"
        DETAILS = "details", "Correction of name, date of birth or address"

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "Accepted as reported"
        EDITED = "edited", "Accepted with changes"
        REJECTED = "rejected", "Not added to the chart"

    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="reviews")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="+"
    )
    item = models.CharField(max_length=40)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reported = models.CharField("as the patient reported it", max_length=500)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    recorded = models.CharField("written into the chart", max_length=500, blank=True)
    note = models.CharField(max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["reviewed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["intake", "item"], name="one_review_per_reported_item"
            )
        ]

    def __str__(self) -> str:
        decision = self.get_decision_display()
        return f"{self.get_kind_display()} {self.reported!r}: {decision}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("A review of reported answers cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("A review of reported answers cannot be deleted.")


class QuestionnaireResponse(models.Model):
    """A completed instrument: every item's answer, its score, band and flags."""

    class Source(models.TextChoices):
        INTAKE = "intake", "Intake"
        LINK = "link", "Questionnaire link"
        STAFF = "staff", "Entered by staff"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="questionnaires"
    )
    intake = models.ForeignKey(
        Intake,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questionnaires",
    )
    instrument = models.CharField(max_length=20)
    answers = models.JSONField()
    total = models.DecimalField(max_digits=6, decimal_places=1, null=True)
    band = models.CharField(max_length=60, blank=True)
    flags = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    completed_at = models.DateTimeField()

    class Meta:
        ordering = ["-completed_at"]
        indexes = [models.Index(fields=["patient", "instrument", "-completed_at"])]

    def __str__(self) -> str:
        return f"{self.instrument} {self.total} ({self.completed_at:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("A completed questionnaire cannot be changed.")
        super().save(*args, **kwargs)


class QuestionnaireRequest(models.Model):
    """Instruments sent on their own (before an infusion, at follow-up)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="+"
    )
    instruments = models.JSONField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{', '.join(self.instruments)} for {self.patient}"


class ConsentDocument(models.Model):
    code = models.SlugField(unique=True)
    title = models.CharField(max_length=120)
    required = models.BooleanField(
        default=True, help_text="Must be signed (latest version) before an infusion."
    )

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ConsentVersion(models.Model):
    document = models.ForeignKey(
        ConsentDocument, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField()
    text = models.TextField()
    sha256 = models.CharField(max_length=64, editable=False)
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="consent_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("A published consent version cannot be changed.")
        self.sha256 = hashlib.sha256(self.text.encode()).hexdigest()
        super().save(*args, **kwargs)


class ConsentSignature(models.Model):
    """A patient's signature of the exact text of one version. Never edited."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="signatures"
    )
    version = models.ForeignKey(
        ConsentVersion, on_delete=models.PROTECT, related_name="signatures"
    )
    typed_name = models.CharField(max_length=160)
    # The chart's name when signed. A typed name that is not it (case, accents
    # and middle names aside) is accepted only when the patient confirms it is
    # their legal name; staff then review it (ConsentNameReview).
    name_on_file = models.CharField(max_length=160, blank=True)
    different_legal_name = models.BooleanField(default=False)
    text_sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "version"], name="one_signature_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.typed_name} signed {self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("A signature cannot be changed.")
        super().save(*args, **kwargs)


class ConsentNameReview(models.Model):
    """Staff's check of a signature under a name other than the chart's.
    Never edited."""

    signature = models.OneToOneField(
        ConsentSignature, on_delete=models.PROTECT, related_name="name_review"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=500)

    def __str__(self) -> str:
        return f"Name reviewed: {self.signature}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("A review cannot be changed.")
        super().save(*args, **kwargs)


class UrgentTask(models.Model):
    """A safety answer that a provider must see today. Never only stored."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="urgent_tasks"
    )
    response = models.ForeignKey(
        QuestionnaireResponse,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["done_at", "-created_at"]

    def __str__(self) -> str:
        return self.message
