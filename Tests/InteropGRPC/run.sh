#!/usr/bin/env bash
# Runs the kurrentdbclient (gRPC) interop tests against our `esdb node`.
#
#   Tests/InteropGRPC/run.sh [pytest args...]      e.g. Tests/InteropGRPC/run.sh -k persistent -x
#
# Environment (all optional):
#   ESDB_BIN                  node binary; default .build/debug/esdb (relative to the repo root)
#   ESDB_INTEROP_STARTUP      seconds to wait for the node's ready line (default 20)
# The cross-protocol tests drive photonpump (TCP) in its own venv (.venv, Tests/Interop/requirements.txt)
# as a subprocess; its interpreter is passed as ESDB_PHOTONPUMP_PYTHON.
# Exits with pytest's status (5 = no tests collected).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$(ESDB_VENV="$ROOT/.venv-grpc" ESDB_REQUIREMENTS="$ROOT/Tests/InteropGRPC/requirements.txt" \
    ESDB_VENV_CHECK="import kurrentdbclient, grpc, grpc_tools, pytest" "$ROOT/scripts/python-venv.sh")"
PHOTONPUMP_VENV="$("$ROOT/scripts/python-venv.sh")"

export ESDB_PHOTONPUMP_PYTHON="$PHOTONPUMP_VENV/bin/python"
exec "$ROOT/scripts/interop-pytest.sh" "$VENV" "$ROOT/Tests/InteropGRPC" "$@"
