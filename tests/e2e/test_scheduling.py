"""The front desk books, moves; the patient is reminded and cancels from a phone;
the freed time goes to the patient on the waitlist.

Reminders and the sending of messages are background tasks: the test lets time
pass for the first reminder of the visit and runs the task worker in its own
process, where Django's locmem backend collects the email in `mail.outbox`.

The waitlist rule: when a visit is moved or cancelled, the time it frees is
offered to the first patient waiting whose dates include that day. A move frees
the original time, so the patient the front desk puts on the waitlist waits
for the day the visit moves to (not the original day: they would be offered
the original time at the move, and so no longer be waiting at the cancel).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from ketaclinic.accounts.models import User
from ketaclinic.audit.actor import Actor
from ketaclinic.clinics.models import Location
from ketaclinic.notifications.models import OutboundMessage
from ketaclinic.notifications.senders import MemorySmsSender
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling import queries, services, slots
from ketaclinic.scheduling.models import Appointment, AppointmentType, WaitlistEntry
from tests.notifications.helpers import ics_events, run_worker, unescape

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
INFUSION = "Infusion (depression, PTSD, anxiety)"
REMINDER_TASK = "ketaclinic.scheduling.notify.reminder_send"
SCROLL_WIDTH = "document.documentElement.scrollWidth"


@pytest.fixture
def outbox(settings, live_server):
    """Email stays in the process; links in messages lead to the live server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.KETACLINIC_SMS_BACKEND = "memory"
    settings.KETACLINIC_BASE_URL = live_server.url
    settings.KETACLINIC_REMINDER_OFFSETS_HOURS = [48, 24]
    mail.outbox = []
    MemorySmsSender.outbox.clear()
    yield mail.outbox
    MemorySmsSender.outbox.clear()


def demo_patients(count: int) -> list[Patient]:
    """Demo patients with an email, a plain name no other patient shares,
    nothing booked, and a signed candidate decision (an infusion needs one)."""
    from ketaclinic.scheduling.eligibility import BookingCheck, booking_check

    infusion = AppointmentType.objects.get(name=INFUSION)
    chosen = []
    for patient in Patient.objects.filter(mrn__startswith="9").order_by("mrn"):
        name = (patient.first_name, patient.last_name)
        if (
            patient.email
            and all(part.isascii() and part.isalpha() for part in name)
            and not Appointment.objects.filter(patient=patient).exists()
            and booking_check(patient, infusion) == BookingCheck()
            and Patient.objects.filter(
                first_name=patient.first_name, last_name=patient.last_name
            ).count()
            == 1
        ):
            chosen.append(patient)
        if len(chosen) == count:
            return chosen
    raise AssertionError(f"The demo clinic lacks {count} patients to book.")


def local(moment: datetime, location: Location) -> datetime:
    return moment.astimezone(location.zone)


def first_free_start_on_a_later_day(appointment: Appointment) -> datetime:
    """The visit's first free start on a day after its own, by the app's finder."""
    location = appointment.location
    next_day = local(appointment.starts_at, location).date() + timedelta(days=1)
    earliest = datetime.combine(next_day, time.min, location.zone)
    inputs = queries.slot_inputs(
        location=location,
        appointment_type=appointment.type,
        earliest=earliest,
        latest=earliest + timedelta(days=14),
        count=1,
        exclude_appointment_id=appointment.pk,
    )
    [slot] = slots.find_slots(inputs.request, inputs.resources, inputs.staff)
    return slot.start


def move_to(page, start: datetime, reason: str) -> None:
    """On an appointment page: pick the day, then the time among its free ones."""
    page.get_by_label("Move to the day").fill(f"{start:%Y-%m-%d}")
    page.get_by_role("button", name="Show free times").click()
    page.get_by_role("radio", name=f"{start:%H:%M}", exact=True).check()
    page.get_by_label("Why it moves").fill(reason)
    page.get_by_role("button", name="Move", exact=True).click()


def reminder_tasks(appointment: Appointment) -> list[DBTaskResult]:
    return [
        task
        for task in DBTaskResult.objects.filter(task_path=REMINDER_TASK)
        if task.args_kwargs["args"][0] == appointment.pk
    ]


