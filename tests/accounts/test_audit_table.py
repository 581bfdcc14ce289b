"""Every URL × what it writes to the audit trail, through real requests.

Each read of patient data (a chart, a record of a chart, a list or a search
that names patients) writes exactly one audit entry, through the one chart
guard. A URL added to the access table without an entry here fails
`test_every_url_has_an_audit_entry`.
"""

from __future__ import annotations

import pytest

from ketaclinic.audit.models import AuditEvent
from tests.accounts.test_access_table import TABLE, send, url_for
from tests.conftest import client_for

VIEW, SEARCH = AuditEvent.Action.VIEW, AuditEvent.Action.SEARCH
CHART = "one view of the patient's chart"
LEAD = "one view of the lead"
LIST = "one list or search of patients"
NONE = "shows no patient"
LINK = "the patient's own link"  # audited as the patient (tests/scheduling, intake)

AUDIT: dict[str, str] = {
    "home": NONE,
    "set_language": NONE,
    "get_started:form": NONE,
    "get_started:thanks": NONE,
    "get_started:consultation": LINK,
    "get_started:consultation_cancel": LINK,
    "inquiries:board": NONE,  # leads by stage: not yet patients
    "inquiries:alerts": NONE,
    "inquiries:alert_handle": NONE,
    "inquiries:site": NONE,
    "inquiries:site_language": NONE,
    "inquiries:lead": LEAD,
    "inquiries:contact": LEAD,
    "inquiries:email": LEAD,
    "inquiries:stage": LEAD,
    "inquiries:urgent_clear": LEAD,
    "inquiries:book": LEAD,
    "inquiries:note": LEAD,
    "inquiries:amend": LEAD,
    "inquiries:convert": LEAD,
    "health": NONE,
    "today": LIST,  # arrivals, leads, urgent tasks, intakes waiting
    "accounts:login": NONE,
    "accounts:logout": NONE,
    "accounts:password_change": NONE,
    "accounts:otp": NONE,
    "accounts:otp_enrol": NONE,
    "accounts:account": NONE,
    "accounts:location_switch": NONE,
    "accounts:lockouts": NONE,  # staff names only; an unlock is audited
    "patients:list": LIST,
    "patients:create": NONE,
    "patients:chart": CHART,
    "patients:edit": CHART,
    "patients:history": CHART,
    "patients:measurement_in_error": CHART,
    "patients:escort_add": CHART,
    "patients:escort_edit": CHART,
    "patients:allergy_add": CHART,
    "patients:allergy_edit": CHART,
    "patients:medication_add": CHART,
    "patients:medication_edit": CHART,
    "patients:condition_add": CHART,
    "patients:condition_edit": CHART,
    "patients:measurement_add": CHART,
    "audit:log": NONE,  # the trail itself (its export is audited as an export)
    "audit:export": NONE,
    "api:openapi-json": NONE,
    "api:openapi-view": NONE,
    "api:patient_search": LIST,
    "api:patient_detail": CHART,
    "api:appointment_book": CHART,
    "api:appointment_move": CHART,
    "api:api-root": NONE,
    "admin:*": NONE,
    "notifications:list": NONE,
    "notifications:retry": NONE,
    "notifications:calendar": NONE,
    "notifications:calendar_new": NONE,
    "calendar_feed": NONE,  # initials only
    "visit:confirm": LINK,
    "visit:cancel": LINK,
    "visit:offer": LINK,
    "intake:worklist": LIST,
    "intake:task_done": CHART,
    "intake:consents": NONE,
    "intake:consent_publish": NONE,
    "intake:patient": CHART,
    "intake:send": CHART,
    "intake:questionnaires_send": CHART,
    "treatment:screening": CHART,
    "intake:fill": CHART,
    "intake:consent_name_review": CHART,
    "intake:summary": CHART,
    "intake:review": CHART,
    "intake:review_item": CHART,
    "intake_public:intake": LINK,
    "intake_public:questionnaire": LINK,
    "scheduling:day": LIST,
    "scheduling:week": LIST,
    "scheduling:book": CHART,
    "scheduling:waitlist": LIST,
    "scheduling:waitlist_add": CHART,
    "scheduling:appointment": CHART,
    "scheduling:appointment_move": CHART,
    "scheduling:appointment_status": CHART,
    "plans:protocols": NONE,
    "plans:protocol_edit": NONE,
    "plans:list": CHART,
    "plans:new": CHART,
    "plans:detail": CHART,
    "plans:amend": CHART,
    "plans:sheet": CHART,
    "plans:series": CHART,
    "plans:maintenance": LIST,
    "infusions:session": CHART,
    "infusions:check_in": CHART,
    "infusions:board": LIST,
    "infusions:board_poll": LIST,  # a 204 while unchanged shows and audits nothing
    "infusions:vitals_record": CHART,
    "infusions:side_effect_record": CHART,
    "infusions:medication_record": CHART,
    "infusions:medication_effect": CHART,
    "infusions:alert_handle": CHART,
    "infusions:monitor_live": CHART,
    "ledger:home": NONE,  # balances per safe and lot
    "ledger:receive": NONE,
    "ledger:draw": NONE,  # the patient is typed by MRN; the draw is audited
    "ledger:waste": NONE,
    "ledger:transfer": NONE,
    "ledger:return": NONE,
    "ledger:destroy": NONE,
    "ledger:breakage": NONE,
    "ledger:loss": NONE,
    "ledger:count": NONE,
    "ledger:correct": LIST,  # the entry may name its patient
    "ledger:worklist": LIST,  # a draw with no session names its patient
    "ledger:resolve": LIST,  # refused: the worklist again
    "ledger:report": LIST,  # the administration log names patients
    "ledger:report_print": LIST,
    "ledger:report_csv": LIST,
    "ledger:export": LIST,
    "infusions:offline_worker": NONE,
    "infusions:entries": CHART,
    "infusions:entries_discard": CHART,
    "infusions:discharge": CHART,
    "infusions:instructions": CHART,
    "infusions:note_sign": CHART,
    "infusions:note_cosign": CHART,
    "infusions:checks": CHART,
    "infusions:check_record": CHART,
    "infusions:hold_decide": CHART,
    "infusions:dose": CHART,
    "infusions:dose_record": CHART,
}


