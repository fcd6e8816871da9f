#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# [run] order = interleaved: rounds of one repetition per cell, shuffled by
# a recorded seed.  An interleaved run interrupted and resumed ends with the
# same rows as an uninterrupted one; the same seed gives the same order; a
# cell that crashes in round 2 costs only that row; a busy loop beside the
# run shows in the other_cpu_s of the rows it overlapped.
source "$(dirname "$0")/common.bash"
export PARBENCH_PLUGIN_PATH=$PB_TEST_PLUGIN_DIR

# rowset FILE: "workload executor workers repetition status" of every row
# that is not interrupted, sorted.
rowset() {
    paste -d' ' <(csv_col "$1" workload) <(csv_col "$1" executor) <(csv_col "$1" workers) \
        <(csv_col "$1" repetition) <(csv_col "$1" status) | awk '$5 != "interrupted"' | sort
}
# sequence FILE: the cells and repetitions in the order they ran.
sequence() {
    paste -d' ' <(csv_col "$1" workload) <(csv_col "$1" executor) <(csv_col "$1" workers) \
        <(csv_col "$1" repetition)
}

cat > r.ini <<'INI'
[run]
workers = 1, 2
repetitions = 4
warmup = 1
order = interleaved
seed = 12345
[workload.noop]
tasks = 50
[workload.sum]
plugin = tp-sum
[executor.serial]
[executor.pthread]
[executor.fork]
INI

# --- the same seed, the same order; rounds ------------------------------------
run_pb 0 run r.ini -o a.csv -q
run_pb 0 run r.ini -o b.csv -q
cells=10 # 2 workloads x (serial + pthread x 2 + fork x 2)
[[ $(($(wc -l < a.csv) - 1)) == $((cells * 4)) ]] || { cat a.csv; fail "$(wc -l < a.csv) lines"; }
[[ $(sequence a.csv) == "$(sequence b.csv)" ]] || fail "seed 12345 gave two orders"
# Round k holds repetition k of every cell: the repetition column is 1 x 10, 2 x 10, ...
want=$(for k in 1 2 3 4; do for _ in $(seq $cells); do echo $k; done; done)
[[ $(csv_col a.csv repetition) == "$want" ]] || { csv_col a.csv repetition | tr '\n' ' '; fail "not in rounds"; }
# Shuffled: the rounds do not all list the cells in one order.
[[ $(sequence a.csv | awk '$4 == 1 { print $1, $2, $3 }') != "$(sequence a.csv | awk '$4 == 2 { print $1, $2, $3 }')" ||
   $(sequence a.csv | awk '$4 == 2 { print $1, $2, $3 }') != "$(sequence a.csv | awk '$4 == 3 { print $1, $2, $3 }')" ]] ||
    fail "every round in the same order"
grep -q '"order": "interleaved"' a.csv.meta.json || fail "order not recorded"
grep -q '"seed": 12345' a.csv.meta.json || fail "seed not recorded"
run_pb 0 run r.ini -o c.csv -q --set run.seed=99
[[ $(sequence a.csv) != "$(sequence c.csv)" ]] || fail "seeds 12345 and 99 gave one order"
# seed = auto draws one and records it; replaying it gives the same order.
run_pb 0 run r.ini -o d.csv -q --set run.seed=auto
seed=$(grep -o '"seed": [0-9]*' d.csv.meta.json | grep -o '[0-9]*$')
run_pb 0 run r.ini -o e.csv -q --set run.seed="$seed"
[[ $(sequence d.csv) == "$(sequence e.csv)" ]] || fail "replaying seed $seed gave another order"
pass "rounds in a shuffled order, replayed from the recorded seed"

# grouped is the order of old: each cell's repetitions together.
run_pb 0 run r.ini -o g.csv -q --set run.order=grouped
[[ $(sequence g.csv | awk '{ print $1, $2, $3 }' | uniq | wc -l) == $cells ]] || fail "grouped is not grouped"
run_pb 0 run r.ini -o x.csv -q --set run.order=random
[[ $(rowset x.csv) == "$(rowset a.csv)" ]] || fail "random: not the same rows"
pass "grouped and random: the same rows"

