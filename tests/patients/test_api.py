from __future__ import annotations

from django.urls import reverse

from ketaclinic.audit.models import AuditEvent


def test_the_api_searches_patients_of_the_users_locations(world, as_role):
    response = as_role("nurse").get(reverse("api:patient_search"), {"q": "lov"})
    assert response.status_code == 200
    body = response.json()
    assert [p["mrn"] for p in body] == [world.patient.mrn]
    assert body[0]["location"] == "home"
    hidden = as_role("nurse").get(reverse("api:patient_search"), {"q": "hop"})
    assert hidden.json() == []


def test_the_api_detail_is_audited_and_hides_other_locations(world, as_role):
    client = as_role("nurse")
    url = reverse("api:patient_detail", kwargs={"patient_uuid": world.patient.uuid})
    assert client.get(url).json()["last_name"] == "Lovelace"
    assert AuditEvent.objects.filter(action="view", patient=world.patient).exists()
    foreign = reverse(
        "api:patient_detail", kwargs={"patient_uuid": world.foreign_patient.uuid}
    )
    assert client.get(foreign).status_code == 404


def test_the_api_refuses_roles_and_strangers(world, as_role):
    assert (
        as_role("admin").get(reverse("api:patient_search"), {"q": "lov"}).status_code
        == 403
    )
    from django.test import Client

    assert Client().get(reverse("api:patient_search"), {"q": "lov"}).status_code == 401


def test_bad_api_input_is_a_clear_422(world, as_role):
    client = as_role("nurse")
    assert client.get(reverse("api:patient_search")).status_code == 422
    assert client.get("/api/patients/not-a-uuid").status_code == 422
    assert (
        client.get(
            reverse("api:patient_search"), {"q": "x", "limit": "lots"}
        ).status_code
        == 422
    )


def test_the_schema_names_every_refusal(world, as_role):
    schema = as_role("nurse").get("/api/openapi.json").json()
    search = schema["paths"]["/api/patients"]["get"]["responses"]
    detail = schema["paths"]["/api/patients/{patient_uuid}"]["get"]["responses"]
    assert {"200", "401", "403", "422"} <= set(search)
    assert {"200", "401", "403", "404", "422"} <= set(detail)


def test_refusals_match_the_schema(world, as_role):
    from django.test import Client

    client = as_role("nurse")
    missing = client.get("/api/patients/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "No such patient."}
    assert isinstance(client.get("/api/patients").json()["detail"], list)
    anonymous = Client().get("/api/patients", {"q": "x"})
    assert isinstance(anonymous.json()["detail"], str)