def test_every_url_has_an_audit_entry():
    assert sorted(set(TABLE) - set(AUDIT)) == [], "Say what these URLs audit"
    assert sorted(set(AUDIT) - set(TABLE)) == []


def _first_allowed_role(name: str) -> str:
    allowed = TABLE[name][1]
    assert isinstance(allowed, set)
    for role in ("nurse", "provider", "front_desk", "manager", "admin"):
        if role in allowed:
            return role
    raise AssertionError(name)


@pytest.mark.parametrize(
    "name", sorted(n for n, what in AUDIT.items() if what in (CHART, LEAD, LIST))
)
def test_each_read_of_patient_data_writes_exactly_one_audit_entry(world, name):
    role = _first_allowed_role(name)
    url = url_for(name, world)
    if name == "scheduling:week":
        url += "?q=lov"
    client = client_for(world.staff[role])
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    response = send(client, name, url, world)
    assert response.status_code < 500
    written = AuditEvent.objects.filter(id__gt=before or 0)
    reads = written.filter(action__in=[VIEW, SEARCH])
    assert reads.count() == 1, [(e.action, e.summary) for e in written]
    read = reads.get()
    assert read.actor == world.staff[role]
    assert read.channel == ("api" if name.startswith("api:") else "staff")
    assert read.summary
    if AUDIT[name] == CHART:
        assert read.action == VIEW
        assert read.patient == world.patient
    elif AUDIT[name] == LEAD:
        assert read.action == VIEW
        assert read.object_type == "inquiries.Inquiry"
    else:
        assert read.action == SEARCH


def test_a_search_names_what_was_searched_and_how_many_were_shown(world):
    client_for(world.staff["nurse"]).get("/patients/?q=lov")
    event = AuditEvent.objects.filter(action=SEARCH).latest("id")
    assert event.summary == 'Searched patients for "lov" (1 shown)'


def test_a_refused_chart_writes_no_view(world):
    client = client_for(world.staff["nurse"])
    response = client.get(f"/patients/{world.foreign_patient.uuid}/")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(patient=world.foreign_patient).exists()
