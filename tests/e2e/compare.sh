#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `parbench compare BASE NEW`: a file against itself says "no change" for
# every cell and exits 0; a quiet run against the same config run while
# two busy loops kept both cores busy (tests/fixtures/compare-quiet.csv
# and compare-busy.csv, recorded on a 2-core machine) reports the
# CPU-bound cells slower and exits 1; cells on one side only are listed;
# bad input exits 2.  The live version of the busy test is a manual check
# (docs/reporting.md): timings are never asserted here.
source "$(dirname "$0")/common.bash"
FIX="$PB_SOURCE_DIR/tests/fixtures"
Q="$FIX/compare-quiet.csv"
B="$FIX/compare-busy.csv"
widest() { LC_ALL=C.UTF-8 awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$1"; }

for f in "$Q" "$B" "$FIX/report.csv"; do
    run_pb 0 compare "$f" "$f"
    cells=$(grep -cE '^  [a-z_]+ +[0-9]+ +(dynamic|static) ' out)
    (( cells > 0 )) || fail "no cells listed for $f"
    # (a cell without ok rows has no data to compare)
    [[ $(grep -cE ' (no change|no data)$' out) == "$cells" ]] || fail "$f against itself: not every cell says no change"
    assert_contains out ": 0 faster, 0 slower, $(grep -cE ' no change$' out) no change"
    (( $(widest out) <= 100 )) || fail "compare output wider than 100 columns"
done
assert_contains out "1 no data" # the fixture's cell without ok rows
run_pb 0 compare "$Q" "$Q" --metric pss
assert_contains out "pss_kib: NEW ="
assert_contains out "geometric mean of the ratios NEW/BASE 1.00×"
pass "a file against itself: no change, exit 0"

run_pb 1 compare "$Q" "$B"
assert_contains out "  serial          1  dynamic"
grep -qE '^  serial +1 +dynamic .* slower$' out || fail "serial x 1 should be slower under load"
grep -qE '^  fork +1 +dynamic .* slower$' out || fail "fork x 1 should be slower under load"
assert_contains out "4 slower, 1 no change"
run_pb 0 compare "$B" "$Q" # the other way round: faster, nothing worse
assert_contains out "4 faster, 0 slower"
run_pb 1 compare "$Q" "$B" --format json
python3 -m json.tool out >/dev/null 2>&1 || ! command -v python3 >/dev/null || fail "compare JSON is not valid"
assert_contains out '"format": "parbench-compare"'
assert_contains out '"verdict": "slower"'
assert_contains out '"base_samples": [{"repetition": 1, "status": "ok", "value": 0.163149848}'
run_pb 1 compare "$Q" "$B" --format markdown
assert_contains out "| workload | executor | workers | schedule | base | new | ratio | 95% CI | p | verdict |"
# A higher threshold forgives a 4x slowdown; a tiny alpha needs more
# repetitions than 7.
run_pb 0 compare "$Q" "$B" --threshold 500%
run_pb 0 compare "$Q" "$B" --alpha 0.0001
pass "quiet against busy: CPU-bound cells slower, exit 1"

# Cells on one side only are listed, not dropped.
grep -v ',fork,' "$Q" > nofork.csv
run_pb 0 compare nofork.csv "$Q"
grep -qE '^  fork +2 +dynamic .* only in NEW$' out || fail "fork x 2 should be listed as only in NEW"
assert_contains out "2 only in NEW"
run_pb 0 compare "$Q" nofork.csv
assert_contains out "2 only in BASE"
pass "cells on one side only"

run_pb 2 compare "$Q"
assert_contains err "expects two results files: BASE.csv NEW.csv"
run_pb 2 compare "$Q" missing.csv
assert_contains err "missing.csv"
printf 'a,b\r\n1,2\r\n' > bad.csv
run_pb 2 compare bad.csv "$Q"
assert_contains err "bad.csv"
run_pb 2 compare "$Q" "$Q" --metric cpu
assert_contains err "--metric 'cpu': expected wall, startup, user, sys, rss, pss, or a numeric column"
run_pb 2 compare "$Q" "$Q" --metric workload
run_pb 2 compare "$Q" "$Q" --alpha 0
run_pb 2 compare "$Q" "$Q" --format yaml
run_pb 0 compare --help
assert_contains out "Exit status: 0 when no cell is significantly worse"
pass "bad input: exit 2"
