"""Every staff and patient page of the demo clinic passes axe-core's checks
(no critical or serious violation), on a desktop and on a phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ketaclinic.inquiries.models import Inquiry, Stage
from ketaclinic.intake.models import Intake, QuestionnaireRequest
from ketaclinic.links import tokens as links
from ketaclinic.patients.models import Allergy, Patient
from ketaclinic.scheduling.models import Appointment, WaitlistEntry
from tests.e2e.accessibility import assert_accessible, violations
from tests.e2e.conftest import DESKTOP

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def staff_pages() -> dict[str, list[str]]:
    """The staff pages of the demo clinic, by the role that opens them."""
    intake = Intake.objects.filter(submitted_at__isnull=False).first()
    assert intake is not None
    patient = intake.patient
    allergy = Allergy.objects.create(patient=patient, substance="Latex")
    by_phone = Intake.objects.create(
        patient=Patient.objects.filter(intakes__isnull=True).first(),
        channel=Intake.Channel.PHONE,
    )
    visit = (
        Appointment.objects.filter(patient__isnull=False, starts_at__gte=timezone.now())
        .order_by("starts_at")
        .first()
    )
    lead = Inquiry.objects.filter(stage=Stage.CONSULTATION_BOOKED).first() or (
        Inquiry.objects.first()
    )
    chart = f"/patients/{patient.uuid}"
    return {
        "provider": [
            reverse("patients:list"),
            reverse("patients:list") + "?q=a",
            reverse("patients:create"),
            f"{chart}/",
            f"{chart}/edit/",
            f"{chart}/history/",
            *(
                reverse(f"patients:{kind}_add", args=[patient.uuid])
                for kind in ("escort", "allergy", "medication", "condition")
            ),
            reverse("patients:measurement_add", args=[patient.uuid]),
            reverse("patients:allergy_edit", args=[patient.uuid, allergy.pk]),
            reverse("intake:patient", args=[patient.uuid]),
            reverse("treatment:screening", args=[patient.uuid]),
            reverse("intake:summary", args=[intake.uuid]),
            reverse("intake:review", args=[intake.uuid]),
            reverse("today"),
            reverse("intake:fill", args=[by_phone.uuid]),
            reverse("intake:worklist"),
            reverse("scheduling:day"),
            reverse("scheduling:day")
            + f"?day={visit.starts_at.astimezone(visit.location.zone):%Y-%m-%d}",
            reverse("scheduling:week"),
            reverse("scheduling:week") + "?q=a",
            reverse("scheduling:book", args=[patient.uuid]),
            reverse("scheduling:book", args=[patient.uuid])
            + f"?type={visit.type_id}&start_date={timezone.localdate():%Y-%m-%d}",
            reverse("scheduling:waitlist"),
            reverse("scheduling:waitlist_add", args=[patient.uuid]),
            reverse("scheduling:appointment", args=[visit.uuid]),
            reverse("inquiries:board"),
            reverse("inquiries:alerts"),
            reverse("inquiries:lead", args=[lead.uuid]),
            reverse("inquiries:book", args=[lead.uuid]),
            reverse("inquiries:note", args=[lead.uuid]),
            reverse("inquiries:convert", args=[lead.uuid]),
            reverse("accounts:account"),
            reverse("accounts:password_change"),
            reverse("notifications:calendar"),
        ],
        "manager": [
            reverse("today"),
            reverse("audit:log"),
            reverse("notifications:list"),
            reverse("intake:consents"),
            reverse("intake:consent_publish", args=["privacy-notice"]),
            reverse("accounts:lockouts"),
            reverse("inquiries:site"),
        ],
    }


def patient_pages() -> list[tuple[str, Patient | None]]:
    """The public pages and the patients' private links, with the patient
    whose date of birth opens the link."""
    filling = Intake.objects.filter(submitted_at__isnull=True).first()
    intake = reverse(
        "intake_public:intake", args=[links.token(links.Purpose.INTAKE, filling.uuid)]
    )
    request = QuestionnaireRequest.objects.create(
        patient=filling.patient, instruments=["phq9", "gad7", "cssrs_screener"]
    )
    visit = (
        Appointment.objects.filter(patient__isnull=False, starts_at__gte=timezone.now())
        .order_by("starts_at")
        .first()
    )
    entry = WaitlistEntry.objects.create(
        patient=visit.patient,
        location=visit.location,
        type=visit.type,
        earliest=timezone.localdate(),
        latest=timezone.localdate() + timedelta(days=30),
        status=WaitlistEntry.Status.OFFERED,
        offered_start=visit.starts_at,
    )
    lead = Inquiry.objects.filter(stage=Stage.CONSULTATION_BOOKED).first() or (
        Inquiry.objects.filter(stage=Stage.NEW).first()
    )
    consultation = links.token(links.Purpose.CONSULTATION, lead.uuid)
    steps = [
        f"{intake}?step={step}"
        for step in (
            "about",
            "psychiatric",
            "antidepressants",
            "treatments",
            "medical",
            "medications",
            "lifestyle",
            "body",
            "escort",
            "consents",
            "review",
        )
    ]
    return [
        ("/", None),
        (reverse("accounts:login"), None),
        (reverse("get_started:form"), None),
        (reverse("get_started:thanks"), None),
        (reverse("get_started:consultation", args=[consultation]), None),
        (reverse("get_started:consultation_cancel", args=[consultation]), None),
        *((step, filling.patient) for step in steps),
        (
            reverse(
                "intake_public:questionnaire",
                args=[links.token(links.Purpose.QUESTIONNAIRE, request.uuid)],
            ),
            filling.patient,
        ),
        *(
            (
                reverse(
                    f"visit:{purpose}",
                    args=[
                        links.token(
                            links.Purpose(purpose), visit.uuid, version=visit.starts_at
                        )
                    ],
                ),
                None,
            )
            for purpose in ("confirm", "cancel")
        ),
        (
            reverse(
                "visit:offer",
                args=[
                    links.token(
                        links.Purpose.WAITLIST_OFFER,
                        entry.pk,
                        version=entry.offered_start,
                    )
                ],
            ),
            None,
        ),
    ]


def check(page, url: str) -> list[str]:
    """The page's critical and serious violations, headed by its address."""
    response = page.goto(url)
    assert response is not None and response.status < 400, (url, response.status)
    found = violations(page)
    return [f"{url}:", *found] if found else []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_staff_page_passes_the_accessibility_checks(new_page, sign_in, viewport):
    found = []
    for role, urls in staff_pages().items():
        page = new_page(viewport)
        sign_in(page, role)
        for url in urls:
            found += check(page, url)
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_patient_page_passes_the_accessibility_checks(new_page, viewport):
    page = new_page(viewport)
    for url, patient in patient_pages():
        page.goto(url)
        if patient is not None and page.get_by_label("Your date of birth").count():
            page.get_by_label("Your date of birth").fill(
                patient.date_of_birth.isoformat()
            )
            page.get_by_role("button", name="Open").click()
            expect(page.get_by_label("Your date of birth")).to_have_count(0)
        assert_accessible(page)
    # A get-started form sent empty shows its errors.
    page.goto(reverse("get_started:form"))
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert_accessible(page)
