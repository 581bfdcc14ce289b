"""What the patient reported in an intake, and its review into the chart.

An intake's answers stay in the intake. What belongs in the chart (an allergy,
a current medicine, the escort, a corrected phone, email, name, date of birth
or address) is a *reported item* until a nurse or provider reviews it: accepted
as written, accepted with changes, or not added. Each review is kept
(`ReportedItemReview`, append-only, one per item) and what was accepted is
written into the chart's own records in the same transaction, through the
chart's services, audited.

Items are derived from the submitted answers, each under a key that stays the
same (the answers are locked on submission): "allergy-1", "medication-3",
"escort", "phone", "email", "details".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from ketaclinic.audit.services import Action, Actor, audit_record
from ketaclinic.clinical import medicines
from ketaclinic.intake.models import Intake, ReportedItemReview
from ketaclinic.patients import services as chart
from ketaclinic.patients.models import Allergy, Escort, Medication, Patient
from ketaclinic.patients.text import format_phone

Kind = ReportedItemReview.Kind
Decision = ReportedItemReview.Decision

# The chart's details a patient may ask to correct ("Are your name, date of
# birth and address above correct?"), in the order staff read them.
DETAIL_FIELDS = (
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
)
NO_ALLERGIES = frozenset(
    {"nka", "nkda", "no allergies", "no known allergies", "no known drug allergies"}
)
# "penicillin – hives", "penicillin: hives", "penicillin (hives)", "latex, rash"
ALLERGY_REACTION = re.compile(r"\s+[-–—]+\s+|\s*[:;(,]\s*")
# A dose as written: "100 mg", "0.5mg", "10/325 mg", "2 puffs" is left to the name.
DOSE = re.compile(
    r"\d+(?:[.,]\d+)?(?:\s*/\s*\d+(?:[.,]\d+)?)?\s*"
    r"(?:mg|mcg|µg|micrograms?|g|ml|units?|iu|%)(?![a-z])",
    re.IGNORECASE,
)
# Intakes of one patient looked at for unreviewed items (a patient has a few).
RECENT_INTAKES = 10


class ReviewRefused(Exception):
    """A review the rules do not allow; the message says why."""


class AlreadyReviewed(ReviewRefused):
    """Someone reviewed this item already (a second tap, a colleague)."""


@dataclass(frozen=True)
class ReportedItem:
    """One thing the patient reported that belongs in the chart."""

    key: str
    kind: str
    reported: str  # as the patient wrote it, in plain words
    proposed: Mapping[str, Any]  # the chart's fields if accepted as written
    ingredients: tuple[str, ...] | None = None  # medicines: what was recognised
    review: ReportedItemReview | None = None

    @property
    def pending(self) -> bool:
        return self.review is None

    @property
    def clinical(self) -> bool:
        return self.kind in (Kind.ALLERGY, Kind.MEDICATION)

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label

    @property
    def recognised(self) -> str:
        """The generic names a medicine line was recognised as, or ""."""
        return " and ".join(self.ingredients or ())


# --- Reading the answers --------------------------------------------------------


def _lines(text: Any) -> list[str]:
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


def _no_allergies(line: str) -> bool:
    return medicines.is_none_written(line) or (
        " ".join(medicines.words(line)) in NO_ALLERGIES
    )


def allergy_fields(line: str) -> dict[str, str]:
    """'penicillin – hives' -> substance 'penicillin', reaction 'hives'."""
    substance, _, reaction = (
        part.strip() for part in _partition(ALLERGY_REACTION, line)
    )
    return {
        "substance": substance[:120],
        "reaction": reaction.strip(" )")[:200],
        "severity": Allergy.Severity.UNKNOWN,
    }


def _partition(pattern: re.Pattern[str], text: str) -> tuple[str, str, str]:
    match = pattern.search(text)
    if match is None or match.start() == 0:
        return text, "", ""
    return text[: match.start()], match.group(), text[match.end() :]


def medication_fields(line: str) -> tuple[dict[str, str], tuple[str, ...] | None]:
    """'Zoloft 100 mg once daily' -> name 'Zoloft (sertraline)', dose '100 mg',
    frequency 'once daily'; and the ingredients recognised (None if none)."""
    ingredients = medicines.identify(line)
    match = DOSE.search(line)
    if match is not None and match.start() > 0:
        name, dose = line[: match.start()], match.group()
        frequency = line[match.end() :]
    else:
        name, dose, frequency = line, "", ""
    name = name.strip(" ,;-")
    generic = " and ".join(ingredients or ())
    if ingredients and medicines.words(name) != medicines.words(generic):
        name = f"{name} ({generic})"
    fields = {
        "name": name[:120],
        "dose": dose.strip()[:60],
        "frequency": frequency.strip(" ,;-")[:60],
    }
    return fields, ingredients


def _items(intake: Intake, patient: Patient) -> list[ReportedItem]:
    answers = intake.answers or {}
    medications = answers.get("medications") or {}
    items = []
    for number, line in enumerate(_lines(medications.get("allergies")), start=1):
        if not _no_allergies(line):
            items.append(
                ReportedItem(
                    f"allergy-{number}", Kind.ALLERGY, line, allergy_fields(line)
                )
            )
    for number, line in enumerate(_lines(medications.get("medications")), start=1):
        if not medicines.is_none_written(line):
            proposed, ingredients = medication_fields(line)
            items.append(
                ReportedItem(
                    f"medication-{number}",
                    Kind.MEDICATION,
                    line,
                    proposed,
                    ingredients=ingredients,
                )
            )
    escort = answers.get("escort") or {}
    if escort.get("name"):
        proposed = {key: str(escort.get(key) or "") for key in ("name", "relation")}
        proposed["phone"] = str(escort.get("phone") or "")
        text = f"{proposed['name']} ({proposed['relation']}), "
        items.append(
            ReportedItem(
                "escort", Kind.ESCORT, text + format_phone(proposed["phone"]), proposed
            )
        )
    about = answers.get("about") or {}
    phone = str(about.get("phone") or "")
    if phone and phone != patient.phone:
        items.append(
            ReportedItem("phone", Kind.PHONE, format_phone(phone), {"phone": phone})
        )
    email = str(about.get("email") or "").strip().lower()
    if email and email != patient.email.lower():
        items.append(ReportedItem("email", Kind.EMAIL, email, {"email": email}))
    if about.get("details_correct") == "no":
        current = {name: getattr(patient, name) for name in DETAIL_FIELDS}
        text = str(about.get("corrections") or "")
        items.append(ReportedItem("details", Kind.DETAILS, text, current))
    return items


def items_of(
    intake: Intake, reviews: Iterable[ReportedItemReview] | None = None
) -> list[ReportedItem]:
    """Every item the intake reports, each with its review when there is one.

    An item whose review exists is listed even when the chart now holds its
    value (an accepted phone number); one whose value the chart held already
    when the intake was read is no item (a phone number unchanged)."""
    if not intake.locked:
        return []
    by_key = {
        review.item: review
        for review in (reviews if reviews is not None else intake.reviews.all())
    }
    items = [
        ReportedItem(
            item.key,
            item.kind,
            item.reported,
            item.proposed,
            item.ingredients,
            by_key.pop(item.key, None),
        )
        for item in _items(intake, intake.patient)
    ]
    # Reviewed, though the chart holds the value now (a phone accepted).
    for key, review in by_key.items():
        items.append(ReportedItem(key, review.kind, review.reported, {}, None, review))
    return items


@dataclass(frozen=True)
class Reports:
    """The items of a patient's submitted intakes not yet reviewed."""

    pending: list[tuple[Intake, list[ReportedItem]]] = field(default_factory=list)

    @property
    def items(self) -> list[ReportedItem]:
        return [item for _intake, items in self.pending for item in items]

    @property
    def allergies(self) -> list[ReportedItem]:
        return [item for item in self.items if item.kind == Kind.ALLERGY]

    @property
    def clinical(self) -> list[ReportedItem]:
        return [item for item in self.items if item.clinical]

    def __bool__(self) -> bool:
        return bool(self.pending)


