#!/usr/bin/env bash
# The whole benchmark, end to end: generate the data set, serve it in
# production mode on 127.0.0.1, time the pages, stop the server.
#
#   bench/run.sh              # SQLite, then PostgreSQL
#   bench/run.sh sqlite       # one of them
#   bench/run.sh postgres
#
# Settings (environment):
#   PATIENTS=100000         size of the data set
#   LOCATIONS=5             clinics of the chain
#   REQUESTS=300            timed requests per endpoint (after WARMUP=30)
#   CONCURRENCY="1 2"       one run per value (client threads)
#   REPEAT=1                time each endpoint this many times; the table
#                           shows the time the rest of the machine was least
#                           busy (use 3 or more on a shared machine)
#   WORKERS=2               gunicorn worker processes
#   PORT=8100
#   SERVER=auto             auto | serve (ketaclinic serve --prod) | gunicorn
#   REUSE=0                 1: keep an existing bench database, skip generating
#   QUIET_LOAD=0.5          before each run, wait (up to QUIET_WAIT=900 s) for
#                           the 1-minute load average to fall below this:
#                           other work on the machine skews the timings
#   OUT=/tmp/ketaclinic-bench   results (*.txt, *.json), server logs, var dir
#   SQLITE_PATH=/tmp/bench.sqlite3
#   PG_URL=postgres://postgres@127.0.0.1:5432/ketaclinic_bench
#   NICE=0                  niceness of the server, the client and the
#                           PostgreSQL backends serving them (e.g. -10, as
#                           root, on a machine shared with other work)
#   SRC=                    another source tree's src/ to measure instead of
#                           the installed one, e.g. a `git archive` of a commit
#
# The server runs with DEBUG=0, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1,
# and without HTTPS redirect or secure-only cookies (plain HTTP on loopback).
# The benchmark signs in as bench_nurse with a password alone: nurses need no
# second factor even with KETACLINIC_2FA=required, which `serve --prod`
# insists on. Plain gunicorn is started with KETACLINIC_2FA=optional, so that
# any bench user (bench_provider too) can sign in with a password.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
VENV_BIN="${VENV_BIN:-$ROOT/.venv/bin}"
PY="$VENV_BIN/python"

PATIENTS="${PATIENTS:-100000}"
LOCATIONS="${LOCATIONS:-5}"
REQUESTS="${REQUESTS:-300}"
WARMUP="${WARMUP:-30}"
CONCURRENCY="${CONCURRENCY:-1 2}"
REPEAT="${REPEAT:-1}"
WORKERS="${WORKERS:-2}"
PORT="${PORT:-8100}"
SERVER="${SERVER:-auto}"
REUSE="${REUSE:-0}"
OUT="${OUT:-/tmp/ketaclinic-bench}"
QUIET_LOAD="${QUIET_LOAD:-0.5}"
NICE="${NICE:-0}"
QUIET_WAIT="${QUIET_WAIT:-900}"
SQLITE_PATH="${SQLITE_PATH:-/tmp/bench.sqlite3}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/ketaclinic_bench}"
DATABASES_TO_RUN="${*:-sqlite postgres}"
if [ -n "${SRC:-}" ]; then
    export PYTHONPATH="$SRC${PYTHONPATH:+:$PYTHONPATH}"
fi

mkdir -p "$OUT/var"
export KETACLINIC_VAR_DIR="$OUT/var"
export KETACLINIC_BENCH_PASSWORD="${KETACLINIC_BENCH_PASSWORD:-bench-password-123}"
export DJANGO_SETTINGS_MODULE=ketaclinic.settings
export DEBUG=0
SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')"
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1
export KETACLINIC_SSL_REDIRECT=0
export KETACLINIC_SECURE_COOKIES=0
export KETACLINIC_HSTS_SECONDS=0

if [ "$SERVER" = auto ]; then
    if "$VENV_BIN/ketaclinic" help serve 2>/dev/null | grep -q -- '--prod'; then
        SERVER=serve
    else
        SERVER=gunicorn
    fi
fi

