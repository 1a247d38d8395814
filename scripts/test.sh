#!/usr/bin/env bash
# The whole test suite against a real Redis: once on a SQLite file (with the browser
# tests in Debian's Chromium), once on PostgreSQL.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
apt_install chromium chromium-driver
ensure_python test
ensure_redis
ensure_postgres
cd "$ROOT"
PYTEST=("$VENV/bin/python" -m pytest -p no:cacheprovider "$@")
say "Tests on SQLite"
"${PYTEST[@]}"
say "Tests on PostgreSQL"
TEST_DATABASE_URL="$TEST_PG_URL" "${PYTEST[@]}" -m "not browser"
