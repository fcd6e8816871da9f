#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Ctrl-C while worker processes (fork, posix_spawn, forkserver) hang in a
# task stops the run: exit status 1, a whole CSV with an `interrupted`
# row, and no process behind: none of the cell, worker and fork server
# processes seen before the signal, nor any other of the run.  How fast it
# stops is not checked (only a hang, after 120 s, fails).
source "$(dirname "$0")/common.bash"
export PARBENCH_PLUGIN_PATH=$PB_TEST_PLUGIN_DIR

for ex in fork posix_spawn forkserver; do
    rm -f i.csv
    cat > i.ini <<INI
[run]
workers = 3
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
tasks = 6
task = 4
[executor.$ex]
INI
    "$PARBENCH" run i.ini -q >out 2>err &
    pid=$!
    # The hanging cell runs once the first row is written and its cell
    # process has three worker processes (forkserver's are children of the
    # cell too, beside the server, pb-forkserver).
    cell_workers_hang $pid i.csv 2 3 || fail "$ex: the hanging cell never started"
    # Every process the run has started: the cell process, its 3 workers
    # and, under forkserver, the fork server.
    started=$(descendants $pid)
    want=4
    [[ $ex == forkserver ]] && want=5
    (( $(wc -w <<<"$started") >= want )) ||
        { show_procs $pid $started; fail "$ex: fewer than $want processes under the run"; }
    kill -INT $pid
    wait_status $pid "$ex: the run"
    [[ $STATUS == 1 ]] || { cat err; fail "$ex: exit status $STATUS, expected 1"; }
    pass "$ex: stopped with status 1"

    csv_whole i.csv || { od -c i.csv | tail -5; fail "$ex: the CSV is not whole"; }
    [[ $(csv_col i.csv status | tr '\n' ' ') == "ok interrupted " ]] || { cat i.csv; fail "$ex: rows"; }
    pass "$ex: CSV whole with an interrupted row"

    left=$(still_ours $started)
    [[ -z $left ]] || { show_procs $left; fail "$ex: processes of the run outlived it"; }
    left=$(left_behind)
    [[ -z $left ]] || { show_procs $left; fail "$ex: processes outlived the run"; }
    pass "$ex: none of the $(wc -w <<<"$started") processes it started is left, nor any other"
done
