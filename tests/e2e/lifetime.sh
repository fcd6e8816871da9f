#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `lifetime = cell` keeps the worker threads of pthread and gil, and the
# worker processes of fork, posix_spawn and forkserver, across the
# repetitions of a cell (start-up paid once: the same thread ids, the same
# W pids serve every repetition) with the same answers as `lifetime =
# repetition` (and as pthread, for prime-count and matrix-mult); a pooled
# worker that crashes costs its repetition's row and the next repetition
# gets a new pool; a pool that hangs is killed at the timeout; Ctrl-C in a
# pooled cell leaves no process; `affinity` pins every worker
# (Cpus_allowed_list as the worker's own thread reads it) under threads,
# fork, posix_spawn and forkserver, pooled or not, on the CPUs compact,
# spread and a list give on this machine (computed from its topology and
# the CPUs it allows); bad values are config errors; the row says which
# lifetime and placement it used (executor_params).
source "$(dirname "$0")/common.bash"
export PARBENCH_PLUGIN_PATH=$PB_TEST_PLUGIN_DIR

# --- lifetime -------------------------------------------------------------
cat > life.ini <<INI
[run]
workers = 2
repetitions = 3
warmup = 1
schedule = static
order = grouped
output = life.csv
[workload.who]
plugin = tp-whoami
tasks = 6
log = $WORK/who.log
[executor.pt_rep]
plugin = pthread
[executor.pt_cell]
plugin = pthread
lifetime = cell
[executor.gil_rep]
plugin = gil
[executor.gil_cell]
plugin = gil
lifetime = cell
INI
for ex in pt_rep pt_cell gil_rep gil_cell; do
    rm -f who.log
    run_pb 0 run life.ini --only executor=$ex -o $ex.csv
    threads=$(awk '{ print $8 }' who.log | sort -u | wc -l)
    # 4 repetitions (warmup included) of 2 workers.
    case $ex in
    *_cell) [[ $threads == 2 ]] || fail "$ex: $threads threads ran the cell's tasks, expected the pool's 2" ;;
    *_rep) [[ $threads == 8 ]] || fail "$ex: $threads threads ran the cell's tasks, expected 2 per repetition (8)" ;;
    esac
    [[ $(csv_col $ex.csv status | sort -u) == ok ]] || fail "$ex: rows not ok"
    csv_col $ex.csv checksum | sort -u > $ex.sums
    [[ $(wc -l < $ex.sums) == 1 ]] || fail "$ex: checksums differ between repetitions"
done
cmp pt_rep.sums pt_cell.sums || fail "pthread: lifetime = cell changed the checksum"
cmp gil_rep.sums gil_cell.sums || fail "gil: lifetime = cell changed the checksum"
[[ $(csv_col pt_cell.csv executor_params | sort -u) == "schedule=static;ballast=0;affinity=none;lifetime=cell" ]] ||
    fail "executor_params of a pool row: $(csv_col pt_cell.csv executor_params | sort -u)"
[[ $(csv_col gil_rep.csv executor_params | sort -u) == "schedule=static;ballast=0;affinity=none;switch_interval=5ms;lifetime=repetition" ]] ||
    fail "executor_params of a gil row: $(csv_col gil_rep.csv executor_params | sort -u)"
pass "lifetime = cell: one pool of threads per cell, same checksums, recorded in executor_params"

# --- lifetime of worker processes -------------------------------------------
for ex in fork posix_spawn forkserver; do
    for life in repetition cell; do
        rm -f who.log
        cat > plife.ini <<INI
