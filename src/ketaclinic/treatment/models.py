"""The treatment layer: what a provider decides to give, and how. The signed
screening decision, then protocols, treatment plans and their series. Signed
records are amended, never edited; the parts meet only through foreign keys.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from ketaclinic.clinical.dosing import DoseLimits, WeightBasis
from ketaclinic.clinical.protocols import RECOVERY_MINUTES_MIN, DoseUnit, Phase
from ketaclinic.records import SignedRecord

# --- Screening decisions ------------------------------------------------------------


class ScreeningDecision(SignedRecord):
    """The clinician's candidacy decision, signed. Amended, never edited."""

    class Outcome(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        NOT_CANDIDATE = "not_candidate", "Not a candidate"
        NEEDS_INFORMATION = "needs_information", "Needs more information"
        REFER_OUT = "refer_out", "Refer out"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="screenings"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    indication = models.CharField(max_length=40, blank=True)
    needs = models.CharField("information needed", max_length=300, blank=True)
    rationale = models.TextField(max_length=4000)
    # What the clinician saw when signing: the findings and their sources.
    findings = models.JSONField(default=list)
    # A candidate over a hard stop or an open urgent task: one named override
    # each ({"kind", "key", "about", "reason"}), ketaclinic.clinical.overrides.
    overrides = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-signed_at"]
        # Moved from the intake app with its rows: the table keeps its name.
        db_table = "intake_screeningdecision"

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.signed_at:%Y-%m-%d})"


# The one place the screening decision is named (the decision a plan rests on).
SCREENING_DECISION = "treatment.ScreeningDecision"

# --- Protocols and treatment plans --------------------------------------------------

INDICATION_CHOICES = [
    ("depression", "Depression"),
    ("ptsd", "PTSD"),
    ("anxiety", "Anxiety"),
    ("chronic_pain", "Chronic pain"),
    ("other", "Other"),
]
WEIGHT_BASIS_CHOICES = [
    (basis.value, basis.label.capitalize()) for basis in WeightBasis
]
DOSE_UNIT_CHOICES = [
    (DoseUnit.MG_PER_KG.value, "mg/kg per infusion"),
    (DoseUnit.MG_PER_KG_PER_H.value, "mg/kg per hour"),
]
PHASE_CHOICES = [
    (Phase.INDUCTION.value, "Induction series"),
    (Phase.MAINTENANCE.value, "Maintenance"),
]


def _amount(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=7, decimal_places=3, **kwargs)


