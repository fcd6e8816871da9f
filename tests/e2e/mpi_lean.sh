#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Nothing of Open MPI is mapped in parbench, in parbench-worker or in a
# cell process, whatever its executor (mpi included: only the ranks,
# parbench-mpi-worker, link Open MPI), so fork costs stay as measured for
# the other executors.  Every process of a run is sampled while its cell
# hangs in a task: /proc/PID/maps of each, by program.  That the sampling
# sees Open MPI where it is (the ranks) shows it could see it elsewhere.
source "$(dirname "$0")/common.bash"
source "$(dirname "$0")/mpi_common.bash"
mpi_require
export PARBENCH_PLUGIN_PATH=$PB_TEST_PLUGIN_DIR

cat > l.ini <<INI
[run]
workers = 2
repetitions = 1
warmup = 0
order = grouped
timeout = 5s
output = l.csv
[workload.hang]
plugin = faulty
mode = hang
tasks = 4
task = 1
[executor.pthread]
[executor.fork]
[executor.posix_spawn]
[executor.mpi]
INI

"$PARBENCH" run l.ini -q >out 2>err &
pid=$!
# One line per process and sample: "COMM yes|no" (maps Open MPI or not).
: > maps
# This run's processes among those of the programs concerned (cheaper
# than every process's environment on a busy machine, so that no cell's
# five seconds go unsampled).
ours() {
    local p
    for p in $(pgrep -x 'parbench|parbench-worker|parbench-mpi-wo|mpirun'); do
        grep -qaF "PB_E2E_MARK=$WORK" /proc/$p/environ 2>/dev/null && echo "$p"
    done
    return 0
}
while kill -0 $pid 2>/dev/null; do
    for p in $(ours); do
        comm=$(cat /proc/$p/comm 2>/dev/null) || continue
        m=$(cat /proc/$p/maps 2>/dev/null) || continue
        [[ -n $m ]] || continue
        if grep -qE '/lib(mpi|open-pal|open-rte|pmix)[^/]*\.so' <<<"$m"; then
            echo "$comm yes $p" >> maps
        else
            echo "$comm no $p" >> maps
        fi
    done
    sleep 0.05
done
wait $pid || true
[[ $(csv_col l.csv status | sort -u) == timeout ]] || { cat l.csv err; fail "expected 4 timeout rows"; }

grep -q '^parbench-mpi-wo yes' maps || { sort -u maps; fail "the ranks were never seen mapping Open MPI: the sampling proves nothing"; }
grep -q '^parbench-worker ' maps || { sort -u maps; fail "no parbench-worker was sampled"; }
# The runner, the cell processes and fork's workers: at least three
# parbench processes at once.
[[ $(grep -c '^parbench ' maps) -ge 3 ]] || { sort -u maps; fail "too few parbench processes sampled"; }
if grep -E '^(parbench|parbench-worker) yes' maps; then
    fail "Open MPI is mapped in parbench or parbench-worker (above)"
fi
pass "Open MPI mapped in the ranks only: never in parbench, its cells or parbench-worker"
