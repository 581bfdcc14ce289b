"""The infusion chart on a tablet that loses its connection: nothing charted is
lost, nothing is recorded twice, and what the infusion outgrew meanwhile is put
to the nurse."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ketaclinic.accounts.models import User
from ketaclinic.audit.actor import Actor
from ketaclinic.audit.models import AuditEvent
from ketaclinic.infusions import services
from ketaclinic.infusions.models import (
    MedicationGiven,
    PumpEvent,
    Session,
    VitalReading,
)
from ketaclinic.treatment.models import TreatmentPlan
from ketaclinic.treatment.plans import plan_in_force
from tests.e2e.conftest import TABLET
from tests.notifications.helpers import make_visit

pytestmark = pytest.mark.e2e

WAIT_MS = 40_000  # the tablet tries again every 15 seconds


def infusing_session() -> Session:
    """A demo patient with a plan in force, checked in an hour ago, infusing."""
    for plan in TreatmentPlan.objects.order_by("id"):
        if (
            plan_in_force(plan.patient) is not None
            and not Session.objects.filter(patient=plan.patient).exists()
        ):
            patient = plan.patient
            break
    else:
        raise AssertionError("No demo patient has a plan in force.")
    now = timezone.localtime(timezone.now(), patient.location.zone)
    visit = make_visit(patient, now.replace(second=0, microsecond=0))
    nurse = User.objects.get(username="nurse")
    session = services.check_in(actor=Actor.system(nurse), appointment=visit)
    started = timezone.now() - timedelta(minutes=20)
    Session.objects.filter(pk=session.pk).update(
        state=Session.State.INFUSING,
        checked_in_at=timezone.now() - timedelta(hours=1),
        started_at=started,
    )
    PumpEvent.objects.create(
        session=session, kind="start", charted_at=started, by=nurse
    )
    return session


def open_chart(page, session: Session) -> None:
    page.goto(f"/infusions/{session.uuid}/")
    # The service worker has kept this chart for a reload while offline.
    for _ in range(WAIT_MS // 250):
        kept = page.evaluate(
            """() => caches.open("ketaclinic-chart-pages")
                     .then(c => c.keys()).then(k => k.length)"""
        )
        if kept:
            return
        page.wait_for_timeout(250)
    raise AssertionError("The chart was not kept for offline use.")


def chart_reading(page, systolic: int, heart_rate: int) -> None:
    fill_reading(page, systolic, heart_rate)
    page.get_by_role("button", name="Save the reading").click()


def fill_reading(page, systolic: int, heart_rate: int) -> None:
    page.get_by_role("textbox", name="Systolic pressure", exact=True).fill(
        str(systolic)
    )
    page.get_by_role("textbox", name="Diastolic pressure", exact=True).fill("80")
    page.get_by_role("textbox", name="Heart rate", exact=True).fill(str(heart_rate))
    page.get_by_role("textbox", name="Oxygen saturation (SpO2)", exact=True).fill("98")
    page.locator("form.vitals-form").get_by_text(
        "5 · responds readily to name in a normal tone"
    ).click()


def test_a_session_charted_offline_is_sent_once_in_order(new_page, sign_in):
    session = infusing_session()
    page = new_page(TABLET)
    sign_in(page, "nurse")
    open_chart(page, session)
    banner = page.locator("#offline-banner")

    page.context.set_offline(True)
    for n in range(5):
        chart_reading(page, 120 + n, 70 + n)
        expect(banner).to_contain_text(
            f"{n + 1} entr{'y is' if n == 0 else 'ies are'} waiting to be sent"
        )
    medicine = page.locator("form[data-offline-kind=medication]")
    medicine.locator("[name$=drug]").fill("Ondansetron")
    medicine.locator("[name$=dose_mg]").fill("4")
    medicine.locator("[name$=route][value=IV]").check()
    medicine.locator("[name$=indication]").fill("Nausea")
    page.get_by_role("button", name="Save the medicine given").click()
    expect(banner).to_contain_text("6 entries are waiting to be sent")
    expect(banner).to_contain_text("This tablet is offline")
    assert not VitalReading.objects.filter(session=session).exists()

    # Reloaded while offline: the chart and what waits are still there.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Infusion of")
    expect(page.locator("#offline-entries li")).to_have_count(6)
    expect(page.locator("#offline-entries")).to_contain_text("not yet sent")

    # The server answers the first entry but the answer never reaches the tablet
    # (as when the server restarts in the middle of the sync).
    lost = []

    def answer_lost(route):
        if not lost:
            lost.append(route.fetch())
            route.abort()
        else:
            route.continue_()

    page.route("**/entries/", answer_lost)
    page.context.set_offline(False)
    expect(page.locator("#offline-entries li")).to_have_count(0, timeout=WAIT_MS)
    expect(banner).to_be_hidden()
    assert lost and lost[0].status == 201

    readings = list(
        VitalReading.objects.filter(session=session).order_by("charted_at", "id")
    )
    assert [r.systolic_mmhg for r in readings] == [120, 121, 122, 123, 124]
    assert all(r.received_at >= r.charted_at for r in readings)
    assert all(r.action == "proceed" for r in readings)
    assert MedicationGiven.objects.filter(session=session).count() == 1
    medicine = MedicationGiven.objects.get(session=session)
    assert medicine.charted_at > readings[-1].charted_at
    assert medicine.by.username == "nurse"


def test_a_pause_of_an_infusion_stopped_meanwhile_is_put_to_the_nurse(
    new_page, sign_in
):
    session = infusing_session()
    page = new_page(TABLET)
    sign_in(page, "nurse")
    open_chart(page, session)

    page.context.set_offline(True)
    pause = page.locator(
        "form", has=page.get_by_role("button", name="Pause", exact=True)
    )
    pause.get_by_label("Reason").fill("Patient feels sick")
    pause.get_by_role("button", name="Pause", exact=True).click()
    expect(page.locator("#offline-banner")).to_contain_text(
        "1 entry is waiting to be sent"
    )

    # Another nurse stops the infusion while this tablet is offline.
    Session.objects.filter(pk=session.pk).update(
        state=Session.State.RECOVERY, stopped_at=timezone.now()
    )
    page.context.set_offline(False)
    entry = page.locator("#offline-entries li")
    expect(entry).to_contain_text("was not recorded", timeout=WAIT_MS)
    expect(page.locator("#offline-banner")).to_contain_text("needs your decision")
    assert not PumpEvent.objects.filter(session=session, kind="pause").exists()

    page.once("dialog", lambda dialog: dialog.accept())
    entry.get_by_role("button", name="Discard this entry").click()
    expect(entry).to_have_count(0)


def left_waiting(page, sign_in, session: Session, *systolics: int) -> None:
    """The nurse charts readings offline; her sign-in ends before the
    connection returns, so they wait on the tablet."""
    sign_in(page, "nurse")
    open_chart(page, session)
    page.context.set_offline(True)
    for systolic in systolics:
        chart_reading(page, systolic, 72)
    expect(page.locator("#offline-banner")).to_contain_text(
        f"{len(systolics)} entr{'y is' if len(systolics) == 1 else 'ies are'} waiting"
    )
    page.context.clear_cookies()
    page.context.set_offline(False)
    expect(page.locator("#offline-banner")).to_contain_text(
        "sign in again", timeout=WAIT_MS
    )


def wait_until_stored(page, session: Session) -> None:
    for _ in range(WAIT_MS // 250):
        if VitalReading.objects.filter(session=session).exists():
            return
        page.wait_for_timeout(250)


def test_a_time_left_empty_is_the_clinics_now_whatever_the_tablets_zone(
    new_page, sign_in
):
    """A tablet set to another time zone than the clinic's: a reading saved
    with the time left empty is charted now, not hours away (refused as in
    the future, or before the check-in)."""
    session = infusing_session()
    page = new_page(TABLET, timezone_id="Pacific/Auckland")
    sign_in(page, "nurse")
    page.goto(f"/infusions/{session.uuid}/")
    chart_reading(page, 126, 71)
    wait_until_stored(page, session)
    reading = VitalReading.objects.get(session=session)
    assert reading.systolic_mmhg == 126
    assert abs(reading.charted_at - timezone.now()) < timedelta(minutes=2)
    expect(page.get_by_text("Nothing was saved")).to_have_count(0)


def test_what_is_typed_right_after_saving_offline_is_kept(new_page, sign_in):
    """The form empties the moment a reading is saved offline, so the next
    reading typed at once is not wiped when the tablet has finished storing
    the first: each is stored whole."""
    session = infusing_session()
    page = new_page(TABLET)
    sign_in(page, "nurse")
    open_chart(page, session)
    page.context.set_offline(True)
    chart_reading(page, 130, 72)
    fill_reading(page, 131, 73)
    systolic = page.get_by_role("textbox", name="Systolic pressure", exact=True)
    # Read in the same moment as the save, before the tablet's store answers.
    left_on_form = page.evaluate(
        """() => {
             const form = document.querySelector("form.vitals-form");
             const systolic = form.querySelector("[name$=systolic_mmhg]");
             form.requestSubmit();
             const left = systolic.value;
             systolic.value = "132";
             return left;
           }"""
    )
    assert left_on_form == ""
    expect(page.locator("#offline-banner")).to_contain_text(
        "2 entries are waiting to be sent"
    )
    expect(systolic).to_have_value("132")
    page.context.set_offline(False)
    expect(page.locator("#offline-entries li")).to_have_count(0, timeout=WAIT_MS)
    assert [
        r.systolic_mmhg
        for r in VitalReading.objects.filter(session=session).order_by("charted_at")
    ] == [130, 131]


def test_another_nurses_entries_wait_for_her(new_page, sign_in):
    session = infusing_session()
    page = new_page(TABLET)
    left_waiting(page, sign_in, session, 131)
    # Another nurse signs in on the tablet: the entry is not sent as hers.
    sign_in(page, "nurse2")
    page.goto(f"/infusions/{session.uuid}/")
    expect(page.locator("#offline-banner")).to_contain_text(
        "made by another nurse on this tablet"
    )
    page.wait_for_timeout(1_000)
    assert not VitalReading.objects.filter(session=session).exists()
    # The first nurse signs in again: her entry is sent as hers.
    page.context.clear_cookies()
    sign_in(page, "nurse")
    page.goto(f"/infusions/{session.uuid}/")
    wait_until_stored(page, session)
    assert VitalReading.objects.get(session=session).by.username == "nurse"
    expect(page.locator("#offline-entries li")).to_have_count(0)


def test_signing_out_with_entries_waiting_asks_first(new_page, sign_in):
    session = infusing_session()
    page = new_page(TABLET)
    sign_in(page, "nurse")
    open_chart(page, session)
    page.context.set_offline(True)
    chart_reading(page, 128, 74)
    expect(page.locator("#offline-banner")).to_contain_text("1 entry is waiting")
    # The question is answered as it comes (a pending dialog would hold the
    # click, which waits for the sign-out form's navigation).
    asked: list[str] = []

    def answer(dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", answer)
    page.get_by_role("button", name="Sign out").click(no_wait_after=True)
    for _ in range(100):  # the dialog's event reaches us between calls
        if asked:
            break
        page.wait_for_timeout(50)
    assert len(asked) == 1 and "not been sent yet" in asked[0]
    expect(page.locator("#offline-entries li")).to_have_count(1)
    assert "/infusions/" in page.url


def test_a_manager_discards_one_waiting_entry_and_leaves_the_other(new_page, sign_in):
    session = infusing_session()
    page = new_page(TABLET)
    left_waiting(page, sign_in, session, 131, 132)
    # The clinic manager signs in on the tablet.
    sign_in(page, "manager")
    page.goto(f"/infusions/{session.uuid}/")
    banner = page.locator("#offline-banner")
    expect(banner).to_contain_text("made by another nurse on this tablet")
    expect(banner).to_contain_text("discard it with a reason")
    rows = page.locator("#offline-entries li")
    expect(rows).to_have_count(2)
    first = rows.filter(has_text="Systolic pressure 131")
    expect(first).to_contain_text("Vital signs, charted")
    expect(first).to_contain_text("by Nora Whitfield")
    expect(first).to_contain_text("not yet sent")
    page.wait_for_timeout(1_000)
    assert not VitalReading.objects.filter(session=session).exists()

    first.get_by_role("button", name="Discard with this reason").click()
    expect(rows).to_have_count(2)  # not without a reason
    first.get_by_label("Why discard it?").fill("Charted twice by mistake")
    first.get_by_role("button", name="Discard with this reason").click()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Systolic pressure 132")
    event = AuditEvent.objects.get(action=AuditEvent.Action.DISCARD)
    assert event.actor.username == "manager"
    assert "Nora Whitfield" in event.summary
    assert "Charted twice by mistake" in event.summary
    assert not VitalReading.objects.filter(session=session).exists()

    # The manager signs out (nothing of hers waits: no question asked); the
    # entry left for the nurse is sent as hers when she signs in again.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    sign_in(page, "nurse")
    page.goto(f"/infusions/{session.uuid}/")
    wait_until_stored(page, session)
    expect(page.locator("#offline-entries li")).to_have_count(0)
    reading = VitalReading.objects.get(session=session)
    assert (reading.systolic_mmhg, reading.by.username) == (132, "nurse")
