"""Show what a page asks the database, and the plan of its slowest queries.

    DATABASE_URL=... python bench/explain.py "/patients/?q=smi" /patients/

Requests each path in-process (Django's test client, signed in as --user,
no HTTP server needed), twice: the first warms the caches, the second is
measured. Prints every query of the second with its time, then the plan of
the slowest SELECTs: EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY
PLAN and a timed run on SQLite.

Runs against any database DATABASE_URL names; it reads only, apart from the
audit entry a chart view writes.
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help='e.g. "/patients/?q=smi"')
    parser.add_argument("--user", default="bench_nurse")
    parser.add_argument(
        "--slowest", type=int, default=2, help="how many SELECTs to explain per page"
    )
    parser.add_argument("--sql-width", type=int, default=400)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from ketaclinic.accounts.models import User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(User.objects.get(username=args.user))
    vendor = connection.vendor
    print(f"database: {vendor} {connection.settings_dict['NAME']}")

    for path in args.paths:
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - started
        queries = captured.captured_queries
        total = sum(float(q["time"]) for q in queries)
        print()
        print(
            f"=== GET {path}: {response.status_code}, {elapsed * 1000:.1f} ms, "
            f"{len(queries)} queries, {total * 1000:.1f} ms in the database"
        )
        for number, query in enumerate(queries, 1):
            sql = query["sql"]
            shown = sql if len(sql) <= args.sql_width else sql[: args.sql_width] + "…"
            print(f"  {number:>2}. {float(query['time']) * 1000:7.1f} ms  {shown}")
        selects = [q for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
        selects.sort(key=lambda q: float(q["time"]), reverse=True)
        for query in selects[: args.slowest]:
            print()
            print(f"  plan of the {float(query['time']) * 1000:.1f} ms query:")
            with connection.cursor() as cursor:
                if vendor == "postgresql":
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                    lines = [row[0] for row in cursor.fetchall()]
                else:
                    cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
                    rows = cursor.fetchall()
                    lines = ["  " * _depth(row) + row[-1] for row in rows]
                    started = time.perf_counter()
                    cursor.execute(query["sql"])
                    cursor.fetchall()
                    lines.append(
                        f"(run again: {(time.perf_counter() - started) * 1000:.1f} ms)"
                    )
            for line in lines:
                print(f"    {line}")


_parents: dict[int, int] = {}


def _depth(row) -> int:
    """Nesting of an EXPLAIN QUERY PLAN row (id, parent, notused, detail)."""
    node, parent = row[0], row[1]
    depth = _parents.get(parent, -1) + 1
    _parents[node] = depth
    return depth


if __name__ == "__main__":
    main()