# --- interrupted and resumed --------------------------------------------------
# SIGINT after some rows (the runner sleeps while a repetition runs, so the
# signal lands in one), then --resume until the file is complete.
cat > slow.ini <<'INI'
[run]
workers = 1, 2
repetitions = 3
warmup = 1
seed = 7
[workload.sum]
plugin = tp-sum
[workload.slow]
plugin = faulty
mode = hang
task = 99
[executor.serial]
[executor.fork]
INI
# faulty with task = 99 of 4 tasks never misbehaves: a plain fast cell.
run_pb 0 run slow.ini -o full.csv -q
for stop_after in 3 8 14; do
    rm -f part.csv part.csv.meta.json
    "$PARBENCH" run slow.ini -o part.csv -q >out 2>err &
    pid=$!
    for _ in $(seq 400); do
        [[ -f part.csv && $(wc -l < part.csv) -gt $stop_after ]] && break
        sleep 0.01
    done
    kill -INT $pid
    status=0
    wait $pid || status=$?
    [[ $status == 1 || $status == 0 ]] || { cat err; fail "interrupted run exited $status"; }
    run_pb 0 run slow.ini -o part.csv -q --resume
    [[ $(rowset part.csv) == "$(rowset full.csv)" ]] ||
        { diff <(rowset part.csv) <(rowset full.csv); fail "resume after $stop_after rows: other rows"; }
    # Each repetition once (interrupted rows aside).
    [[ $(rowset part.csv | awk '{ print $1, $2, $3, $4 }' | uniq -d) == "" ]] || fail "a repetition twice"
    left=$(left_behind)
    [[ -z $left ]] || fail "processes outlived the run: $left"
done
pass "interrupted and resumed: the rows of an uninterrupted run"

# --- a crash in round 2 costs its row only -----------------------------------
cat > crash.ini <<'INI'
[run]
workers = 1
repetitions = 3
warmup = 0
[workload.crashy]
plugin = faulty
mode = segv
on = 2
[workload.sum]
plugin = tp-sum
[executor.serial]
INI
run_pb 1 run crash.ini -o k.csv -q
got=$(paste -d' ' <(csv_col k.csv workload) <(csv_col k.csv repetition) <(csv_col k.csv status) | sort)
want=$(printf '%s\n' "crashy 1 ok" "crashy 2 crashed" "crashy 3 ok" "sum 1 ok" "sum 2 ok" "sum 3 ok")
[[ $got == "$want" ]] || { cat k.csv; fail "crash in round 2: $got"; }
pass "a crash in round 2 costs only its row"

# --- interference -------------------------------------------------------------
cat > busy.ini <<'INI'
[run]
repetitions = 6
warmup = 0
[workload.prime-count]
limit = 3000000
tasks = 4
[executor.serial]
INI
PARBENCH_PLUGIN_PATH= run_pb 0 run busy.ini -o quiet.csv -q
wall=$(csv_col quiet.csv wall_s | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
awk -v w="$wall" 'BEGIN { exit !(w >= 0.05) }' || skip "a repetition takes ${wall}s here: too short to see ticks"
# Busy loops on every CPU for the whole run: every row overlaps them.
loops=()
for _ in $(seq "$(nproc)"); do
    bash -c 'while :; do :; done' &
    loops+=($!)
done
PARBENCH_PLUGIN_PATH= run_pb 0 run busy.ini -o busy.csv -q
kill "${loops[@]}"
wait "${loops[@]}" 2>/dev/null || true
# Each row: other processes took at least a quarter of a CPU meanwhile.
paste -d' ' <(csv_col busy.csv wall_s) <(csv_col busy.csv other_cpu_s) |
    awk '{ if (!($2 >= 0.25 * $1)) { print "row " NR ": wall " $1 " other " $2; bad = 1 } } END { exit bad }' ||
    fail "busy loops not seen as interference"
[[ $(csv_col busy.csv steal_s | grep -c .) == 6 ]] || fail "steal_s empty"
pass "busy loops beside the run show as other_cpu_s"
