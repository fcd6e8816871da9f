#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The mpi executor on this machine: every workload (noop, prime-count,
# matrix-mult, http-download) at 1, 2 and 4 workers (1 and 2 in the
# sanitizer builds; oversubscribed on a small machine), static and
# dynamic, lifetime repetition and cell; every row ok with the checksum
# pthread's row has; ranks are launched once per repetition or once per
# cell, as asked; resources gathered from the ranks; a hostfile naming
# localhost twice; no rank outlives the run.
source "$(dirname "$0")/common.bash"
source "$(dirname "$0")/mpi_common.bash"
mpi_require

# A launcher that counts its launches, then is mpirun.
real=$(command -v mpirun)
cat > mpirun-counted <<SH
#!/bin/sh
echo launch >> "$WORK/launches"
exec "$real" "\$@"
SH
chmod +x mpirun-counted

# The worker counts: 1, 2 and 4.  In the sanitizer builds every rank
# starts Open MPI under the sanitizer (this file took 410 s under TSan on
# a 2-vCPU guest, the longest test of CI), and 1 and 2 workers take the
# paths that 4 take; those builds stop at 2.
counts=(1 2 4)
case ${PB_BUILD_TYPE:-} in Asan | Tsan) counts=(1 2) ;; esac
nc=${#counts[@]}
cat > m.ini <<INI
[run]
workers = $(IFS=,; echo "${counts[*]}" | sed 's/,/, /g')
repetitions = 2
warmup = 1
timeout = 60s
output = m.csv
[workload.noop]
tasks = 8
[workload.prime-count]
limit = 200000
tasks = 16
[workload.matrix-mult]          ; rows of C travel as MPI messages
n = 96
tasks = 8
[workload.http-download]
url = \${server}/bytes/16KiB?seed={task}
files = 8
[executor.pthread]
[executor.mpi]
mpirun = $WORK/mpirun-counted
[executor.mpi-static]
plugin = mpi
schedule = static
[executor.mpi-cell]
plugin = mpi
lifetime = cell
mpirun = $WORK/mpirun-counted
INI

run_pb 0 check m.ini
assert_contains out "mpi-cell"
run_pb 0 run m.ini -q
rows=$(($(wc -l < m.csv) - 1))
[[ $rows == $((4 * 4 * nc * 2)) ]] || { cat m.csv; fail "expected $((4 * 4 * nc * 2)) rows, got $rows"; }
[[ $(csv_col m.csv status | sort -u) == ok ]] || { cut -d, -f4,6,7,11,24- m.csv; fail "rows not ok"; }
pass "every workload under mpi at $(IFS=,; echo "${counts[*]}" | sed 's/,/, /g') workers, static, dynamic and per cell: ok"

# The answers: one checksum per workload and worker count, whatever the
# executor.
paste -d, <(csv_col m.csv workload) <(csv_col m.csv workers) <(csv_col m.csv executor) \
    <(csv_col m.csv checksum) > sums
for w in noop prime-count matrix-mult http-download; do
    for n in "${counts[@]}"; do
        want=$(awk -F, -v w=$w -v n=$n '$1 == w && $2 == n && $3 == "pthread" { print $4 }' sums | sort -u)
        got=$(awk -F, -v w=$w -v n=$n '$1 == w && $2 == n { print $4 }' sums | sort -u)
        [[ -n $want && $got == "$want" ]] || fail "$w at $n: checksums $got, pthread's $want"
    done
done
pass "mpi checksums equal pthread's for every workload and worker count"

# Launches: per repetition, one for each of 4 workloads x 3 worker counts x
# (1 warmup + 2 repetitions) = 36; per cell, one for each of 12 cells (24
# and 8 with 2 worker counts).
launches=$(wc -l < launches)
per_rep=$((4 * nc * 3)) per_cell=$((4 * nc))
[[ $launches == $((per_rep + per_cell)) ]] ||
    fail "mpirun launched $launches times, expected $per_rep + $per_cell"
pass "ranks launched per repetition ($per_rep) and per cell ($per_cell)"

# What crossed between ranks and the coordinator, and the ranks' resources.
paste -d, <(csv_col m.csv executor) <(csv_col m.csv ipc_bytes) <(csv_col m.csv pss_kib) \
    <(csv_col m.csv peak_rss_kib) <(csv_col m.csv user_s) <(csv_col m.csv sys_s) <(csv_col m.csv workload) > res
awk -F, '$1 ~ /^mpi/ && ($2 <= 0 || $3 <= 0 || $4 <= 0 || $5 + $6 <= 0) { bad = 1; print }
         END { exit bad }' res || fail "an mpi row lacks ipc_bytes, pss, peak RSS or CPU time"
# matrix-mult's rows of C (96 x 96 doubles) crossed as messages.
awk -F, '$1 ~ /^mpi/ && $7 == "matrix-mult" && $2 < 96 * 96 * 8 { bad = 1; print } END { exit bad }' res ||
    fail "matrix-mult under mpi: ipc_bytes below the size of C"
# The ranks pass their USS as they pass their Pss: uss_kib is summed over
# the ranks (at least one private page each, and never above the Pss sum);
# their page faults are counted.
paste -d, <(csv_col m.csv executor) <(csv_col m.csv uss_kib) <(csv_col m.csv minflt) \
    <(csv_col m.csv pss_kib) <(csv_col m.csv workers) > uss
awk -F, '$1 ~ /^mpi/ && ($2 == "" || $2 < 4 * ($5 + 2) || $2 > $4 || $3 == "") { bad = 1; print }
         END { exit bad }' uss || fail "an mpi row lacks a summed uss_kib, or minflt"
pass "ipc_bytes, pss_kib, uss_kib, peak_rss_kib and CPU time gathered from the ranks"

# The metadata lists the hosts that ran ranks, once each, with CPU model
# and core count: here this machine alone.
hl=$(grep -cE "^ *\{\"name\": \"$(hostname)\", \"cpu_model\": \"[^\"]+\", \"cores\": $(nproc)\}$" m.csv.meta.json || true)
[[ $hl == 1 ]] || { grep -A4 process_hosts m.csv.meta.json; fail "metadata: process_hosts lists this host $hl times"; }
[[ $(grep -c '"name": ' m.csv.meta.json) == 1 ]] || fail "metadata: a host other than this one"
pass "the metadata lists the host that ran ranks, with CPU model and cores"

# A hostfile naming localhost twice (one slot each): two ranks fit; three
# do not without oversubscription, which is a readable failed row.
printf 'localhost\nlocalhost\n' > hosts
cat > hf.ini <<INI
[run]
workers = 1, 2
repetitions = 1
warmup = 0
output = hf.csv
[workload.prime-count]
limit = 100000
[executor.pthread]
[executor.mpi]
hostfile = $WORK/hosts
oversubscribe = false
INI
run_pb 1 run hf.ini -q
paste -d'|' <(csv_col hf.csv executor) <(csv_col hf.csv workers) <(csv_col hf.csv status) \
    <(csv_col hf.csv checksum) <(csv_errors hf.csv) > hfr
grep -q '^mpi|1|ok|' hfr || { cat hfr; fail "the hostfile run at 1 worker (2 ranks) is not ok"; }
[[ $(grep '^mpi|1|' hfr | cut -d'|' -f4) == $(grep '^pthread|1|' hfr | cut -d'|' -f4) ]] ||
    fail "hostfile run: checksum differs from pthread's"
grep -qE '^mpi\|2\|failed\|.*not enough slots.*oversubscribe' hfr ||
    { cat hfr; fail "3 ranks on 2 slots: no readable failed row"; }
pass "hostfile with localhost twice: 2 ranks ok, 3 ranks a clear failed row"

# Nothing of Open MPI outlives the run (lifetime = cell ends with the
# cell; give the last launcher a moment to finish).
for _ in $(seq 50); do [[ -z $(left_behind) ]] && break; sleep 0.1; done
none_left "processes outlived the run"
pass "no rank or launcher left"

# Dynamic claims are one-sided by default: every rank on one host, an
# atomic add on a counter in an MPI shared-memory window; through Open
# MPI's point-to-point window (what hosts without shared memory use),
# MPI_Fetch_and_op; a launcher without any one-sided component leaves them
# messages answered by the root.  Each claim moves the 8 bytes of the index
# either way (18 claims for 16 tasks and 2 workers: each worker's last one
# finds none), but only a root that answers claims itself relays each task
# handed out to the cell (a frame of 8 + 16 bytes): ranks on the cell's
# host store their task in the task page instead.  With task_page = false
# a rank reports as one on another host does: a notice of 8 bytes per
# one-sided claim, relayed as that frame.
cat > cl.ini <<INI
[run]
workers = 2
repetitions = 1
warmup = 0
timeout = 60s
schedule = dynamic
output = cl.csv
[workload.prime-count]
limit = 200000
tasks = 16
[executor.pthread]
[executor.mpi]
[executor.mpi-cell]
plugin = mpi
lifetime = cell
[executor.mpi-nopage]
plugin = mpi
task_page = false
INI
for osc in default pt2pt monitoring; do
    if [[ $osc == default ]]; then
        run_pb 0 run cl.ini -q --force
    else
        OMPI_MCA_osc=$osc run_pb 0 run cl.ini -q --force
    fi
    [[ $(csv_col cl.csv status | sort -u) == ok ]] || { cat cl.csv; fail "claims ($osc window): a row is not ok"; }
    [[ $(csv_col cl.csv checksum | sort -u | wc -l) == 1 ]] ||
        { cat cl.csv; fail "claims ($osc window): checksums differ from pthread's"; }
    paste -d, <(csv_col cl.csv executor) <(csv_col cl.csv ipc_bytes) | grep '^mpi' | sort > "ipc-$osc"
done
join -t, ipc-default ipc-monitoring | grep -v '^mpi-nopage,' |
    awk -F, '$3 - $2 != 16 * (8 + 16) { bad = 1; print } END { exit bad }' ||
    fail "one-sided claims with the task page: ipc_bytes not 16 x (8 + 16) below the claims as messages"
join -t, ipc-default ipc-pt2pt | awk -F, '$2 != $3 { bad = 1; print } END { exit bad }' ||
    fail "claims through the point-to-point window: ipc_bytes differ from the shared-memory one's"
awk -F, '{ b[$1] = $2 } END { exit b["mpi-nopage"] - b["mpi"] != 16 * 8 + 16 * (8 + 16) }' ipc-default ||
    { cat ipc-default; fail "task_page = false: ipc_bytes not 16 notices and 16 task frames above the task page's"; }
pass "dynamic claims one-sided (shared-memory and point-to-point windows), messages without a window; the task page"

# Per-task dispatch makes no system call per task (issue 15, as
# dispatch.sh checks for the other executors): ranks on the cell's host
# send results in batches, and the root writes its frames many to a write
# into a pipe of the cell's own (not through mpirun's relay), so 20 000
# empty tasks cost fewer than 2 000 read or write calls more than 10,
# counted over parbench and everything it reaped (mpirun and the ranks).
if [[ -r /proc/self/io ]]; then
    dispatch_ini
    for sched in dynamic static; do
        few=$(rw_calls 10 mpi "$sched") || fail "mpi $sched: 10 tasks failed"
        many=$(rw_calls 20000 mpi "$sched") || fail "mpi $sched: 20000 tasks failed"
        (( many - few < 2000 )) ||
            fail "mpi $sched: $few read/write calls for 10 tasks, $many for 20000"
        pass "mpi $sched: $few read/write calls for 10 tasks, $many for 20000"
    done
fi

# Between repetitions the ranks of a cell kept for the cell (lifetime =
# cell) wait for the next one, which under order = interleaved is while
# other cells are measured: its workers sleep on the task page's bell
# rather than probing MPI every 250 us (about 4 000 wakeups a second each,
# taken from the cell being measured; issue 15).  Held between
# repetitions here by stopping the cell process (mpirun's parent): its
# ranks, threads included, switch fewer than 200 times in the next second.
cat > idle.ini <<INI
[run]
workers = 1
repetitions = 400
warmup = 0
timeout = 60s
memory = off
output = idle.csv
[workload.noop]
tasks = 8
[executor.mpi-cell]
plugin = mpi
lifetime = cell
INI
# switches PID...: context switches so far of every thread of the PIDs
switches() {
    local p
    for p in "$@"; do cat /proc/"$p"/task/*/status 2>/dev/null; done |
        awk '/ctxt_switches/ { n += $2 } END { print n + 0 }'
}
"$PARBENCH" run idle.ini -q > idle.out 2>&1 &
runner=$!
cell='' ranks=''
for _ in $(seq 300); do
    if [[ -z $cell ]]; then
        for p in $(descendants "$runner"); do
            [[ $(cat /proc/"$p"/comm 2>/dev/null) == mpirun ]] && launcher=$p &&
                cell=$(awk '{ print $4 }' /proc/"$p"/stat)
        done
    fi
    [[ -n $cell && -s idle.csv && $(wc -l < idle.csv) -ge 3 ]] && break
    sleep 0.05
done
[[ -n $cell ]] || { kill "$runner"; fail "no mpirun under the run"; }
kill -STOP "$cell"
sleep 0.3
ranks=$(pgrep -P "$launcher" | tr '\n' ' ')
before=$(switches $ranks)
sleep 1
after=$(switches $ranks)
kill -CONT "$cell"
wait "$runner" || { cat idle.out; fail "the run of idle.ini failed"; }
[[ $(csv_col idle.csv status | sort -u) == ok ]] || { cat idle.csv; fail "idle.ini: a row is not ok"; }
[[ -n $ranks ]] || fail "no rank under mpirun"
(( after - before < 200 )) ||
    fail "the ranks ($ranks) of a cell between repetitions switched $((after - before)) times in a second"
pass "between repetitions a kept cell's ranks sleep: $((after - before)) switches in a second"

# [run] memory = off: no rank reads its smaps_rollup, none waits for a
# release (the core leaves pss_kib and uss_kib empty); with memory = on
# every rank reads its own while all of them live.
command -v strace > /dev/null || skip "strace is not installed: the memory = off check needs it"
cat > mem.ini <<INI
[run]
workers = 2
repetitions = 2
warmup = 0
timeout = 60s
output = mem.csv
[workload.noop]
tasks = 8
[executor.mpi-rep]
plugin = mpi
[executor.mpi-cell]
plugin = mpi
lifetime = cell
INI
for m in off on; do
    traced_run openat "mem-$m.tr" run mem.ini -q --force --set run.memory=$m
    [[ $(csv_col mem.csv status | sort -u) == ok ]] || { cat mem.csv; fail "memory = $m: a row is not ok"; }
done
# 2 executors x 2 repetitions x 3 ranks.
(( $(grep -c smaps_rollup mem-off.tr || true) == 0 )) ||
    fail "memory = off: smaps_rollup read $(grep -c smaps_rollup mem-off.tr) times"
(( $(grep -c smaps_rollup mem-on.tr || true) >= 12 )) ||
    fail "memory = on: smaps_rollup read only $(grep -c smaps_rollup mem-on.tr || true) times"
[[ -z $(csv_col mem.csv pss_kib | grep -v '^[1-9][0-9]*$' || true) ]] || fail "memory = on: a pss_kib is empty"
pass "mpi with memory = off: no rank reads its memory"
