#!/usr/bin/env bash
# Bounded libFuzzer + AddressSanitizer run of GRPCFuzzer (Sources/GRPCFuzzer): the node's gRPC door —
# calls of every method of the KurrentDB client API, with fuzzed metadata and raw protobuf request
# messages, through grpc-swift's in-process transport into the router the node's HTTP port serves and
# the engine of an in-memory node. Exits non-zero on any crash, oracle failure (a call that does not end
# or honour its cancel within the bound, a response that does not decode, an UNKNOWN status, a leaked
# subscription or request task, a node that stops answering Gossip.Read, RSS over the limit), timeout,
# OOM, a failing regression input, an uninstrumented build, or a fuzzer that did not run.
#
#   scripts/fuzz-grpc.sh [RUNS]       # RUNS defaults to 100000; -1 = until FUZZ_MAX_TIME
#
# Knobs (env): FUZZ_MAX_TIME seconds (default 1200), FUZZ_SEED (default 1; "" = random, libFuzzer
# logs the one it used), FUZZ_MAX_LEN (default 1024), FUZZ_OUT (default .fuzz-out/grpc),
# FUZZ_KEEP_CORPUS=1 (keep growing $FUZZ_OUT/corpus across runs instead of starting fresh),
# FUZZ_EXTRA (extra libFuzzer flags), FUZZ_NICE (default 15: the build and the run are niced),
# and the harness's own GRPC_FUZZ_* variables (see the header of Sources/GRPCFuzzer/GRPCFuzzer.swift),
# which pass through to it.
#
# Reproduce a crash:  SWIFT_BACKTRACE=enable=no GRPC_FUZZ_VERBOSE=1 .build-fuzz-grpc/release/GRPCFuzzer <file>
# Readable stacks:    ... 2>&1 | swift demangle --simplified
# Minimise a crash:   SWIFT_BACKTRACE=enable=no .build-fuzz-grpc/release/GRPCFuzzer -minimize_crash=1 -runs=20000 <file>
# After fixing the bug, copy the crasher into Fuzz/GRPCRegressions/ (replayed by every run).
#
# Regenerate seeds, regression inputs and dictionary (after changing the harness's tables or format):
#   GRPC_FUZZ_WRITE_SEEDS=Fuzz/GRPCCorpus .build-fuzz-grpc/release/GRPCFuzzer
#
# Leaks: LeakSanitizer is off for the reason scripts/fuzz-node.sh gives (NIOThreadPool's work queue hides
# its pointer in an enum's spare bits). The harness checks leaks itself: the node's subscription and
# request task counts return to zero after every input, every stopped node's engine is freed, and the
# RSS stays under GRPC_FUZZ_RSS_LIMIT_MB for the whole run.
#
# Background: docs/fuzzing.md; scripts/fuzz-node.sh is the TCP door's twin, scripts/fuzz.sh the wire decoders'.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${1:-100000}"
MAX_TIME="${FUZZ_MAX_TIME:-1200}"
SEED="${FUZZ_SEED-1}"
MAX_LEN="${FUZZ_MAX_LEN:-1024}"
OUT="${FUZZ_OUT:-.fuzz-out/grpc}"
NICE="${FUZZ_NICE:-15}"
SCRATCH=.build-fuzz-grpc
PRODUCT=GRPCFuzzer
LIBRARY=EventStoreNode

# 1. Instrumented build in its own scratch path (the normal .build and the other fuzzers' are untouched).
#    --sanitize=fuzzer        makes SwiftPM add -parse-as-library and drop its main renaming,
#                             so libFuzzer's main() is the entry point;
#    -Xswiftc -sanitize=...   is what reaches the compiler for every module.
start=$(date +%s)
nice -n "$NICE" swift build -c release --product "$PRODUCT" --scratch-path "$SCRATCH" \
    --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address
echo "fuzz build took $(( $(date +%s) - start ))s"
BIN="$SCRATCH/release/$PRODUCT"

