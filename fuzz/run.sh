#!/bin/sh
# SPDX-License-Identifier: MIT
# fuzz/run.sh TARGET SECONDS [BUILD_DIR] [-- LIBFUZZER_OPTIONS...]
#
# Runs the libFuzzer program BUILD_DIR/fuzz/fuzz-TARGET (default
# build-fuzz; `make fuzz` builds it) for SECONDS seconds on one core, from
# the seed corpus fuzz/corpus/TARGET.  Inputs it finds interesting go to
# BUILD_DIR/fuzz-corpus/TARGET (kept between runs, never into the tree);
# a finding is written to BUILD_DIR/fuzz-findings/TARGET/ and the script
# exits nonzero.  Fix the finding, then copy its file into
# fuzz/regressions/TARGET/ so that CTest replays it in every build.
#
# The last line printed is "fuzz TARGET: N executions in S s, ...": the
# numbers the CI log and the reports quote.
set -eu
[ $# -ge 2 ] || { echo "usage: fuzz/run.sh TARGET SECONDS [BUILD_DIR] [-- OPTIONS]" >&2; exit 2; }
target=$1
seconds=$2
shift 2
build=build-fuzz
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
    build=$1
    shift
fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift

src=$(cd "$(dirname "$0")/.." && pwd)
exe=$build/fuzz/fuzz-$target
seeds=$src/fuzz/corpus/$target
if [ ! -x "$exe" ]; then
    echo "fuzz/run.sh: $exe is missing; run 'make fuzz' first" >&2
    exit 2
fi
[ -d "$seeds" ] || { echo "fuzz/run.sh: no seed corpus $seeds" >&2; exit 2; }
mkdir -p "$build/fuzz-corpus/$target" "$build/fuzz-findings/$target"
log=$build/fuzz-findings/$target.log

# The config target validates against the build's own plugins.
export PB_PLUGIN_DIR="$build/plugins"
# -timeout: an input running longer than 10 s is a finding (a hang);
# -rss_limit_mb: so is one that makes the process grow past 2 GiB;
# -max_len: inputs stay small, so that each run is fast.
status=0
"$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=16384 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-findings/$target/" \
    "$@" "$build/fuzz-corpus/$target" "$seeds" >"$log" 2>&1 || status=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
corpus=$(ls "$build/fuzz-corpus/$target" | wc -l)
if [ "$status" -ne 0 ]; then
    tail -n 60 "$log" >&2
    echo "fuzz $target: FINDING after ${execs:-?} executions; input in $build/fuzz-findings/$target/, log $log" >&2
    exit 1
fi
echo "fuzz $target: ${execs:-?} executions in $seconds s (${rate:-?}/s), corpus $corpus new inputs, no finding"
