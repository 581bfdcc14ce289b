from __future__ import annotations

import os
import sys
from pathlib import Path

import gunicorn
from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from ketaclinic.core.deploy import (
    deployment_problems,
    describe_check,
    django_deploy_messages,
)

REFUSED = 2  # exit status when --prod refuses an unsafe configuration
WORKER_TIMEOUT_S = 60
UNIX_SOCKET_PATH_MAX = 100  # sun_path holds 108 bytes on Linux, 104 on BSDs


def default_workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return min(2 * cores + 1, 8)


def bind_address(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return f"{host}:{port}"


def control_socket_args(var_dir: Path) -> list[str]:
    """gunicorn >= 25.1 opens a control socket, by default one per user in
    $HOME: two servers would take it from each other. Keep it per instance."""
    if gunicorn.version_info < (25, 1):
        return []
    socket = var_dir / "gunicorn.ctl"
    if len(str(socket)) > UNIX_SOCKET_PATH_MAX:
        return ["--no-control-socket"]
    return ["--control-socket", str(socket)]


def gunicorn_argv(*, host: str, port: int, workers: int, var_dir: Path) -> list[str]:
    return [
        str(Path(sys.executable).parent / "gunicorn"),
        "ketaclinic.wsgi:application",
        "--bind",
        bind_address(host, port),
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
        "--timeout",
        str(WORKER_TIMEOUT_S),
        "--graceful-timeout",
        "30",
        *control_socket_args(var_dir),
    ]


class Command(BaseCommand):
    help = (
        "Apply migrations, then serve ketaclinic. Without --prod: Django's "
        "development server (threaded, no auto-reload; static files through "
        "whitenoise). With --prod: collect static files, refuse to start (exit "
        "status 2) on an unsafe configuration, then run gunicorn."
    )
    # Without --prod runserver runs the system checks; with --prod we run them
    # ourselves, deployment checks included.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default="127.0.0.1", help="Address to listen on (127.0.0.1)."
        )
        parser.add_argument(
            "--port", type=int, default=8000, help="Port to listen on (8000)."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help=(
                "gunicorn worker processes, with --prod "
                "(default: 2 x cores + 1, at most 8; here %(default)s)."
            ),
        )
        parser.add_argument(
            "--prod",
            action="store_true",
            help=(
                "Serve in production with gunicorn, after checking that the "
                "configuration is safe (see `ketaclinic check`)."
            ),
        )
        parser.add_argument(
            "--no-migrate",
            action="store_true",
            help=(
                "Do not apply migrations first (when another server of a chain "
                "applies them)."
            ),
        )

    def handle(self, *args, **options):
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1.")
        if options["prod"]:
            self.refuse_unsafe_configuration()
        if not options["no_migrate"]:
            self.stdout.write("Applying database migrations...")
            call_command("migrate", interactive=False, verbosity=0)
        if options["prod"]:
            self.serve_production(options)
        else:
            self.serve_development(options)

    def refuse_unsafe_configuration(self) -> None:
        problems = [str(problem) for problem in deployment_problems(settings)]
        for message in django_deploy_messages():
            if message.level >= checks.ERROR:
                problems.append(describe_check(message))
            else:
                self.stderr.write(f"warning: {describe_check(message)}")
        if problems:
            listed = "\n".join(f"  - {problem}" for problem in problems)
            raise CommandError(
                f"refusing to start in production; fix the configuration:\n{listed}",
                returncode=REFUSED,
            )

    def serve_production(self, options) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Static files collected in {settings.STATIC_ROOT}.")
        argv = gunicorn_argv(
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            var_dir=Path(settings.VAR_DIR),
        )
        if not os.access(argv[0], os.X_OK):
            raise CommandError(
                f"gunicorn not found at {argv[0]}; reinstall ketaclinic."
            )
        bind = bind_address(options["host"], options["port"])
        self.stdout.write(
            f"Starting gunicorn on http://{bind} with {options['workers']} workers."
        )
        # The workers open their own connections; none may be shared with them.
        connections.close_all()
        sys.stdout.flush()
        sys.stderr.flush()
        os.execvp(argv[0], argv)  # noqa: S606 (argv is ours, no shell)

    def serve_development(self, options) -> None:
        call_command(
            "runserver",
            bind_address(options["host"], options["port"]),
            use_threading=True,
            use_reloader=False,
            # Let whitenoise serve static files, as it does in production.
            use_static_handler=False,
        )
