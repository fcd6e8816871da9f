#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A plugin that crashes, hangs, fails or lies costs its row, never the run.
source "$(dirname "$0")/common.bash"
export PARBENCH_PLUGIN_PATH=$PB_TEST_PLUGIN_DIR
# Under the sanitizers a SIGSEGV would become "exited with status 1" (or
# 66): let the deliberate one kill the process as in a normal build.  A
# deliberate _exit() leaves threads running, for which TSan would report
# leaks and sleep a second (atexit_sleep_ms) -- as long as the timeout.
export ASAN_OPTIONS=handle_segv=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
export TSAN_OPTIONS=handle_segv=0:report_thread_leaks=0:atexit_sleep_ms=0${TSAN_OPTIONS:+:$TSAN_OPTIONS}

cat > f.ini <<'INI'
[run]
workers = 2
repetitions = 2
warmup = 0
timeout = 1s
output = f.csv
[workload.segv]
plugin = faulty
mode = segv
task = 1
[workload.abort]
plugin = faulty
mode = abort
[workload.hang]
plugin = faulty
mode = hang
[workload.exit]
plugin = faulty
mode = exit
[workload.fail]
plugin = faulty
mode = fail
task = 3
[workload.wrong]
plugin = faulty
mode = wrong
[workload.hang-create]
plugin = faulty
mode = hang-create
[workload.fine]
plugin = faulty
[executor.pthread]
INI
run_pb 1 run f.ini -q
[[ $(wc -l < f.csv) == 17 ]] || { cat f.csv; fail "expected 16 rows"; }

status_of() { paste -d' ' <(csv_col f.csv workload) <(csv_col f.csv status) | awk -v w="$1" '$1 == w { print $2 }' | sort -u; }
[[ $(status_of segv) == crashed ]] || fail "segv: $(status_of segv)"
[[ $(status_of abort) == crashed ]] || fail "abort: $(status_of abort)"
[[ $(status_of hang) == timeout ]] || fail "hang: $(status_of hang)"
[[ $(status_of exit) == crashed ]] || fail "exit: $(status_of exit)"
[[ $(status_of fail) == failed ]] || fail "fail: $(status_of fail)"
[[ $(status_of wrong) == failed ]] || fail "wrong: $(status_of wrong)"
[[ $(status_of hang-create) == timeout ]] || fail "hang-create: $(status_of hang-create)"
[[ $(status_of fine) == ok ]] || fail "fine: $(status_of fine)"
pass "statuses"

assert_contains f.csv "SIGSEGV"
assert_contains f.csv "SIGABRT"
assert_contains f.csv "timeout of 1s"
assert_contains f.csv "creating the workload exceeded the timeout of 1s"
assert_contains f.csv "deliberate failure in task 3"
assert_contains f.csv "verification failed"
pass "errors are readable"

# Rows that are not ok have an error; ok rows have none.
paste <(csv_col f.csv status) <(csv_col f.csv error) |
    awk -F'\t' '($1 == "ok") != ($2 == "") { bad++ } END { exit bad > 0 }' || fail "error column"
pass "error column"
