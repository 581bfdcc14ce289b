"""The `ketaclinic` command: a thin wrapper over Django's command line.

`ketaclinic serve`, `demo`, `createstaff`, `check`, `backup`, `restore` are
management commands of ketaclinic.core; `ketaclinic help` lists every command.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.settings")
    from ketaclinic.config import ConfigError

    args = list(sys.argv if argv is None else ["ketaclinic", *argv])
    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(args)
    except ConfigError as exc:
        sys.stderr.write(f"ketaclinic: configuration error: {exc}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
