"""The infusion-day chart: one session per infusion appointment.

A `Session` follows the patient from check-in to discharge; its `state` is the
only thing that changes in place (with its history kept). Everything charted
on it (checks, overrides, the double check, the drug drawn and wasted, pump
events, vital signs, side effects, as-needed medicines, the discharge) is an
append-only entry: a correction is a new entry that names the one it corrects
and why. Entries that a tablet may send again carry `client_id`, made on the
tablet when the nurse saves, and are stored once (idempotent recording).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from ketaclinic.records import AppendOnlyModel, SignedRecord


def _mg(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=9, decimal_places=3, **kwargs)


class Session(models.Model):
    """One infusion of one patient on one appointment."""

    class State(models.TextChoices):
        CHECKED_IN = "checked_in", "Checked in"  # pre-infusion checks under way
        HELD = "held", "Held for a provider"
        READY = "ready", "Ready to start"
        INFUSING = "infusing", "Infusing"
        PAUSED = "paused", "Paused"
        RECOVERY = "recovery", "In recovery"
        DISCHARGED = "discharged", "Discharged"
        CANCELLED = "cancelled", "Cancelled"

    # Which state each state may become (the services refuse anything else).
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        State.CHECKED_IN: (State.HELD, State.READY, State.CANCELLED),
        State.HELD: (State.CHECKED_IN, State.READY, State.CANCELLED),
        State.READY: (State.INFUSING, State.HELD, State.CANCELLED),
        State.INFUSING: (State.PAUSED, State.RECOVERY),
        State.PAUSED: (State.INFUSING, State.RECOVERY),
        State.RECOVERY: (State.DISCHARGED,),
        State.DISCHARGED: (),
        State.CANCELLED: (),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    appointment = models.OneToOneField(
        "scheduling.Appointment", on_delete=models.PROTECT, related_name="infusion"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="infusions"
    )
    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, related_name="infusions"
    )
    # The plan in force when the patient was checked in: dose, limits,
    # standing orders and recovery minutes all come from it.
    plan = models.ForeignKey(
        "treatment.TreatmentPlan", on_delete=models.PROTECT, related_name="sessions"
    )
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.CHECKED_IN
    )
    state_reason = models.CharField(max_length=300, blank=True)
    checked_in_at = models.DateTimeField()
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The escort named at check-in (prefilled from the reminder confirmation).
    escort_name = models.CharField(max_length=120, blank=True)
    escort_relation = models.CharField(max_length=60, blank=True)
    escort_phone = models.CharField(max_length=40, blank=True)
    # Today's dose, worked out by clinical.dosing from the plan and today's
    # weight when the checks pass (the arithmetic is kept as words).
    weight_kg = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    dosing_weight_kg = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    dose_mg = _mg(null=True)
    drug_volume_ml = models.DecimalField(max_digits=7, decimal_places=2, null=True)
    bag_volume_ml = models.DecimalField(max_digits=7, decimal_places=1, null=True)
    rate_ml_per_h = models.DecimalField(max_digits=7, decimal_places=1, null=True)
    vial_mg_per_ml = models.PositiveIntegerField(null=True)
    planned_minutes = models.PositiveIntegerField(null=True)
    dose_arithmetic = models.JSONField(default=list, blank=True)
    # The pump timeline's summary, kept in step by the services.
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    recovery_minutes = models.PositiveIntegerField(default=30)
    discharged_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every charted entry: the board and open pages poll it.
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["checked_in_at", "id"]
        indexes = [models.Index(fields=["location", "checked_in_at"])]

    def __str__(self) -> str:
        return f"Infusion of {self.patient} on {self.checked_in_at:%Y-%m-%d}"


class Entry(AppendOnlyModel):
    """What every charted entry has: who, when charted (device time), when the
    server received it, and what it corrects."""

    client_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    charted_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
    )
    correction_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True
        ordering = ["charted_at", "id"]


class Check(Entry):
    """One pre-infusion check (the latest entry of a key counts)."""

    class Key(models.TextChoices):
        ESCORT = "escort", "Escort"
        FASTING_SOLIDS = "fasting_solids", "Hours since solid food"
        FASTING_CLEAR = "fasting_clear", "Hours since clear liquids"
        PREGNANCY = "pregnancy", "Pregnancy test"
        WEIGHT = "weight", "Today's weight"
        BASELINE_VITALS = "baseline_vitals", "Baseline vital signs"
        QUESTIONNAIRE = "questionnaire", "Pre-infusion questionnaire"
        CONSENTS = "consents", "Consents current"

    class Outcome(models.TextChoices):
        PASSED = "passed", "Passed"
        FAILED = "failed", "Not passed"
        NOT_NEEDED = "not_needed", "Not needed"

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="checks"
    )
    key = models.CharField(max_length=30, choices=Key.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    value = models.JSONField(default=dict, blank=True)
    words = models.CharField(max_length=300, blank=True)

    class Meta(Entry.Meta):
        pass


class Override(Entry):
    """A provider's decision on a hold or a refusal: proceed anyway (with the
    reason), acknowledge (the blood-pressure band), or cancel the infusion."""

    class Decision(models.TextChoices):
        OVERRIDE = "override", "Proceed anyway"
        ACKNOWLEDGE = "acknowledge", "Acknowledged"
        CANCEL = "cancel", "Cancel the infusion"

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="overrides"
    )
    about = models.CharField(max_length=60)  # the hold's key
    about_words = models.CharField(max_length=300)
    decision = models.CharField(max_length=20, choices=Decision.choices)
    reason = models.CharField(max_length=500)

    class Meta(Entry.Meta):
        pass


class DoubleCheckFirst(Entry):
    """The first clinician's entry of the pump rate and volume, kept until a
    second clinician enters theirs (never shown to the second)."""

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="double_check_firsts"
    )
    rate_ml_per_h = models.DecimalField(max_digits=7, decimal_places=1)
    volume_ml = models.DecimalField(max_digits=7, decimal_places=1)

    class Meta(Entry.Meta):
        pass


class DoubleCheck(Entry):
    """The independent double check of the pump: the second clinician enters
    the rate and volume without seeing the first's entry. `by` is the second."""

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="double_checks"
    )
    # The first entry this second one answers: each first entry is answered
    # once (the database refuses a second answer).
    first = models.OneToOneField(
        DoubleCheckFirst,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answer",
    )
    first_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    first_rate_ml_per_h = models.DecimalField(max_digits=7, decimal_places=1)
    first_volume_ml = models.DecimalField(max_digits=7, decimal_places=1)
    first_at = models.DateTimeField()
    second_rate_ml_per_h = models.DecimalField(max_digits=7, decimal_places=1)
    second_volume_ml = models.DecimalField(max_digits=7, decimal_places=1)
    matched = models.BooleanField()

    class Meta(Entry.Meta):
        pass


