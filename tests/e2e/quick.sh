#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The real binary on config/quick.ini: every row ok, every prime count right.
source "$(dirname "$0")/common.bash"

run_pb 0 run "$PB_SOURCE_DIR/config/quick.ini" -o quick.csv -q --summary summary.csv
[[ -s quick.csv ]] || fail "no CSV written"

header=$(head -n 1 quick.csv | tr -d '\r')
want="run_id,started_at,host,workload,workload_params,executor,workers,tasks,schedule,repetition,status,wall_s,startup_s,user_s,sys_s,peak_rss_kib,pss_kib,ctx_voluntary,ctx_involuntary,ipc_bytes,items,items_per_s,checksum,error,other_cpu_s,steal_s,minflt,majflt,cpu_migrations,uss_kib,executor_params,cycles,instructions,cache_misses,task_clock_s"
[[ $header == "$want" ]] || fail "header is '$header'"
pass "header"

# 5 workloads x (serial at 1 + pthread, fork, posix_spawn at 1, 2, 3)
# x 2 repetitions
rows=$(($(wc -l < quick.csv) - 1))
[[ $rows == 100 ]] || fail "$rows rows, expected 100"
bad=$(csv_col quick.csv status | grep -vc '^ok$' || true)
[[ $bad == 0 ]] || fail "$bad rows not ok"
pass "100 rows, all ok"

# Every prime count (limit 1000000) is 78498 = 0x132a2, whatever the method.
paste -d' ' <(csv_col quick.csv workload) <(csv_col quick.csv checksum) |
    awk '$1 ~ /^prime-/ && $2 != "0x132a2" { bad++ } END { exit bad > 0 }' ||
    fail "a prime count is not 0x132a2"
pass "prime counts verified"

# The product's hash is the same for every executor and worker count.
[[ $(paste -d' ' <(csv_col quick.csv workload) <(csv_col quick.csv checksum) |
     awk '$1 == "matrix-mult" { print $2 }' | sort -u | wc -l) == 1 ]] ||
    fail "matrix-mult checksums differ between cells"
pass "matrix-mult checksums agree"

# Six 8 KiB downloads from the built-in server, the same answer everywhere.
[[ $(paste -d' ' <(csv_col quick.csv workload) <(csv_col quick.csv items) <(csv_col quick.csv checksum) |
     awk '$1 == "http-download"' | sort -u | wc -l) == 1 ]] || fail "http-download rows disagree"
[[ $(paste -d' ' <(csv_col quick.csv workload) <(csv_col quick.csv items) | awk '$1 == "http-download" { print $2 }' | sort -u) == 49152 ]] ||
    fail "http-download items"
pass "downloads verified"

# Rows are per repetition, numbered 1..2, tasks from the workload.
[[ $(csv_col quick.csv repetition | sort -u | tr '\n' ' ') == "1 2 " ]] || fail "repetitions"
[[ $(paste -d' ' <(csv_col quick.csv workload) <(csv_col quick.csv tasks) | sort -u | tr '\n' ' ') == "http-download 6 matrix-mult 6 noop 7 prime-count 8 prime-sieve 5 " ]] ||
    fail "task counts"
[[ $(csv_col quick.csv workers | sort -u | tr '\n' ' ') == "1 2 3 " ]] || fail "workers"
pass "repetitions, tasks and workers"

# The summary table is on stdout, and as CSV with --summary.
assert_contains out "prime-count"
assert_contains out "speedup"
[[ $(wc -l < summary.csv) == 51 ]] || fail "summary.csv should hold a header and 50 cells"
pass "summary"

# report reads the file back through the same code.
run_pb 0 report quick.csv
assert_contains out "prime-sieve"
pass "report"
