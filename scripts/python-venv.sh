#!/usr/bin/env bash
# Creates (idempotently) a Python virtualenv used by the interop tests and prints its path.
#
#   scripts/python-venv.sh          -> prints e.g. /work/main/.venv on stdout (everything else: stderr)
#
# Pins live in Tests/Interop/requirements.txt (photonpump, TCP) or, with ESDB_REQUIREMENTS,
# Tests/InteropGRPC/requirements.txt (kurrentdbclient, gRPC): the two need different protobuf runtimes. A stamp file inside the venv records a hash of that
# file plus the interpreter version; when it matches (and the venv's python still runs) the script
# returns at once without touching pip.
#
# Environment:
#   ESDB_VENV          venv directory (default: <repo>/.venv)
#   ESDB_REQUIREMENTS  pinned requirements file (default: <repo>/Tests/Interop/requirements.txt)
#   ESDB_VENV_CHECK    Python statement that must run in the finished venv (default: imports photonpump)
#   PYTHON             interpreter used to create it (default: python3)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ESDB_VENV:-$ROOT/.venv}"
REQ="${ESDB_REQUIREMENTS:-$ROOT/Tests/Interop/requirements.txt}"
CHECK="${ESDB_VENV_CHECK:-import photonpump, google.protobuf, pytest}"
PY="${PYTHON:-python3}"
STAMP="$VENV/.esdb-requirements.sha256"

log() { echo "python-venv: $*" >&2; }

[ -f "$REQ" ] || { log "missing $REQ"; exit 1; }
command -v "$PY" >/dev/null 2>&1 || { log "no '$PY' on PATH (set PYTHON=...)"; exit 1; }

py_version="$("$PY" -c 'import sys; print(sys.version.replace("\n", " "))')"
want="$( { cat "$REQ"; echo "python=$py_version"; } | sha256sum | cut -d' ' -f1)"

venv_ok() { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; }

# Fast path: already set up with exactly these pins.
if venv_ok && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    echo "$VENV"
    exit 0
fi

# The venv module (and ensurepip, which Debian splits out) must exist; install it if it does not.
if ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    log "python venv module missing; installing python3-venv"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { log "not root and no sudo: install python3-venv by hand"; exit 1; }
        SUDO="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >&2
    $SUDO apt-get install -y -qq python3-venv >&2
    "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1 || {
        log "'$PY' still has no venv/ensurepip after installing python3-venv (is '$PY' Debian's python3?)"
        exit 1
    }
fi

# (Re)create when absent, broken, or made by another interpreter version.
if venv_ok && [ "$("$VENV/bin/python" -c 'import sys; print(sys.version.replace("\n", " "))')" = "$py_version" ]; then
    log "updating $VENV"
else
    log "creating $VENV with $PY ($py_version)"
    rm -rf "$VENV"
    "$PY" -m venv "$VENV"
fi
rm -f "$STAMP"

PIP=("$VENV/bin/python" -m pip --disable-pip-version-check --no-input)
# photon-pump is an sdist; build it with the pinned setuptools/wheel (see requirements.txt).
build_pins="$(grep -E '^(setuptools|wheel)==' "$REQ" || true)"
if [ -n "$build_pins" ]; then
    # shellcheck disable=SC2086
    "${PIP[@]}" install -q $build_pins >&2
fi
"${PIP[@]}" install -q --no-build-isolation -r "$REQ" >&2
"${PIP[@]}" check >&2

# Sanity: the client imports with the pinned runtime (for photonpump the env var only matters on
# protobuf >= 4; kurrentdbclient's generated code needs the default implementation, which it keeps).
if [ -z "${ESDB_REQUIREMENTS:-}" ]; then export PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python; fi
"$VENV/bin/python" -c "$CHECK" >&2 || { log "'$CHECK' fails in $VENV"; exit 1; }

echo "$want" >"$STAMP"
log "ready: $VENV"
echo "$VENV"
