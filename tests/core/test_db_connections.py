"""Server workers keep their database connection between requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PRINT_DATABASE = (
    "import json; from django.conf import settings; "
    "db = settings.DATABASES['default']; "
    "print(json.dumps([db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS']]))"
)


def database_settings(tmp_path, url: str, code: str = PRINT_DATABASE, **env):
    """What `code` prints of the settings a process started with `url` gets."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "ketaclinic.settings",
            "KETACLINIC_VAR_DIR": str(tmp_path),
            "DATABASE_URL": url,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "url",
    ["postgres://clinic@127.0.0.1:5432/clinic", "sqlite:///{tmp}/clinic.sqlite3"],
)
def test_connections_persist_and_are_checked_before_reuse(tmp_path, url):
    url = url.format(tmp=tmp_path)
    assert database_settings(tmp_path, url) == [600, True]
    assert database_settings(tmp_path, url, KETACLINIC_DB_CONN_MAX_AGE="0") == [
        0,
        True,
    ]


PRINT_OPTIONS = (
    "import json; from django.conf import settings; "
    "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
)


def test_postgresql_prepares_repeated_queries_unless_told_not_to(tmp_path):
    url = "postgres://clinic@127.0.0.1:5432/clinic"
    assert database_settings(tmp_path, url, PRINT_OPTIONS) == {
        "server_side_binding": True,
        "prepare_threshold": 2,
    }
    off = database_settings(
        tmp_path, url, PRINT_OPTIONS, KETACLINIC_DB_PREPARED_STATEMENTS="0"
    )
    assert "server_side_binding" not in off and "prepare_threshold" not in off