# 2. Guard: the node library must carry coverage and ASan instrumentation.
#    (Capture nm's output first: `nm | grep -q` under pipefail fails spuriously on SIGPIPE.)
SYMS=$(nm "$SCRATCH/release/$LIBRARY.build"/*.o)
grep -q '__sanitizer_cov_8bit_counters_init' <<<"$SYMS" || { echo "ERROR: $LIBRARY is not coverage-instrumented"; exit 1; }
grep -q '__asan_report_' <<<"$SYMS" || { echo "ERROR: $LIBRARY is not ASan-instrumented"; exit 1; }

if [ "${FUZZ_KEEP_CORPUS:-0}" != 1 ]; then rm -rf "$OUT/corpus"; fi
mkdir -p "$OUT/corpus" "$OUT/artifacts" Fuzz/GRPCRegressions
# Swift's runtime backtracer grabs SIGILL from Swift traps before libFuzzer and then trips ASan itself;
# with it off a trap is a clean "libFuzzer: deadly signal" + stack. (Fuzzer only, not `swift build`.)
RUNENV=(env SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 nice -n "$NICE")
# -timeout=30: an input's own bounded waits (calls 5 s, leaks 2 s) report a hang first, with a reason.
COMMON=(-max_len="$MAX_LEN" -timeout=30 -rss_limit_mb=2048 -detect_leaks=0 -dict=Fuzz/grpc.dict
        -artifact_prefix="$OUT/artifacts/" -print_final_stats=1)
[ -n "$SEED" ] && COMMON+=(-seed="$SEED")

# Runs the fuzzer in the background so that its in-memory databases can be deleted by PID when it
# is done: a crashing process cannot delete its own /dev/shm/esdb-mem-<pid>-* files.
run_fuzzer() {
    "${RUNENV[@]}" "$BIN" "$@" &
    local pid=$! rc=0
    wait "$pid" || rc=$?
    rm -f /dev/shm/esdb-mem-"$pid"-*
    return "$rc"
}

# 3. Regressions: every past crasher and every seed, once (-runs=0 only loads and runs the corpus).
if ! run_fuzzer "${COMMON[@]}" -runs=0 Fuzz/GRPCRegressions Fuzz/GRPCCorpus > "$OUT/regressions.log" 2>&1; then
    echo "ERROR: a regression or seed input fails:"
    grep -E 'ERROR:|SUMMARY:|oracle failure|Fatal error|Test unit|Base64|Running:' "$OUT/regressions.log" | head -20
    echo "(full log: $OUT/regressions.log)"
    echo "fuzz-grpc: 0 passed, 1 failed"
    exit 1
fi
grep -E 'files found in|^#[0-9]+\s+INITED' "$OUT/regressions.log"

# 4. Bounded fuzzing. libFuzzer writes new inputs into the FIRST corpus dir: the scratch one.
echo "fuzzing: $BIN -runs=$RUNS -max_total_time=$MAX_TIME ${COMMON[*]} ${FUZZ_EXTRA:-} $OUT/corpus Fuzz/GRPCCorpus"
start=$(date +%s)
set +e
# shellcheck disable=SC2086
run_fuzzer "${COMMON[@]}" ${FUZZ_EXTRA:-} -runs="$RUNS" -max_total_time="$MAX_TIME" \
    "$OUT/corpus" Fuzz/GRPCCorpus > "$OUT/fuzz.log" 2>&1
rc=$?
set -e
echo "fuzzing took $(( $(date +%s) - start ))s"
grep -E '^INFO: Seed:|^#[0-9]+\s+(INITED|DONE)|^Done [0-9]+ runs|^stat::' "$OUT/fuzz.log" || true

if [ "$rc" -ne 0 ]; then
    echo "FUZZ FAILURE (exit $rc). Reproduce with: SWIFT_BACKTRACE=enable=no GRPC_FUZZ_VERBOSE=1 $BIN <artifact>"
    grep -E 'oracle failure' "$OUT/fuzz.log" | head -5 || true
    sed -n '/==ERROR: \|^==[0-9]*== ERROR\|deadly signal\|Fatal error/,/^SUMMARY/p' "$OUT/fuzz.log" | head -60
    grep -E '^Base64:|Test unit written' "$OUT/fuzz.log" || true
    ls -l "$OUT/artifacts"
    echo "fuzz-grpc: 0 passed, 1 failed"
    exit 1
fi
if ! grep -qE '^#[0-9]+\s+INITED cov: [1-9]' "$OUT/fuzz.log"; then
    echo "ERROR: libFuzzer reported no coverage (uninstrumented build?)"; exit 1
fi
if ! grep -qE '^Done [0-9]+ runs' "$OUT/fuzz.log"; then
    echo "ERROR: libFuzzer did not run (no 'Done N runs' line)"; exit 1
fi
echo "fuzz-grpc: 1 passed, 0 failed"
