"""A bad configuration value stops start-up with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ketaclinic import config


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe'"),
        ("KETACLINIC_2FA", "sometimes", "KETACLINIC_2FA='sometimes'"),
        ("KETACLINIC_TIME_ZONE", "Mars/Olympus", "KETACLINIC_TIME_ZONE"),
        ("DATABASE_URL", "mysql://x@y/z", "DATABASE_URL"),
        ("KETACLINIC_PAGE_SIZE", "lots", "KETACLINIC_PAGE_SIZE"),
        ("EMAIL_PORT", "-1", "EMAIL_PORT"),
        ("SECRET_KEY", "short", "SECRET_KEY"),
        ("KETACLINIC_SCREENING_POLICY", "{", "KETACLINIC_SCREENING_POLICY"),
        (
            "KETACLINIC_SCREENING_POLICY",
            '{"minimum_age": 21}',
            "Unknown screening setting(s): minimum_age",
        ),
        (
            "KETACLINIC_SCREENING_POLICY",
            '{"absolute": ["gout"]}',
            "Unknown condition(s) in absolute: gout",
        ),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(
    tmp_path, variable, value, words
):
    env = {
        **os.environ,
        "KETACLINIC_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        variable: value,
    }
    result = subprocess.run(
        [sys.executable, "-m", "ketaclinic", "help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "configuration error" in result.stderr
    assert words in result.stderr


def test_production_needs_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(config.ConfigError, match="SECRET_KEY: required"):
        config.secret_key(tmp_path, debug=False)


def test_development_keeps_one_generated_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first, from_env = config.secret_key(tmp_path, debug=True)
    assert not from_env and len(first) >= 50
    assert config.secret_key(tmp_path, debug=True)[0] == first
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("off", False), ("", True)])
def test_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert config.env_bool("X_FLAG", True) is expected


def test_sqlite_runs_in_wal_mode_with_immediate_writes():
    from django.conf import settings

    options = settings.DATABASES["default"].get("OPTIONS", {})
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        assert options["transaction_mode"] == "IMMEDIATE"
        assert "journal_mode=WAL" in options["init_command"]


def test_a_clinic_sets_its_screening_policy(monkeypatch):
    from ketaclinic.clinical.screening import DEFAULT_POLICY, FindingKind

    monkeypatch.setenv(
        "KETACLINIC_SCREENING_POLICY",
        '{"minimum_age_years": 21, "bp_severe_systolic_mm_hg": 190,'
        ' "absolute": [], "relative": ["pregnancy"], "trd_current_episode_only": false,'
        ' "minimum_daily_dose_mg": {"agomelatine": "25"}}',
    )
    policy = config.env_screening_policy("KETACLINIC_SCREENING_POLICY")
    assert policy.minimum_age_years == 21
    assert policy.bp_severe_systolic_mm_hg == 190
    assert policy.kind_of("pregnancy") is FindingKind.RELATIVE_CONTRAINDICATION
    assert policy.kind_of("schizophrenia") is FindingKind.RISK_FLAG
    assert policy.trd_current_episode_only is False
    assert policy.minimum_daily_dose_mg["agomelatine"] == 25
    assert policy.minimum_daily_dose_mg["sertraline"] == 50
    monkeypatch.delenv("KETACLINIC_SCREENING_POLICY")
    assert config.env_screening_policy("KETACLINIC_SCREENING_POLICY") is DEFAULT_POLICY
