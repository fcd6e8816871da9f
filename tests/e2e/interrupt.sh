#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Ctrl-C stops the run (how fast is not checked; only a hang, after
# 120 s, fails), leaves a whole CSV with an `interrupted` row, exits 1 and
# leaves no process behind.
source "$(dirname "$0")/common.bash"
export PARBENCH_PLUGIN_PATH=$PB_TEST_PLUGIN_DIR

cat > i.ini <<'INI'
[run]
workers = 2
repetitions = 1
warmup = 0
timeout = 60s
output = i.csv
order = grouped                 ; the fine cell first, then the hanging one
[workload.fine]
plugin = faulty
[workload.hang]
plugin = faulty
mode = hang
[executor.pthread]
INI
"$PARBENCH" run i.ini -q >out 2>err &
pid=$!
# Wait until the first row is written and the hanging cell runs: its cell
# process then has a worker thread besides its main thread.
hanging() {
    local c
    [[ -f i.csv && $(wc -l < i.csv) == 2 ]] || return 1
    for c in $(pgrep -P $pid); do
        (( $(ls /proc/$c/task 2>/dev/null | wc -l) >= 2 )) && return 0
    done
    return 1
}
for _ in $(seq 200); do
    hanging && break
    sleep 0.05
done
hanging || fail "the hanging cell never started"
children=$(pgrep -P $pid || true)
[[ -n $children ]] || fail "no cell process found"
kill -INT $pid
wait_status $pid "the run"
[[ $STATUS == 1 ]] || { cat err; fail "exit status $STATUS, expected 1"; }
pass "stopped with status 1"

csv_whole i.csv || { od -c i.csv | tail -5; fail "the CSV is not whole"; }
[[ $(csv_col i.csv status | tr '\n' ' ') == "ok interrupted " ]] || { cat i.csv; fail "rows"; }
pass "CSV whole with an interrupted row"

for c in $children; do
    ! kill -0 "$c" 2>/dev/null || fail "process $c outlived the run"
    ! pgrep -g "$c" >/dev/null || fail "process group $c outlived the run"
done
pass "no process left"

# --resume runs the interrupted repetition again (here it hangs until a
# short timeout); the interrupted row stays: nothing written is lost.
run_pb 1 run i.ini -q --resume --set run.timeout=1s
[[ $(csv_col i.csv status | tr '\n' ' ') == "ok interrupted timeout " ]] || { cat i.csv; fail "resume after Ctrl-C"; }
[[ $(csv_col i.csv repetition | tr '\n' ' ') == "1 1 1 " ]] || fail "resume: repetitions"
pass "--resume reruns the interrupted repetition"
