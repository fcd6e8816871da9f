#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# matrix-mult through the real binary, with every executor this branch has
# (serial, pthread): rows verified, one checksum per instance whatever the
# executor, worker count or split, 2 n^3 flops, and the memory check.
source "$(dirname "$0")/common.bash"

cat > mm.ini <<'INI'
[run]
workers     = 1, 2, 3
repetitions = 2
warmup      = 0
timeout     = 60s
output      = mm.csv

[workload.mm]
plugin = matrix-mult
n      = 130
tasks  = 7

[workload.mm-split]             ; same matrices, more tasks than rows
plugin = matrix-mult
n      = 130
tasks  = 200

[workload.mm-small]
plugin = matrix-mult
n      = 7
tasks  = 3
seed   = 9

[executor.serial]
[executor.pthread]
INI

run_pb 0 run mm.ini -q
# 3 instances x (serial 1 + pthread 1, 2, 3) x 2 repetitions
rows=$(($(wc -l < mm.csv) - 1))
[[ $rows == 24 ]] || fail "$rows rows, expected 24"
bad=$(csv_col mm.csv status | grep -vc '^ok$' || true)
[[ $bad == 0 ]] || { cat mm.csv; fail "$bad rows not ok"; }
pass "24 rows, all ok"

sums() { paste -d' ' <(csv_col mm.csv workload) <(csv_col mm.csv checksum) | awk -v w="$1" '$1 == w { print $2 }' | sort -u; }
[[ $(sums mm | wc -l) == 1 ]] || fail "mm: checksums differ: $(sums mm | tr '\n' ' ')"
[[ $(sums mm) == "$(sums mm-split)" ]] || fail "the split changed the checksum: $(sums mm) vs $(sums mm-split)"
[[ $(sums mm-small | wc -l) == 1 && $(sums mm-small) != "$(sums mm)" ]] || fail "mm-small checksums"
[[ $(sums mm) =~ ^0x[0-9a-f]+$ ]] || fail "checksum '$(sums mm)' is not hex"
pass "one checksum per instance, for every executor, worker count and split"

items=$(paste -d' ' <(csv_col mm.csv workload) <(csv_col mm.csv items) | sort -u | tr '\n' ' ')
[[ $items == "mm 4394000 mm-small 686 mm-split 4394000 " ]] || fail "items: $items"
[[ $(csv_col mm.csv ipc_bytes | sort -u) == 0 ]] || fail "threads moved bytes across a process boundary"
assert_contains mm.csv "n=130;tasks=7;seed=1"
pass "2 n^3 flops, no IPC, canonical parameters"

run_pb 0 run mm.ini -q -o seed2.csv --set workload.mm.seed=2 --only workload=mm,executor=serial
s2=$(csv_col seed2.csv checksum | sort -u)
[[ $s2 != "$(sums mm)" ]] || fail "seed 2 gave the checksum of seed 1"
pass "the seed changes the matrices"

# An n that cannot fit is a config error before anything runs.
avail_kib=$(awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo)
((avail_kib < 96 * 1024 * 1024)) || skip "this machine has room for n = 65536"
run_pb 2 check mm.ini --set workload.mm.n=65536
assert_contains err "mm.ini:"
assert_contains err "n = 65536 needs"
assert_contains err "MemAvailable"
run_pb 2 run mm.ini -o big.csv --set workload.mm.n=65536
[[ ! -e big.csv ]] || fail "big.csv written despite the memory check"
pass "n = 65536 refused by the memory check"
