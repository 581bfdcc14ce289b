"""The server stops and starts again in the middle of a tablet's sync: every
entry charted offline is stored once, in order, with its charted time.

The clinic runs here as it does in a clinic, `ketaclinic serve` in a process
of its own on the test database, so that it can be stopped (killed, as by a
power cut) and started again on the same port while the tablet keeps its page.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import expect

import ketaclinic
from ketaclinic.accounts.models import User
from ketaclinic.infusions.models import VitalReading
from tests.e2e.conftest import TABLET, TIMEOUT_MS
from tests.e2e.test_offline_chart import (
    WAIT_MS,
    chart_reading,
    infusing_session,
    open_chart,
)

pytestmark = pytest.mark.e2e

START_S = 60  # the development server runs its checks before it listens


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The test database, as a URL for a process of its own."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    return f"postgres://{user}@{host}/{db['NAME']}"


class ClinicServer:
    """`ketaclinic serve` on one port, stopped and started at will."""

    def __init__(self, var_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.var_dir = var_dir
        self.log = var_dir / "server.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(Path(ketaclinic.__file__).resolve().parents[1]),
            "DATABASE_URL": database_url(),
            "KETACLINIC_VAR_DIR": str(self.var_dir),
            "KETACLINIC_2FA": "optional",
            "DEBUG": "1",
        }
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "ketaclinic.cli",
                    "serve",
                    "--no-migrate",
                    "--port",
                    str(self.port),
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"The server did not start:\n{self.output()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"The server did not listen in time:\n{self.output()}")

    def stop(self) -> None:
        """As abruptly as a power cut: no chance to finish what it was doing."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture
def clinic_server(demo, settings, tmp_path):
    # The server checks passwords with the clinic's own hashers, not the fast
    # one the other tests use.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    nurse = User.objects.get(username="nurse")
    nurse.set_password(demo)
    nurse.save(update_fields=["password"])
    server = ClinicServer(tmp_path)
    server.start()
    yield server
    server.stop()


def kept_entries(page) -> list[dict]:
    """What the tablet keeps in its browser, in the order it was charted."""
    return page.evaluate(
        """() => new Promise((resolve, reject) => {
             const opened = indexedDB.open("ketaclinic-chart");
             opened.onerror = () => reject(opened.error);
             opened.onsuccess = () => {
               const all = opened.result.transaction("entries")
                 .objectStore("entries").getAll();
               all.onsuccess = () => resolve(all.result);
             };
           })"""
    )


def test_a_server_restarted_during_the_sync_loses_and_doubles_nothing(
    browser, clinic_server, demo
):
    session = infusing_session()
    context = browser.new_context(
        base_url=clinic_server.url, viewport=TABLET, locale="en-US"
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto("/sign-in/")
        page.get_by_label("Username").fill("nurse")
        page.get_by_label("Password").fill(demo)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        open_chart(page, session)
        banner = page.locator("#offline-banner")

        context.set_offline(True)
        for n in range(5):
            chart_reading(page, 120 + n, 70 + n)
        expect(banner).to_contain_text("5 entries are waiting to be sent")
        kept = kept_entries(page)
        assert len(kept) == 5

        # The first entry goes through. The server stores the second, then
        # stops before its answer reaches the tablet; the tablet keeps trying
        # while nothing listens; then the server starts again on the same port.
        sent: list[str] = []
        failed: list[str] = []

        def through_a_restart(route):
            sent.append(route.request.post_data_json["client_id"])
            if len(sent) == 2:
                route.fetch()
                clinic_server.stop()
                route.abort("connectionreset")
            else:
                route.continue_()

        page.route("**/entries/", through_a_restart)
        page.on(
            "requestfailed",
            lambda request: "/entries/" in request.url and failed.append(request.url),
        )
        context.set_offline(False)
        for _ in range(WAIT_MS // 250):
            if len(failed) >= 3:  # the lost answer, then two tries in vain
                break
            page.wait_for_timeout(250)
        assert len(failed) >= 3, f"The tablet did not try again: {sent}"
        assert clinic_server.process is None
        stored_while_down = VitalReading.objects.filter(session=session).count()
        assert stored_while_down == 2
        expect(banner).to_contain_text("4 entries are waiting to be sent")

        clinic_server.start()
        expect(page.locator("#offline-entries li")).to_have_count(0, timeout=WAIT_MS)
        expect(banner).to_be_hidden()
    finally:
        context.close()

    readings = list(
        VitalReading.objects.filter(session=session).order_by("charted_at", "id")
    )
    assert [str(r.client_id) for r in readings] == [e["client_id"] for e in kept]
    assert [r.systolic_mmhg for r in readings] == [120, 121, 122, 123, 124]
    assert [r.charted_at for r in readings] == [
        datetime.fromisoformat(e["charted_at"]) for e in kept
    ]
    assert all(r.by.username == "nurse" for r in readings)
    # The second entry was sent again after the restart and not stored twice.
    assert sent.count(kept[1]["client_id"]) >= 2
