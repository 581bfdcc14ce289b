"""Reminders: planned at booking, written when due, only for the time a visit
still holds, never twice; email with the visit's calendar file, text message,
both carrying the type's instructions and the confirm and cancel links."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ketaclinic.notifications.models import OutboundMessage
from ketaclinic.notifications.senders import MemorySmsSender
from ketaclinic.scheduling import notify
from ketaclinic.scheduling.models import Appointment, WaitlistEntry
from tests.notifications.helpers import (
    ics_events,
    infusion_type,
    make_due,
    make_visit,
    run_due_tasks,
    soon,
    unescape,
)

REMINDER_TASK = "ketaclinic.scheduling.notify.reminder_send"
Status = OutboundMessage.Status


@pytest.fixture(autouse=True)
def _messages(settings):
    settings.KETACLINIC_REMINDER_OFFSETS_HOURS = [48, 24]
    settings.KETACLINIC_SMS_BACKEND = "memory"
    settings.KETACLINIC_BASE_URL = "https://clinic.example.org"
    MemorySmsSender.outbox.clear()
    yield
    MemorySmsSender.outbox.clear()


def planned() -> list[datetime]:
    return list(
        DBTaskResult.objects.filter(task_path=REMINDER_TASK)
        .order_by("run_after")
        .values_list("run_after", flat=True)
    )


def test_booking_plans_one_reminder_per_offset_before_the_start(world):
    visit = make_visit(world.patient, soon(days=5))
    assert notify.appointment_booked(visit) is None
    assert planned() == [
        visit.starts_at - timedelta(hours=48),
        visit.starts_at - timedelta(hours=24),
    ]


def test_offsets_already_past_are_skipped(world):
    visit = make_visit(world.patient, timezone.now() + timedelta(hours=30))
    notify.appointment_booked(visit)
    assert planned() == [visit.starts_at - timedelta(hours=24)]


def test_a_visit_booked_after_every_offset_gets_one_reminder_at_once(
    world, django_capture_on_commit_callbacks
):
    visit = make_visit(world.patient, timezone.now() + timedelta(hours=10))
    assert notify.reminders_plan(visit) == [24]
    run_due_tasks(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1


def test_a_past_or_cancelled_visit_plans_nothing(world):
    past = make_visit(world.patient, timezone.now() - timedelta(hours=1))
    cancelled = make_visit(
        world.patient, soon(days=3), status=Appointment.Status.CANCELLED
    )
    assert notify.reminders_plan(past) == []
    assert notify.reminders_plan(cancelled) == []
    assert planned() == []


def test_a_due_reminder_emails_the_visit_with_its_calendar_file(
    world, settings, django_capture_on_commit_callbacks
):
    settings.KETACLINIC_REMINDER_OFFSETS_HOURS = [24]
    world.home.address = "1 Main St, Denver, CO 80202"
    world.home.phone = "(303) 555-0100"
    world.home.save()
    visit = make_visit(world.patient, soon(days=3, hour=16))
    notify.appointment_booked(visit)
    assert make_due() == 1
    run_due_tasks(django_capture_on_commit_callbacks)

    [email] = mail.outbox
    assert email.to == ["ada@example.com"]
    local = visit.starts_at.astimezone(world.home.zone)
    assert f"{local:%B} {local.day}" in email.subject
    text = email.body
    assert "Hello Ada" in text
    assert "No solid food for 6 hours" in text
    assert "Bring your escort" in text
    assert "No driving or heavy machinery for 24 hours" in text
    assert "https://clinic.example.org/visit/confirm/" in text
    assert "https://clinic.example.org/visit/cancel/" in text
    assert "Your escort's name" in text  # the questions the link will ask
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    assert "Confirm my visit" in html and "No solid food" in html

    [(filename, content, mimetype)] = email.attachments
    assert (filename, mimetype) == ("visit.ics", "text/calendar")
    [event] = ics_events(content)
    assert event["DTSTART"] == visit.starts_at.astimezone(UTC).strftime(
        "%Y%m%dT%H%M%SZ"
    )
    assert event["DTEND"] == visit.ends_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert event["UID"] == f"{visit.uuid}@ketaclinic"
    assert unescape(event["SUMMARY"]) == "Ketamine infusion at Home clinic"
    assert unescape(event["LOCATION"]) == "Home clinic, 1 Main St, Denver, CO 80202"
    description = unescape(event["DESCRIPTION"])
    assert "No driving or heavy machinery for 24 hours." in description
    assert "https://clinic.example.org/visit/cancel/" in description

    message = OutboundMessage.objects.get(channel="email")
    assert message.status == Status.SENT
    assert message.attempts == 1
    assert message.appointment == visit
    assert message.location == world.home


def test_a_due_reminder_texts_the_instructions_and_links(
    world, settings, django_capture_on_commit_callbacks
):
    settings.KETACLINIC_REMINDER_OFFSETS_HOURS = [24]
    visit = make_visit(world.patient, soon(days=3))
    notify.appointment_booked(visit)
    make_due()
    run_due_tasks(django_capture_on_commit_callbacks)
    [sms] = MemorySmsSender.outbox
    assert sms["to"] == "+13035550142"
    assert sms["body"].startswith(
        "Home clinic: reminder of your visit (Ketamine infusion)"
    )
    assert "Bring your escort" in sms["body"]
    assert "No driving or heavy machinery for 24 hours" in sms["body"]
    assert "Confirm: https://clinic.example.org/visit/confirm/" in sms["body"]
    assert "Cancel: https://clinic.example.org/visit/cancel/" in sms["body"]
    assert OutboundMessage.objects.get(channel="sms").status == Status.SENT


def test_an_infusion_type_without_instructions_says_the_clinical_defaults(
    world, settings, django_capture_on_commit_callbacks
):
    settings.KETACLINIC_REMINDER_OFFSETS_HOURS = [24]
    kind = infusion_type(code="plain", instructions="", questions=[])
    visit = make_visit(world.patient, soon(days=3), kind=kind)
    notify.appointment_booked(visit)
    make_due()
    run_due_tasks(django_capture_on_commit_callbacks)
    [email] = mail.outbox
    # CLINICAL.md 1.5 and 3.
    assert "No solid food or milk for 6 hours" in email.body
    assert "clear liquids (water, black coffee) until 2 hours before" in email.body
    assert "Bring an adult (18 or older)" in email.body
    assert "Do not drive or operate heavy machinery for 24 hours" in email.body


def test_the_same_reminder_is_never_written_or_sent_twice(
    world, django_capture_on_commit_callbacks
):
    visit = make_visit(world.patient, soon(days=3))
    starts = visit.starts_at.isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        first = notify.reminder_send.call(visit.pk, starts, 24)
        again = notify.reminder_send.call(visit.pk, starts, 24)
    assert first == "written: 2"
    assert again == "written: 0"
    # A second task for the same reminder (a double enqueue) changes nothing.
    notify.reminder_send.enqueue(visit.pk, starts, 24)
    run_due_tasks(django_capture_on_commit_callbacks)
    assert OutboundMessage.objects.count() == 2
    assert len(mail.outbox) == 1
    assert len(MemorySmsSender.outbox) == 1


def test_a_moved_visit_is_reminded_of_its_new_time_only(
    world, django_capture_on_commit_callbacks
):
    visit = make_visit(world.patient, soon(days=3))
    old_start = visit.starts_at
    notify.appointment_booked(visit)
    visit.starts_at += timedelta(days=2)
    visit.ends_at += timedelta(days=2)
    visit.save()
    notify.appointment_moved(visit)
    make_due()
    run_due_tasks(django_capture_on_commit_callbacks)

    keys = list(OutboundMessage.objects.values_list("dedupe_key", flat=True))
    assert len(keys) == 4  # 48 h and 24 h, email and text
    assert all(visit.starts_at.isoformat() in key for key in keys)
    assert not any(old_start.isoformat() in key for key in keys)
    for email in mail.outbox:
        [event] = ics_events(email.attachments[0][1])
        assert event["DTSTART"] == visit.starts_at.strftime("%Y%m%dT%H%M%SZ")


def test_a_reminder_written_before_a_move_is_not_sent(
    world, django_capture_on_commit_callbacks
):
    visit = make_visit(world.patient, soon(days=3))
    notify.reminder_send.call(visit.pk, visit.starts_at.isoformat(), 24)  # no commit
    assert OutboundMessage.objects.filter(status=Status.QUEUED).count() == 2
    visit.starts_at += timedelta(hours=3)
    visit.ends_at += timedelta(hours=3)
    visit.save()
    notify.appointment_moved(visit)
    assert OutboundMessage.objects.filter(status=Status.CANCELLED).count() == 2
    for message in OutboundMessage.objects.all():
        notify_send_now(message)
    assert mail.outbox == []
    assert MemorySmsSender.outbox == []


def notify_send_now(message: OutboundMessage) -> None:
    from ketaclinic.notifications.tasks import message_send

    assert message_send.call(message.pk) == "not queued"


def test_a_cancelled_visit_gets_no_reminder(world, django_capture_on_commit_callbacks):
    visit = make_visit(world.patient, soon(days=3))
    notify.appointment_booked(visit)
    visit.status = Appointment.Status.CANCELLED
    visit.save()
    notify.appointment_cancelled(visit)
    make_due()
    run_due_tasks(django_capture_on_commit_callbacks)
    assert OutboundMessage.objects.count() == 0
    assert mail.outbox == []
    results = DBTaskResult.objects.filter(task_path=REMINDER_TASK)
    assert {r.return_value for r in results} == {"not sent: cancelled"}


def test_a_patient_without_phone_gets_email_only(
    world, settings, django_capture_on_commit_callbacks
):
    settings.KETACLINIC_REMINDER_OFFSETS_HOURS = [24]
    world.patient.phone = ""
    world.patient.save()
    visit = make_visit(world.patient, soon(days=3))
    notify.appointment_booked(visit)
    make_due()
    run_due_tasks(django_capture_on_commit_callbacks)
    assert list(OutboundMessage.objects.values_list("channel", flat=True)) == ["email"]


def next_dst_change(zone) -> datetime:
    """The first local midnight after which the zone's UTC offset differs."""
    day = timezone.now().astimezone(zone).date() + timedelta(days=3)
    offset = datetime.combine(day, time(12), zone).utcoffset()
    while datetime.combine(day, time(12), zone).utcoffset() == offset:
        day += timedelta(days=1)
    return datetime.combine(day, time(0), zone)


