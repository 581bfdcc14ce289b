"""Building leads in tests: form data a visitor would send, and leads made
through the same service the form uses."""

from __future__ import annotations

import re

from ketaclinic.audit.actor import Actor
from ketaclinic.inquiries import services
from ketaclinic.inquiries.models import Inquiry
from ketaclinic.links import tokens as links


def form_data(**changes) -> dict:
    data = {
        "first_name": "Rosa",
        "last_name": "Parkes",
        "email": "rosa@example.com",
        "phone": "(303) 555-0177",
        "preferred_contact": "phone",
        "preferred_time": "morning",
        "conditions": ["depression", "anxiety"],
        "antidepressants": "2",
        "heard_from": "doctor",
        "message": "Three antidepressants have not helped.",
        "crisis": "no",
        "consent": "on",
        "website": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def make_lead(location, **changes) -> Inquiry:
    fields = {
        "location": location,
        "first_name": "Rosa",
        "last_name": "Parkes",
        "email": "rosa@example.com",
        "phone": "+13035550177",
        "preferred_contact": "phone",
        "preferred_time": "any",
        "conditions": ("depression",),
        "antidepressants_tried": 2,
        "heard_from": "",
        "message": "Hello",
        "crisis": False,
    }
    language = changes.pop("language", "en")
    fields.update(changes)
    result = services.inquiry_submit(
        actor=Actor.system(), answers=services.FormAnswers(**fields), language=language
    )
    return result.inquiry


def lead_link_in(text: str):
    """The one private consultation link in a message, and the lead it names
    (tokens carry the second they were signed, so compare what they name)."""
    [link] = re.findall(r"https?://\S+/get-started/consultation/\S+", text)
    token = link.split("/get-started/consultation/")[1].split("/")[0]
    return link, Inquiry.objects.get(
        uuid=links.read(links.Purpose.CONSULTATION, token).uuid()
    )