[run]
workers = 2
repetitions = 3
warmup = 1
schedule = static
output = $ex-$life.csv
[workload.who]
plugin = tp-whoami
tasks = 8
log = $WORK/who.log
[executor.$ex]
lifetime = $life
INI
        run_pb 0 run plife.ini --force
        # task T worker W pid P tid X cpus C
        pids=$(awk '{ print $6 }' who.log | sort -u | wc -l)
        case $life in
        cell) [[ $pids == 2 ]] || fail "$ex: $pids processes ran the pooled cell's tasks, expected the pool's 2" ;;
        *) [[ $pids == 8 ]] || fail "$ex: $pids processes ran the cell's tasks, expected 2 per repetition (8)" ;;
        esac
        [[ $(wc -l < who.log) == 32 ]] || fail "$ex $life: $(wc -l < who.log) tasks logged, expected 4 x 8"
        [[ $(csv_col $ex-$life.csv status | sort -u) == ok ]] || { cat $ex-$life.csv; fail "$ex $life: rows not ok"; }
        # forkserver has two more parameters: how its server starts, and
        # whether it warms its code.
        extra=; [[ $ex == forkserver ]] && extra=";server=exec;warm=true"
        [[ $(csv_col $ex-$life.csv executor_params | sort -u) == "schedule=static;ballast=0;affinity=none;lifetime=$life$extra" ]] ||
            fail "$ex $life: executor_params $(csv_col $ex-$life.csv executor_params | sort -u)"
        # Pooled processes report their own usage (job_self_usage, as MPI
        # ranks) and their USS with it (job_self_uss): every row has one.
        while read -r uss; do
            [[ $uss =~ ^[0-9]+$ ]] || fail "$ex $life: uss_kib '$uss', expected a number"
        done < <(csv_col $ex-$life.csv uss_kib)
    done
done
pass "lifetime = cell: W worker processes for the whole cell under fork, posix_spawn and forkserver (W per repetition under lifetime = repetition)"

cat > sums.ini <<INI
[run]
workers = 3
repetitions = 2
warmup = 1
schedule = dynamic
order = grouped
output = sums.csv
[workload.prime-count]
limit = 200000
tasks = 12
[workload.matrix-mult]
n = 96
tasks = 7
[executor.pthread]
INI
for ex in fork posix_spawn forkserver; do
    for life in repetition cell; do
        printf '[executor.%s-%s]\nplugin = %s\nlifetime = %s\n' $ex $life $ex $life >> sums.ini
    done
done
run_pb 0 run sums.ini --force
[[ $(csv_col sums.csv status | sort -u) == ok ]] || { cat sums.csv; fail "sums: rows not ok"; }
[[ $(wc -l < sums.csv) == 29 ]] || fail "sums: $(($(wc -l < sums.csv) - 1)) rows, expected 2 workloads x 7 executors x 2"
for w in prime-count matrix-mult; do
    n=$(paste -d' ' <(csv_col sums.csv workload) <(csv_col sums.csv checksum) | awk -v w=$w '$1 == w { print $2 }' | sort -u | wc -l)
    [[ $n == 1 ]] || fail "$w: $n different checksums across pthread and the process executors, pooled or not"
done
[[ $(csv_col sums.csv executor | sort -u | wc -l) == 7 ]] || fail "sums: not every executor ran"
pass "prime-count and matrix-mult: the same checksum under pthread, fork, posix_spawn and forkserver, pooled or not"

# --- a pooled worker that crashes, hangs, or is interrupted ------------------
export ASAN_OPTIONS=handle_segv=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
export TSAN_OPTIONS=handle_segv=0:report_thread_leaks=0:atexit_sleep_ms=0${TSAN_OPTIONS:+:$TSAN_OPTIONS}
for ex in fork posix_spawn forkserver; do
    # Static, 2 workers: task 1 runs on worker 1, which segfaults the second
    # time it runs it: in the first measured repetition (the warmup was its
    # first).  The next repetition runs on a new pool, whose worker 1 runs
    # the task for the first time again.
    cat > crash.ini <<INI
