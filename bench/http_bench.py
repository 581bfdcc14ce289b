"""Drive the real pages of a running ketaclinic server over HTTP and time them.

    python bench/http_bench.py --base-url http://127.0.0.1:8100 --server-pid <pid>

Signs in through /sign-in/ like a person (CSRF token, username, password), then
for each endpoint makes --warmup untimed requests and --requests timed ones:

  search-1letter  /patients/?q=<one letter> (the live search fires as one types)
  search-name     /patients/?q=<first 3 letters of a patient's last name>
  search-fullname /patients/?q=<first name> <last name>
  search-mrn      /patients/?q=<MRN>
  search-phone    /patients/?q=(303) 555-0142 style
  list            /patients/ (the active location's list, first page)
  list-deep       a random page of that list, deep in it: ?page=<n>&after=<uuid
                  of the last patient of page n - 1> (the page number for
                  versions with numbered pages, the cursor for keyset pages)
  chart           /patients/<uuid>/ (a random patient's chart)

Target: p95 under 25 ms for each.

The patients asked for are a random sample read from the bench database itself
(DATABASE_URL, the same one the server uses), so the server needs no help.

Prints the machine (CPU model, cores, memory, database and versions), then
p50, p95 and requests per second per endpoint, how much CPU the rest of
the machine used meanwhile ("others"; --repeat keeps the least disturbed of
several tries), and the resident memory of the server's worker processes
(VmRSS at start, after signing in and after the run; the peak VmHWM while
signing in and while serving the pages).
Only loopback addresses are accepted, and the number of requests is bounded:
this is not a load-testing tool.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import re
import sys
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass
from http.cookies import SimpleCookie
from pathlib import Path

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
ENDPOINTS = [
    "search-1letter",
    "search-name",
    "search-fullname",
    "search-mrn",
    "search-phone",
    "list",
    "list-deep",
    "chart",
]
TARGET_P95_MS = 25.0
TARGET_RSS_MB = 200.0


# --- HTTP ------------------------------------------------------------------------


class Client:
    """One keep-alive connection with a cookie jar.

    gunicorn's sync workers close the connection after every response;
    http.client then opens a new one on the next request, so the timings
    include a loopback connect whenever the server asks for it.
    """

    def __init__(self, host: str, port: int, cookies: dict[str, str] | None = None):
        self.host, self.port = host, port
        self.cookies = dict(cookies or {})
        self.conn = http.client.HTTPConnection(host, port, timeout=30)

    def request(
        self, method: str, path: str, body: str | None = None, headers=None
    ) -> tuple[int, dict[str, str], str]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError):
                # A keep-alive connection the server had already closed.
                self.conn.close()
                if attempt == 2:
                    raise
        for raw in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(raw)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return (
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            data.decode("utf-8", "replace"),
        )

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        return self.request("GET", path)

    def close(self) -> None:
        self.conn.close()


def sign_in(host: str, port: int, username: str, password: str) -> dict[str, str]:
    client = Client(host, port)
    status, _, page = client.get("/sign-in/")
    if status != 200:
        sys.exit(f"http_bench: GET /sign-in/ answered {status}")
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if match is None:
        sys.exit("http_bench: no CSRF token on the sign-in page")
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": match.group(1),
            "username": username,
            "password": password,
            "next": "/patients/",
        }
    )
    status, headers, _ = client.request(
        "POST",
        "/sign-in/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://{host}:{port}/sign-in/",
        },
    )
    if status != 302 or "sessionid" not in client.cookies:
        sys.exit(
            f"http_bench: signing in as {username} failed ({status}); "
            "check the password and that KETACLINIC_2FA allows a password alone"
        )
    status, _, _ = client.get("/patients/")
    if status != 200:
        sys.exit(f"http_bench: /patients/ answered {status} after signing in")
    client.close()
    return client.cookies


# --- what to ask for -------------------------------------------------------------


@dataclass
class Sample:
    uuid: str
    mrn: str
    phone: str
    last_name_key: str
    first_name_key: str


def sample_patients(
    count: int, rng: random.Random, username: str
) -> tuple[list[Sample], list[tuple[int, str]]]:
    """Random patients read straight from the database, and the deep pages of
    the list: (page number, uuid of the last patient of the page before)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Max, Min

    from ketaclinic.patients.models import Patient

    bounds = Patient.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        sys.exit("http_bench: the database has no patients; run bench/generate.py")
    wanted = {rng.randint(bounds["low"], bounds["high"]) for _ in range(count * 2)}
    rows = list(
        Patient.objects.filter(pk__in=wanted).values_list(
            "uuid", "mrn", "phone", "last_name_key", "first_name_key", "location_id"
        )
    )
    rng.shuffle(rows)
    samples = [Sample(str(u), m, p, k, f) for u, m, p, k, f, _ in rows if p and k]
    # The list shows the user's active location: at first, the first by name.
    from ketaclinic.scheduling.models import Location

    first_location = (
        Location.objects.filter(staff__username=username, active=True)
        .order_by("name")
        .first()
    )
    ordered = list(
        Patient.objects.filter(location=first_location)
        .order_by("last_name_key", "first_name_key", "id")
        .values_list("uuid", flat=True)
    )
    size = settings.KETACLINIC_PAGE_SIZE
    pages = max(1, math.ceil(len(ordered) / size))
    deep = [(n, str(ordered[(n - 1) * size - 1])) for n in range(2, pages + 1)]
    from django.db import connections

    connections.close_all()
    return samples, deep or [(1, "")]


