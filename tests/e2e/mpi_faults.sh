#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Faults under the mpi executor: a rank that segfaults, _exits in a task,
# hangs, fails a task or returns a wrong answer costs its row (naming the
# worker, its rank, its host and the task), never the run, static and
# dynamic, per repetition and per cell; with the task page (ranks on the
# cell's host) and without (task_page = false: as ranks on other hosts).  What can be known before a cell
# runs is a `parbench check` error with status 2: a missing mpirun, a
# hostfile that cannot be read or that mpirun would refuse, running as root
# without Open MPI's consent.  An unreachable host is a failed row.
source "$(dirname "$0")/common.bash"
source "$(dirname "$0")/mpi_common.bash"
mpi_require
export PARBENCH_PLUGIN_PATH=$PB_TEST_PLUGIN_DIR
host=$(hostname)

for lifetime in repetition cell; do
    for sched in static dynamic; do
        cat > f.ini <<INI
[run]
workers = 3
repetitions = 1
warmup = 0
timeout = 60s
schedule = $sched
output = f.csv
[workload.segv]
plugin = faulty
mode = segv
task = 4
tasks = 7
[workload.exit]
plugin = faulty
mode = exit
task = 5
tasks = 7
[workload.fail]
plugin = faulty
mode = fail
task = 3
[workload.wrong]
plugin = faulty
mode = wrong
[workload.fine]
plugin = faulty
tasks = 7
[executor.mpi]
lifetime = $lifetime
[executor.mpi-nopage]
plugin = mpi
lifetime = $lifetime
task_page = false
INI
        run_pb 1 run f.ini -q --force
        # The hang alone, with a short timeout: the other faults keep a
        # long one, so that a loaded machine cannot turn them into
        # timeouts.
        sed -e 's/^timeout = 60s/timeout = 5s/' -e 's/^output = f.csv/output = h.csv/' \
            -e '/^\[workload\./,$d' f.ini > h.ini
        printf '[workload.hang]\nplugin = faulty\nmode = hang\n[executor.mpi]\nlifetime = %s\n' \
            "$lifetime" >> h.ini
        printf '[executor.mpi-nopage]\nplugin = mpi\nlifetime = %s\ntask_page = false\n' \
            "$lifetime" >> h.ini
        run_pb 1 run h.ini -q --force
        tail -n +2 h.csv >> f.csv
        row() { # EXECUTOR WORKLOAD: "status|error"
            paste -d'|' <(csv_col f.csv executor) <(csv_col f.csv workload) \
                <(csv_col f.csv status) <(csv_errors f.csv) |
                awk -F'|' -v e="$1" -v w="$2" '$1 == e && $2 == w { print $3 "|" $4 }'
        }
        expect() { # WORKLOAD STATUS ERROR-PATTERN (an extended regex), each executor
            local r e
            for e in mpi mpi-nopage; do
                r=$(row "$e" "$1")
                [[ ${r%%|*} == "$2" ]] ||
                    { cat f.csv; fail "$lifetime/$sched/$e: $1: status ${r%%|*}, expected $2"; }
                grep -qE -- "$3" <<<"${r#*|}" || fail "$lifetime/$sched/$e: $1: error '${r#*|}' lacks /$3/"
            done
        }
        # Static: task t runs on worker t mod 3, which is rank t mod 3 + 1.
        if [[ $sched == static ]]; then
            w4="worker 1 \\(rank 2 on host $host\\)" w5="worker 2 \\(rank 3 on host $host\\)"
        else
            w4="worker [0-2] \\(rank [1-3] on host $host\\)" w5=$w4
        fi
        expect segv crashed "^$w4 killed by SIGSEGV in task 4"
        expect hang timeout "timeout of 5s"
        expect exit crashed "^$w5 exited with status 7 in task 5"
        expect fail failed "task 3: deliberate failure in task 3"
        expect wrong failed "verification failed: a deliberately wrong answer"
        expect fine ok '^$'
        pass "$lifetime/$sched: every fault costs its row, worker, rank, host and task named, with the task page and without"
    done
done
for _ in $(seq 50); do [[ -z $(left_behind) ]] && break; sleep 0.1; done
none_left "processes outlived the faults"
pass "no rank or launcher left after crashes and timeouts"

# Known before any cell runs: `parbench check` says what is wrong.
cat > c.ini <<'INI'
[workload.fine]
plugin = faulty
[executor.mpi]
INI
check_err() { # PATTERN SET...: check fails with status 2 naming PATTERN
    local pat=$1; shift
    local args=() s
    for s in "$@"; do args+=(--set "$s"); done
    run_pb 2 check c.ini "${args[@]}"
    grep -qE -- "$pat" err || { cat err; fail "check with $*: stderr lacks /$pat/"; }
}
check_err "mpirun = no-such-mpirun: no such program in PATH; install Open MPI" \
    executor.mpi.mpirun=no-such-mpirun
check_err "hostfile $WORK/none cannot be read" executor.mpi.hostfile="$WORK/none"
printf 'localhost slots=2\nlocalhost slots=2\n' > twice
check_err "hostfile $WORK/twice:2: host localhost is listed again" executor.mpi.hostfile="$WORK/twice"
printf 'localhost slots=two\n' > badslots
check_err "hostfile $WORK/badslots:1: \"slots=two\" is not slots=N" executor.mpi.hostfile="$WORK/badslots"
check_err "hostfile and hosts are both set" executor.mpi.hostfile="$WORK/twice" executor.mpi.hosts=localhost
if [[ $(id -u) == 0 ]]; then
    (
        unset OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
        check_err "Open MPI refuses to run as root: .*OMPI_ALLOW_RUN_AS_ROOT=1 and OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"
    )
    pass "as root without Open MPI's variables: the hint, at check time"
fi
pass "a missing mpirun, an unreadable or refused hostfile: check errors with status 2"

# An unreachable host (a loopback address with no ssh server behind it, or
# one that refuses us): a failed row naming the host's trouble.
export OMPI_MCA_plm_rsh_args="-o BatchMode=yes -o ConnectTimeout=5"
printf '127.0.0.2 slots=2\n' > unreachable
cat > u.ini <<INI
[run]
workers = 1
repetitions = 1
warmup = 0
timeout = 30s
output = u.csv
[workload.fine]
plugin = faulty
[executor.mpi]
hostfile = $WORK/unreachable
INI
run_pb 1 run u.ini -q
[[ $(csv_col u.csv status) == failed ]] || { cat u.csv; fail "unreachable host: status not failed"; }
grep -q "mpirun could not start Open MPI on a host" u.csv || { cat u.csv; fail "unreachable host: error unclear"; }
pass "an unreachable host: a failed row that says so"
