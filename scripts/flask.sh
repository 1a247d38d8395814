#!/usr/bin/env bash
# The operator commands (`flask --app webapp …`) with the project's own Python, from any
# directory, once scripts/run.sh or scripts/test.sh has made the virtual environment.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -x "$ROOT/.venv/bin/flask" ]; then
  echo "No virtual environment at $ROOT/.venv yet: run scripts/run.sh once first." >&2
  exit 3
fi
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
exec "$ROOT/.venv/bin/flask" --app webapp "$@"