def run_first_reminder_of(appointment: Appointment) -> list[DBTaskResult]:
    """Let time pass until the first reminder of the visit's current start is
    due, then run the worker as `ketaclinic worker --batch` would."""
    tasks = reminder_tasks(appointment)
    now = timezone.now()

    def due_at(task: DBTaskResult) -> datetime:
        # A task enqueued without run_after is stored as due in the year 9999.
        return now if task.run_after.year == 9999 else task.run_after

    current = [
        t
        for t in tasks
        if datetime.fromisoformat(t.args_kwargs["args"][1]) == appointment.starts_at
    ]
    assert current, "no reminder is planned for the new time"
    first = min(due_at(t) for t in current)
    due = [t.pk for t in tasks if due_at(t) <= first]
    DBTaskResult.objects.filter(pk__in=due).update(run_after=now)
    run_worker()
    return list(DBTaskResult.objects.filter(pk__in=due).order_by("run_after"))


def emails_to(address: str) -> list:
    """Scheduling emails to one address (the demo also sends intake links)."""
    return [
        email
        for email in mail.outbox
        if email.to == [address] and "intake forms" not in email.subject
    ]


def link_in(body: str, path: str) -> str:
    found = re.findall(rf"https?://\S+{re.escape(path)}\S+", body)
    assert len(found) == 1, body
    return found[0]


