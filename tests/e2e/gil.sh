#!/usr/bin/env bash
# The gil executor under every workload: every answer right, odd splits.
source "$(dirname "$0")/common.bash"

cat > g.ini <<'INI'
[run]
workers = 1, 2, 4
repetitions = 1
warmup = 0
output = g.csv
[workload.noop]
tasks = 7
[workload.prime-count]
limit = 1000000
tasks = 3
[workload.prime-sieve]
plugin = prime-count
limit = 1000000
method = sieve
tasks = 9
[workload.matrix-mult]
n = 97
tasks = 5
[server]
latency = 5ms
[workload.http-download]
url = ${server}/bytes/4KiB?seed={task}
files = 6
[executor.gil]
switch_interval = 1ms
[executor.gil-static]
plugin = gil
schedule = static
INI
run_pb 0 run g.ini -q
[[ $(wc -l < g.csv) == 31 ]] || fail "expected 30 rows"
[[ $(csv_col g.csv status | sort -u) == ok ]] || fail "rows not ok"
paste -d' ' <(csv_col g.csv workload) <(csv_col g.csv checksum) |
    awk '$1 ~ /^prime-/ && $2 != "0x132a2" { bad++ } END { exit bad > 0 }' || fail "prime count"
[[ $(csv_col g.csv schedule | sort | uniq -c | awk '{print $1 $2}' | tr '\n' ' ') == "15dynamic 15static " ]] || fail "schedules"
for w in matrix-mult http-download; do
    [[ $(paste -d' ' <(csv_col g.csv workload) <(csv_col g.csv checksum) | awk -v w=$w '$1 == w { print $2 }' | sort -u | wc -l) == 1 ]] ||
        fail "$w answers differ between cells"
done
[[ $(paste -d' ' <(csv_col g.csv workload) <(csv_col g.csv items) | awk '$1 == "http-download" { print $2 }' | sort -u) == 24576 ]] ||
    fail "http-download bytes"
pass "gil: 30 rows ok under every workload, answers verified and equal"

run_pb 0 describe gil
assert_contains out "switch_interval"
run_pb 2 check g.ini --set executor.gil.switch_interval=0s
assert_contains err "switch_interval"
pass "gil parameters"