def national_phone(e164: str) -> str:
    """+13035550142 -> (303) 555-0142, as a receptionist types it."""
    digits = e164[2:]
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def paths_for(
    endpoint: str,
    samples: list[Sample],
    deep: list[tuple[int, str]],
    rng: random.Random,
) -> list[tuple[str, str]]:
    """(path, text the page must contain) for each sample."""
    q = urllib.parse.quote
    out = []
    for s in samples:
        if endpoint == "search-name":
            out.append((f"/patients/?q={q(s.last_name_key[:3])}", "<table"))
        elif endpoint == "search-1letter":
            out.append((f"/patients/?q={q(s.last_name_key[:1])}", "<table"))
        elif endpoint == "search-fullname":
            first = s.first_name_key.split(" ")[0]
            out.append((f"/patients/?q={q(first + ' ' + s.last_name_key)}", "<table"))
        elif endpoint == "search-mrn":
            out.append((f"/patients/?q={s.mrn}", s.mrn))
        elif endpoint == "search-phone":
            out.append((f"/patients/?q={q(national_phone(s.phone))}", "1 match"))
        elif endpoint == "list":
            out.append(("/patients/", "patients at"))
        elif endpoint == "list-deep":
            page, after = rng.choice(deep)
            out.append((f"/patients/?page={page}&after={after}", "patients at"))
        elif endpoint == "chart":
            out.append((f"/patients/{s.uuid}/", "Allerg"))
        else:
            raise ValueError(endpoint)
    return out


# --- timing ----------------------------------------------------------------------


