"""A whole infusion, on tablets, through the pages alone: two nurses and a
provider, each in their own browser, and the board open beside them showing
each state as it happens.

Check-in from the board; a start held for high blood pressure (over the hold
limit again after the re-check) that the provider overrides; the blind double
check of the pump (a mismatch refused, then a match); the drug drawn before a
witness; the start; vital signs every 5 minutes; nausea treated with
ondansetron within its standing order and a second dose refused; a pause and
a resume; the stop; recovery, a discharge refused before the minimum, then the
discharge score and the discharge to the escort, with the instructions
emailed; the note signed and co-signed.

Time is moved, not waited for: one clock for the server (time-machine, which
patches the clock of the whole process, the live server's thread included)
and for every browser (Playwright's clock, which also fires the pages' polls
when the time comes). The board polls every 10 seconds: the clock is moved on
10 seconds and the board is expected to show the new state.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from ketaclinic.accounts.models import User
from ketaclinic.clinics.models import Resource
from ketaclinic.infusions import administration
from ketaclinic.infusions.board_views import POLL_SECONDS
from ketaclinic.infusions.models import Session
from tests.e2e.conftest import TABLET
from tests.e2e.infusion_steps import (
    booked_today,
    fill_phq9,
    first_check,
    record_escort,
    record_fasting,
    record_weight,
    second_check,
)
from tests.notifications.helpers import run_worker

pytestmark = pytest.mark.e2e

PATIENT = "Quinn Marlowe"
ESCORT = ("Robin Marlowe", "Sister", "(303) 555-0164")


class Clock:
    """The one clock of the test: the server's and every browser's."""

    def __init__(self, traveller: time_machine.Coordinates) -> None:
        self.traveller = traveller
        self.contexts: list = []

    def join(self, page) -> None:
        """Put a browser on the clock (before it opens any page)."""
        page.context.clock.install(time=timezone.now())
        self.contexts.append(page.context)

    def advance(self, *, minutes: int = 0, seconds: int = 0) -> None:
        step = timedelta(minutes=minutes, seconds=seconds)
        self.traveller.shift(step)
        for context in self.contexts:
            context.clock.fast_forward(int(step.total_seconds() * 1000))


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    return mail.outbox


def chart_reading(page, zone, systolic: int, diastolic: int) -> None:
    """A reading typed on the flowsheet, stored at the tablet's time."""
    rows = page.locator("#flowsheet-live table.flowsheet tbody tr")
    stored = rows.count()
    form = page.locator("form.vitals-form")
    for name, value in (
        ("Systolic pressure", systolic),
        ("Diastolic pressure", diastolic),
        ("Heart rate", 74),
        ("Oxygen saturation (SpO2)", 98),
        ("Breathing rate", 14),
    ):
        form.get_by_role("textbox", name=name, exact=True).fill(str(value))
    form.get_by_text("5 · responds readily to name in a normal tone").click()
    form.get_by_role("button", name="Save the reading").click()
    expect(rows).to_have_count(stored + 1)
    expect(rows.last).to_contain_text(f"{systolic}/{diastolic}")
    # The tablet's time is the clinic's, to the minute.
    now = timezone.localtime(timezone.now(), zone)
    minutes = "|".join(f"{now - timedelta(minutes=n):%H:%M}" for n in (0, 1))
    expect(rows.last.locator("td").first).to_contain_text(re.compile(f"^({minutes})"))


def give_ondansetron(page, what_for: str) -> None:
    medicine = page.locator("#events form").filter(
        has_text="Give an as-needed medicine"
    )
    medicine.get_by_label("Medicine").fill("Ondansetron")
    medicine.get_by_role("textbox", name="Dose", exact=True).fill("4")
    medicine.get_by_label("IV", exact=True).check()
    medicine.get_by_label("What for").fill(what_for)
    medicine.get_by_role("button", name="Save the medicine given").click()


