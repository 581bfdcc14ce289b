from __future__ import annotations

from django.urls import reverse

from tests.conftest import client_for, make_patient, make_staff


def test_staff_of_two_locations_switch_between_them(world):
    roamer = make_staff("roamer", "nurse", world.home, world.other)
    client = client_for(roamer)
    page = client.get(reverse("patients:list"))
    assert 'id="location-switch"' in page.text
    assert page.context["request"].location == world.home  # first by name
    assert [p.last_name for p in page.context["page"].patients] == ["Lovelace"]
    response = client.post(
        reverse("accounts:location_switch"),
        {"location": world.other.pk, "next": reverse("patients:list")},
    )
    assert response.status_code == 302
    listed = client.get(reverse("patients:list"))
    assert [p.last_name for p in listed.context["page"].patients] == ["Hopper"]
    # Search covers every location the nurse works at.
    found = client.get(reverse("patients:list"), {"q": "lovelace"})
    assert [p.last_name for p in found.context["page"].patients] == ["Lovelace"]


def test_nobody_switches_to_a_location_they_do_not_work_at(world):
    client = client_for(world.staff["nurse"])
    response = client.post(
        reverse("accounts:location_switch"), {"location": world.other.pk}, follow=True
    )
    assert "You do not work at that location." in response.text
    assert response.context["request"].location == world.home


def test_the_switch_refuses_an_outside_redirect(world):
    client = client_for(world.staff["nurse"])
    response = client.post(
        reverse("accounts:location_switch"),
        {"location": world.home.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_a_staff_member_without_locations_sees_no_patients(world):
    lonely = make_staff("lonely", "nurse")
    make_patient(world.home, mrn="L0000001")
    page = client_for(lonely).get(reverse("patients:list"), {"q": "lov"})
    assert list(page.context["page"].patients) == []
