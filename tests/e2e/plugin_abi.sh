#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ABI 2 seen from the command line: an executor's create/destroy keep state
# across the repetitions of a cell, a workload's create() learns where it
# runs (host->role), and a second worker_loop for one worker is reported as
# the executor's bug.
source "$(dirname "$0")/common.bash"
export PARBENCH_PLUGIN_PATH=$PB_TEST_PLUGIN_DIR

cat > abi.ini <<'INI'
[run]
workers = 2
repetitions = 3
warmup = 1
output = abi.csv
[workload.role]
plugin = tp-role
tasks = 6
[executor.pool]
plugin = tp-pool
[executor.pthread]
[executor.posix_spawn]
INI
run_pb 0 run abi.ini
# One create per cell process, one destroy after its 4 repetitions
# (warmup included), with the state run() found through the host.
[[ $(grep -c "tp-pool: info: pool destroyed after 4 runs" "$WORK/err") == 1 ]] ||
    { cat "$WORK/err"; fail "the pool was not destroyed once after 4 runs"; }
pass "executor create/destroy span the cell's repetitions"

# items = tasks x role: 1 where create() ran in the coordinator, 2 in a
# spawned worker process.
items_of() { paste -d' ' <(csv_col abi.csv executor) <(csv_col abi.csv items) | awk -v e="$1" '$1 == e { print $2 }' | sort -u; }
[[ $(items_of pthread) == 6 ]] || fail "pthread items: $(items_of pthread)"
[[ $(items_of pool) == 6 ]] || fail "pool items: $(items_of pool)"
[[ $(items_of posix_spawn) == 12 ]] || fail "posix_spawn items: $(items_of posix_spawn)"
pass "host->role: coordinator under threads, worker in a spawned process"

cat > twice.ini <<'INI'
[run]
workers = 2
repetitions = 1
warmup = 0
output = twice.csv
[workload.role]
plugin = tp-role
[executor.pool]
plugin = tp-pool
twice = true
INI
run_pb 1 run twice.ini -q
[[ $(csv_col twice.csv status) == failed ]] || { cat twice.csv; fail "a second worker_loop must fail the row"; }
assert_contains twice.csv "worker 0: executor pool called worker_loop a second time for this worker"
pass "a second worker_loop for one worker is the executor's error"