def discharge(page) -> None:
    """The discharge score's questions answered, the escort seen, Discharge."""
    recovery = page.locator("#recovery")
    for item, answer in (
        ("Activity and mental state", "knows who and where they are"),
        ("Nausea or vomiting", "moderate, has needed treatment"),
        ("Pain", "minimal"),
        ("Bleeding at the drip site", "minimal"),
    ):
        recovery.get_by_role("group", name=item, exact=True).get_by_role(
            "radio", name=re.compile("^" + answer)
        ).check()
    recovery.get_by_label(f"I have seen {ESCORT[0]}, {ESCORT[1]}").check()
    recovery.get_by_role("button", name="Discharge").click()


def test_a_whole_infusion_day_on_tablets(new_page, sign_in, demo, outbox):
    location = User.objects.get(username="nurse").locations.first()
    zone = location.zone
    chair = Resource.objects.create(
        location=location, kind=Resource.Kind.CHAIR, name="Chair by the window"
    )
    visit = booked_today(
        demo, mrn="E0000012", first_name="Quinn", last_name="Marlowe", chair=chair
    )
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        clock = Clock(traveller)
        nurse, nurse2, provider = (new_page(TABLET) for _ in range(3))
        for page in (nurse, nurse2, provider):
            clock.join(page)
        sign_in(nurse, "nurse")
        sign_in(nurse2, "nurse2")
        sign_in(provider, "provider")

        # The board, open on the second nurse's tablet all day.
        board = nurse2.context.new_page()
        board.goto("/infusions/board/")
        row = board.locator("article.board-row").filter(has_text=PATIENT)
        expect(row.locator(".state .badge")).to_have_text("Expected")

        def board_shows(words: str) -> None:
            """The board's next poll shows the patient's new state."""
            clock.advance(seconds=POLL_SECONDS)
            # Time for one more poll, should one have left just before.
            expect(row.locator(".state .badge")).to_have_text(words, timeout=15_000)

        # Check-in, from the board.
        nurse.goto("/infusions/board/")
        nurse.locator("article.board-row").filter(has_text=PATIENT).get_by_role(
            "button", name="Check in Quinn"
        ).click()
        expect(nurse.get_by_role("heading", level=1)).to_have_text(
            f"Infusion of {PATIENT}"
        )
        session = Session.objects.get(appointment=visit)
        chart = f"/infusions/{session.uuid}/"
        board_shows("Checked in: pre-infusion checks")

        record_escort(nurse, *ESCORT)
        record_fasting(nurse, "9", "3")
        record_weight(nurse, "81")
        fill_phq9(nurse)

        # Baseline blood pressure over the plan's hold limit (160/100): a
        # re-check after 5 minutes' rest, still over it: held for a provider.
        chart_reading(nurse, zone, 172, 104)
        nurse.goto(chart)
        expect(nurse.locator("#infusion-checks")).to_contain_text(
            "Re-check after 5 minutes' rest"
        )
        clock.advance(minutes=5)
        chart_reading(nurse, zone, 168, 102)
        nurse.goto(chart)
        expect(nurse.locator("#infusion-checks").get_by_role("alert")).to_contain_text(
            "Held for a provider"
        )
        board_shows("Held: waiting for a provider")
        expect(board.locator(".board-alerts")).to_contain_text(
            f"{PATIENT}: Waiting for a provider's decision"
        )

        # The provider proceeds anyway, with a reason and their password.
        provider.goto(chart)
        hold = provider.locator("#infusion-checks form").filter(
            has_text="Proceed anyway"
        )
        hold.get_by_label("Reason").fill(
            "Known hypertension, treated; no symptoms. Proceed."
        )
        hold.get_by_label("Your password or authenticator code").fill(demo)
        hold.get_by_role("button", name="Proceed anyway").click()
        checks = provider.locator("#infusion-checks")
        expect(checks).to_contain_text("Proceed anyway by")
        expect(checks.get_by_role("alert")).to_have_count(0)
        board_shows("Checked in: pre-infusion checks")

        # The blind double check: the first nurse reads the pump; the second
        # enters it again on her own tablet; a slip is refused, and both
        # enter again until the values match.
        session.refresh_from_db()
        rate, volume = str(session.rate_ml_per_h), str(administration.vtbi_of(session))
        nurse.goto(chart)
        first_check(nurse, rate, volume)
        nurse2.goto(chart)
        second_check(nurse2, str(session.rate_ml_per_h * 10), volume, "nurse2", demo)
        expect(nurse2.locator("#infusion-dose")).to_contain_text(
            "The two entries do not match: nothing is released."
        )
        nurse.goto(chart)
        first_check(nurse, rate, volume)
        nurse2.goto(chart)
        second_check(nurse2, rate, volume, "nurse2", demo)
        expect(nurse2.locator("#infusion-dose")).to_contain_text("Matched")
        board_shows("Ready to start")

        # The drug drawn, with the witness the page asks for; the start.
        nurse.goto(chart)
        session.refresh_from_db()
        draw = nurse.locator("#infusion-dose form").filter(has_text="Record the draw")
        draw.get_by_label("Product").fill("Ketamine 10 mg/mL, 20 mL vial")
        lot = nurse.locator("#draw-lots option").first.get_attribute("value")
        draw.get_by_label("Lot number").fill(lot)
        draw.get_by_label("Vial volume (mL)").fill("20")
        ml = session.dose_mg / session.vial_mg_per_ml
        draw.get_by_label("Volume drawn (mL)").fill(f"{ml:.2f}")
        draw.get_by_label("Drawn (mg)").fill(f"{session.dose_mg:f}")
        draw.get_by_label("Witness's user name").fill("nurse2")
        draw.get_by_label("Witness's password or authenticator code").fill(demo)
        draw.get_by_role("button", name="Record the draw").click()
        expect(nurse.locator("#infusion-dose")).to_contain_text(f"lot {lot}")
        nurse.locator("#infusion-dose").get_by_role(
            "button", name="Start the infusion"
        ).click()
        expect(nurse.locator("#infusion-dose")).to_contain_text("Given so far")
        board_shows("Infusing")
        expect(row).to_contain_text("minutes planned")

        # Vital signs every 5 minutes; nausea at 10 minutes, and ondansetron
        # under the plan's standing order (4 mg IV, at least 30 minutes apart).
        for systolic in (138, 142):
            clock.advance(minutes=5)
            chart_reading(nurse, zone, systolic, 86)
        effect = nurse.locator("#events form").filter(has_text="Chart a side effect")
        effect.get_by_label("Nausea", exact=True).check()
        effect.get_by_label("Moderate", exact=True).check()
        effect.get_by_role("button", name="Save the side effect").click()
        expect(nurse.locator("#events-live")).to_contain_text("Nausea")
        give_ondansetron(nurse, "Nausea")
        given = nurse.locator("#events-live")
        expect(given).to_contain_text("4 mg IV")
        expect(given).to_contain_text("Standing order")

        # Five minutes on, the second nurse would give another dose: refused.
        clock.advance(minutes=5)
        chart_reading(nurse, zone, 140, 84)
        nurse2.goto(chart)
        expect(nurse2.locator("#events-live")).to_contain_text("Ondansetron")
        give_ondansetron(nurse2, "Still nauseous")
        expect(
            nurse2.get_by_text(
                re.compile(
                    r"^Ondansetron was given at \d\d:\d\d: the standing order asks "
                    r"for at least 30 minutes between doses\.$"
                )
            )
        ).to_be_visible()

        # A pause, and the resume.
        clock.advance(minutes=5)
        chart_reading(nurse, zone, 136, 84)
        pause = nurse.locator("#infusion-dose form").filter(
            has=nurse.get_by_role("button", name="Pause", exact=True)
        )
        pause.get_by_label("Reason").fill("Patient asks for a break")
        pause.get_by_role("button", name="Pause", exact=True).click()
        expect(nurse.locator("#infusion-dose")).to_contain_text(
            "Paused: Patient asks for a break"
        )
        board_shows("Paused")
        clock.advance(minutes=5)
        chart_reading(nurse, zone, 132, 82)
        nurse.locator("#infusion-dose").get_by_role(
            "button", name="Resume", exact=True
        ).click()
        expect(nurse.locator("#infusion-dose")).to_contain_text("Resumed (")
        board_shows("Infusing")

        # On to the end of the bag, a reading every 5 minutes; the stop opens
        # recovery.
        for _ in range(5):
            clock.advance(minutes=5)
            chart_reading(nurse, zone, 128, 80)
        nurse.goto(chart)
        expect(nurse.locator("#infusion-dose")).to_contain_text("Bag finished")
        nurse.locator("#infusion-dose").get_by_role(
            "button", name="Stop", exact=True
        ).click()
        # The stop is charted at the tablet's time and counted down on the
        # server's: the two clocks are moved apart by the seconds a step takes,
        # and the countdown rounds a started minute up.
        expect(nurse.locator("#recovery")).to_contain_text(
            re.compile(r"\b3[01] minutes to go")
        )
        board_shows("In recovery")
        expect(row).to_contain_text("left of the minimum")

        # What stays in the bag past the volume programmed is wasted, as the
        # dose card's arithmetic asks, before a witness.
        dose = nurse.locator("#infusion-dose")
        dose.get_by_text("The arithmetic").click()
        arithmetic = dose.locator("details").filter(has_text="The arithmetic")
        expect(arithmetic).to_contain_text("stays in the bag: record it as waste")
        left = re.search(r"\(([\d.]+) mg\) stays in the bag", arithmetic.inner_text())
        assert left, "The dose card names the drug left in the bag."
        dose.get_by_text("Record waste of this draw").click()
        waste = dose.locator("form").filter(has_text="Record the waste")
        waste.get_by_label("Wasted (mg)").fill(left[1])
        waste.get_by_label("Witness's user name").fill("nurse2")
        waste.get_by_label("Witness's password or authenticator code").fill(demo)
        waste.get_by_role("button", name="Record the waste").click()
        expect(nurse.locator("#infusion-dose")).to_contain_text(
            re.compile(rf"Wasted {re.escape(left[1])}0* mg, witness")
        )

        # Recovery: a discharge 15 minutes in is refused, with the reason.
        clock.advance(minutes=15)
        chart_reading(nurse, zone, 150, 92)
        nurse.goto(chart)
        discharge(nurse)
        expect(nurse.locator("#recovery")).to_contain_text(
            "Recovery lasts at least 30 minutes after the infusion stops"
        )
        expect(nurse.locator("#recovery")).to_contain_text("A provider's override")
        assert Session.objects.get(pk=session.pk).state == Session.State.RECOVERY

        # Past the minimum: ready for discharge; the score; the escort.
        clock.advance(minutes=16)
        board_shows("Ready for discharge")
        chart_reading(nurse, zone, 146, 90)
        nurse.goto(chart)
        expect(nurse.locator("#recovery")).to_contain_text("minimum reached")
        discharge(nurse)
        expect(
            nurse.get_by_text(f"{PATIENT} discharged to {ESCORT[0]}, {ESCORT[1]}.")
        ).to_be_visible()
        expect(nurse.locator("#recovery")).to_contain_text(
            "Discharge score (modified PADSS) 9 of 10: passes."
        )
        expect(nurse.locator("#recovery")).to_contain_text("Instructions emailed at")
        board_shows("Discharged")

        # The instructions reach the patient's inbox.
        run_worker()
        [email] = [m for m in outbox if m.to == [session.patient.email]]
        assert "24 hours" in email.body

        # The note, drafted from the chart: signed by the nurse, co-signed by
        # the provider.
        draft = nurse.locator("#note").get_by_label("Session note")
        expect(draft).to_contain_text("proceed anyway by")
        expect(draft).to_contain_text("did not match")
        expect(draft).to_contain_text("ondansetron 4 mg IV")
        expect(draft).to_contain_text(f"Wasted: {left[1]} mg")
        expect(draft).to_contain_text(f"to {ESCORT[0]}")
        nurse.get_by_label("Your password, to sign").fill(demo)
        nurse.get_by_role("button", name="Sign the note").click()
        expect(nurse.get_by_text("Session note signed.")).to_be_visible()
        provider.goto(chart)
        provider.get_by_label("Your password, to co-sign").fill(demo)
        provider.get_by_role("button", name="Co-sign the note").click()
        expect(provider.get_by_text("Session note co-signed.")).to_be_visible()
        expect(provider.locator("#note")).to_contain_text(
            re.compile(r"Signed by Nora .* co-signed by Priya")
        )
