#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The output file is never overwritten silently; --force replaces it and
# --resume runs only the repetitions it lacks.
source "$(dirname "$0")/common.bash"

cat > c.ini <<'INI'
[run]
workers = 1, 2
repetitions = 3
warmup = 0
output = r.csv
[workload.noop]
tasks = 5
[executor.serial]
[executor.pthread]
INI
run_pb 0 run c.ini -q
[[ $(wc -l < r.csv) == 10 ]] || fail "expected 9 rows"

cp r.csv before.csv
run_pb 2 run c.ini -q
assert_contains err "already exists"
cmp -s r.csv before.csv || fail "r.csv changed"
pass "no silent overwrite"

# Drop the last 4 rows; --resume writes exactly those back.
head -n 6 before.csv > r.csv
run_pb 0 run c.ini -q --resume
[[ $(wc -l < r.csv) == 10 ]] || fail "resume should restore 9 rows, got $(($(wc -l < r.csv) - 1))"
[[ $(csv_col r.csv run_id | sort -u | wc -l) == 2 ]] || fail "resumed rows should carry a new run_id"
run_pb 0 run c.ini -q --resume
[[ $(wc -l < r.csv) == 10 ]] || fail "a complete file should gain no row"
pass "resume"

run_pb 0 run c.ini -q --force
[[ $(wc -l < r.csv) == 10 ]] || fail "force should leave 9 fresh rows"
[[ $(csv_col r.csv run_id | sort -u | wc -l) == 1 ]] || fail "force: one run_id"
pass "force"

run_pb 0 run c.ini -q -o other.csv --set run.repetitions=1 --only executor=pthread,workers=2
[[ $(wc -l < other.csv) == 2 ]] || fail "--set/--only should give 1 row"
[[ $(csv_col other.csv executor) == pthread ]] || fail "--only executor"
pass "-o, --set, --only"

echo "not,a,results,file" > junk.csv
run_pb 2 run c.ini -q -o junk.csv --resume
assert_contains err "junk.csv"
pass "resume refuses a foreign file"

# Files an older parbench wrote (the header up to error, steal_s, uss_kib or
# executor_params)
# still read; --resume refuses to append to them (exit 2) and says what to
# do instead, leaving them unchanged.
run_pb 0 run c.ini -q --force
for n in 24 26 30 31; do
    cut -d, -f1-$n r.csv | sed 's/$/\r/; s/\r\r$/\r/' > old$n.csv
    run_pb 0 report old$n.csv
    assert_contains out "noop"
    cp old$n.csv old$n.before
    run_pb 2 run c.ini -q -o old$n.csv --resume
    assert_contains err "written by an older parbench ($n columns, now 35)"
    assert_contains err "-o"
    assert_contains err "--force"
    cmp -s old$n.csv old$n.before || fail "--resume changed old$n.csv"
done
pass "older files read, --resume refuses them"
