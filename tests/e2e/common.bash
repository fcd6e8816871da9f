# SPDX-License-Identifier: MIT
# Sourced by the end-to-end tests: strict mode, a scratch directory, and
# small assertions that name what failed.  CTest sets PARBENCH,
# PB_SOURCE_DIR, PB_BUILD_DIR and PB_TEST_PLUGIN_DIR.
set -euo pipefail
: "${PARBENCH:?set by CTest}" "${PB_SOURCE_DIR:?set by CTest}"
# Under the sanitizers a plugin's deliberate SIGSEGV must still kill the
# process by the signal (they would otherwise report it and exit).
export ASAN_OPTIONS="handle_segv=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export TSAN_OPTIONS="handle_segv=0${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/parbench-e2e.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }
# skip REASON: what follows cannot run on this machine (a tool is missing,
# the machine is too big or too small).  Exits 77, which CTest reports as
# "Skipped" (SKIP_RETURN_CODE in tests/CMakeLists.txt), never as a pass;
# checks made before the call have passed.
skip() { echo "skip - $*"; exit 77; }

# run_pb EXPECTED_STATUS ARGS...: runs parbench, keeps stdout/stderr in
# $WORK/out and $WORK/err, and checks the exit status.
run_pb() {
    local want=$1; shift
    local got=0
    "$PARBENCH" "$@" >"$WORK/out" 2>"$WORK/err" || got=$?
    if [[ $got != "$want" ]]; then
        echo "--- stdout"; cat "$WORK/out"; echo "--- stderr"; cat "$WORK/err"
        fail "parbench $* exited $got, expected $want"
    fi
}

# csv_col FILE NAME: the values of column NAME, one per line (simple CSV:
# fields without embedded commas or quotes, which is what the numeric and
# name columns are).
csv_col() {
    awk -F, -v name="$2" '{ sub(/\r$/, "") }
                          NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
                          { print $c }' "$1"
}

# csv_errors FILE: the error column, one per line, for rows whose other
# fields are plain (the error alone may hold commas): the fields before and
# after it are counted from the header, so appended columns do not matter.
csv_errors() {
    awk -F, '{ sub(/\r$/, "") }
             NR == 1 { for (i = 1; i <= NF; i++) if ($i == "error") c = i; after = NF - c; next }
             { s = ""; for (i = c; i <= NF - after; i++) s = s (i > c ? "," : "") $i; print s }' "$1"
}

assert_contains() { grep -qF -- "$2" "$1" || { cat "$1"; fail "$1 lacks: $2"; }; }

# Every process started by a test inherits PB_E2E_MARK (forked and spawned
# workers too); left_behind prints the pids of those still alive, so that
# a test can check that no process outlived the run even while other tests
# run in parallel.
export PB_E2E_MARK=$WORK
left_behind() {
    local p pids
    pids=$(grep -lsaF "PB_E2E_MARK=$WORK" /proc/[0-9]*/environ 2>/dev/null |
        cut -d/ -f3 || true)
    # Not this shell, nor the subshell and commands of the line above.
    for p in $pids; do
        [[ $p != "$$" && $p != "$BASHPID" && -e /proc/$p ]] && echo "$p"
    done
    return 0
}

# none_left MESSAGE: fail with MESSAGE, the leftovers listed, when a
# process this test started is still there (left_behind).
none_left() {
    local left
    left=$(left_behind)
    [[ -z $left ]] || { ps -o pid,ppid,pgid,stat,cmd -p $left; fail "$1"; }
}

# descendants PID: the pids of PID's children, of theirs, and so on.
descendants() {
    local c
    for c in $(pgrep -P "$1" || true); do
        echo "$c"
        descendants "$c"
    done
}

# still_ours PID...: prints those of the PIDs that are still processes of
# this test (alive, with its PB_E2E_MARK: a pid reused since is not).
still_ours() {
    local p
    for p in "$@"; do
        grep -qsaF "PB_E2E_MARK=$WORK" "/proc/$p/environ" 2>/dev/null && echo "$p"
    done
    return 0
}

# show_procs PID...: ps lines of those of the PIDs still alive.
show_procs() {
    local list
    list=$(echo "$@" | tr -s ' \n' ',,' | sed 's/^,//; s/,$//')
    [[ -n $list ]] && ps -o pid,ppid,pgid,stat,cmd -p "$list"
    return 0
}

