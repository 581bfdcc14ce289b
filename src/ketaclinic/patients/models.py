from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from ketaclinic.clinical.units import inches_to_feet_inches
from ketaclinic.patients.text import name_key


class Patient(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        INTERSEX = "intersex", "Intersex"
        UNKNOWN = "unknown", "Not recorded"

    class Language(models.TextChoices):
        ENGLISH = "en", "English"
        SPANISH = "es", "Spanish"
        OTHER = "other", "Other (see notes)"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mrn = models.CharField("MRN", max_length=16, unique=True)
    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, related_name="patients"
    )
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    preferred_name = models.CharField(max_length=80, blank=True)
    date_of_birth = models.DateField()
    sex_at_birth = models.CharField(
        max_length=10, choices=Sex.choices, default=Sex.UNKNOWN
    )
    gender_identity = models.CharField(max_length=60, blank=True)
    pronouns = models.CharField(max_length=30, blank=True)
    phone = models.CharField(
        max_length=20,
        blank=True,
        help_text="With the area code, and an extension if any: (303) 555-0142 ext. 12",
    )
    phone_extension = models.CharField(max_length=10, blank=True, editable=False)
    email = models.EmailField(max_length=254, blank=True)
    address_line1 = models.CharField("address", max_length=120, blank=True)
    address_line2 = models.CharField("address line 2", max_length=120, blank=True)
    city = models.CharField(max_length=80, blank=True)
    state = models.CharField(max_length=40, blank=True)
    postal_code = models.CharField(max_length=12, blank=True)
    preferred_language = models.CharField(
        max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_relation = models.CharField(max_length=60, blank=True)
    emergency_contact_phone = models.CharField(max_length=20, blank=True)
    notes = models.TextField(blank=True, max_length=2000)

    # Lower-cased, accent-free copies of the names: prefix search by range scan
    # on a plain b-tree index, the same on SQLite and PostgreSQL.
    last_name_key = models.CharField(max_length=80, editable=False)
    first_name_key = models.CharField(max_length=80, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["last_name_key", "first_name_key"])

    class Meta:
        ordering = ["last_name_key", "first_name_key", "id"]
        indexes = [
            models.Index(fields=["last_name_key", "first_name_key"]),
            models.Index(fields=["location", "first_name_key", "last_name_key"]),
            models.Index(fields=["location", "last_name_key", "first_name_key"]),
            models.Index(fields=["date_of_birth"]),
            models.Index(fields=["phone"]),
            models.Index(fields=["email"]),
        ]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name} ({self.mrn})"

    def save(self, *args, **kwargs):
        self.last_name_key = name_key(self.last_name)
        self.first_name_key = name_key(self.first_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and (
            {"last_name", "first_name"} & set(update_fields)
        ):
            kwargs["update_fields"] = {
                *update_fields,
                "last_name_key",
                "first_name_key",
            }
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        if self.preferred_name and self.preferred_name != self.first_name:
            return f"{self.first_name} ({self.preferred_name}) {self.last_name}"
        return f"{self.first_name} {self.last_name}"


class ChartEntry(models.Model):
    """Common columns of the lists on a chart (escorts, allergies, ...)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        abstract = True


class Escort(ChartEntry):
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="escorts"
    )
    name = models.CharField(max_length=120)
    relation = models.CharField(max_length=60)
    phone = models.CharField(max_length=20)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-active", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relation})"


class Allergy(ChartEntry):
    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe"
        UNKNOWN = "unknown", "Unknown"

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="allergies"
    )
    substance = models.CharField(max_length=120)
    reaction = models.CharField(max_length=200, blank=True)
    severity = models.CharField(
        max_length=10, choices=Severity.choices, default=Severity.UNKNOWN
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-active", "substance"]
        verbose_name_plural = "allergies"

    def __str__(self) -> str:
        return self.substance


class Medication(ChartEntry):
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="medications"
    )
    name = models.CharField(max_length=120)
    dose = models.CharField(max_length=60, blank=True, help_text="e.g. 20 mg")
    frequency = models.CharField(max_length=60, blank=True, help_text="e.g. once daily")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-active", "name"]

    def __str__(self) -> str:
        return " ".join(part for part in (self.name, self.dose, self.frequency) if part)


class Condition(ChartEntry):
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="conditions"
    )
    icd10_code = models.CharField("ICD-10-CM code", max_length=10)
    description = models.CharField(max_length=255)
    onset_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-active", "icd10_code"]

    def __str__(self) -> str:
        return f"{self.icd10_code} {self.description}"


class BodyMeasurement(ChartEntry):
    """A weight (and, when measured, a height) at one moment."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="measurements"
    )

    class WeightUnit(models.TextChoices):
        KG = "kg", "kg"
        LB = "lb", "lb"

    class HeightUnit(models.TextChoices):
        CM = "cm", "cm"
        FEET_INCHES = "ft_in", "ft and in"

    measured_at = models.DateTimeField()
    # As typed, in the unit typed (a height in feet and inches is kept as
    # inches), and in kg and cm, converted exactly and kept to the gram and
    # the tenth of a millimetre: rounding is for display only.
    weight_entered = models.DecimalField(max_digits=6, decimal_places=2)
    weight_unit = models.CharField(
        max_length=2, choices=WeightUnit.choices, default=WeightUnit.KG
    )
    weight_kg = models.DecimalField(max_digits=7, decimal_places=3)
    height_entered = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True
    )
    height_unit = models.CharField(
        max_length=5, choices=HeightUnit.choices, default=HeightUnit.CM
    )
    height_cm = models.DecimalField(
        max_digits=7, decimal_places=3, null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-measured_at", "-id"]
        indexes = [models.Index(fields=["patient", "-measured_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight_kg__gt=0), name="measurement_weight_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(height_cm__isnull=True) | models.Q(height_cm__gt=0),
                name="measurement_height_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weight_as_entered} at {self.measured_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        # Recorded in kg alone (older rows, imports): kg is what was entered.
        if self.weight_entered is None:
            self.weight_entered, self.weight_unit = self.weight_kg, self.WeightUnit.KG
        if self.height_entered is None and self.height_cm is not None:
            self.height_entered, self.height_unit = self.height_cm, self.HeightUnit.CM
        super().save(*args, **kwargs)

    @property
    def weight_as_entered(self) -> str:
        return f"{self.weight_entered.normalize():f} {self.weight_unit}"

    @property
    def height_as_entered(self) -> str:
        if self.height_entered is None:
            return ""
        if self.height_unit == self.HeightUnit.FEET_INCHES:
            feet, inches = inches_to_feet_inches(self.height_entered)
            return f"{feet} ft {inches.normalize():f} in"
        return f"{self.height_entered.normalize():f} cm"
