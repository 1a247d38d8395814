#!/usr/bin/env bash
# Start everything on one machine: Redis, an RQ worker and the web app (SQLite by
# default; set DATABASE_URL for PostgreSQL). Creates and seeds the database on first run.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_python run
ensure_redis
cd "$ROOT"
export FLASK_APP=webapp
# Served over plain http on this machine; a production install leaves APP_ENV unset,
# which makes the session cookie https-only.
export APP_ENV="${APP_ENV:-development}"
FLASK="$VENV/bin/flask"
"$FLASK" db upgrade  # every start: apply the migrations this database lacks
"$FLASK" seed-demo --if-empty --customers "${DEMO_CUSTOMERS:-500}"
say "Starting an RQ worker (started again whenever it stops)"
keep_worker() {
  trap 'kill "$child" 2>/dev/null; exit' TERM
  while true; do
    "$VENV/bin/python" -m jobs.worker &
    child=$!
    wait "$child"
    say "The RQ worker stopped (exit $?); starting it again in 2 s"
    sleep 2
  done
}
keep_worker &
WORKER=$!
trap 'kill $WORKER 2>/dev/null' EXIT
PORT="${PORT:-8000}"
say "Open http://127.0.0.1:$PORT/ and sign in with a demo login above (Ctrl-C stops)"
"$VENV/bin/gunicorn" -c gunicorn.conf.py --bind "${HOST:-127.0.0.1}:$PORT" --workers 2 \
  --threads 4 "webapp:create_app()"
