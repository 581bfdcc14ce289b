"""Subjects, plain-text bodies and text messages are not HTML: a name with an
apostrophe reads as typed, never as O&#x27;Brien."""

from __future__ import annotations

from ketaclinic.notifications.models import OutboundMessage
from tests.inquiries.helpers import make_lead


def test_names_with_apostrophes_read_as_typed(world, settings):
    world.home.name = "O'Brien's Clinic"
    world.home.save()
    world.staff["front_desk"].email = "desk@clinic.example"
    world.staff["front_desk"].save()
    make_lead(world.home, first_name="D'Arcy", last_name="O'Brien")
    received = OutboundMessage.objects.get(purpose="inquiry_received")
    assert received.subject == "O'Brien's Clinic: book your free consultation"
    assert "D'Arcy" in received.body_text
    assert "&#x27;" not in received.body_text
    assert "&#x27;" in received.body_html or "O'Brien" not in received.body_html
    alert = OutboundMessage.objects.get(to="desk@clinic.example")
    assert "D'Arcy" in alert.subject and "O'Brien's Clinic" in alert.subject
    for message in OutboundMessage.objects.all():
        assert "&#x27;" not in message.subject + message.body_text, message.purpose
