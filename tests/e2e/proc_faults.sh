#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Under fork, posix_spawn and forkserver, a worker process that segfaults, aborts,
# hangs, _exits in the middle of a task, fails a task or returns a wrong
# answer costs its row with a readable error naming the worker and the
# task; no worker process outlives the run.  A missing or broken
# parbench-worker gives a readable row too.
source "$(dirname "$0")/common.bash"
export PARBENCH_PLUGIN_PATH=$PB_TEST_PLUGIN_DIR
# Under the sanitizers a SIGSEGV would become "exited with status 1" (or
# 66): let the deliberate one kill the process as in a normal build.  A
# deliberate _exit() leaves threads running, for which TSan would report
# leaks and sleep a second (atexit_sleep_ms) -- as long as the timeout.
export ASAN_OPTIONS=handle_segv=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
export TSAN_OPTIONS=handle_segv=0:report_thread_leaks=0:atexit_sleep_ms=0${TSAN_OPTIONS:+:$TSAN_OPTIONS}

for sched in static dynamic; do
    cat > f.ini <<INI
[run]
workers = 3
repetitions = 1
warmup = 0
timeout = 2s
schedule = $sched
output = f.csv
[workload.segv]
plugin = faulty
mode = segv
task = 4
tasks = 7
[workload.abort]
plugin = faulty
mode = abort
task = 2
[workload.hang]
plugin = faulty
mode = hang
[workload.exit]
plugin = faulty
mode = exit
task = 5
tasks = 7
[workload.fail]
plugin = faulty
mode = fail
task = 3
[workload.wrong]
plugin = faulty
mode = wrong
[workload.fine]
plugin = faulty
tasks = 7
[executor.fork]
[executor.posix_spawn]
[executor.forkserver]
INI
    run_pb 1 run f.ini -q --force
    [[ $(wc -l < f.csv) == 22 ]] || { cat f.csv; fail "$sched: expected 21 rows"; }
    # row WORKLOAD EXECUTOR: "status|error" of that row
    row() {
        paste -d'|' <(csv_col f.csv workload) <(csv_col f.csv executor) \
            <(csv_col f.csv status) <(csv_errors f.csv) |
            awk -F'|' -v w="$1" -v e="$2" '$1 == w && $2 == e { print $3 "|" $4 }'
    }
    expect() { # WORKLOAD STATUS ERROR-PATTERN (an extended regex)
        local e r
        for e in fork posix_spawn forkserver; do
            r=$(row "$1" $e)
            [[ ${r%%|*} == "$2" ]] || { cat f.csv; fail "$sched: $1 x $e: status ${r%%|*}, expected $2"; }
            grep -qE -- "$3" <<<"${r#*|}" || fail "$sched: $1 x $e: error '${r#*|}' lacks /$3/"
        done
    }
    # Static: task t runs on worker t mod 3.
    [[ $sched == static ]] && w4='worker 1 ' w2='worker 2 ' w5='worker 2 ' || w4='worker [0-9] ' w2=$w4 w5=$w4
    expect segv crashed "^${w4}killed by SIGSEGV in task 4"
    expect abort crashed "^${w2}killed by SIGABRT in task 2"
    expect hang timeout "timeout of 2s"
    expect exit crashed "^${w5}exited with status 7 in task 5"
    expect fail failed "task 3: deliberate failure in task 3"
    expect wrong failed "verification failed: a deliberately wrong answer"
    expect fine ok '^$'
    pass "$sched: every fault costs its row, with worker and task named"
done

# No worker of any cell is left, hung ones included.
none_left "processes outlived the run"
pass "no worker process left"

# Exec failure: a parbench copy with no parbench-worker next to it.
mkdir bin
cp "$PARBENCH" bin/parbench
export PARBENCH_PLUGIN_PATH=$PB_BUILD_DIR/plugins
cat > x.ini <<'INI'
[run]
workers = 2
repetitions = 1
warmup = 0
output = x.csv
[workload.noop]
[executor.posix_spawn]
INI
PARBENCH=bin/parbench run_pb 1 run x.ini -q
[[ $(csv_col x.csv status) == failed ]] || { cat x.csv; fail "missing worker: status"; }
# Neither beside it nor in the installed helper directory: the error
# names where an installed parbench keeps it.
assert_contains x.csv "cannot start worker 0: $WORK/bin/../libexec/parbench/parbench-worker: No such file or directory"
pass "a missing parbench-worker gives a readable failed row"

# A parbench-worker that starts but dies before it says anything.
printf '#!/bin/sh\nexit 5\n' > bin/parbench-worker
chmod +x bin/parbench-worker
PARBENCH=bin/parbench run_pb 1 run x.ini -q --force
[[ $(csv_col x.csv status) == crashed ]] || { cat x.csv; fail "broken worker: status"; }
assert_contains x.csv "exited with status 5 outside any task"
pass "a broken parbench-worker gives a readable crashed row"

# A parbench-worker run by hand explains itself instead of hanging.
out=$("$PB_BUILD_DIR/parbench-worker" </dev/null 2>&1 3>&-) && fail "parbench-worker by hand succeeded"
[[ $out == *"no valid start record"* ]] || fail "parbench-worker by hand: $out"
pass "parbench-worker by hand explains itself"