[run]
workers = 2
repetitions = 2
warmup = 1
schedule = static
timeout = 3s
order = grouped
output = crash.csv
[workload.segv]
plugin = faulty
mode = segv
task = 1
nth = 2
[workload.hang]
plugin = faulty
mode = hang
task = 1
nth = 2
[workload.after]
plugin = faulty
[executor.$ex]
lifetime = cell
INI
    run_pb 1 run crash.ini --force -q
    got=$(paste -d'|' <(csv_col crash.csv workload) <(csv_col crash.csv status) <(csv_errors crash.csv) | tr '\n' '/')
    want="segv|crashed|worker 1 killed by SIGSEGV in task 1 (Segmentation fault)/segv|ok|/hang|timeout|"
    [[ $got == "$want"* ]] || { cat crash.csv; fail "$ex: pooled crash rows: $got"; }
    [[ $got == *"/after|ok|/after|ok|/" ]] || { cat crash.csv; fail "$ex: the run did not go on after the pooled faults: $got"; }
    none_left "$ex: pooled processes outlived the run"
done
pass "a pooled worker's crash costs one row (the next repetition gets a new pool), a hang times out, the run goes on, no process left"

for ex in fork posix_spawn forkserver; do
    rm -f i.csv
    cat > i.ini <<INI
[run]
workers = 3
repetitions = 2
warmup = 0
timeout = 60s
schedule = static
output = i.csv
[workload.hang]
plugin = faulty
mode = hang
tasks = 6
task = 4
nth = 2
[executor.$ex]
lifetime = cell
INI
    "$PARBENCH" run i.ini -q --force >out 2>err &
    pid=$!
    # Hanging in the second repetition, on the pool of the first: its
    # cell process has 3 worker children (and forkserver's server).
    cell_workers_hang $pid i.csv 2 3 || { cat err; fail "$ex: the pooled cell never hung in its second repetition"; }
    kill -INT $pid
    status=0
    wait $pid || status=$?
    [[ $status == 1 ]] || { cat err; fail "$ex: exit status $status after Ctrl-C, expected 1"; }
    [[ $(csv_col i.csv status | tr '\n' ' ') == "ok interrupted " ]] || { cat i.csv; fail "$ex: rows after Ctrl-C"; }
    none_left "$ex: pooled processes outlived Ctrl-C"
done
pass "Ctrl-C in a pooled cell: every pooled process gone, an interrupted row"

