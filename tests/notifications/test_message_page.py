"""The staff page of messages: failures visible, sent again on request."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ketaclinic.audit.models import AuditEvent
from ketaclinic.notifications.models import OutboundMessage
from ketaclinic.notifications.services import message_queue
from ketaclinic.scheduling import notify
from tests.notifications.helpers import make_visit, run_due_tasks, soon

Status = OutboundMessage.Status


def failed_reminder(world) -> OutboundMessage:
    visit = make_visit(world.patient, soon(days=3))
    notify.reminder_queue(visit, 24)
    message = OutboundMessage.objects.get(channel="email")
    message.status, message.attempts = Status.FAILED, 5
    message.last_error = "Mail server: Connection refused"
    message.save()
    return message


def test_a_failed_message_is_visible_with_its_error(world, as_role):
    message = failed_reminder(world)
    page = as_role("manager").get(reverse("notifications:list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="message-{message.pk}"' in html
    assert 'class="badge danger">Failed' in html
    assert "Mail server: Connection refused" in html
    assert "Lovelace, Ada" in html
    assert "Send again" in html
    failed_only = as_role("manager").get(
        reverse("notifications:list") + "?status=failed"
    )
    assert list(failed_only.context["page_obj"].object_list) == [message]


def test_send_again_queues_one_more_try_and_is_audited(
    world, as_role, django_capture_on_commit_callbacks, mailoutbox
):
    message = failed_reminder(world)
    url = reverse("notifications:retry", args=[message.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = as_role("manager").post(url, {"status": "failed"})
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list") + "?status=failed"
    message.refresh_from_db()
    assert message.status == Status.QUEUED
    run_due_tasks(django_capture_on_commit_callbacks)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 6)
    assert len(mailoutbox) == 1
    event = AuditEvent.objects.get(object_id=str(message.pk))
    assert event.username == "manager"
    assert event.patient == world.patient
    # A sent message is not sent again.
    as_role("manager").post(url)
    message.refresh_from_db()
    assert message.status == Status.SENT


def test_a_message_of_another_location_is_neither_shown_nor_retried(world, as_role):
    visit = make_visit(world.foreign_patient, soon(days=3))
    notify.reminder_queue(visit, 24)
    message = OutboundMessage.objects.filter(channel="email").get()
    OutboundMessage.objects.filter(pk=message.pk).update(status=Status.FAILED)
    manager = as_role("manager")
    page = manager.get(reverse("notifications:list"))
    assert list(page.context["page_obj"].object_list) == []
    retry = manager.post(reverse("notifications:retry", args=[message.pk]))
    assert retry.status_code == 404
    # Administrators look after every location.
    page = as_role("admin").get(reverse("notifications:list"))
    assert message in page.context["page_obj"].object_list


@pytest.mark.parametrize("role", ["front_desk", "nurse", "provider"])
def test_other_roles_cannot_send_again(world, as_role, role):
    message = failed_reminder(world)
    response = as_role(role).post(reverse("notifications:retry", args=[message.pk]))
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == Status.FAILED


def test_an_unknown_status_filter_shows_all(world, as_role):
    message_queue(channel="sms", to="+1", purpose="x", body_text="y", dedupe_key="a")
    page = as_role("manager").get(reverse("notifications:list") + "?status=<b>")
    assert page.status_code == 200
    assert len(page.context["page_obj"].object_list) == 1


def test_the_page_takes_a_fixed_number_of_queries(
    world, as_role, django_assert_max_num_queries
):
    for n in range(3):
        visit = make_visit(world.patient, soon(days=3 + n))
        notify.reminder_queue(visit, 24)
    client = as_role("manager")
    # session, user, locations, counts, page count, page (with patients)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("notifications:list"))
    assert len(page.context["page_obj"].object_list) == 6


def test_private_links_in_messages_are_hidden_from_staff(world, as_role, settings):
    """Security: a live private link shown on this page would let staff act as
    the patient. Every kind of link is replaced; the message still holds it."""
    from ketaclinic.audit.actor import Actor
    from ketaclinic.intake.services import intake_send, questionnaire_request_send
    from tests.inquiries.helpers import make_lead

    settings.KETACLINIC_BASE_URL = "https://clinic.example.org"
    notify.reminder_queue(make_visit(world.patient, soon(days=3)), 24)  # email, text
    nurse = Actor.staff(world.staff["nurse"])
    intake_send(actor=nurse, patient=world.patient)
    questionnaire_request_send(
        actor=nurse,
        patient=world.patient,
        instruments=["phq9"],
    )
    make_lead(world.home)  # the visitor's email with the consultation link
    sent = OutboundMessage.objects.filter(location=world.home)
    paths = (
        "/visit/confirm/",
        "/visit/cancel/",
        "/my-intake/",
        "/questionnaire/",
        "/get-started/consultation/",
    )
    for path in paths:
        assert any(path in m.body_text for m in sent), path  # still sent to the patient
    for role in ("manager", "admin"):
        html = as_role(role).get(reverse("notifications:list")).content.decode()
        assert "[private link]" in html
        for path in paths:
            assert path not in html, (role, path)
