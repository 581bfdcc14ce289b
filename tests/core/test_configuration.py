"""Configuration (the Django admin) shows what a clinic sets up, under names
people read, and none of the libraries' internal tables."""

from __future__ import annotations

import re

import pytest

from tests.conftest import client_for


def _visible(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_index_names_the_clinics_things_and_no_internal_app(world):
    page = _visible(client_for(world.staff["admin"]).get("/admin/").content.decode())
    for internal in ("Axes", "AXES", "Otp", "OTP", "Tasks Database", "Task results"):
        assert internal not in page
    assert "Groups" not in page  # roles grant rights, not groups
    for shown in ("Staff", "Audit trail", "Locations and scheduling", "Closures"):
        assert shown in page


@pytest.mark.parametrize(
    "path",
    [
        "/admin/axes/accessattempt/",
        "/admin/axes/accesslog/",
        "/admin/axes/accessfailurelog/",
        "/admin/auth/group/",
        "/admin/django_tasks_database/dbtaskresult/",
        "/admin/otp_totp/totpdevice/",
    ],
)
def test_the_internal_tables_have_no_page(world, path):
    assert client_for(world.staff["admin"]).get(path).status_code == 404