@dataclass
class Result:
    endpoint: str
    n: int
    errors: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    req_per_s: float
    concurrency: int
    others_cpu: float = 0.0
    first_error: str = ""
    slowest: list[tuple[float, str]] | None = None
    runs: list[dict] | None = None  # every repetition: p95 and others' CPU


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def run_endpoint(
    endpoint: str,
    items: list[tuple[str, str]],
    warmup: int,
    concurrency: int,
    host: str,
    port: int,
    cookies: dict[str, str],
    meter: CpuMeter,
) -> Result:
    lock = threading.Lock()
    timings: list[tuple[float, str]] = []
    errors: list[str] = []
    position = 0

    def next_item():
        nonlocal position
        with lock:
            if position >= len(items):
                return None
            position += 1
            return items[position - 1]

    def worker(record: bool):
        client = Client(host, port, cookies)
        try:
            while (item := next_item()) is not None:
                path, expected = item
                started = time.perf_counter()
                try:
                    status, _, body = client.get(path)
                except OSError as exc:
                    status, body = 0, repr(exc)
                elapsed = time.perf_counter() - started
                ok = status == 200 and expected in body
                with lock:
                    if record:
                        timings.append((elapsed, path))
                    if not ok:
                        errors.append(f"{path}: {status} {body[:120]!r}")
        finally:
            client.close()

    def phase(phase_items, record: bool) -> float:
        nonlocal items, position
        items, position = phase_items, 0
        threads = [
            threading.Thread(target=worker, args=(record,)) for _ in range(concurrency)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started

    all_items = items
    phase(all_items[:warmup], record=False)
    warmup_errors = len(errors)
    before = meter.snapshot()
    wall = phase(all_items[warmup:], record=True)
    others = meter.others(before, meter.snapshot(), wall)
    timings.sort()
    seconds = [elapsed for elapsed, _ in timings]
    n = len(seconds)
    return Result(
        endpoint=endpoint,
        n=n,
        errors=len(errors) - warmup_errors,
        p50_ms=percentile(seconds, 0.50) * 1000,
        p95_ms=percentile(seconds, 0.95) * 1000,
        max_ms=(seconds[-1] * 1000) if seconds else float("nan"),
        req_per_s=n / wall if wall else float("nan"),
        concurrency=concurrency,
        others_cpu=round(others, 2),
        first_error=errors[0] if errors else "",
        slowest=[(round(t * 1000, 1), path) for t, path in reversed(timings[-5:])],
    )


# --- server memory -----------------------------------------------------------------


def _proc_children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def server_tree(server_pid: int | None) -> list[int]:
    """The server's process and all its descendants."""
    if server_pid is None:
        return worker_pids(None)
    children, found, stack = _proc_children(), [], [server_pid]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def worker_pids(server_pid: int | None) -> list[int]:
    """The server's worker processes: the leaves of its process tree.

    Without --server-pid: every gunicorn process whose parent is gunicorn too.
    """
    children = _proc_children()
    if server_pid is None:
        found = []
        for parent, kids in children.items():
            if "gunicorn" in _cmdline(parent):
                found += [kid for kid in kids if "gunicorn" in _cmdline(kid)]
        return sorted(found)
    leaves, stack = [], [server_pid]
    while stack:
        pid = stack.pop()
        kids = children.get(pid, [])
        if not kids:
            leaves.append(pid)
        stack.extend(kids)
    return sorted(leaves)


def memory_of(pid: int) -> dict[str, float]:
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024  # kB -> MB
    except OSError:
        pass
    return values


def memory_snapshot(pids: list[int]) -> dict[int, dict[str, float]]:
    return {pid: memory_of(pid) for pid in pids}


def reset_peak(pids: list[int]) -> bool:
    """Restart VmHWM from the current RSS (Linux clear_refs), so that the peak
    measured afterwards is that of the pages alone, not of signing in."""
    done = True
    for pid in pids:
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            done = False
    return done


# --- main ---------------------------------------------------------------------------


class DatabaseBackends(threading.Thread):
    """Finds, every second while the run lasts, the PostgreSQL backends that
    serve the bench database (Django reconnects every CONN_MAX_AGE seconds, so
    they come and go), so that their CPU time counts as the server's; with
    --renice-db, gives them the server's priority too."""

    def __init__(self, niceness: int | None):
        super().__init__(daemon=True)
        self.niceness = niceness
        self.stopping = threading.Event()
        self.pids: set[int] = set()
        self.reniced: set[int] = set()

    def run(self) -> None:
        from django.db import connection

        if connection.vendor != "postgresql":
            return
        try:
            while not self.stopping.is_set():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pid FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                    found = {row[0] for row in cursor.fetchall()}
                self.pids |= found
                for pid in found - self.reniced:
                    if self.niceness is None:
                        break
                    try:
                        os.setpriority(os.PRIO_PROCESS, pid, self.niceness)
                        self.reniced.add(pid)
                    except OSError:
                        pass
                self.stopping.wait(1.0)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)


# --- the rest of the machine -------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _machine_busy_ticks() -> int:
    """CPU time spent on anything but idling, all CPUs, since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]) - idle


def _process_ticks(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


class CpuMeter:
    """How much CPU the rest of the machine used while a measurement ran:
    everything but the server's processes, its database backends and this
    client. Other work (a test suite, a browser) on a small machine shows up
    in the tail latencies; this says how much there was."""

    def __init__(self, own_pids):
        self.own_pids = own_pids  # callable: the pids that are ours right now

    def snapshot(self) -> tuple[int, dict[int, int]]:
        return _machine_busy_ticks(), {p: _process_ticks(p) for p in self.own_pids()}

    def others(self, before, after, seconds: float) -> float:
        """CPUs' worth of other work between two snapshots."""
        busy = after[0] - before[0]
        own = sum(
            ticks - before[1].get(pid, 0)
            for pid, ticks in after[1].items()
            if pid in before[1]
        )
        # A process that appeared meanwhile (a new database backend) counts
        # from zero.
        own += sum(t for pid, t in after[1].items() if pid not in before[1])
        return max(0.0, (busy - own) / CLOCK_TICKS / seconds) if seconds else 0.0