def pending_reports(patient: Patient) -> Reports:
    """What the patient reported and nobody has reviewed yet: two queries (the
    recent submitted intakes, their reviews)."""
    intakes = list(
        Intake.objects.filter(patient=patient, status=Intake.Status.SUBMITTED)
        .order_by("-submitted_at")
        .prefetch_related("reviews")[:RECENT_INTAKES]
    )
    pending = []
    for intake in intakes:
        intake.patient = patient
        items = [item for item in items_of(intake) if item.pending]
        if items:
            pending.append((intake, items))
    return Reports(pending)


def intakes_to_review(location_ids: Iterable[int], limit: int = 100) -> list[Any]:
    """Recent submitted intakes of these locations with items not yet reviewed,
    oldest first, each as (intake, number of items to review): two queries."""
    intakes = (
        Intake.objects.filter(
            status=Intake.Status.SUBMITTED, patient__location_id__in=location_ids
        )
        .select_related("patient")
        .prefetch_related("reviews")
        .order_by("-submitted_at")[:limit]
    )
    found = []
    for intake in intakes:
        count = sum(item.pending for item in items_of(intake))
        if count:
            found.append((intake, count))
    return found[::-1]


# --- The review -----------------------------------------------------------------


def _describe(kind: str, values: Mapping[str, Any]) -> str:
    """What was written into the chart, in plain words."""
    if kind == Kind.ALLERGY:
        entry: Any = Allergy(**values)
        reaction = f" ({entry.reaction})" if entry.reaction else ""
        severity = (
            f", {entry.get_severity_display().lower()}"
            if entry.severity != Allergy.Severity.UNKNOWN
            else ""
        )
        return f"{entry.substance}{reaction}{severity}"
    if kind == Kind.MEDICATION:
        return str(Medication(**values))
    if kind == Kind.ESCORT:
        return (
            f"{values['name']} ({values['relation']}), {format_phone(values['phone'])}"
        )
    if kind == Kind.PHONE:
        return format_phone(values["phone"])
    if kind == Kind.EMAIL:
        return values["email"]
    return "; ".join(
        f"{_label(name)}: {_shown(value)}" for name, value in values.items()
    )


