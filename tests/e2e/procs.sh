#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The process executors (fork, posix_spawn, forkserver) run noop and prime-count under
# both schedules on odd splits (7 tasks on 3 workers, 1 on 8, 1000 on 2),
# every answer right, and account for their worker processes.
source "$(dirname "$0")/common.bash"

cat > p.ini <<'INI'
[run]
workers = 3
repetitions = 1
warmup = 0
timeout = 60s
output = p.csv
[workload.noop]
tasks = 7
[workload.prime-count]
limit = 100000
tasks = 7
method = trial
[executor.fork]
schedule = dynamic
[executor.fork-static]
plugin = fork
schedule = static
[executor.posix_spawn]
schedule = dynamic
[executor.spawn-static]
plugin = posix_spawn
schedule = static
[executor.forkserver]
schedule = dynamic
[executor.forkserver-static]
plugin = forkserver
schedule = static
INI

# csv_rows FILE: workload executor workers tasks schedule status checksum
# ipc_bytes pss_kib peak_rss_kib user_s, one row per line.
csv_rows() {
    paste -d' ' <(csv_col "$1" workload) <(csv_col "$1" executor) \
        <(csv_col "$1" workers) <(csv_col "$1" tasks) <(csv_col "$1" schedule) \
        <(csv_col "$1" status) <(csv_col "$1" checksum) <(csv_col "$1" ipc_bytes) \
        <(csv_col "$1" pss_kib) <(csv_col "$1" peak_rss_kib) <(csv_col "$1" user_s)
}

for shape in 7:3 1:8 1000:2; do
    tasks=${shape%:*} workers=${shape#*:}
    run_pb 0 run p.ini -q --force --set run.workers=$workers \
        --set workload.noop.tasks=$tasks --set workload.prime-count.tasks=$tasks
    [[ $(wc -l < p.csv) == 13 ]] || { cat p.csv; fail "$shape: expected 12 rows"; }
    noop_sum=$(printf '0x%x' $((tasks * (tasks + 1) / 2)))
    while read -r wl ex w t sched status sum ipc pss rss user; do
        what="$wl x $ex, $t tasks on $w workers ($sched)"
        [[ $status == ok ]] || { cat p.csv; fail "$what: $status"; }
        [[ $w == "$workers" && $t == "$tasks" ]] || fail "$what: shape"
        case $ex in *static) [[ $sched == static ]] ;; *) [[ $sched == dynamic ]] ;; esac ||
            fail "$what: schedule $sched"
        if [[ $wl == noop ]]; then
            [[ $sum == "$noop_sum" ]] || fail "$what: checksum $sum, expected $noop_sum"
        else
            # 9592 primes below 100000
            [[ $sum == 0x2578 ]] || fail "$what: checksum $sum, expected 0x2578"
        fi
        # Every result and every worker's final report (a 72-byte header
        # each at least) crossed a pipe, and each worker
        # process has a resident set and a share of memory.
        (( ipc >= 72 * (tasks + workers) )) || fail "$what: ipc_bytes $ipc"
        (( pss > 0 && rss > 0 )) || fail "$what: pss $pss rss $rss"
    done < <(csv_rows p.csv)
    pass "$tasks tasks on $workers workers: 12 rows ok, answers right"
done
