"""Two nurses discharge the same patient at the same moment: one discharge."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ketaclinic.infusions.models import Discharge, Session
from ketaclinic.notifications.models import OutboundMessage
from tests.conftest import client_for, make_staff
from tests.infusions.discharge_helpers import in_recovery
from tests.links.helpers import race

READY = {
    "item_activity": "2",
    "item_nausea": "2",
    "item_pain": "2",
    "item_bleeding": "2",
    "escort_seen": "on",
}


@pytest.mark.django_db(transaction=True)
def test_a_parallel_double_discharge_gives_one(world):
    session = in_recovery(world)
    second = make_staff("nurse2", "nurse", world.home)
    clients = [client_for(world.staff["nurse"]), client_for(second)]
    for client in clients:
        client.raise_request_exception = False
    url = reverse("infusions:discharge", args=[session.uuid])
    responses = race(2, lambda i: clients[i].post(url, READY))
    assert [r.status_code for r in responses] == [302, 302]
    # The one that came second is told who discharged the patient.
    told = [
        m.message
        for client in clients
        for m in client.get(reverse("infusions:session", args=[session.uuid])).context[
            "messages"
        ]
    ]
    assert sum("Already discharged" in m for m in told) == 1, told
    assert Discharge.objects.filter(session=session).count() == 1
    assert Session.objects.get(pk=session.pk).state == "discharged"
    assert OutboundMessage.objects.filter(purpose="discharge_instructions").count() == 1
