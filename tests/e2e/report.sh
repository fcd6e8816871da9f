#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `parbench report` on a fixture results file: the table, Markdown and JSON
# byte for byte against golden files, option errors, and plots.
source "$(dirname "$0")/common.bash"
FIX="$PB_SOURCE_DIR/tests/fixtures"

# Golden outputs (regenerate with: parbench report tests/fixtures/report.csv
# [--format F] > tests/fixtures/report.{txt,md,json}, then review the diff).
run_pb 0 report "$FIX/report.csv"
cmp out "$FIX/report.txt" || { diff -u "$FIX/report.txt" out; fail "table differs from report.txt"; }
run_pb 0 report "$FIX/report.csv" --format table
cmp out "$FIX/report.txt" || fail "--format table differs from the default"
run_pb 0 report "$FIX/report.csv" --format markdown
cmp out "$FIX/report.md" || { diff -u "$FIX/report.md" out; fail "markdown differs from report.md"; }
run_pb 0 report --format json "$FIX/report.csv"
cmp out "$FIX/report.json" || { diff -u "$FIX/report.json" out; fail "JSON differs from report.json"; }
if command -v python3 >/dev/null; then
    python3 -m json.tool out >/dev/null || fail "report --format json is not valid JSON"
fi
pass "table, markdown and json match the golden files"

run_pb 0 report "$FIX/report.csv" --format json --summary s.csv
[[ $(wc -l < s.csv) == 10 ]] || fail "summary CSV should hold a header and 9 cells"
assert_contains s.csv "startup_share,baseline,speedup_ci_lo,speedup_ci_hi"
pass "--summary"

# The default summary fits in 100 columns (counted in characters: µ, ±
# and × are one column each); --columns all is the wide one.
widest() { LC_ALL=C.UTF-8 awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$1"; }
run_pb 0 report "$FIX/report.csv"
(( $(widest out) <= 100 )) || fail "a line of the default summary is wider than 100 columns"
run_pb 0 report "$FIX/report.csv" --columns all
(( $(widest out) > 100 )) || fail "--columns all should be the wide table"
assert_contains out "Karp-Flatt"
run_pb 0 report "$FIX/report.csv" --columns median,cv
assert_contains out "  median    CV"
run_pb 2 report "$FIX/report.csv" --columns median,bogus
assert_contains err "--columns: unknown column 'bogus'; known: all, workload"
pass "readable tables: 100 columns by default, --columns"

# Verdicts: ratios to the fastest, or --versus.
run_pb 0 report "$FIX/report.csv"
assert_contains out "=> mm, 1 worker: fork (dynamic) is fastest; fork (static) is 1.33× slower (p = 0.011)."
run_pb 0 report "$FIX/report.csv" --versus pthread
assert_contains out "=> prime, 1 worker: against pthread, serial looks 1.10× faster, but not significantly"
assert_contains out "(pthread did
"
run_pb 2 report "$FIX/report.csv" --versus nosuch
assert_contains err "--versus 'nosuch': $FIX/report.csv has no executor of that name; it has serial, pthread, fork"
run_pb 2 report "$FIX/report.csv" --alpha 2
assert_contains err "--alpha '2': expected a number between 0 and 1"
run_pb 2 report "$FIX/report.csv" --threshold -5%
assert_contains err "--threshold '-5%': expected a percentage or a fraction of at least 0"
# run checks --versus against the config before anything runs.
run_pb 2 run "$PB_SOURCE_DIR/config/quick.ini" -o never.csv --versus nosuch
assert_contains err "--versus 'nosuch': $PB_SOURCE_DIR/config/quick.ini has no [executor.nosuch] section; its executors are serial, pthread, fork, posix_spawn"
[[ ! -e never.csv ]] || fail "run wrote a file despite a bad --versus"
pass "verdicts, --versus, --alpha, --threshold"

run_pb 2 report "$FIX/report.csv" --format yaml
assert_contains err "--format 'yaml': expected table, markdown or json"
run_pb 2 report "$FIX/report.csv" --plot out.pdf
assert_contains err "must end in .svg or .png"
run_pb 2 report "$FIX/report.csv" --plot-metric speedup
assert_contains err "--plot-metric needs --plot FILE"
run_pb 2 report "$FIX/report.csv" --plot x.svg --plot-metric cpu
assert_contains err "expected wall, speedup, pss or startup"
[[ ! -e x.svg ]] || fail "a plot was drawn despite a usage error"
run_pb 2 run "$PB_SOURCE_DIR/config/quick.ini" -o never.csv --format html
[[ ! -e never.csv ]] || fail "run wrote a file despite a usage error"
pass "option errors"

# Without gnuplot on PATH: a clear message, exit 3, the table still printed.
PATH=/nonexistent run_pb 3 report "$FIX/report.csv" --plot p.png
assert_contains err "gnuplot not found; install gnuplot-nox"
assert_contains out "speedup"
[[ ! -e p.png ]] || fail "p.png exists without gnuplot"
pass "missing gnuplot"

command -v gnuplot >/dev/null ||
    skip "gnuplot not installed (.ci/install-deps installs gnuplot-nox)"
run_pb 0 report "$FIX/report.csv" --plot wall.png
[[ -s wall.png ]] || fail "wall.png is empty"
[[ $(head -c 4 wall.png | od -An -tx1 | tr -d ' \n') == 89504e47 ]] || fail "wall.png is not a PNG"
run_pb 0 report "$FIX/report.csv" --plot speedup.svg --plot-metric speedup
[[ -s speedup.svg ]] || fail "speedup.svg is empty"
assert_contains speedup.svg "<svg"
assert_contains speedup.svg "ideal"
assert_contains speedup.svg "prime"
assert_contains speedup.svg "Amdahl s=0.065"
assert_contains speedup.svg "USL σ=0 κ=0.0206"
for m in pss startup; do
    run_pb 0 report "$FIX/report.csv" --plot $m.svg --plot-metric $m
    assert_contains $m.svg "<svg"
done
assert_contains pss.svg "PSS (MiB)"
assert_contains startup.svg "start-up (ms)"
# No temporary directory is left behind.
ls "${TMPDIR:-/tmp}" | grep -q "^parbench-plot\.$" && fail "temporary directory left"
pass "plots drawn by gnuplot"
