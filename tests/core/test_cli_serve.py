"""`ketaclinic serve`: the production rules, and a real start under gunicorn."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core import checks

from ketaclinic.core.deploy import deployment_problems, describe_check
from ketaclinic.core.management.commands.serve import (
    bind_address,
    default_workers,
    gunicorn_argv,
)

KETACLINIC = str(Path(sys.executable).parent / "ketaclinic")
# Variables of the environment running the tests that must not reach the
# ketaclinic under test.
CONFIG_PREFIXES = ("KETACLINIC_", "DJANGO_", "DATABASE_URL", "DEBUG", "SECRET_KEY")
CONFIG_NAMES = {"ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"}


def ketaclinic_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(CONFIG_PREFIXES) and name not in CONFIG_NAMES
    }
    env["KETACLINIC_VAR_DIR"] = str(tmp_path / "var")
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env.update(variables)
    return env


def production_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    safe = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(48)[:50],
        "ALLOWED_HOSTS": "127.0.0.1",
        "KETACLINIC_2FA": "required",
    }
    return ketaclinic_env(tmp_path, **{**safe, **variables})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SAFE = {
    "DEBUG": False,
    "SECRET_KEY_FROM_ENV": True,
    "ALLOWED_HOSTS": ["clinic.example.org"],
    "KETACLINIC_2FA": "required",
}


@pytest.mark.parametrize(
    ("changes", "variables"),
    [
        ({}, []),
        ({"DEBUG": True}, ["DEBUG"]),
        ({"SECRET_KEY_FROM_ENV": False}, ["SECRET_KEY"]),
        ({"ALLOWED_HOSTS": []}, ["ALLOWED_HOSTS"]),
        ({"ALLOWED_HOSTS": ["clinic.example.org", "*"]}, ["ALLOWED_HOSTS"]),
        ({"KETACLINIC_2FA": "optional"}, ["KETACLINIC_2FA"]),
        (
            {
                "DEBUG": True,
                "SECRET_KEY_FROM_ENV": False,
                "ALLOWED_HOSTS": ["*"],
                "KETACLINIC_2FA": "optional",
            },
            ["DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "KETACLINIC_2FA"],
        ),
    ],
)
def test_it_finds_each_unsafe_setting_and_names_its_variable(
    settings, changes, variables
):
    for name, value in {**SAFE, **changes}.items():
        setattr(settings, name, value)

    problems = deployment_problems(settings)

    assert [problem.variable for problem in problems] == variables
    for problem in problems:
        assert f"Set {problem.variable}" in problem.message


def test_it_names_the_variable_that_settles_a_django_deploy_warning():
    warning = checks.Warning("SECURE_SSL_REDIRECT is off.", id="security.W008")

    assert "Set KETACLINIC_SSL_REDIRECT" in describe_check(warning)


def test_it_runs_the_gunicorn_beside_the_python_with_a_per_instance_socket(tmp_path):
    argv = gunicorn_argv(host="::1", port=8443, workers=3, var_dir=tmp_path)

    assert argv[0] == str(Path(sys.executable).parent / "gunicorn")
    assert argv[1] == "ketaclinic.wsgi:application"
    assert argv[argv.index("--bind") + 1] == "[::1]:8443"
    assert argv[argv.index("--workers") + 1] == "3"
    assert argv[argv.index("--access-logfile") + 1] == "-"
    assert str(tmp_path / "gunicorn.ctl") in argv or "--no-control-socket" in argv
    assert bind_address("10.0.0.5", 80) == "10.0.0.5:80"
    assert 3 <= default_workers() <= 8


def test_it_refuses_to_serve_in_production_with_debug_on(tmp_path):
    env = production_env(tmp_path, DEBUG="1")
    del env["SECRET_KEY"]

    done = subprocess.run(
        [KETACLINIC, "serve", "--prod", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2, done.stderr
    assert "refusing to start in production" in done.stderr
    assert "Set DEBUG=0" in done.stderr
    assert "Set SECRET_KEY" in done.stderr
    # Refused before anything changed: no migration ran.
    database = tmp_path / "db.sqlite3"
    if database.exists():
        with sqlite3.connect(database) as conn:
            tables = conn.execute("SELECT name FROM sqlite_master").fetchall()
        assert tables == []


def test_it_serves_with_gunicorn_in_a_safe_production_configuration(tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [KETACLINIC, "serve", "--prod", "--port", str(port), "--workers", "1"],
            env=production_env(tmp_path),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # As behind the TLS proxy: SECURE_SSL_REDIRECT stays on.
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/health/",
            headers={"X-Forwarded-Proto": "https"},
        )
        answer = None
        deadline = time.monotonic() + 90  # migrations first; CI may be busy
        while answer is None and time.monotonic() < deadline:
            assert server.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    answer = (response.status, json.load(response))
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)

        assert answer == (200, {"status": "ok"}), log.read_text()
        started = log.read_text()
        assert "Starting gunicorn" in started
        assert "Listening at: http://127.0.0.1:" in started
    finally:
        server.terminate()  # gunicorn's master: a graceful stop of its workers
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
