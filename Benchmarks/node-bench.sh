#!/usr/bin/env bash
# Builds NodeBench in release mode and runs it; arguments go to NodeBench (try --help).
#   Benchmarks/node-bench.sh                 # table of medians
#   Benchmarks/node-bench.sh --json          # the figures as JSON on stdout
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
swift build -c release --package-path "$here" --product NodeBench >&2
exec "$(swift build -c release --package-path "$here" --show-bin-path)/NodeBench" "$@"
