"""Every staff page of the demo clinic reads in plain words: no internal code
(snake_case names, questionnaire codes), no ISO duration ("PT15M"), no raw
Python duration ("1:25:00"), no format jargon ("E.164")."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from ketaclinic.accounts.models import User
from ketaclinic.clinical.scales import INSTRUMENTS
from ketaclinic.core.demo import load_demo
from ketaclinic.intake.models import Intake
from ketaclinic.scheduling.models import Appointment
from tests.conftest import client_for

CODE = re.compile(
    r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b"  # raised_iop_glaucoma, waitlist_offer
    r"|\b[A-Z][a-z]+_[a-z_]+\b"  # Waitlist_offer
    r"|\bP(?:\d+D)?T?\d+[HMS]\b"  # PT15M, P1DT2H
    r"|(?<![\d:])\d{1,2}:\d\d:\d\d(?![\d:])"  # 1:25:00
    r"|E\.164"
    r"|\b(?:" + "|".join(re.escape(code) for code in INSTRUMENTS) + r")\b"
)
# Pages that are not the clinic's own words: the audit log quotes what was
# searched and when (to the second), and the admin is checked on its own.
SKIPPED = ("/audit/", "/admin/", "/api/", "/sign-out/", ".ics", ".csv")
PAGES_PER_SHAPE = 3


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "datalist"):
            self._hidden += 1
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)
        for name in ("title", "placeholder", "aria-label"):
            if value := dict(attrs).get(name):
                self.text.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "datalist"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def _shape(path: str) -> str:
    return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+", "#", path)


def _crawl(user: User, seeds: list[str]) -> dict[str, list[str]]:
    """Staff pages reachable from the start page and the seeds, at most a few of
    each kind, with the codes each shows."""
    client = client_for(user)
    queue, seen, shapes, found = list(seeds), set(), {}, {}
    while queue:
        url = queue.pop(0)
        if url in seen or any(part in url for part in SKIPPED):
            continue
        seen.add(url)
        response = client.get(url, follow=True)
        if response.status_code != 200 or "html" not in response["Content-Type"]:
            continue
        page = _Page()
        page.feed(response.content.decode())
        if codes := sorted(set(CODE.findall(" ".join(page.text)))):
            found[url] = codes
        for href in page.links:
            parts = urlsplit(href)
            if parts.netloc or not parts.path.startswith("/"):
                continue
            shape = _shape(parts.path)
            if shapes.get(shape, 0) < PAGES_PER_SHAPE:
                shapes[shape] = shapes.get(shape, 0) + 1
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert len(seen) > 20, "the crawl reached too few pages to mean anything"
    return found


@pytest.mark.parametrize("username", ["manager", "nurse", "provider", "frontdesk"])
def test_no_staff_page_of_the_demo_clinic_shows_an_internal_code(db, username):
    load_demo(password="ketamine-demo")
    seeds = ["/", "/messages/", "/schedule/week/"]
    for intake in Intake.objects.select_related("patient"):
        uuid = intake.patient.uuid
        seeds += [f"/patients/{uuid}/", f"/intake/patients/{uuid}/"]
        seeds += [f"/intake/patients/{uuid}/screening/"]
    seeds += [
        f"/schedule/appointments/{a.uuid}/" for a in Appointment.objects.all()[:5]
    ]
    assert _crawl(User.objects.get(username=username), seeds) == {}