SERVER_PID=""
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}
trap stop_server EXIT
trap 'exit 130' INT TERM

start_server() {  # $1: name, for the log file
    local log="$OUT/server-$1.log"
    # A reused database may predate the newest migrations.
    "$VENV_BIN/ketaclinic" migrate --no-input -v 0
    if [ "$SERVER" = serve ]; then
        export KETACLINIC_2FA=required
        nice -n "$NICE" "$VENV_BIN/ketaclinic" serve --prod --no-migrate --host 127.0.0.1 \
            --port "$PORT" --workers "$WORKERS" >"$log" 2>&1 &
    else
        export KETACLINIC_2FA=optional
        mkdir -p "$KETACLINIC_VAR_DIR/static"
        nice -n "$NICE" "$VENV_BIN/gunicorn" ketaclinic.wsgi:application -b "127.0.0.1:$PORT" \
            -w "$WORKERS" >"$log" 2>&1 &
    fi
    SERVER_PID=$!
    for _ in $(seq 1 120); do
        if "$PY" -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$PORT/sign-in/', timeout=2)" 2>/dev/null; then
            echo "server ($SERVER, $WORKERS workers) up, pid $SERVER_PID, log $log"
            sleep 2  # let every worker finish booting
            return
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "the server stopped; see $log" >&2
            tail -n 20 "$log" >&2
            exit 1
        fi
        sleep 0.5
    done
    echo "the server did not answer within 60 s; see $log" >&2
    exit 1
}

generate() {  # $1: name
    if [ "$REUSE" = 1 ]; then
        echo "reusing $DATABASE_URL"
        return
    fi
    case "$1" in
        sqlite) rm -f "$SQLITE_PATH" "$SQLITE_PATH-wal" "$SQLITE_PATH-shm" ;;
        postgres)
            local db="${PG_URL##*/}"
            dropdb -h 127.0.0.1 -U postgres --if-exists "$db"
            createdb -h 127.0.0.1 -U postgres "$db"
            ;;
    esac
    "$PY" "$HERE/generate.py" --patients "$PATIENTS" --locations "$LOCATIONS" \
        | tee "$OUT/generate-$1.txt"
}

wait_for_quiet() {
    local waited=0 load
    while :; do
        load="$(cut -d' ' -f1 /proc/loadavg)"
        if "$PY" -c "import sys; sys.exit(not $load < $QUIET_LOAD)"; then
            return
        fi
        if [ "$waited" -ge "$QUIET_WAIT" ]; then
            echo "load average still $load after ${QUIET_WAIT}s; running anyway" >&2
            return
        fi
        [ "$waited" = 0 ] && echo "waiting for the machine to be quiet (load $load)..."
        sleep 10
        waited=$((waited + 10))
    done
}

bench() {  # $1: name
    local extra=()
    [ "$NICE" != 0 ] && extra+=(--renice-db "$NICE")
    for c in $CONCURRENCY; do
        wait_for_quiet
        nice -n "$NICE" "$PY" "$HERE/http_bench.py" --base-url "http://127.0.0.1:$PORT" \
            --server-pid "$SERVER_PID" --requests "$REQUESTS" --warmup "$WARMUP" \
            --concurrency "$c" --repeat "$REPEAT" "${extra[@]}" --show-slowest \
            --label "$1, $PATIENTS patients, server: $SERVER, $WORKERS workers" \
            --json "$OUT/bench-$1-c$c.json" | tee "$OUT/bench-$1-c$c.txt"
    done
}

"$PY" -c 'import ketaclinic, sys; print("measuring", ketaclinic.__file__, "on Python", sys.version.split()[0])'
for name in $DATABASES_TO_RUN; do
    case "$name" in
        sqlite) export DATABASE_URL="sqlite:///$SQLITE_PATH" ;;
        postgres) export DATABASE_URL="$PG_URL" ;;
        *) echo "unknown database $name (sqlite or postgres)" >&2; exit 2 ;;
    esac
    echo "=== $name: $DATABASE_URL"
    generate "$name"
    start_server "$name"
    bench "$name"
    stop_server
done
echo "results in $OUT"