def _label(name: str) -> str:
    return str(getattr(Patient._meta.get_field(name), "verbose_name", name))


def _shown(value: Any) -> str:
    if isinstance(value, date):
        return f"{value:%b} {value.day}, {value.year}"
    return str(value or "—")


def _write(actor: Actor, patient: Patient, kind: str, values: Mapping[str, Any]):
    """Write accepted values into the chart's own records, audited there."""
    models: dict[str, type[Allergy | Medication | Escort]] = {
        Kind.ALLERGY: Allergy,
        Kind.MEDICATION: Medication,
        Kind.ESCORT: Escort,
    }
    if kind in models:
        entry = models[kind](**values)
        chart.entry_save(
            actor=actor, patient=patient, entry=entry, label=Kind(kind).label.lower()
        )
        return values
    changed = chart.patient_update(actor=actor, patient=patient, **values)
    return {name: values[name] for name in changed}


def _same(proposed: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    return all(str(proposed.get(k) or "") == str(v or "") for k, v in values.items())


def reported_item_review(
    *,
    actor: Actor,
    intake: Intake,
    item: str,
    accept: bool,
    values: Mapping[str, Any] | None = None,
    note: str = "",
) -> ReportedItemReview:
    """Accept (with `values`, changed or not from what was reported) or reject
    one reported item. Accepted values go into the chart in the same
    transaction; an item is reviewed once (AlreadyReviewed), however many
    requests arrive together."""
    with transaction.atomic():
        # The intake's row only: a lock on the patient's or location's row too
        # would hold up every audit entry of that patient (their foreign keys).
        current = (
            Intake.objects.select_for_update(of=("self",))
            .select_related("patient__location")
            .get(pk=intake.pk)
        )
        done = (
            ReportedItemReview.objects.filter(intake=current, item=item)
            .select_related("reviewed_by")
            .first()
        )
        if done is not None:
            raise AlreadyReviewed(
                f"{done.reviewed_by} reviewed this already "
                f"({done.get_decision_display().lower()})."
            )
        found = next((i for i in items_of(current, reviews=[]) if i.key == item), None)
        if found is None:
            raise ReviewRefused("The intake reports no such item.")
        patient = current.patient
        recorded = ""
        decision = Decision.REJECTED
        if accept:
            if not values:
                raise ReviewRefused("Give the values to write into the chart.")
            decision = (
                Decision.ACCEPTED
                if found.kind != Kind.DETAILS and _same(found.proposed, values)
                else Decision.EDITED
            )
            written = _write(actor, patient, found.kind, values)
            if not written:
                raise ReviewRefused(
                    "Nothing differs from the chart: change what the patient asked "
                    "to correct, or choose “Do not add”."
                )
            recorded = _describe(found.kind, written)
        try:
            with transaction.atomic():
                review = ReportedItemReview.objects.create(
                    intake=current,
                    patient=patient,
                    item=item,
                    kind=found.kind,
                    reported=found.reported[:500],
                    decision=decision,
                    recorded=recorded[:500],
                    note=note.strip()[:500],
                    reviewed_by=actor.signer,
                )
        except IntegrityError:
            raise AlreadyReviewed("Someone reviewed this already.") from None
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=patient,
            obj=review,
            summary=f"Reviewed the reported {found.kind_label.lower()} "
            f"“{found.reported[:120]}”: {review.get_decision_display().lower()}"
            + (f" as “{recorded[:120]}”" if decision == Decision.EDITED else ""),
        )
    return review
