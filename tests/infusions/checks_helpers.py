"""A checked-in session taken through its checks, dose and double check."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

from django.utils import timezone

from ketaclinic.audit.actor import Actor
from ketaclinic.clinical import vitals
from ketaclinic.clinical.plan_orders import VitalLimit
from ketaclinic.infusions import administration, checks
from ketaclinic.infusions.models import Session, VitalReading
from ketaclinic.intake.models import QuestionnaireResponse
from tests.conftest import PASSWORD, make_staff
from tests.infusions.helpers import checked_in

PHQ9_CLEAR = {f"q{n}": 1 for n in range(1, 9)} | {"q9": 0, "difficulty": 1}


def nurse(world) -> Actor:
    return Actor.system(world.staff["nurse"])


def second_nurse(world):
    found = getattr(world, "_second_nurse", None)
    if found is None:
        found = make_staff("nurse2", "nurse", world.home)
        world._second_nurse = found
    return found


def limits_of(session: Session) -> list[VitalLimit]:
    return [
        VitalLimit(
            key=row["key"],
            trigger=row["trigger"],
            action=row["action"],
            value=Decimal(row["value"]),
            unit=row["unit"],
        )
        for row in session.plan.vital_limits
    ]


def baseline(
    world, session: Session, *, systolic=128, diastolic=78, previous=None, ago=None
) -> VitalReading:
    """A baseline reading judged by clinical.vitals, as the flowsheet stores it."""
    reading = vitals.Reading(
        systolic_mmhg=systolic,
        diastolic_mmhg=diastolic,
        heart_rate_bpm=72,
        spo2_pct=98,
        resp_rate_per_min=14,
    )
    judgement = vitals.judge(
        reading, limits_of(session), vitals.Phase.BASELINE, previous=previous
    )
    row = VitalReading.objects.create(
        session=session,
        phase=VitalReading.Phase.BASELINE,
        charted_at=timezone.now() - (ago or timezone.timedelta(0)),
        by=world.staff["nurse"],
        action=judgement.action.value,
        findings=[
            {
                "action": f.action.value,
                "key": f.key,
                "message": f.message,
                "source": f.source,
            }
            for f in judgement.findings
        ],
        **{k: v for k, v in asdict(reading).items() if k != "symptoms"},
    )
    return row


def phq9(world, session: Session, **answers) -> QuestionnaireResponse:
    return checks.questionnaire_fill(
        actor=nurse(world), session=session, answers=PHQ9_CLEAR | answers
    )


def all_checked(world, session: Session | None = None) -> Session:
    """Every check passed and today's weight recorded (the dose worked out)."""
    session = session or checked_in(world)
    actor = nurse(world)
    checks.escort_record(
        actor=actor,
        session=session,
        name="Sam Lovelace",
        relation="Son",
        phone="+13035550100",
    )
    checks.fasting_record(
        actor=actor, session=session, solids_hours="8", clear_hours="3"
    )
    checks.weight_record(actor=actor, session=session, weight="80", unit="kg")
    baseline(world, session)
    phq9(world, session)
    session.refresh_from_db()
    return session


def double_checked(world, session: Session | None = None) -> Session:
    session = all_checked(world, session)
    volume = administration.vtbi_of(session)
    administration.double_check_first(
        actor=nurse(world), session=session, rate=session.rate_ml_per_h, volume=volume
    )
    administration.double_check_second(
        actor=nurse(world),
        session=session,
        rate=session.rate_ml_per_h,
        volume=volume,
        username=second_nurse(world).username,
        secret=PASSWORD,
    )
    session.refresh_from_db()
    return session


def on_the_shelf(world, lot_number: str = "LOT123") -> None:
    """The controlled-substance ledger holds three vials of the lot drawn."""
    from ketaclinic.inventory import services as ledger
    from ketaclinic.inventory.models import Lot
    from tests.inventory.helpers import stock

    if Lot.objects.filter(number=lot_number).exists():
        return
    shelf = stock(world)
    ledger.receive(
        actor=Actor.staff(world.staff["manager"], world.home),
        safe=shelf.safe,
        supplier=shelf.supplier,
        product=shelf.product,
        lot_number=lot_number,
        expires_on=shelf.lot.expires_on,
        containers=3,
        invoice_number="INV-TEST",
    )


def drawn(world, session: Session):
    on_the_shelf(world)
    mg = session.dose_mg
    ml = (mg / session.vial_mg_per_ml).quantize(Decimal("0.01"))
    return administration.drug_draw(
        actor=nurse(world),
        session=session,
        product="Ketamine 10 mg/mL, 20 mL vial",
        lot_number="LOT123",
        vial_mg_per_ml=session.vial_mg_per_ml,
        vial_volume_ml="20",
        volume_drawn_ml=ml,
        mg_drawn=ml * session.vial_mg_per_ml,
        witness=second_nurse(world).username,
        witness_secret=PASSWORD,
    )


def ready_and_drawn(world) -> Session:
    session = double_checked(world)
    drawn(world, session)
    session.refresh_from_db()
    return session


def vitals_reading_of(row: VitalReading) -> vitals.Reading:
    return vitals.Reading(
        systolic_mmhg=row.systolic_mmhg,
        diastolic_mmhg=row.diastolic_mmhg,
        heart_rate_bpm=row.heart_rate_bpm,
        spo2_pct=row.spo2_pct,
        resp_rate_per_min=row.resp_rate_per_min,
    )