# wait_status PID WHAT: waits for the background job PID and sets STATUS
# to its exit status.  At most 120 s: a protection against a hang, not a
# threshold (how fast it ends is never checked); a job still running then
# is killed and the test fails.
wait_status() {
    if ! timeout 120 tail --pid="$1" -s 0.1 -f /dev/null; then
        kill -KILL "$1" 2>/dev/null || true
        fail "$2: still running 120 s after it was told to stop"
    fi
    STATUS=0
    wait "$1" || STATUS=$?
}

# csv_whole FILE: status 0 when FILE is a whole CSV: a header and at least
# one row, each line with as many fields as the header (quoted commas not
# counted; fields without embedded line ends), the last line ended.
csv_whole() {
    [[ -s $1 && $(tail -c1 "$1" | od -An -tx1 | tr -d ' ') == 0a ]] || return 1
    awk '{ n = 1; q = 0
           for (i = 1; i <= length($0); i++) {
               ch = substr($0, i, 1)
               if (ch == "\"") q = !q
               else if (ch == "," && !q) n++
           }
           if (NR == 1) h = n
           else if (n != h || q) bad = 1 }
         END { exit (bad || NR < 2) }' "$1"
}

# start_badserver: starts the misbehaving test server (tests/tools/
# badserver.c) for at most 120 s, stopped when the test ends; sets
# BAD_PORT (its port) and BAD_REFUSED (a port nothing listens on).
start_badserver() {
    local bad_bin=${PB_BUILD_DIR:?}/tests/pb-test-badserver
    [[ -x $bad_bin ]] || fail "$bad_bin is not built"
    "$bad_bin" 120 > "$WORK/bad.out" &
    BAD_PID=$!
    trap 'kill $BAD_PID 2>/dev/null || true; wait $BAD_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
    for _ in $(seq 100); do [[ -s $WORK/bad.out ]] && break; sleep 0.1; done
    read -r BAD_PORT BAD_REFUSED < "$WORK/bad.out" || fail "badserver did not start"
}

# cell_workers_hang PID CSV ROWS WORKERS: waits (up to 15 s) until the
# `parbench run` PID has written ROWS lines of CSV (header included) and
# one of its cell processes has WORKERS worker children (forkserver's
# server, pb-forkserver, not counted); status 1 if that never happens.
cell_workers_hang() {
    local c _
    for _ in $(seq 300); do
        if [[ -f $2 && $(wc -l < "$2") == "$3" ]]; then
            for c in $(pgrep -P "$1"); do
                (( $(pgrep -P "$c" | wc -l) - $(pgrep -P "$c" -x pb-forkserver | wc -l) == $4 )) && return 0
            done
        fi
        sleep 0.05
    done
    return 1
}

# traced_run TRACE OUT ARGS...: `parbench ARGS` under `strace -f`, the
# system calls TRACE (strace's -e trace= list) written to OUT; fails the
# test (with parbench's stderr) when the run fails.  STRACE_EXTRA: more
# strace options (e.g. "-s 200000 -xx": whole buffers, in hex).  The
# caller checks that strace is installed (a skip otherwise).
traced_run() {
    local trace=$1 out=$2; shift 2
    # LeakSanitizer cannot run under ptrace: leaks are checked elsewhere.
    # shellcheck disable=SC2086 # STRACE_EXTRA is a list of options
    ASAN_OPTIONS="detect_leaks=0:$ASAN_OPTIONS" \
        strace -f -qq ${STRACE_EXTRA:-} -e trace="$trace" -o "$out" "$PARBENCH" "$@" \
        > /dev/null 2> "$WORK/err" || { cat "$WORK/err"; fail "parbench $* under strace failed"; }
}

# The per-task dispatch check (dispatch.sh, mpi.sh): d.ini, noop with one
# worker; rw_calls TASKS EXECUTOR SCHEDULE prints the read + write calls of
# a whole parbench run of it (the subshell waits for parbench, so its
# counters include parbench's and every descendant's that was reaped).
dispatch_ini() {
    cat > d.ini <<'INI'
[run]
workers = 1
repetitions = 1
warmup = 0
timeout = 60s
output = d.csv
[workload.noop]
tasks = 10
INI
}
rw_calls() {
    bash -c '"$0" run d.ini -q --force --set workload.noop.tasks="$1" \
                 --set "executor.$2.schedule=$3" > /dev/null 2>&1 || exit 1
             awk "/^sysc[rw]:/ { n += \$2 } END { print n }" /proc/$$/io' \
        "$PARBENCH" "$1" "$2" "$3"
}