class DrugDraw(Entry):
    """The ketamine drawn for this infusion, in the shape the controlled-
    substance ledger attaches to (it connects to `signals.drug_drawn`)."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="draws")
    product = models.CharField(max_length=120)
    lot_number = models.CharField(max_length=40)
    vial_mg_per_ml = models.PositiveIntegerField()
    vial_volume_ml = models.DecimalField(max_digits=6, decimal_places=2)
    volume_drawn_ml = models.DecimalField(max_digits=7, decimal_places=2)
    mg_drawn = _mg()
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(Entry.Meta):
        pass


class Waste(Entry):
    """Drug drawn but not given, wasted before a witness who re-entered their
    own password or code."""

    draw = models.ForeignKey(DrugDraw, on_delete=models.PROTECT, related_name="wastes")
    mg_wasted = _mg()
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta(Entry.Meta):
        pass


class PumpEvent(Entry):
    """The administration timeline: start, pause, resume, rate change, stop."""

    class Kind(models.TextChoices):
        START = "start", "Started"
        PAUSE = "pause", "Paused"
        RESUME = "resume", "Resumed"
        RATE = "rate", "Rate changed"
        STOP = "stop", "Stopped"

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="pump_events"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    rate_ml_per_h = models.DecimalField(
        max_digits=7, decimal_places=1, null=True, blank=True
    )
    reason = models.CharField(max_length=300, blank=True)

    class Meta(Entry.Meta):
        constraints = [
            # An infusion starts once (a correction names the start it corrects).
            models.UniqueConstraint(
                fields=["session"],
                condition=models.Q(kind="start", corrects__isnull=True),
                name="infusion_starts_once",
            )
        ]


class VitalReading(Entry):
    """One set of vital signs, judged by clinical.vitals against the plan."""

    class Phase(models.TextChoices):
        BASELINE = "baseline", "Before the infusion"
        INFUSION = "infusion", "During the infusion"
        RECOVERY = "recovery", "Recovery"

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="vitals"
    )
    phase = models.CharField(max_length=10, choices=Phase.choices)
    systolic_mmhg = models.PositiveSmallIntegerField(null=True, blank=True)
    diastolic_mmhg = models.PositiveSmallIntegerField(null=True, blank=True)
    heart_rate_bpm = models.PositiveSmallIntegerField(null=True, blank=True)
    spo2_pct = models.PositiveSmallIntegerField(null=True, blank=True)
    resp_rate_per_min = models.PositiveSmallIntegerField(null=True, blank=True)
    moaas = models.PositiveSmallIntegerField(null=True, blank=True)
    dissociation = models.PositiveSmallIntegerField(null=True, blank=True)
    symptoms = models.JSONField(default=list, blank=True)
    # clinical.vitals' judgement at the charted time: the worst action and
    # each finding ({"action", "key", "message", "source"}).
    action = models.CharField(max_length=12, default="proceed")
    findings = models.JSONField(default=list, blank=True)

    class Meta(Entry.Meta):
        indexes = [models.Index(fields=["session", "charted_at"])]


class SideEffect(Entry):
    class Kind(models.TextChoices):
        NAUSEA = "nausea", "Nausea"
        VOMITING = "vomiting", "Vomiting"
        HYPERTENSION = "hypertension", "High blood pressure"
        ANXIETY = "anxiety", "Anxiety or dysphoria"
        SEDATION = "sedation", "Too much sedation"
        EMERGENCE = "emergence", "Emergence reaction"
        OTHER = "other", "Other"

    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe"

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="side_effects"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    notes = models.CharField(max_length=500, blank=True)

    class Meta(Entry.Meta):
        pass


class MedicationGiven(Entry):
    """An as-needed medicine given against one of the plan's standing orders,
    or, when there is none, against a provider's order recorded on the spot."""

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="medications"
    )
    drug = models.CharField(max_length=120)
    rxnorm = models.CharField(max_length=20, blank=True)
    dose_mg = _mg()
    route = models.CharField(max_length=10)
    indication = models.CharField(max_length=200)
    standing_order = models.JSONField(default=dict, blank=True)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    order_reason = models.CharField(max_length=300, blank=True)
    effect = models.CharField(max_length=300, blank=True)

    class Meta(Entry.Meta):
        pass


