#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Plugin faults reported like any other, naming the plugin: a bug the host
# finds (a parameter the table lacks) goes into the row's error with the
# plugin's name, a crash under a thread executor names the worker, the
# task and the workload as process executors do, a bug in check() is a
# plugin error before any cell runs, and `list` names each broken plugin
# file with its reason, lists the others and exits 1.
source "$(dirname "$0")/common.bash"
export PARBENCH_PLUGIN_PATH=$PB_TEST_PLUGIN_DIR
export ASAN_OPTIONS=handle_segv=0:handle_abort=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
export TSAN_OPTIONS=handle_segv=0:handle_abort=0:report_thread_leaks=0:atexit_sleep_ms=0${TSAN_OPTIONS:+:$TSAN_OPTIONS}

cat > f.ini <<'INI'
[run]
workers = 2
repetitions = 1
warmup = 0
timeout = 5s
output = f.csv
[workload.segv]
plugin = faulty
mode = segv
task = 3
[workload.bug-create]
plugin = faulty
mode = bad-param
[workload.bug-task]
plugin = faulty
mode = bad-param-task
task = 2
[executor.pthread]
INI
run_pb 1 run f.ini -q
# The error column read as CSV (it is quoted when it holds a comma).
error_of() {
    python3 -c 'import csv, sys
for r in csv.DictReader(open("f.csv", newline="")):
    if r["workload"] == sys.argv[1]: print(r["error"])' "$1"
}
status_of() { awk -F, -v w="$1" 'NR > 1 && $4 == w { print $11 }' f.csv; }

[[ $(status_of segv) == crashed ]] || { cat f.csv; fail "segv: $(status_of segv)"; }
error_of segv | grep -Eq "^cell process killed by SIGSEGV \(.*\) during the repetition: SIGSEGV in worker [01], task 3, running workload 'segv' \(plugin faulty\)$" ||
    { cat f.csv; fail "a thread's crash does not name worker, task and workload"; }
pass "a crash under threads names the worker, the task and the workload"

[[ $(status_of bug-create) == crashed ]] || { cat f.csv; fail "bug-create: $(status_of bug-create)"; }
error_of bug-create | grep -Fq "while creating the workload: SIGABRT in create() of workload 'bug-create' (plugin faulty): plugin bug in workload 'bug-create' (plugin faulty): param_uint('sead'): no such parameter in the plugin's table" ||
    { cat f.csv; fail "a host-found plugin bug in create() is not in the row"; }
error_of bug-task | grep -Eq "SIGABRT in worker [01], task 2, running workload 'bug-task' \(plugin faulty\): plugin bug in workload 'bug-task' \(plugin faulty\): param_uint\('sead'\): no such parameter" ||
    { cat f.csv; fail "a host-found plugin bug in run_task is not in the row"; }
pass "a plugin bug the host finds goes into the row's error with the plugin's name"

cat > c.ini <<'INI'
[run]
workers = 1
output = c.csv
[workload.bug-check]
plugin = faulty
mode = bad-param-check
[executor.serial]
INI
run_pb 2 check c.ini
assert_contains "$WORK/err" "parbench: workload 'bug-check' (plugin faulty, $PB_TEST_PLUGIN_DIR/workload-faulty.so): plugin bug in its check(): param_uint('sead'): no such parameter in the plugin's table; fix the plugin"
[[ ! -e c.csv ]] || fail "check wrote a results file"
pass "a plugin bug in check() is a plugin error, exit 2"

# A directory with a working plugin, one whose descriptor is refused and
# one that is not a shared object at all.
mkdir lp
cp "$PB_TEST_PLUGIN_DIR/workload-tp-sum.so" "$PB_TEST_PLUGIN_DIR/workload-badabi.so" lp/
echo "not a shared object" > lp/workload-garbage.so
PARBENCH_PLUGIN_PATH=$WORK/lp run_pb 1 list
grep -Eq "^workload +tp-sum " out || { cat out; fail "list lacks the working plugin"; }
grep -Eq "^executor +serial " out || { cat out; fail "list lacks the installed plugins"; }
if grep -Eq "badabi|garbage" out; then cat out; fail "list shows a broken plugin"; fi
assert_contains err "$WORK/lp/workload-badabi.so: ABI version 999"
assert_contains err "$WORK/lp/workload-garbage.so: cannot be loaded as a shared object"
assert_contains err "2 plugin files could not be loaded"
rm lp/workload-badabi.so
PARBENCH_PLUGIN_PATH=$WORK/lp run_pb 1 list
assert_contains err "1 plugin file could not be loaded (each named above with the reason) and is not listed"
rm lp/workload-garbage.so
PARBENCH_PLUGIN_PATH=$WORK/lp run_pb 0 list
grep -Eq "^workload +tp-sum " out || { cat out; fail "list lacks the working plugin"; }
pass "list: broken plugin files named with the reason, the others listed, exit 1"
