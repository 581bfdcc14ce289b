"""Every URL × every role -> allowed or refused, through real requests.

A URL added without an entry here makes `test_every_url_has_an_entry` fail.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ketaclinic.accounts.permissions import Role
from ketaclinic.links import tokens as links
from ketaclinic.patients.models import (
    Allergy,
    BodyMeasurement,
    Condition,
    Escort,
    Medication,
)
from tests.conftest import client_for

F, N, P, M, A = (r.value for r in Role)
ALL = {F, N, P, M, A}
CHART = {F, N, P, M}
CLINICAL_VIEW = {N, P, M}
CLINICAL_EDIT = {N, P}
AUDIT = {M, A}

# url name -> (method, roles allowed). "public" pages answer anonymous users too.
TABLE: dict[str, tuple[str, set[str] | str]] = {
    "home": ("get", "public"),  # the clinic's home page; staff go on to theirs
    "set_language": ("post", "public"),  # the public pages' language chooser
    "get_started:form": ("get", "public"),
    "get_started:thanks": ("get", "public"),
    "get_started:consultation": ("get", "public"),  # the signed link is the key
    "get_started:consultation_cancel": ("get", "public"),
    "inquiries:board": ("get", CHART),
    "inquiries:alerts": ("get", CHART),
    "inquiries:alert_handle": ("post", CHART),
    "inquiries:site": ("get", {M, A}),
    "inquiries:site_language": ("get", {M, A}),
    "inquiries:lead": ("get", CHART),
    "inquiries:contact": ("post", CHART),  # 302 back to the lead, refused or not
    "inquiries:email": ("post", CHART),
    "inquiries:stage": ("post", CHART),
    "inquiries:urgent_clear": ("post", CHART),
    "inquiries:book": ("get", CHART),
    "inquiries:note": ("get", {P}),
    "inquiries:amend": ("get", {P}),
    "inquiries:convert": ("get", CHART),
    "health": ("get", "public"),
    "today": ("get", CHART),  # each role's start page (a nurse starts elsewhere)
    "accounts:login": ("get", "public"),
    "accounts:logout": ("post", "public"),
    "accounts:password_change": ("get", ALL),
    "accounts:otp": ("get", ALL),
    "accounts:otp_enrol": ("get", ALL),
    "accounts:account": ("get", ALL),
    "accounts:location_switch": ("post", ALL),
    "accounts:lockouts": ("get", {M, A}),
    "patients:list": ("get", CHART),
    "patients:create": ("get", CHART),
    "patients:chart": ("get", CHART),
    "patients:edit": ("get", CHART),
    "patients:history": ("get", CLINICAL_VIEW),
    "patients:measurement_in_error": ("post", CLINICAL_EDIT),
    "patients:escort_add": ("get", CHART),
    "patients:escort_edit": ("get", CHART),
    "patients:allergy_add": ("get", CLINICAL_EDIT),
    "patients:allergy_edit": ("get", CLINICAL_EDIT),
    "patients:medication_add": ("get", CLINICAL_EDIT),
    "patients:medication_edit": ("get", CLINICAL_EDIT),
    "patients:condition_add": ("get", CLINICAL_EDIT),
    "patients:condition_edit": ("get", CLINICAL_EDIT),
    "patients:measurement_add": ("get", CLINICAL_EDIT),
    "audit:log": ("get", AUDIT),
    "audit:export": ("get", AUDIT),
    "api:openapi-json": ("get", ALL),
    "api:openapi-view": ("get", ALL),
    "api:patient_search": ("get", CHART),
    "api:patient_detail": ("get", CHART),
    "api:appointment_book": ("post", CHART),  # 409: the time is not open
    "api:appointment_move": ("post", CHART),  # 409: the new time is past
    "api:api-root": ("get", "public"),  # an empty 404: names nothing
    "admin:*": ("get", {A}),  # every admin page sits behind AdminSite.has_permission
    "notifications:list": ("get", AUDIT),
    "notifications:retry": ("post", AUDIT),
    "notifications:calendar": ("get", ALL),
    "notifications:calendar_new": ("post", ALL),
    "calendar_feed": ("get", "public"),  # the secret token is the key
    "visit:confirm": ("get", "public"),  # the signed link is the key
    "visit:cancel": ("get", "public"),
    "visit:offer": ("get", "public"),
    "intake:worklist": ("get", CLINICAL_VIEW),
    "intake:task_done": ("post", {P}),
    "intake:consents": ("get", {M}),
    "intake:consent_publish": ("get", {M}),
    "intake:patient": ("get", CLINICAL_VIEW),
    "intake:send": ("post", CHART),
    "intake:questionnaires_send": ("post", CHART),
    "treatment:screening": ("get", CLINICAL_VIEW),
    "intake:fill": ("get", CHART),
    "intake:consent_name_review": ("post", CLINICAL_VIEW),
    # Intake answers and their review: clinical staff read them; nurses and
    # providers review them into the chart (front desk sees on the chart what
    # is waiting, without the clinical items).
    "intake:summary": ("get", CLINICAL_VIEW),
    "intake:review": ("get", CLINICAL_VIEW),
    "intake:review_item": ("post", CLINICAL_EDIT),
    "intake_public:intake": ("get", "public"),  # the signed link is the key
    "intake_public:questionnaire": ("get", "public"),
    "scheduling:day": ("get", CHART),
    "scheduling:week": ("get", CHART),
    "scheduling:book": ("get", CHART),
    "scheduling:waitlist": ("get", CHART),
    "scheduling:waitlist_add": ("get", CHART),
    "scheduling:appointment": ("get", CHART),
    "scheduling:appointment_move": ("post", CHART),  # 400: no new time given
    "scheduling:appointment_status": ("post", CHART),
    "plans:protocols": ("get", CHART),
    "plans:protocol_edit": ("get", {M}),
    "plans:list": ("get", CHART),
    "plans:new": ("get", {P}),
    "plans:detail": ("get", CHART),
    "plans:amend": ("get", {P}),
    "plans:sheet": ("get", CHART),
    "plans:series": ("get", CHART),
    "plans:maintenance": ("get", CHART),
    "infusions:session": ("get", CHART),
    "infusions:check_in": ("post", {N, P}),
    "infusions:board": ("get", CHART),
    "infusions:board_poll": ("get", CHART),
    # Monitoring: vital signs, side effects, medicines, alerts, the polled parts
    "infusions:vitals_record": ("post", {N, P}),
    "infusions:side_effect_record": ("post", {N, P}),
    "infusions:medication_record": ("post", {N, P}),
    "infusions:medication_effect": ("post", {N, P}),
    "infusions:alert_handle": ("post", {N, P}),
    "infusions:monitor_live": ("get", CHART),
    "ledger:home": ("get", CLINICAL_VIEW),
    "ledger:receive": ("get", {M}),
    "ledger:draw": ("get", {N, P}),
    "ledger:waste": ("get", {N, P}),
    "ledger:transfer": ("get", {M}),
    "ledger:return": ("get", {M}),
    "ledger:destroy": ("get", {M}),
    "ledger:breakage": ("get", CLINICAL_VIEW),
    "ledger:loss": ("get", {M}),
    "ledger:count": ("get", CLINICAL_VIEW),
    "ledger:correct": ("get", {M}),
    "ledger:worklist": ("get", {M}),
    "ledger:resolve": ("post", {M}),  # 400 without a reason: nothing written
    "ledger:report": ("get", CLINICAL_VIEW),
    "ledger:report_print": ("get", CLINICAL_VIEW),
    "ledger:report_csv": ("get", CLINICAL_VIEW),
    "ledger:export": ("get", {M}),
    "infusions:offline_worker": ("get", "public"),  # the offline chart's worker
    "infusions:entries": ("post", {N, P}),
    "infusions:entries_discard": ("post", {M}),  # another nurse's waiting entry
    # Recovery, discharge and the session note
    "infusions:discharge": ("post", {N, P}),
    "infusions:instructions": ("get", CHART),
    "infusions:note_sign": ("post", {N, P}),
    "infusions:note_cosign": ("post", {P}),
    "infusions:checks": ("get", CHART),
    "infusions:check_record": ("post", {N, P}),
    "infusions:hold_decide": ("post", {P}),
    "infusions:dose": ("get", CHART),
    "infusions:dose_record": ("post", {N, P}),
}


def url_names() -> list[str]:
    names: list[str] = []

    def walk(resolver: URLResolver, prefix: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    names.append("admin:*")
                    continue
                namespace = f"{pattern.namespace}:" if pattern.namespace else ""
                walk(pattern, prefix + namespace)
            elif isinstance(pattern, URLPattern):
                names.append(prefix + (pattern.name or f"<unnamed {pattern.pattern}>"))

    walk(get_resolver(), "")
    return sorted(set(names))


def test_every_url_has_an_entry():
    missing = [name for name in url_names() if name not in TABLE]
    assert missing == [], f"Add these URLs to the access table: {missing}"
    stale = [name for name in TABLE if name not in url_names()]
    assert stale == []


def messages_url_for(name: str, world) -> str:
    """URLs of reminders and messages: links and tokens made for the test."""
    from ketaclinic.links import tokens as links
    from ketaclinic.notifications.models import CalendarFeedToken, OutboundMessage
    from ketaclinic.scheduling.models import WaitlistEntry
    from tests.notifications.helpers import make_visit, soon

    if name == "notifications:retry":
        message = OutboundMessage.objects.create(
            channel="email",
            to="ada@example.com",
            purpose="test",
            body_text="x",
            dedupe_key="access-table",
            location=world.home,
            status=OutboundMessage.Status.FAILED,
        )
        return reverse(name, args=[message.pk])
    if name == "calendar_feed":
        feed = CalendarFeedToken.objects.create(user=world.stranger, token="t" * 43)
        return reverse(name, args=[feed.token])
    visit = make_visit(world.patient, soon(days=3))
    if name == "visit:offer":
        entry = WaitlistEntry.objects.create(
            patient=world.patient,
            location=world.home,
            type=visit.type,
            earliest=soon(1).date(),
            latest=soon(9).date(),
            status=WaitlistEntry.Status.OFFERED,
            offered_start=soon(4),
        )
        token = links.token(
            links.Purpose.WAITLIST_OFFER, entry.pk, version=entry.offered_start
        )
        return reverse(name, args=[token])
    purpose = links.Purpose(name.split(":")[1])
    return reverse(
        name, args=[links.token(purpose, visit.uuid, version=visit.starts_at)]
    )


def schedule_url_for(name: str, world) -> str:
    from tests.notifications.helpers import make_visit, soon

    if name in ("scheduling:book", "scheduling:waitlist_add"):
        return reverse(name, args=[world.patient.uuid])
    if name.startswith("scheduling:appointment"):
        visit = make_visit(world.patient, soon(days=3))
        if name == "scheduling:appointment_status":
            return reverse(name, args=[visit.uuid, "confirmed"])
        return reverse(name, args=[visit.uuid])
    return reverse(name)


def intake_url_for(name: str, world) -> str:
    from ketaclinic.intake.models import (
        ConsentDocument,
        ConsentSignature,
        ConsentVersion,
        Intake,
        QuestionnaireRequest,
        UrgentTask,
    )

    patient = world.patient
    if name == "intake:task_done":
        task = UrgentTask.objects.create(patient=patient, message="PHQ-9 item 9")
        return reverse(name, args=[task.pk])
    if name == "intake:consent_publish":
        ConsentDocument.objects.get_or_create(code="informed", title="Informed consent")
        return reverse(name, args=["informed"])
    if name == "intake:consent_name_review":
        document, _ = ConsentDocument.objects.get_or_create(
            code="informed", title="Informed consent"
        )
        version = ConsentVersion.objects.create(
            document=document, number=1, text="x" * 20, sha256="0" * 64
        )
        signature = ConsentSignature.objects.create(
            patient=patient,
            version=version,
            typed_name="Ada Byron",
            name_on_file="Ada Lovelace",
            different_legal_name=True,
            text_sha256="0" * 64,
        )
        return reverse(name, args=[signature.pk])
    if name in ("intake:summary", "intake:review", "intake:review_item"):
        intake = Intake.objects.create(
            patient=patient,
            channel="link",
            status=Intake.Status.SUBMITTED,
            answers={"medications": {"allergies": "penicillin – hives"}},
        )
        if name == "intake:review_item":
            return reverse(name, args=[intake.uuid, "allergy-1"])
        return reverse(name, args=[intake.uuid])
    if name == "intake:fill":
        intake = Intake.objects.create(patient=patient, channel="phone")
        return reverse(name, args=[intake.uuid])
    if name == "intake_public:intake":
        intake = Intake.objects.create(patient=patient, channel="link")
        return reverse(name, args=[links.token(links.Purpose.INTAKE, intake.uuid)])
    if name == "intake_public:questionnaire":
        row = QuestionnaireRequest.objects.create(patient=patient, instruments=["phq9"])
        token = links.token(links.Purpose.QUESTIONNAIRE, row.uuid)
        return reverse(name, args=[token])
    if name in ("intake:worklist", "intake:consents"):
        return reverse(name)
    return reverse(name, args=[patient.uuid])


def plans_url_for(name: str, world) -> str:
    from tests.treatment.helpers import signed_plan

    if name in ("plans:protocols", "plans:maintenance"):
        return reverse(name)
    if name == "plans:protocol_edit":
        return reverse(name, args=["depression_induction"])
    if name in ("plans:list", "plans:new"):
        return reverse(name, args=[world.patient.uuid])
    return reverse(name, args=[signed_plan(world).uuid])


def infusions_url_for(name: str, world) -> str:
    from tests.infusions.helpers import checked_in, today_visit

    if name == "infusions:offline_worker":
        return reverse(name)
    if name == "infusions:check_in":
        return reverse(name, args=[today_visit(world).uuid])
    if name in {"infusions:board", "infusions:board_poll"}:
        checked_in(world)
        return reverse(name)
    if name == "infusions:alert_handle":
        from django.utils import timezone

        from ketaclinic.infusions.models import Alert

        session = checked_in(world)
        alert = Alert.objects.create(
            session=session, kind="provider_needed", words="x", raised_at=timezone.now()
        )
        return reverse(name, args=[session.uuid, alert.pk])
    return reverse(name, args=[checked_in(world).uuid])


def ledger_url_for(name: str, world) -> str:
    from ketaclinic.audit.actor import Actor
    from ketaclinic.inventory import services
    from tests.inventory.helpers import stock

    shelf = stock(world)
    if name in ("ledger:correct", "ledger:resolve"):
        entry = services.receive(
            actor=Actor.staff(world.staff[M], world.home),
            safe=shelf.safe,
            supplier=shelf.supplier,
            product=shelf.product,
            lot_number="A1",
            expires_on=shelf.lot.expires_on,
            containers=2,
            ordered_containers=3,  # short: on the worklist
            invoice_number="INV-1",
        )
        return reverse(name, args=[entry.uuid])
    if name.startswith("ledger:report"):
        return reverse(name, args=["administration"])
    return reverse(name)


def leads_url_for(name: str, world) -> str:
    from ketaclinic.inquiries.models import ConsultationNote
    from tests.inquiries.helpers import make_lead

    if name == "set_language":
        return reverse(name)
    lead = make_lead(world.home)
    if name.startswith("get_started:consultation"):
        return reverse(name, args=[links.token(links.Purpose.CONSULTATION, lead.uuid)])
    if name == "inquiries:alert_handle":
        return reverse(name, args=[lead.alerts.get().pk])
    if name == "inquiries:site_language":
        return reverse(name, args=["es"])
    if name == "inquiries:email":
        return reverse(name, args=[lead.uuid, "no_answer"])
    if name == "inquiries:amend":
        note = ConsultationNote.objects.create(
            inquiry=lead, outcome="proceed", text="x", signed_by=world.staff[P]
        )
        return reverse(name, args=[lead.uuid, note.pk])
    if name.startswith("inquiries:") and name not in (
        "inquiries:board",
        "inquiries:alerts",
        "inquiries:site",
    ):
        return reverse(name, args=[lead.uuid])
    return reverse(name)


def url_for(name: str, world) -> str:
    patient = world.patient
    if name.startswith(("inquiries:", "get_started:")) or name == "set_language":
        return leads_url_for(name, world)
    if name.startswith("intake"):
        return intake_url_for(name, world)
    if name == "treatment:screening":
        return reverse(name, args=[patient.uuid])
    if name.startswith("scheduling:"):
        return schedule_url_for(name, world)
    if name.startswith("plans:"):
        return plans_url_for(name, world)
    if name.startswith("infusions:"):
        return infusions_url_for(name, world)
    if name.startswith("ledger:"):
        return ledger_url_for(name, world)
    if name in {"notifications:retry", "calendar_feed"} or name.startswith("visit:"):
        return messages_url_for(name, world)
    entries = {
        "escort": Escort,
        "allergy": Allergy,
        "medication": Medication,
        "condition": Condition,
    }
    if name == "admin:*":
        return reverse("admin:index")
    if name == "api:patient_search":
        return reverse(name) + "?q=lov"
    if name == "api:patient_detail":
        return reverse(name, kwargs={"patient_uuid": patient.uuid})
    if name == "api:appointment_move":
        from tests.notifications.helpers import make_visit, soon

        visit = make_visit(patient, soon(days=3))
        return reverse(name, kwargs={"appointment_uuid": visit.uuid})
    if name.startswith("api:") or name in {
        "home",
        "health",
        "today",
        "patients:list",
        "patients:create",
    }:
        return reverse(name)
    if not name.startswith("patients:"):
        return reverse(name)
    kind = name.split(":")[1].rsplit("_", 1)[0]
    if name == "patients:measurement_in_error":
        measurement = BodyMeasurement.objects.create(
            patient=patient, measured_at="2026-01-01T10:00Z", weight_kg=70
        )
        return reverse(name, args=[patient.uuid, measurement.pk])
    if name.endswith("_edit") and kind in entries:
        fields = {
            "escort": {"name": "Sam", "relation": "friend", "phone": "+13035550111"},
            "allergy": {"substance": "Latex"},
            "medication": {"name": "Sertraline"},
            "condition": {"icd10_code": "F33.1", "description": "MDD"},
        }[kind]
        entry = entries[kind].objects.create(patient=patient, **fields)
        return reverse(name, args=[patient.uuid, entry.pk])
    return reverse(name, args=[patient.uuid])


def send(client, name: str, url: str, world):
    """The request of the table's method; an API write posts its JSON body."""
    method = TABLE[name][0]
    if name == "api:appointment_book":
        from tests.scheduling.factories import open_clinic

        open_clinic(world.home)
        body = {
            "patient": str(world.patient.uuid),
            "type": "consultation",
            "starts_at": "2026-01-01T03:00:00Z",  # past: refused, nothing written
        }
        return client.post(url, body, content_type="application/json")
    if name == "api:appointment_move":
        body = {"starts_at": "2026-01-01T03:00:00Z", "reason": "Asked by the patient"}
        return client.post(url, body, content_type="application/json")
    return getattr(client, method)(url, follow=name == "admin:*")


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/sign-in/" in response["Location"]