class Discharge(Entry):
    """The patient released to their escort (one per session)."""

    session = models.OneToOneField(
        Session, on_delete=models.PROTECT, related_name="discharge"
    )
    scale = models.CharField(max_length=10)  # clinical.recovery.Scale
    score = models.JSONField(default=dict)  # total, items, passes
    escort_name = models.CharField(max_length=120)
    escort_verified = models.BooleanField()
    language = models.CharField(max_length=5, default="en")
    instructions_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta(Entry.Meta):
        pass


class SessionNote(SignedRecord):
    """The session note, drafted from what was charted, signed by the nurse;
    the provider's co-signature is a `CoSignature`."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField(max_length=20000)

    class Meta:
        ordering = ["signed_at", "id"]


class CoSignature(AppendOnlyModel):
    note = models.OneToOneField(
        SessionNote, on_delete=models.PROTECT, related_name="cosignature"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)


class DiscardedEntry(AppendOnlyModel):
    """An entry a nurse left waiting on a tablet that a clinic manager
    discarded, with the reason: its id is never recorded afterwards (the
    audit trail keeps what the tablet showed)."""

    client_id = models.UUIDField(unique=True)
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="discarded_entries"
    )
    kind = models.CharField(max_length=20)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    discarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    discarded_at = models.DateTimeField()
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["discarded_at", "id"]

    def __str__(self) -> str:
        return f"Entry discarded by {self.discarded_by} at {self.discarded_at}"


class Alert(models.Model):
    """Someone needed at the chair: a provider called by a reading at the pause
    or stop level. Open until a nurse or provider marks it handled with a note;
    its history is kept. (A vitals check overdue is worked out by the board as it
    reads, never stored; its kind stays in the choices of migration 0003.)"""

    class Kind(models.TextChoices):
        PROVIDER_NEEDED = "provider_needed", "Provider to the chair"
        VITALS_OVERDUE = "vitals_overdue", "Vital signs overdue"

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="alerts"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    words = models.CharField(max_length=1000)
    # The reading that raised it (none for an overdue check).
    reading = models.ForeignKey(
        VitalReading,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
    )
    raised_at = models.DateTimeField()
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    handled_note = models.CharField(max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["raised_at", "id"]
        indexes = [models.Index(fields=["session", "handled_at"])]
        constraints = [
            models.CheckConstraint(
                name="infusions_alert_handled_with_note",
                condition=models.Q(handled_at__isnull=True)
                | (models.Q(handled_by__isnull=False) & ~models.Q(handled_note="")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.words}"