# --- bad values -----------------------------------------------------------
# They need no particular machine: they run wherever the rest does.
# cpu_set LIST: the CPUs of a CPU list ("0-3,6"), one per line.
cpu_set() { tr , '\n' <<<"$1" | awk -F- 'NF { hi = NF > 1 ? $2 : $1; for (c = $1; c <= hi; c++) print c }'; }
# The CPUs parbench may pin workers to: online and allowed to this shell
# (which parbench inherits).
online=$(cat /sys/devices/system/cpu/online 2>/dev/null || true)
allowed=$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status)
usable=$(comm -12 <(cpu_set "$online" | sort) <(cpu_set "$allowed" | sort) | sort -n)
# A CPU number parbench may not use.
absent=0
while grep -qx "$absent" <<<"$usable"; do absent=$((absent + 1)); done
for bad in "0-x:not a CPU list" "3-1:runs backwards" "$absent:not online or not allowed" \
    "loose:is not none, compact, spread or a CPU list"; do
    value=${bad%%:*} why=${bad#*:}
    printf '[run]\nworkers = 1\n[workload.noop]\n[executor.pthread]\naffinity = %s\n' "$value" > bad.ini
    run_pb 2 check bad.ini
    assert_contains "$WORK/err" "bad.ini:5: [executor.pthread] affinity"
    assert_contains "$WORK/err" "$why"
done
printf '[run]\nworkers = 1\n[workload.noop]\n[executor.fork]\nlifetime = forever\n' > bad.ini
run_pb 2 check bad.ini
assert_contains "$WORK/err" "lifetime"
pass "bad affinity values are config errors naming file, line and key"

# --- affinity -------------------------------------------------------------
# The CPU each policy gives worker w, computed here from the machine's
# topology as cpus.h defines the policies (the usable CPUs in order;
# worker w gets the (w mod n)th): compact fills the SMT siblings of a core,
# then the next core, package by package; spread takes the first thread of
# every core, packages alternating, then the second threads.  smt: the
# CPU's place among its thread siblings; rank: its core's place among the
# cores of its package (by core_id).
[[ -n $usable ]] || skip "affinity: no online CPU allowed here (online '$online', allowed '$allowed'); the checks above passed"
topo=/sys/devices/system/cpu
[[ -d $topo/cpu0 ]] || skip "affinity: $topo/cpu0 is missing, the policies have no topology to place workers by; the checks above passed"
for d in $topo/cpu[0-9]*; do
    c=${d##*cpu}
    [[ -d $d ]] || continue
    pkg=$(cat $d/topology/physical_package_id 2>/dev/null || echo -1)
    core=$(cat $d/topology/core_id 2>/dev/null || echo $((c + 1000000)))
    (( pkg < 0 )) && pkg=0
    sibs=$(cat $d/topology/thread_siblings_list 2>/dev/null || echo "$c")
    smt=$(cpu_set "$sibs" | awk -v c="$c" '$1 < c' | wc -l)
    echo "$c $pkg $core $smt"
done > topo.txt
# "cpu pkg rank smt" of the usable CPUs.
awk 'NR == FNR { use[$1] = 1; next }
     { n++; cpu[n] = $1; pkg[n] = $2; core[n] = $3; smt[n] = $4 }
     END { for (i = 1; i <= n; i++) {
               if (!(cpu[i] in use)) continue
               r = 0
               for (j = 1; j <= n; j++) r += pkg[j] == pkg[i] && smt[j] == 0 && core[j] < core[i]
               print cpu[i], pkg[i], r, smt[i] } }' <(echo "$usable") topo.txt > placed.txt
compact=$(sort -n -k2,2 -k3,3 -k4,4 -k1,1 placed.txt | awk '{ print $1 }' | tr '\n' ' ')
spread=$(sort -n -k4,4 -k3,3 -k2,2 -k1,1 placed.txt | awk '{ print $1 }' | tr '\n' ' ')
# Lists, written as parbench writes them back (executor_params): the last
# usable CPU alone, and the first two (one if that is all).
one=$(tail -1 <<<"$usable")
read -r a b < <(head -2 <<<"$usable" | paste -sd' ')
two=$a
[[ -n $b ]] && two=$a$( ((b == a + 1)) && echo - || echo ,)$b
echo "usable CPUs: $(paste -sd, <<<"$usable"); compact order: $compact; spread order: $spread"
# want_cpu AFFINITY WORKER: the CPU worker WORKER is pinned to.
want_cpu() {
    local order
    case $1 in
    compact) order=($compact) ;;
    spread) order=($spread) ;;
    *) order=($(cpu_set "$1")) ;;
    esac
    echo "${order[$2 % ${#order[@]}]}"
}
for ex in pthread gil fork posix_spawn forkserver fork:cell posix_spawn:cell forkserver:cell; do
    life=repetition
    [[ $ex == *:cell ]] && life=cell ex=${ex%:cell}
    for aff in "$one" "$two" compact spread; do
        cat > aff.ini <<INI
[run]
workers = 2
repetitions = 2
warmup = 0
schedule = static
output = aff.csv
[workload.who]
plugin = tp-whoami
tasks = 4
log = $WORK/aff.log
[executor.x]
plugin = $ex
affinity = $aff
lifetime = $life
INI
        rm -f aff.log
        run_pb 0 run aff.ini --force
        # Static: task t on worker t mod 2.
        while read -r _ task _ worker _ _ _ _ _ cpus; do
            want=$(want_cpu "$aff" "$worker")
            [[ $cpus == "$want" ]] || fail "$ex ($life) affinity=$aff: worker $worker (task $task) was allowed CPUs $cpus, expected $want"
        done < aff.log
        [[ $(wc -l < aff.log) == 8 ]] || fail "$ex ($life) affinity=$aff: $(wc -l < aff.log) tasks logged, expected 2 x 4"
        [[ $(csv_col aff.csv executor_params) == *"affinity=$aff"* ]] ||
            fail "$ex affinity=$aff: executor_params says $(csv_col aff.csv executor_params)"
    done
done
pass "affinity pins the workers of threads, forked and spawned processes, pooled or not"
