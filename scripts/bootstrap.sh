#!/usr/bin/env bash
# Installs the Debian packages esdb needs to build, run and test, when any is missing.
# Idempotent and quiet when everything is present. Uses sudo when not root.
set -euo pipefail
packages=(libncurses-dev libreadline-dev libsqlite3-dev tmux python3-venv openssl)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "esdb: installing ${missing[*]}" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >&2
    $SUDO apt-get install -y -qq "${missing[@]}" >&2
fi
command -v swift >/dev/null || { echo "esdb: the Swift toolchain (6.1 or later) must be on PATH" >&2; exit 1; }
