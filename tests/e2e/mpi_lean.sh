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
# One line per process and sample: "COMM yes|no PID PPID" (maps Open MPI
# or not).
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
        ppid=$(awk '$1 == "PPid:" { print $2 }' /proc/$p/status 2>/dev/null) || continue
        m=$(cat /proc/$p/maps 2>/dev/null) || continue
        [[ -n $m && -n $ppid ]] || continue
        if grep -qE '/lib(mpi|open-pal|open-rte|pmix)[^/]*\.so' <<<"$m"; then
            echo "$comm yes $p $ppid" >> maps
        else
            echo "$comm no $p $ppid" >> maps
        fi
    done
    sleep 0.05
done
wait_status $pid "the run"
[[ $STATUS == 1 ]] || { cat err; fail "the run of hanging cells exited $STATUS, expected 1 (rows not ok)"; }
[[ $(csv_col l.csv status | sort -u) == timeout && $(csv_col l.csv status | wc -l) == 4 ]] ||
    { cat l.csv err; fail "expected 4 timeout rows"; }

# The processes inspected, each counted once however often it was
# sampled, by kind: the runner, its cell processes (one per executor),
# fork's workers (parbench processes whose parent is a cell),
# posix_spawn's (parbench-worker) and the ranks (parbench-mpi-worker):
# at least the 2 workers of each and the 3 ranks (the root and 2).
cells=$(awk -v r=$pid '$1 == "parbench" && $4 == r { print $3 }' maps | sort -u)
# inspected KIND: the distinct pids of that kind.
inspected() {
    case $1 in
    runner) awk -v r=$pid '$1 == "parbench" && $3 == r { print $3 }' maps ;;
    cell) echo "$cells" ;;
    fork-worker) awk 'NR == FNR { c[$1] = 1; next } $1 == "parbench" && ($4 in c) { print $3 }' <(echo "$cells") maps ;;
    parbench-worker) awk '$1 == "parbench-worker" { print $3 }' maps ;;
    rank) awk '$1 == "parbench-mpi-wo" { print $3 }' maps ;;
    esac | sed '/^$/d' | sort -u | wc -l
}
for kind in runner:1 cell:4 fork-worker:2 parbench-worker:2 rank:3; do
    n=$(inspected ${kind%:*})
    (( n >= ${kind#*:} )) ||
        { sort -u maps; fail "${kind%:*}: $n processes inspected, expected at least ${kind#*:}"; }
    echo "inspected: $n ${kind%:*} process(es)"
done

grep -q '^parbench-mpi-wo yes' maps || { sort -u maps; fail "the ranks were never seen mapping Open MPI: the sampling proves nothing"; }
if grep -E '^(parbench|parbench-worker) yes' maps; then
    fail "Open MPI is mapped in parbench or parbench-worker (above)"
fi
pass "Open MPI mapped in the ranks only: never in parbench (runner, $(inspected cell) cells, $(inspected fork-worker) fork workers) or in $(inspected parbench-worker) parbench-worker processes"