class Protocol(models.Model):
    """A clinic's template for plans: seeded from ketaclinic.clinical.protocols,
    each value with its source; the clinic manager edits it. A plan copies what
    it uses, so a later edit changes no signed plan."""

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    indication = models.CharField(max_length=20, choices=INDICATION_CHOICES)
    phase = models.CharField(max_length=20, choices=PHASE_CHOICES)
    appointment_type = models.ForeignKey(
        "scheduling.AppointmentType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="What is booked for each infusion: its phases and their lengths.",
    )
    dose_unit = models.CharField(max_length=10, choices=DOSE_UNIT_CHOICES)
    amount_per_kg = _amount(verbose_name="usual dose per kg")
    usual_low = _amount(verbose_name="lowest dose per kg without an override")
    usual_high = _amount(verbose_name="highest dose per kg without an override")
    hard_max = _amount(verbose_name="hard maximum per kg (no override passes it)")
    cap = _amount(
        null=True,
        blank=True,
        verbose_name="most in one infusion (mg) or per hour (mg/h)",
    )
    limits_source = models.TextField(blank=True)
    titration = models.JSONField(default=list, blank=True)
    minutes = models.PositiveIntegerField("infusion length in minutes")
    bag_volume_ml = _amount(verbose_name="bag volume in mL")
    diluent = models.CharField(max_length=60)
    source = models.TextField("source of the dose, length and bag")
    infusions = models.PositiveIntegerField("number of infusions")
    within_days = models.PositiveIntegerField("within days")
    min_days_apart = models.PositiveIntegerField("days apart at least")
    min_hours_apart = models.PositiveIntegerField(
        "hours apart at least", null=True, blank=True
    )
    series_source = models.TextField(blank=True)
    recovery_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(RECOVERY_MINUTES_MIN)]
    )
    recovery_source = models.TextField(blank=True)
    maintenance = models.JSONField("maintenance policy", default=dict)
    standing_orders = models.JSONField(default=list, blank=True)
    vital_limits = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["phase", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recovery_minutes__gte=RECOVERY_MINUTES_MIN),
                name="protocol_recovery_at_least_30_minutes",
            ),
            models.CheckConstraint(
                condition=models.Q(usual_low__gt=0)
                & models.Q(usual_low__lte=models.F("usual_high"))
                & models.Q(usual_high__lte=models.F("hard_max")),
                name="protocol_dose_range_within_hard_maximum",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def hourly(self) -> bool:
        return self.dose_unit == DoseUnit.MG_PER_KG_PER_H

    def limits(self, cap: Decimal | None = None) -> DoseLimits:
        return DoseLimits(
            usual_low=self.usual_low,
            usual_high=self.usual_high,
            hard_max=self.hard_max,
            cap=cap if cap is not None else self.cap,
            source=self.limits_source,
        )


class TreatmentPlan(SignedRecord):
    """A provider's signed plan for a patient, from a signed "candidate"
    decision. A change is a new version (``amends`` the one before, says why)
    that is signed again; every version stays readable."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="treatment_plans"
    )
    decision = models.ForeignKey(
        SCREENING_DECISION, on_delete=models.PROTECT, related_name="+"
    )
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="+")
    protocol_name = models.CharField(max_length=120)
    version = models.PositiveIntegerField(default=1)
    indication_code = models.CharField("ICD-10-CM code", max_length=10)
    indication_display = models.CharField(max_length=255)
    dose_unit = models.CharField(max_length=10, choices=DOSE_UNIT_CHOICES)
    amount_per_kg = _amount()
    titration = models.JSONField(default=list, blank=True)
    usual_low = _amount()
    usual_high = _amount()
    hard_max = _amount()
    max_dose_mg = _amount(verbose_name="maximum dose (mg, or mg/h when hourly)")
    # The weights at signing, to the gram as the chart keeps them.
    weight_basis = models.CharField(max_length=10, choices=WEIGHT_BASIS_CHOICES)
    weight_kg = _amount(verbose_name="dosing weight (kg)")
    actual_kg = _amount()
    ideal_kg = _amount(null=True, blank=True)
    adjusted_kg = _amount(null=True, blank=True)
    weight_measured_at = models.DateTimeField()
    weight_max_age_hours = models.PositiveIntegerField()
    bag_volume_ml = _amount()
    diluent = models.CharField(max_length=60)
    vial_mg_per_ml = _amount()
    minutes = models.PositiveIntegerField()
    infusions = models.PositiveIntegerField()
    within_days = models.PositiveIntegerField()
    min_days_apart = models.PositiveIntegerField()
    standing_orders = models.JSONField(default=list)
    vital_limits = models.JSONField(default=list)
    recovery_minutes = models.PositiveIntegerField()
    maintenance = models.JSONField(default=dict)
    # A dose outside the protocol's usual range: {"about", "reason"} each.
    overrides = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-signed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recovery_minutes__gte=RECOVERY_MINUTES_MIN),
                name="plan_recovery_at_least_30_minutes",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_per_kg__gt=0)
                & models.Q(amount_per_kg__lte=models.F("hard_max")),
                name="plan_dose_within_hard_maximum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.protocol_name}, version {self.version}"

    @property
    def hourly(self) -> bool:
        return self.dose_unit == DoseUnit.MG_PER_KG_PER_H

    @property
    def in_force(self) -> bool:
        return not hasattr(self, "amended_by")


class SeriesVisit(models.Model):
    """A visit booked as infusion ``number`` of a plan's series."""

    plan = models.ForeignKey(
        TreatmentPlan, on_delete=models.PROTECT, related_name="series_visits"
    )
    appointment = models.OneToOneField(
        "scheduling.Appointment", on_delete=models.PROTECT, related_name="plan_visit"
    )
    number = models.PositiveIntegerField()

    class Meta:
        ordering = ["plan", "number"]

    def __str__(self) -> str:
        return f"Infusion {self.number} of {self.plan}"
