#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The gil executor under every workload: every answer right, odd splits;
# and downloads overlap under the lock (the barrier at the end).
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

# I/O overlaps under the lock: the test server's /barrier/4/S answers a
# request only once 4 are in flight at the same time (503 after S seconds
# otherwise), so 4 gil workers downloading 8 files pass only if each
# releases the lock around its transfer (blocking_begin/end).  Not a
# timing: the guard S only turns a lock kept through the transfer into a
# failed row instead of a hang.  The serial control shows the barrier
# refuses downloads that come one at a time.
start_badserver
port=$BAD_PORT
cat > b.ini <<INI
[run]
workers = 4
repetitions = 2
warmup = 0
timeout = 60s
output = b.csv
[workload.together]
plugin = http-download
url = http://127.0.0.1:$port/barrier/4/10?f={task}
files = 8
[workload.pair]
plugin = http-download
url = http://127.0.0.1:$port/barrier/2/1?f={task}
files = 2
[executor.gil]
switch_interval = 1ms
[executor.gil-static]
plugin = gil
schedule = static
[executor.serial]
INI
rc=0
"$PARBENCH" run b.ini -q --only workload=together,executor=gil,executor=gil-static >out 2>err || rc=$?
[[ $(wc -l < b.csv) == 5 ]] || { cat err b.csv; fail "expected 4 rows"; }
[[ $(csv_col b.csv status | sort -u) == ok ]] ||
    { cat b.csv; fail "gil downloads did not overlap (see the error column above)"; }
[[ $rc == 0 ]] || { cat err; fail "parbench run exited $rc with every row ok"; }
[[ $(csv_col b.csv items | sort -u) == 120 ]] || fail "barrier bytes"
pass "gil: 4 workers had 4 downloads in flight at once, both schedules"

run_pb 1 run b.ini -q -o s.csv --only workload=pair,executor=serial --set run.repetitions=1
[[ $(csv_col s.csv status) == failed ]] || { cat s.csv; fail "serial passed a barrier of 2"; }
assert_contains s.csv "barrier: 1 of 2 requests held together"
pass "the barrier refuses downloads that come one at a time"
