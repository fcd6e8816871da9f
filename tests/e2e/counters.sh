#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# [run] counters: the perf counter columns (cycles, instructions,
# cache_misses, task_clock_s, cpu_migrations) are empty, never zero, with
# the reason per counter in the run's sidecar, when counters = off and
# when the kernel refuses perf_event_open (a seccomp filter, as container
# runtimes install); where the kernel gives the task-clock it is counted
# for every worker thread and process; a wrong name is refused.  Where the
# seccomp helper cannot install its filter, or the kernel gives no
# task-clock, only that part is skipped (a "skipped -" line says so).
source "$(dirname "$0")/common.bash"
command -v python3 >/dev/null || skip "python3 is not installed"

COUNTERS="cycles instructions cache_misses task_clock_s cpu_migrations"
ini() { # ini OUTPUT [COUNTERS-LINE]
    cat <<INI
[run]
workers = 2
repetitions = 2
warmup = 0
timeout = 60s
output = $1
$2
[workload.prime-count]
limit = 300000
tasks = 8
[executor.pthread]
[executor.fork]
[executor.posix_spawn]
INI
}
# why CSV COUNTER: counted, or the sidecar's reason why it is empty.
why() {
    python3 - "$1.meta.json" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["runs"][-1]["counters"][sys.argv[2]]
print("counted" if c["counted"] else c["why_empty"])
PY
}
# all_empty CSV COLUMN: every row's cell of COLUMN is empty.
all_empty() {
    [[ -z $(csv_col "$1" "$2" | tr -d '\n') ]] || { cat "$1"; fail "$1: $2 has values: $(csv_col "$1" "$2" | tr '\n' ' ')"; }
    [[ $(csv_col "$1" "$2" | wc -l) == 6 ]] || fail "$1: not 6 rows"
}

# counters = off: empty cells, and the sidecar says so for each.
ini off.csv "counters = off" > off.ini
run_pb 0 run off.ini -q --force
[[ $(csv_col off.csv status | sort -u) == ok ]] || { cat off.csv; fail "counters = off: not every row is ok"; }
for c in $COUNTERS; do
    all_empty off.csv "$c"
    [[ $(why off.csv "${c%_s}") == "[run] counters = off" ]] || fail "off: sidecar for ${c%_s}: $(why off.csv "${c%_s}")"
done
pass "counters = off: every counter column empty, the sidecar says why"

# A list: the counters not in it are empty, and say so.
ini some.csv "counters = instructions" > some.ini
run_pb 0 run some.ini -q --force
for c in cycles cache_misses task_clock_s cpu_migrations; do
    all_empty some.csv "$c"
    [[ $(why some.csv "${c%_s}") == "not in [run] counters" ]] || fail "list: sidecar for ${c%_s}: $(why some.csv "${c%_s}")"
done
pass "a list: the counters not in it empty, the sidecar says why"

# A wrong name: exit 2 before any cell, naming file:line, key, the fix.
ini bad.csv "counters = cycles,instrucions" > bad.ini
run_pb 2 run bad.ini -q
assert_contains err "bad.ini:7: [run] counters: 'instrucions' (in 'cycles,instrucions') is not a counter; did you mean 'instructions'? write off, basic (all of them)"
[[ ! -e bad.csv ]] || fail "a wrong counter name wrote rows"
pass "a wrong counter name: exit 2 before any cell"

# The kernel refuses (seccomp): every counter empty, the run still ok,
# the reason from the kernel in the sidecar.  Where the helper cannot
# install its filter only this part is skipped (said so below); the other
# checks have run.
skipped=()
noperf=${PB_BUILD_DIR:?}/tests/pb-test-noperf
[[ -x $noperf ]] || fail "$noperf is not built"
if "$noperf" true; then
    ini ref.csv "" > ref.ini
    got=0
    "$noperf" "$PARBENCH" run ref.ini -q --force > out 2> err || got=$?
    [[ $got == 0 ]] || { cat err; fail "under a seccomp filter parbench exited $got"; }
    [[ $(csv_col ref.csv status | sort -u) == ok ]] || { cat ref.csv; fail "refused counters: not every row is ok"; }
    for c in $COUNTERS; do
        all_empty ref.csv "$c"
        w=$(why ref.csv "${c%_s}")
        [[ $w == "perf_event_open(${c%_s}) refused: Permission denied"* ]] || fail "refused: sidecar for ${c%_s}: $w"
    done
    pass "refused by a seccomp filter: every counter column empty, the run ok, the kernel's reason in the sidecar"
else
    skipped+=("seccomp: the kernel does not install a seccomp filter here")
fi

# Where the kernel gives the task-clock: counted in every row, for every
# worker thread and process (it is CPU time, so it is about user_s +
# sys_s, which getrusage counts for the same threads and processes; a
# counter that missed the workers would see only the coordinator's wait).
ini on.csv "" > on.ini
run_pb 0 run on.ini -q --force
if [[ $(why on.csv task_clock) == counted ]]; then
    paste -d' ' <(csv_col on.csv executor) <(csv_col on.csv task_clock_s) \
        <(csv_col on.csv user_s) <(csv_col on.csv sys_s) > tc
    awk '{ if ($2 == "" || !($2 > 0.5 * ($3 + $4)) || !($2 < 2 * ($3 + $4) + 0.05)) { print "bad: " $0; bad = 1 } }
         END { exit bad }' tc || { cat on.csv; fail "task_clock_s is not the CPU time of the workers"; }
    pass "task_clock_s is the CPU time of every worker thread and process"
else
    skipped+=("task-clock: no task-clock counter here: $(why on.csv task_clock)")
fi

# The checks above without a condition have run and passed; a part that
# could not run here is said so, not counted as passed.
for why_skipped in "${skipped[@]}"; do
    echo "skipped - $why_skipped"
done