def _first_line(path: str, prefix: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def describe_machine() -> dict[str, str]:
    """The machine and software the figures belong to: CPU, cores, memory,
    the database the server uses (with its version) and the Python stack."""
    import platform
    import sqlite3

    import django
    from django.db import connection

    memory_kb = _first_line("/proc/meminfo", "MemTotal")
    memory = "?"
    if memory_kb != "?":
        memory = f"{int(memory_kb.split()[0]) / 1024 / 1024:.1f} GiB"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            cursor.execute("SHOW shared_buffers")
            buffers = cursor.fetchone()[0]
            cursor.execute("SHOW work_mem")
            work_mem = cursor.fetchone()[0]
        database = (
            f"PostgreSQL {version} (shared_buffers {buffers}, work_mem {work_mem})"
        )
    else:
        database = f"SQLite {sqlite3.sqlite_version}"
    connection.close()
    try:
        import psycopg

        driver = f", psycopg {psycopg.__version__}"
    except ImportError:
        driver = ""
    return {
        "CPU": f"{_first_line('/proc/cpuinfo', 'model name')}, {os.cpu_count()} cores",
        "memory": memory,
        "database": database,
        "software": f"Python {platform.python_version()}, Django "
        f"{django.get_version()}{driver}, {platform.system()} {platform.release()}",
    }


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8100")
    parser.add_argument("--user", default="bench_nurse")
    parser.add_argument(
        "--password",
        default=os.environ.get("KETACLINIC_BENCH_PASSWORD", "bench-password-123"),
    )
    parser.add_argument("--requests", "-n", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--concurrency", "-c", type=int, default=1)
    parser.add_argument("--server-pid", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--extra", action="store_true", help="(every endpoint is timed; ignored)"
    )
    parser.add_argument(
        "--only", default="", help="comma-separated endpoints to time (default: all)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="time each endpoint this many times and show the time the rest of "
        "the machine was least busy (for a machine shared with other work)",
    )
    parser.add_argument(
        "--renice-db",
        type=int,
        default=None,
        metavar="N",
        help="run the PostgreSQL backends of the bench database at niceness N "
        "(as root; for a machine shared with other work)",
    )
    parser.add_argument("--label", default="", help="printed above the table")
    parser.add_argument(
        "--show-slowest", action="store_true", help="list the 3 slowest requests"
    )
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 100_000 or not 0 <= args.warmup <= 10_000:
        parser.error("--requests: 1 to 100000; --warmup: 0 to 10000")
    if not 1 <= args.concurrency <= 64:
        parser.error("--concurrency: 1 to 64")
    if not 1 <= args.repeat <= 20:
        parser.error("--repeat: 1 to 20")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    url = urllib.parse.urlsplit(args.base_url)
    if url.scheme != "http" or url.hostname not in LOOPBACK:
        sys.exit("http_bench: --base-url must be http:// on a loopback address")
    host, port = url.hostname, url.port or 80

    endpoints = list(ENDPOINTS)
    if args.only:
        endpoints = [e for e in args.only.split(",") if e]
        unknown = set(endpoints) - set(ENDPOINTS)
        if unknown:
            sys.exit(f"http_bench: unknown endpoints {sorted(unknown)}")

    rng = random.Random(args.seed)
    per_endpoint = args.warmup + args.requests
    samples, deep = sample_patients(per_endpoint, rng, args.user)
    machine = describe_machine()
    while len(samples) < per_endpoint:  # a small database: reuse patients
        samples += samples[: per_endpoint - len(samples)]
    load_before = load_average()
    pids = worker_pids(args.server_pid)
    start = memory_snapshot(pids)
    backends = DatabaseBackends(args.renice_db)
    backends.start()
    meter = CpuMeter(
        lambda: [os.getpid(), *server_tree(args.server_pid), *backends.pids]
    )
    cookies = sign_in(host, port, args.user, args.password)
    signed_in = memory_snapshot(pids)
    peak_reset = reset_peak(pids)
    before = memory_snapshot(pids)
    results = []
    for endpoint in endpoints:
        runs = []
        for _ in range(args.repeat):
            chosen = rng.sample(samples, per_endpoint)
            items = paths_for(endpoint, chosen, deep, rng)
            run = run_endpoint(
                endpoint,
                items,
                args.warmup,
                args.concurrency,
                host,
                port,
                cookies,
                meter,
            )
            runs.append(run)
            print(
                f"  {endpoint:<16} p95 {run.p95_ms:6.1f} ms, "
                f"others {run.others_cpu:.2f} CPU",
                file=sys.stderr,
                flush=True,
            )
        # The repetition least disturbed by other work on the machine.
        result = min(runs, key=lambda run: run.others_cpu)
        result.runs = [{"p95_ms": r.p95_ms, "others_cpu": r.others_cpu} for r in runs]
        results.append(result)
    after = memory_snapshot(pids)
    load_after = load_average()
    backends.stop()

    print()
    if args.label:
        print(args.label)
    for name, value in machine.items():
        print(f"{name + ':':<11} {value}")
    print(
        f"{args.requests} timed requests per endpoint after {args.warmup} warm-up, "
        f"concurrency {args.concurrency}, user {args.user}, {args.base_url}"
    )
    if args.repeat > 1:
        print(
            f"each endpoint timed {args.repeat} times; shown: the time the rest "
            "of the machine was least busy ('others')"
        )
    niceness = f"niceness: client {os.getpriority(os.PRIO_PROCESS, 0)}"
    if pids:
        niceness += f", server {os.getpriority(os.PRIO_PROCESS, pids[0])}"
    if backends.reniced:
        niceness += f", {len(backends.reniced)} database backends {args.renice_db}"
    print(
        f"load average (1, 5, 15 min) before: {load_before}, after: {load_after} "
        f"on {os.cpu_count()} CPUs; {niceness}"
    )
    print()
    header = (
        f"{'endpoint':<16} {'n':>5} {'err':>4} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'max ms':>8} {'req/s':>8} {'others':>7}  p95<{TARGET_P95_MS:.0f}ms"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        met = "yes" if r.p95_ms < TARGET_P95_MS and not r.errors else "NO"
        print(
            f"{r.endpoint:<16} {r.n:>5} {r.errors:>4} {r.p50_ms:>8.1f} "
            f"{r.p95_ms:>8.1f} {r.max_ms:>8.1f} {r.req_per_s:>8.1f} "
            f"{r.others_cpu:>7.2f}  {met}"
        )
    print(
        "others: CPUs' worth of other work on the machine during the timed "
        "requests (not the server, its database backends or this client)"
    )
    if args.repeat > 1:
        for r in results:
            p95s = ", ".join(
                f"{run['p95_ms']:.1f} ({run['others_cpu']:.2f})" for run in r.runs
            )
            print(f"  {r.endpoint:<16} p95 (others) of each time: {p95s}")
    for r in results:
        if r.first_error:
            print(f"  first error, {r.endpoint}: {r.first_error}")
    if args.show_slowest:
        print()
        print("slowest requests:")
        for r in results:
            shown = ", ".join(
                f"{path} {ms:.0f} ms" for ms, path in (r.slowest or [])[:3]
            )
            print(f"  {r.endpoint:<16} {shown}")
    print()
    peak = float("nan")
    if pids:
        nan = float("nan")
        print("server workers, resident memory in MB")
        print(
            f"{'pid':>8} {'at start':>9} {'signed in':>10} {'peak then':>10} "
            f"{'after run':>10} {'peak in run':>12}"
        )
        for pid in pids:
            s, i, a = start.get(pid, {}), signed_in.get(pid, {}), after.get(pid, {})
            print(
                f"{pid:>8} {s.get('VmRSS', nan):>9.1f} {i.get('VmRSS', nan):>10.1f} "
                f"{i.get('VmHWM', nan):>10.1f} {a.get('VmRSS', nan):>10.1f} "
                f"{a.get('VmHWM', nan):>12.1f}"
            )
        peak = max((m.get("VmHWM", 0) for m in after.values()), default=0)
        print(
            "'peak then': highest RSS up to signing in (password hashing included); "
            "'peak in run': highest RSS while serving the pages"
            + ("" if peak_reset else " (could not reset VmHWM: includes sign-in)")
        )
        print(
            f"largest peak in run: {peak:.1f} MB; target < {TARGET_RSS_MB:.0f} MB: "
            f"{'yes' if peak < TARGET_RSS_MB else 'NO'}"
        )
    else:
        print("no server worker found: pass --server-pid <gunicorn master pid>")

    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "label": args.label,
                    "base_url": args.base_url,
                    "requests": args.requests,
                    "warmup": args.warmup,
                    "concurrency": args.concurrency,
                    "repeat": args.repeat,
                    "machine": machine,
                    "load_average": {"before": load_before, "after": load_after},
                    "results": [asdict(r) for r in results],
                    "memory": {
                        "start": start,
                        "signed_in": signed_in,
                        "before_run": before,
                        "after_run": after,
                        "peak_reset": peak_reset,
                    },
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
