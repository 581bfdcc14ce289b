"""Typed readers for the environment; a bad value stops start-up naming the variable."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(Exception):
    """A configuration variable holds a value ketaclinic cannot use."""


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(
        f"{name}={raw!r}: expected one of true/false, 1/0, yes/no, on/off."
    )


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected a whole number.") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r}: must be at least {minimum}.")
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default).strip().lower() or default
    if value not in choices:
        raise ConfigError(f"{name}={value!r}: expected one of {', '.join(choices)}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_time_zone(name: str, default: str) -> str:
    value = os.environ.get(name, default).strip() or default
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name}={value!r}: not a known IANA time zone.") from None
    return value


def env_holidays(name: str, default: str):
    """The clinic's holidays (no business day): `us-federal` (the US federal
    holidays, by rule) and dates written YYYY-MM-DD, comma-separated; empty
    for none but Saturdays and Sundays."""
    from ketaclinic.clinical.holidays import Holidays

    raw = os.environ.get(name, default)
    try:
        return Holidays.parse(raw.split(","))
    except ValueError as error:
        raise ConfigError(f"{name}={raw!r}: {error}.") from None


def env_screening_policy(name: str):
    """The clinic's screening policy: a JSON object of changes to CLINICAL.md's
    defaults, e.g. {"minimum_age_years": 21, "relative": ["raised_icp"]}."""
    from ketaclinic.clinical.screening import DEFAULT_POLICY, ScreeningPolicy

    raw = os.environ.get(name, "").strip()
    if not raw:
        return DEFAULT_POLICY
    try:
        changes = json.loads(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected a JSON object.") from None
    if not isinstance(changes, dict):
        raise ConfigError(f"{name}: expected a JSON object.")
    try:
        return ScreeningPolicy.from_settings(changes)
    except (TypeError, ValueError) as problem:
        raise ConfigError(f"{name}: {problem}") from None


def secret_key(var_dir: Path, *, debug: bool) -> tuple[str, bool]:
    """SECRET_KEY from the environment; in development, one generated and kept.

    Returns the key and whether it came from the environment.
    """
    raw = os.environ.get("SECRET_KEY", "").strip()
    if raw:
        if len(raw) < 32:
            raise ConfigError("SECRET_KEY: must be at least 32 characters long.")
        return raw, True
    if not debug:
        raise ConfigError("SECRET_KEY: required when DEBUG is off.")
    key_file = var_dir / "secret_key"
    if not key_file.exists():
        private_dir(var_dir)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip(), False


def private_dir(path: Path) -> None:
    """Create `path` for the clinic's service account only (0700)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)


def private_sqlite_files(database: Path) -> None:
    """Make a SQLite database and its WAL files readable by their owner only
    (SQLite creates them with the process's umask, usually 0644)."""
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except FileNotFoundError:
            continue