def test_reminders_across_a_dst_change_keep_exact_hours_and_local_time(
    world, django_capture_on_commit_callbacks
):
    zone = world.home.zone
    # 9:00 local, the day after the clocks change: 48 h before is the old offset.
    starts_local = next_dst_change(zone) + timedelta(days=1, hours=9)
    starts_local = starts_local.replace(tzinfo=zone)
    visit = make_visit(world.patient, starts_local.astimezone(UTC))
    notify.appointment_booked(visit)
    assert planned() == [
        visit.starts_at - timedelta(hours=48),
        visit.starts_at - timedelta(hours=24),
    ]
    make_due()
    run_due_tasks(django_capture_on_commit_callbacks)
    for email in mail.outbox:
        assert "at 9:00 AM" in email.body
        [event] = ics_events(email.attachments[0][1])
        assert event["DTSTART"] == visit.starts_at.astimezone(UTC).strftime(
            "%Y%m%dT%H%M%SZ"
        )


def test_a_waitlist_offer_is_sent_with_its_link(
    world, django_capture_on_commit_callbacks
):
    kind = infusion_type()
    entry = WaitlistEntry.objects.create(
        patient=world.patient,
        location=world.home,
        type=kind,
        earliest=soon(1).date(),
        latest=soon(10).date(),
        status=WaitlistEntry.Status.OFFERED,
        offered_start=soon(4),
    )
    with django_capture_on_commit_callbacks(execute=True):
        notify.waitlist_offer(entry)
    run_due_tasks(django_capture_on_commit_callbacks)
    [email] = mail.outbox
    assert "A time has come free" in email.subject
    assert "https://clinic.example.org/visit/offer/" in email.body
    [sms] = MemorySmsSender.outbox
    assert "https://clinic.example.org/visit/offer/" in sms["body"]
    with django_capture_on_commit_callbacks(execute=True):
        notify.waitlist_offer(entry)  # told once only
    run_due_tasks(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
