#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --help and --version on every verb, list, describe, and one exported
# symbol per plugin.
source "$(dirname "$0")/common.bash"

for verb in run check list describe report; do
    run_pb 0 "$verb" --help
    assert_contains out "Usage: parbench $verb"
    run_pb 0 "$verb" --version
    assert_contains out "parbench "
done
run_pb 0 --help
assert_contains out "Verbs:"
run_pb 2 frobnicate
run_pb 2 rnu
assert_contains err "did you mean 'run'"
pass "help, version, unknown verbs"

run_pb 0 list
for p in "workload *noop" "workload *prime-count" "executor *serial" "executor *pthread"; do
    grep -Eq "$p" out || { cat out; fail "list lacks $p"; }
done
pass "list"

run_pb 0 describe prime-count
for w in limit tasks method trial sieve; do assert_contains out "$w"; done
run_pb 2 describe prime-cont
assert_contains err "prime-count"
pass "describe"

# The core's own sections, described like a plugin's parameters.
run_pb 0 describe run
for w in repetitions warmup schedule "interleaved | grouped | random" memory counters; do
    assert_contains out "$w"
done
run_pb 0 describe server
for w in latency rate; do assert_contains out "$w"; done
run_pb 0 run --help
assert_contains out "parbench describe run"
pass "describe run and describe server list the [run] and [server] keys"

for so in "$PB_BUILD_DIR"/plugins/*.so; do
    syms=$(nm -D --defined-only "$so" | awk '{print $3}')
    [[ $syms == parbench_plugin ]] || fail "$so exports: $syms"
done
pass "one exported symbol per plugin"

run_pb 0 check "$PB_SOURCE_DIR/config/default.ini"
assert_contains out "cells"
assert_contains out "prime-sieve"
pass "check"
