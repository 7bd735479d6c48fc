#!/usr/bin/env bash
# Runs the photonpump interop tests against our `esdb node`.
#
#   Tests/Interop/run.sh [pytest args...]      e.g. Tests/Interop/run.sh -k catch_up -x
#
# Environment (all optional):
#   ESDB_BIN                  node binary; default .build/debug/esdb (relative to the repo root)
#   ESDB_INTEROP_TIMEOUT      seconds per photonpump operation (default 10)
#   ESDB_INTEROP_STARTUP      seconds to wait for the node's ready line (default 20)
#   ESDB_INTEROP_STRICT_PROTO 1 (default) / 0: check proto2 required fields in replies
# Exits with pytest's status (5 = no tests collected).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$("$ROOT/scripts/python-venv.sh")"

export PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python  # photonpump's generated code needs it on protobuf >= 4
exec "$ROOT/scripts/interop-pytest.sh" "$VENV" "$ROOT/Tests/Interop" "$@"
