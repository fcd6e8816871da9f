#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every way a download can fail is a `failed` row with a readable error,
# and the run goes on: 404, a refused size, a body cut short, a server
# that never answers (timeout), a refused port.
source "$(dirname "$0")/common.bash"
start_badserver
port=$BAD_PORT refused=$BAD_REFUSED

cat > f.ini <<INI
[run]
workers = 2
repetitions = 1
warmup = 0
timeout = 30s
output = f.csv
[workload.notfound]
plugin = http-download
url = \${server}/nothing/here
files = 2
[workload.toolarge]
plugin = http-download
url = \${server}/bytes/2GiB
files = 1
[workload.short]
plugin = http-download
url = http://127.0.0.1:$port/short
files = 2
[workload.silent]
plugin = http-download
url = http://127.0.0.1:$port/silent
files = 2
timeout = 1s
[workload.refused]
plugin = http-download
url = http://127.0.0.1:$refused/x
files = 2
[workload.fine]
plugin = http-download
url = \${server}/bytes/1KiB?seed={task}
files = 4
[executor.serial]
[executor.pthread]
INI
run_pb 1 run f.ini -q

status_of() { paste -d' ' <(csv_col f.csv workload) <(csv_col f.csv status) | awk -v w="$1" '$1 == w { print $2 }' | sort -u; }
error_of() { awk -F, -v w="$1" 'NR > 1 && $4 == w { print }' f.csv; }
for w in notfound toolarge short silent refused; do
    [[ $(status_of $w) == failed ]] || { cat f.csv; fail "$w: $(status_of $w)"; }
    [[ $(error_of $w | wc -l) == 2 ]] || fail "$w: expected 2 rows (serial, pthread)"
done
[[ $(status_of fine) == ok ]] || { cat f.csv; fail "fine: $(status_of fine)"; }
pass "each failure is a failed row, the run goes on"

error_of notfound | grep -q 'HTTP status 404 (HTTP/1.1 404 Not Found): not found' || { error_of notfound; fail "404 message"; }
error_of toolarge | grep -q "HTTP status 400.*limit of 1GiB" || { error_of toolarge; fail "400 message"; }
error_of short | grep -Eq '/short: transfer closed with 900 bytes remaining' || { error_of short; fail "short body message"; }
error_of silent | grep -Eq '/silent: Operation timed out after [0-9]+ milliseconds' || { error_of silent; fail "timeout message"; }
error_of refused | grep -Eq "127.0.0.1:$refused/x: Failed to connect to 127.0.0.1 port $refused.*\(Connection refused\)" ||
    { error_of refused; fail "refused message"; }
pass "errors name the URL and what went wrong"
