#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `lifetime = cell` keeps the worker threads of pthread and gil across the
# repetitions of a cell (start-up paid once: the same thread ids serve every
# repetition) with the same answers as `lifetime = repetition`; `affinity`
# pins every worker (Cpus_allowed_list as the worker's own thread reads it)
# under threads, fork and posix_spawn; bad values are config errors; the
# row says which lifetime and placement it used (executor_params).
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

# --- affinity -------------------------------------------------------------
online=$(cat /sys/devices/system/cpu/online 2>/dev/null || true)
allowed=$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status)
[[ $allowed == 0-* || $allowed == 0,1* ]] || skip "CPUs 0 and 1 are not both allowed here ($allowed; online $online)"
for ex in pthread gil fork posix_spawn; do
    for aff in 1 0-1 compact spread; do
        cat > aff.ini <<INI
[run]
workers = 2
repetitions = 1
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
INI
        rm -f aff.log
        run_pb 0 run aff.ini --force
        # Static: task t on worker t mod 2.
        while read -r _ task _ worker _ _ _ _ _ cpus; do
            case $aff in
            1) want=1 ;;
            *) want=$worker ;; # two CPUs: every policy gives worker i CPU i
            esac
            [[ $cpus == "$want" ]] || fail "$ex affinity=$aff: worker $worker (task $task) was allowed CPUs $cpus, expected $want"
        done < aff.log
        [[ $(wc -l < aff.log) == 4 ]] || fail "$ex affinity=$aff: $(wc -l < aff.log) tasks logged"
        [[ $(csv_col aff.csv executor_params) == *"affinity=$aff"* ]] ||
            fail "$ex affinity=$aff: executor_params says $(csv_col aff.csv executor_params)"
    done
done
pass "affinity pins the workers of threads, forked and spawned processes"

# --- bad values -----------------------------------------------------------
for bad in "0-x:not a CPU list" "3-1:runs backwards" "1023:not online" "loose:is not none, compact, spread or a CPU list"; do
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