@pytest.mark.parametrize("name", sorted(TABLE))
@pytest.mark.parametrize("role", [*sorted(ALL), "anonymous"])
def test_access(world, name, role):
    _method, allowed = TABLE[name]
    url = url_for(name, world)
    if role == "anonymous":
        from django.test import Client

        client = Client()
    else:
        client = client_for(world.staff[role])
    # The admin sends refusals through its own login view: follow it.
    response = send(client, name, url, world)
    if name == "admin:*" and response.redirect_chain:
        last = response.redirect_chain[-1][0]
        if "/sign-in/" in last:
            response.status_code, response["Location"] = 302, last

    if allowed == "public":
        assert response.status_code < 500
        if name != "api:api-root":
            assert response.status_code in (200, 302), response.status_code
        return
    if role == "anonymous":
        assert is_login_redirect(response) or response.status_code == 401, (
            response.status_code
        )
        return
    if role in allowed:
        expected = {
            "scheduling:appointment_move": (200, 302, 400),
            "ledger:resolve": (400,),
            "api:appointment_book": (409,),
            "api:appointment_move": (409,),
            "infusions:entries": (422,),  # reached; an empty form is no entry
            "infusions:entries_discard": (422,),
        }.get(name, (200, 302))
        assert response.status_code in expected, (
            f"{role} should reach {name}: {response.status_code}"
        )
        assert not is_login_redirect(response)
    else:
        assert response.status_code == 403, (
            f"{role} must not reach {name}: {response.status_code}"
        )


@pytest.mark.parametrize(
    "name",
    [
        name
        for name in TABLE
        if name.startswith("patients:")
        and name not in ("patients:list", "patients:create")
    ],
)
def test_a_chart_at_another_location_is_not_found(world, name):
    """The nurse of another location gets the same 404 as for a missing chart."""
    world.patient.location = world.other  # move: the stranger works there
    world.patient.save()
    url = url_for(name, world)
    client = client_for(world.staff[N])  # works at home only
    method = TABLE[name][0]
    assert getattr(client, method)(url).status_code == 404
