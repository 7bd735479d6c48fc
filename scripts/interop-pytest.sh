#!/usr/bin/env bash
# Runs one interop suite's pytest in a prepared venv (shared by Tests/Interop/run.sh and
# Tests/InteropGRPC/run.sh, which set up their venvs and suite-specific environment first).
#
#   scripts/interop-pytest.sh VENV SUITE_DIR [pytest args...]
#
# ESDB_BIN, when set, is made absolute (relative to the repo root) for the suite's node launcher
# (Tests/Interop/esdb_node.py). Exits with pytest's status (5 = no tests collected).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$1"
SUITE="$2"
shift 2

export PYTHONDONTWRITEBYTECODE=1
export PYTHONUNBUFFERED=1
if [ -n "${ESDB_BIN:-}" ]; then
    case "$ESDB_BIN" in /*) ;; *) ESDB_BIN="$ROOT/$ESDB_BIN" ;; esac
    export ESDB_BIN
fi

cd "$ROOT"
exec "$VENV/bin/python" -m pytest "$SUITE" "$@"
