#!/usr/bin/env bash
# Bounded libFuzzer + AddressSanitizer run of WireFuzzer (Sources/WireFuzzer) over the
# EventStoreWire decoders. Exits non-zero on any crash, oracle failure, timeout, OOM, a failing
# regression input, an uninstrumented build, or a fuzzer that did not actually run.
#
#   scripts/fuzz.sh [RUNS]            # RUNS defaults to 1000000; -1 = until FUZZ_MAX_TIME
#
# Knobs (env): FUZZ_MAX_TIME seconds (default 600), FUZZ_SEED (default 1; "" = random, libFuzzer
# logs the one it used), FUZZ_MAX_LEN (default 4096), FUZZ_OUT (default .fuzz-out),
# FUZZ_KEEP_CORPUS=1 (keep growing $FUZZ_OUT/corpus across runs instead of starting fresh),
# FUZZ_EXTRA (extra libFuzzer flags, e.g. "-use_value_profile=1").
#
# Reproduce a crash:  SWIFT_BACKTRACE=enable=no WIRE_FUZZ_VERBOSE=1 .build-fuzz/release/WireFuzzer <file>
# Readable stacks:    ... 2>&1 | swift demangle --simplified
# After fixing the bug, copy the crasher into Fuzz/Regressions/ (replayed by every run).
# How it works, and the libFuzzer + SwiftPM facts it relies on: docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${1:-1000000}"
MAX_TIME="${FUZZ_MAX_TIME:-600}"
SEED="${FUZZ_SEED-1}"
MAX_LEN="${FUZZ_MAX_LEN:-4096}"
OUT="${FUZZ_OUT:-.fuzz-out}"
SCRATCH=.build-fuzz
PRODUCT=WireFuzzer
LIBRARY=EventStoreWire

# 1. Instrumented build in its own scratch path (the normal .build is untouched).
#    --sanitize=fuzzer        makes SwiftPM add -parse-as-library and drop its main renaming,
#                             so libFuzzer's main() is the entry point;
#    -Xswiftc -sanitize=...   is what reaches the compiler for every module (SwiftPM's repeated
#                             --sanitize flags reach it as separate options, only the last survives).
start=$(date +%s)
swift build -c release --product "$PRODUCT" --scratch-path "$SCRATCH" \
    --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address
echo "fuzz build took $(( $(date +%s) - start ))s"
BIN="$SCRATCH/release/$PRODUCT"

# 2. Guard: the library under test must carry coverage and ASan instrumentation.
#    (Capture nm's output first: `nm | grep -q` under pipefail fails spuriously on SIGPIPE.)
SYMS=$(nm "$SCRATCH/release/$LIBRARY.build"/*.o)
grep -q '__sanitizer_cov_8bit_counters_init' <<<"$SYMS" || { echo "ERROR: $LIBRARY is not coverage-instrumented"; exit 1; }
grep -q '__asan_report_' <<<"$SYMS" || { echo "ERROR: $LIBRARY is not ASan-instrumented"; exit 1; }

if [ "${FUZZ_KEEP_CORPUS:-0}" != 1 ]; then rm -rf "$OUT/corpus"; fi
mkdir -p "$OUT/corpus" "$OUT/artifacts"
# Swift's runtime backtracer (on by default on Linux) grabs SIGILL from Swift traps before libFuzzer
# and then trips ASan itself; with it off a trap is a clean "libFuzzer: deadly signal" + stack.
# (Set for the fuzzer only: a changed environment can make `swift build` recompile dependencies.)
RUNENV=(env SWIFT_BACKTRACE=enable=no)
COMMON=(-max_len="$MAX_LEN" -timeout=10 -rss_limit_mb=2048 -dict=Fuzz/wire.dict
        -artifact_prefix="$OUT/artifacts/" -print_final_stats=1)
[ -n "$SEED" ] && COMMON+=(-seed="$SEED")

# 3. Regressions: every past crasher and every seed, once (-runs=0 only loads and runs the corpus).
if ! "${RUNENV[@]}" "$BIN" "${COMMON[@]}" -runs=0 Fuzz/Regressions Fuzz/Corpus > "$OUT/regressions.log" 2>&1; then
    echo "ERROR: a regression or seed input fails:"
    grep -E 'ERROR:|SUMMARY:|Fatal error|precondition|Test unit|Base64' "$OUT/regressions.log" | head -20
    echo "(full log: $OUT/regressions.log)"
    echo "fuzz: 0 passed, 1 failed"
    exit 1
fi
grep -E 'files found in|^#[0-9]+\s+INITED' "$OUT/regressions.log"

# 4. Bounded fuzzing. libFuzzer writes new inputs into the FIRST corpus dir: the scratch one.
echo "fuzzing: $BIN -runs=$RUNS -max_total_time=$MAX_TIME ${COMMON[*]} ${FUZZ_EXTRA:-} $OUT/corpus Fuzz/Corpus"
set +e
# shellcheck disable=SC2086
"${RUNENV[@]}" "$BIN" "${COMMON[@]}" ${FUZZ_EXTRA:-} -runs="$RUNS" -max_total_time="$MAX_TIME" \
    "$OUT/corpus" Fuzz/Corpus > "$OUT/fuzz.log" 2>&1
rc=$?
set -e
grep -E '^INFO: Seed:|^#[0-9]+\s+(INITED|DONE)|^Done [0-9]+ runs|^stat::' "$OUT/fuzz.log" || true

if [ "$rc" -ne 0 ]; then
    echo "FUZZ FAILURE (exit $rc). Reproduce with: SWIFT_BACKTRACE=enable=no $BIN <artifact>"
    sed -n '/==ERROR: \|^==[0-9]*== ERROR\|deadly signal\|Fatal error/,/^SUMMARY/p' "$OUT/fuzz.log" | head -60
    grep -E '^Base64:|Test unit written' "$OUT/fuzz.log" || true
    ls -l "$OUT/artifacts"
    echo "fuzz: 0 passed, 1 failed"
    exit 1
fi
if ! grep -qE '^#[0-9]+\s+INITED cov: [1-9]' "$OUT/fuzz.log"; then
    echo "ERROR: libFuzzer reported no coverage (uninstrumented build?)"; exit 1
fi
if ! grep -qE '^Done [0-9]+ runs' "$OUT/fuzz.log"; then
    echo "ERROR: libFuzzer did not run (no 'Done N runs' line)"; exit 1
fi
echo "fuzz: 1 passed, 0 failed"