def test_book_move_remind_cancel_and_offer_the_time_to_the_waitlist(
    page, new_page, sign_in, outbox, live_server
):
    patient, waiting, first_in_line = demo_patients(3)
    infusion = AppointmentType.objects.get(name=INFUSION)
    location = patient.location

    # 1. Front desk: Schedule -> Week -> next week, find the patient, book.
    sign_in(page, "frontdesk")
    page.get_by_role("link", name="Schedule", exact=True).click()
    page.get_by_role("link", name="Week", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Week of"))
    page.get_by_role("link", name="Next week →").click()
    today = timezone.now().astimezone(location.zone).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Week of {monday:%B} {monday.day}, {monday.year}"
    )
    page.get_by_label("Book a patient, from this week on").fill(
        f"{patient.first_name} {patient.last_name}"
    )
    page.get_by_role("button", name="Find", exact=True).click()
    page.get_by_role(
        "link", name=f"Book {patient.last_name}, {patient.first_name}", exact=True
    ).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("^Book a visit at")
    )
    expect(page.get_by_label("From")).to_have_value(monday.isoformat())
    page.get_by_label("Appointment type").select_option(label=INFUSION)
    page.get_by_role("button", name="Find free times").click()
    free = page.get_by_role("region", name=f"Free times for {INFUSION}")
    first = free.get_by_role("button", name=re.compile(r"^Book ")).first
    offered_label = first.inner_text()
    first.click()

    expect(page).to_have_url(re.compile(r"/appointments/[0-9a-f-]{36}/$"))
    visit_uuid = page.url.rstrip("/").rsplit("/", 1)[1]
    appointment = Appointment.objects.get(uuid=visit_uuid)
    assert appointment.patient == patient and appointment.type == infusion
    start = local(appointment.starts_at, location)
    assert start.date() >= monday
    assert offered_label == f"Book {start:%a %b} {start.day}, {start:%H:%M}"
    expect(page.get_by_role("status")).to_contain_text("Booked.")
    expect(page.get_by_role("heading", level=1)).to_have_text(INFUSION)
    expect(page.get_by_role("main")).to_contain_text(
        f"{start:%A, %B} {start.day}, {start:%Y %H:%M}–"
    )
    # Each phase holds a chair and a nurse: a row for each.
    phases = page.get_by_role("region", name="Phases")
    for phase in ("Preparation", "Infusion", "Recovery"):
        rows = phases.get_by_role("row").filter(
            has=page.get_by_role("cell", name=phase, exact=True)
        )
        expect(rows).to_have_count(2)
        expect(rows.filter(has_text=re.compile(r"Chair \d"))).to_have_count(1)
    expect(phases.get_by_role("row").nth(1)).to_contain_text(
        f"Preparation{start:%H:%M}–"
    )

    # 2. Another patient goes on the waitlist from their chart, for the day the
    # visit will move to. Someone else already waits for the original day.
    new_start = local(first_free_start_on_a_later_day(appointment), location)
    assert new_start.date() > start.date()
    services.waitlist_add(
        actor=Actor.staff(User.objects.get(username="frontdesk")),
        patient=first_in_line,
        location=location,
        appointment_type=infusion,
        earliest=start.date(),
        latest=start.date(),
    )
    page.goto(f"/patients/{waiting.uuid}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(waiting.display_name)
    page.get_by_role("link", name="Waitlist", exact=True).click()
    page.get_by_label("Appointment type").select_option(label=INFUSION)
    page.get_by_label("From").fill(new_start.date().isoformat())
    page.get_by_label("Until").fill(new_start.date().isoformat())
    page.get_by_role("button", name="Add to waitlist").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"{waiting.display_name} is on the waitlist."
    )
    row = page.get_by_role("row").filter(
        has=page.get_by_role(
            "link", name=f"{waiting.last_name}, {waiting.first_name}", exact=True
        )
    )
    expect(row).to_contain_text("Waiting")
    entry = WaitlistEntry.objects.get(patient=waiting)
    assert (entry.earliest, entry.latest) == (new_start.date(), new_start.date())

    # 3. Move the visit to the later free time.
    page.goto(f"/schedule/appointments/{appointment.uuid}/")
    move_to(page, new_start, "Patient asked for a later day")
    expect(page.get_by_role("status")).to_contain_text("Moved.")
    expect(page.get_by_role("main")).to_contain_text(
        f"{new_start:%A, %B} {new_start.day}, {new_start:%Y %H:%M}–"
    )
    expect(page.get_by_role("main")).to_contain_text("Patient asked for a later day")
    appointment.refresh_from_db()
    assert appointment.starts_at == new_start
    # The time the move freed went to whoever waits for that day.
    line = WaitlistEntry.objects.get(patient=first_in_line)
    assert line.status == WaitlistEntry.Status.OFFERED
    assert line.offered_start == start
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING

    # 4. The first reminder of the new time: an email with the visit's .ics.
    ran = run_first_reminder_of(appointment)
    assert [t.status for t in ran] == ["SUCCESSFUL"] * len(ran)
    for task in ran:
        planned_for = datetime.fromisoformat(task.args_kwargs["args"][1])
        if planned_for == new_start:  # email and text message
            assert task.return_value == "written: 2"
        else:  # planned for the original time: does nothing
            assert (planned_for, task.return_value) == (start, "moved")
    [email] = emails_to(patient.email)
    assert f"{new_start:%B} {new_start.day}" in email.subject
    body = email.body
    assert f"{new_start:%A, %B} {new_start.day} at" in body
    assert "No solid food or milk for 6 hours" in body
    assert "Bring an adult escort who will take you home" in body
    assert "Do not drive" in body
    [(filename, content, mimetype)] = email.attachments
    assert (filename, mimetype) == ("visit.ics", "text/calendar")
    [event] = ics_events(content)
    assert event["DTSTART"] == f"{new_start.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    assert event["UID"] == f"{appointment.uuid}@ketaclinic"
    assert "No solid food" in unescape(event["DESCRIPTION"])

    # 5. The patient cancels from the link in the email, on a phone.
    phone = new_page(PHONE)
    phone.goto(link_in(body, "/visit/cancel/"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Cancel your visit?")
    expect(phone.get_by_role("main")).to_contain_text(INFUSION)
    phone.get_by_role("button", name="Cancel my visit").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Your visit is cancelled"
    )
    assert phone.evaluate(SCROLL_WIDTH) <= PHONE["width"]
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert not appointment.allocations.filter(active=True).exists()

    # 6. The freed time is offered to the waiting patient, who books it.
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED
    assert entry.offered_start == appointment.starts_at
    offers = OutboundMessage.objects.filter(purpose="waitlist_offer", to=waiting.email)
    assert offers.count() == 1
    run_worker()
    [offer] = emails_to(waiting.email)
    assert f"{new_start:%A, %B} {new_start.day} at" in offer.body
    assert offers.get().status == OutboundMessage.Status.SENT

    their_phone = new_page(PHONE)
    their_phone.goto(link_in(offer.body, "/visit/offer/"))
    expect(their_phone.get_by_role("heading", level=1)).to_have_text(
        "A time has come free"
    )
    their_phone.get_by_role("button", name="Book this time").click()
    expect(their_phone.get_by_role("heading", level=1)).to_have_text("You are booked")
    expect(their_phone.get_by_role("main")).to_contain_text(INFUSION)
    assert their_phone.evaluate(SCROLL_WIDTH) <= PHONE["width"]
    booked = Appointment.objects.get(patient=waiting)
    assert booked.starts_at == new_start
    assert booked.type == infusion
    assert booked.status == Appointment.Status.BOOKED
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.BOOKED
