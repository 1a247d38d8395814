# Shared by run.sh and test.sh: install what is missing on a Debian machine (as root),
# and start Redis / PostgreSQL on 127.0.0.1 when nothing answers there.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
APT_UPDATED=""

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "Missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  say "Installing ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

answers() {  # answers HOST PORT: is something listening?
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

ensure_python() {
  command -v python3 >/dev/null && python3 -c 'import venv, ensurepip' 2>/dev/null \
    || apt_install python3 python3-venv
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating $VENV"
    python3 -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$(sha1sum "$ROOT/pyproject.toml" | cut -c1-12)-$1"
  if [ ! -f "$stamp" ]; then
    say "Installing Python packages"
    "$VENV/bin/pip" install -q --upgrade pip
    if [ "$1" = test ]; then
      "$VENV/bin/pip" install -q -e "$ROOT[test]"
    else
      "$VENV/bin/pip" install -q -e "$ROOT"
    fi
    touch "$stamp"
  fi
}

ensure_redis() {
  answers 127.0.0.1 6379 && return 0
  apt_install redis-server
  say "Starting Redis on 127.0.0.1:6379"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/webapp.log
  for _ in $(seq 50); do answers 127.0.0.1 6379 && return 0; sleep 0.1; done
  echo "Redis did not start" >&2; exit 1
}

ensure_postgres() {  # for the test suite's PostgreSQL pass
  if ! answers 127.0.0.1 5432; then
    apt_install postgresql
    say "Starting PostgreSQL on 127.0.0.1:5432"
    local version; version="$(ls /etc/postgresql | sort -V | tail -1)"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    for _ in $(seq 100); do answers 127.0.0.1 5432 && break; sleep 0.1; done
    # A password login for the test user; a server with trust auth ignores it.
    su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\""
  fi
  local url="postgresql://postgres:postgres@127.0.0.1:5432"
  if ! "$VENV/bin/python" - "$url" <<'PY'
import sys, psycopg2
conn = psycopg2.connect(sys.argv[1] + "/postgres"); conn.autocommit = True
cur = conn.cursor()
cur.execute("SELECT 1 FROM pg_database WHERE datname = 'test'")
if not cur.fetchone():
    cur.execute("CREATE DATABASE test")
PY
  then echo "Cannot reach PostgreSQL at $url" >&2; exit 1; fi
  export TEST_PG_URL="$url/test"
}
