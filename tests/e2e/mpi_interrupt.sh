#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Ctrl-C while MPI ranks hang in a task stops the run, leaves a whole CSV
# with an `interrupted` row, exits 1 and leaves no process behind: no cell,
# no mpirun, no rank; per repetition and per cell.
source "$(dirname "$0")/common.bash"
source "$(dirname "$0")/mpi_common.bash"
mpi_require
export PARBENCH_PLUGIN_PATH=$PB_TEST_PLUGIN_DIR

for lifetime in repetition cell; do
    rm -f i.csv
    cat > i.ini <<INI
[run]
workers = 3
repetitions = 1
; the fine cell first, then the hanging one (Ctrl-C under interleaved
; order is covered by e2e interleave)
order = grouped
warmup = 0
timeout = 60s
output = i.csv
[workload.fine]
plugin = faulty
[workload.hang]
plugin = faulty
mode = hang
tasks = 6
task = 4
[executor.mpi]
lifetime = $lifetime
INI
    "$PARBENCH" run i.ini -q >out 2>err &
    pid=$!
    # The hanging cell runs once the first row is written and its four
    # ranks (the root and three workers) are up.
    hanging() {
        [[ -f i.csv && $(wc -l < i.csv) == 2 ]] || return 1
        local p n=0
        for p in $(pgrep -x parbench-mpi-wo); do
            grep -qaF "PB_E2E_MARK=$WORK" /proc/$p/environ 2>/dev/null && n=$((n + 1))
        done
        ((n == 4))
    }
    # For a second on end: the fine cell's ranks may still be finishing
    # when its row is written (lifetime = cell ends them in destroy()).
    stable=0
    for _ in $(seq 600); do
        if hanging; then
            stable=$((stable + 1))
            ((stable >= 20)) && break
        else
            stable=0
        fi
        sleep 0.05
    done
    ((stable >= 20)) || { cat err; fail "$lifetime: the hanging cell never started"; }
    # The launcher is among the processes that must go: the check below
    # (every process of this test's run) covers mpirun and any Open MPI
    # daemon (orted, prted) it started.
    launchers=$(for p in $(left_behind); do cat /proc/$p/comm 2>/dev/null; done |
        grep -cE '^(mpirun|orterun|prterun|orted|prted)$' || true)
    ((launchers >= 1)) || fail "$lifetime: no mpirun seen among the run's processes"
    kill -INT $pid
    status=0
    wait $pid || status=$?
    [[ $status == 1 ]] || { cat err; fail "$lifetime: exit status $status, expected 1"; }
    pass "$lifetime: stopped with status 1"

    [[ $(csv_col i.csv status | tr '\n' ' ') == "ok interrupted " ]] || { cat i.csv; fail "$lifetime: rows"; }
    pass "$lifetime: CSV whole with an interrupted row"

    # The ranks die with their launcher (PR_SET_PDEATHSIG): give them the
    # moment the kernel takes.
    for _ in $(seq 30); do [[ -z $(left_behind) ]] && break; sleep 0.1; done
    none_left "$lifetime: processes outlived the run"
    pass "$lifetime: no process left"
done
