#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Per-task dispatch makes no system call per task (issue 15): on every
# executor and schedule, 20 000 empty tasks cost fewer than 2 000 read or
# write calls more than 10 tasks (spawned workers claim from the job's
# shared counter; worker processes stream results in batches), counted by
# the kernel's per-process I/O accounting, which a parent inherits from the
# children it reaps.  And under the dynamic schedule no claim crosses a
# pipe: a process executor's ipc_bytes are the same under both schedules.
source "$(dirname "$0")/common.bash"

dispatch_ini

# ipc_bytes: 1000 tasks on 2 workers, dynamic against static.
for ex in fork posix_spawn; do
    for sched in dynamic static; do
        run_pb 0 run d.ini -q --force --set run.workers=2 --set workload.noop.tasks=1000 \
            --set "executor.$ex.schedule=$sched"
        [[ $(csv_col d.csv status) == ok ]] || { cat d.csv; fail "$ex $sched: not ok"; }
        eval "ipc_$sched=$(csv_col d.csv ipc_bytes)"
    done
    [[ $ipc_dynamic == "$ipc_static" ]] ||
        fail "$ex: ipc_bytes $ipc_dynamic under dynamic, $ipc_static under static: claims crossed a pipe"
    pass "$ex: ipc_bytes $ipc_dynamic under both schedules"
done

[[ -r /proc/self/io ]] || skip "no /proc/self/io (kernel without task I/O accounting)"

for ex in serial pthread gil fork posix_spawn; do
    for sched in dynamic static; do
        few=$(rw_calls 10 "$ex" "$sched") || fail "$ex $sched: 10 tasks failed"
        many=$(rw_calls 20000 "$ex" "$sched") || fail "$ex $sched: 20000 tasks failed"
        (( many - few < 2000 )) ||
            fail "$ex $sched: $few read/write calls for 10 tasks, $many for 20000"
        pass "$ex $sched: $few read/write calls for 10 tasks, $many for 20000"
    done
done
