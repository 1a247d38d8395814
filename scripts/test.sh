#!/usr/bin/env bash
# The whole test suite against a real Redis: on a SQLite file (with the browser tests in
# Debian's Chromium) and on PostgreSQL, the two side by side (each claims a Redis database
# of its own, see tests/conftest.py): most of a run waits on workers, browsers and the
# databases, so two at once finish far sooner than one after the other.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
apt_install chromium chromium-driver
ensure_python test
ensure_redis
ensure_postgres
cd "$ROOT"
PYTEST=("$VENV/bin/python" -m pytest -p no:cacheprovider "$@")
PG_LOG="$(mktemp)"
trap 'rm -f "$PG_LOG"' EXIT
say "Tests on SQLite and on PostgreSQL, side by side (PostgreSQL's output follows)"
TEST_DATABASE_URL="$TEST_PG_URL" "${PYTEST[@]}" -m "not browser" >"$PG_LOG" 2>&1 &
PG_RUN=$!
sqlite=0
"${PYTEST[@]}" || sqlite=$?
postgres=0
wait "$PG_RUN" || postgres=$?
say "Tests on PostgreSQL"
cat "$PG_LOG"
if [ "$sqlite" != 0 ] || [ "$postgres" != 0 ]; then
  say "Failed: SQLite exit $sqlite, PostgreSQL exit $postgres"
  exit 1
fi
