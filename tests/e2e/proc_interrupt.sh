#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Ctrl-C while worker processes (fork, posix_spawn, forkserver) hang in a task stops the
# run within two seconds, leaves a whole CSV with an `interrupted` row,
# exits 1 and leaves no process behind: no cell, no worker, no fork
# server.
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
    start=$(date +%s%N)
    kill -INT $pid
    status=0
    wait $pid || status=$?
    elapsed_ms=$((($(date +%s%N) - start) / 1000000))
    [[ $status == 1 ]] || { cat err; fail "$ex: exit status $status, expected 1"; }
    (( elapsed_ms < 2000 )) || fail "$ex: took ${elapsed_ms} ms to stop"
    pass "$ex: stopped in ${elapsed_ms} ms with status 1"

    [[ $(csv_col i.csv status | tr '\n' ' ') == "ok interrupted " ]] || { cat i.csv; fail "$ex: rows"; }
    pass "$ex: CSV whole with an interrupted row"

    left=$(left_behind)
    [[ -z $left ]] || { ps -o pid,ppid,pgid,stat,cmd -p $left; fail "$ex: processes outlived the run"; }
    pass "$ex: no process left"
done
