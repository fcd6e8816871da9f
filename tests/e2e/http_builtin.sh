#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# http-download against the built-in server that the runner starts for
# ${server}: every executor, answers agree, the CSV keeps ${server}, the
# server is gone after the run, after --resume and after Ctrl-C, and
# `check` starts no server.
source "$(dirname "$0")/common.bash"

# Every executor plugin that is built (serial and pthread at least).
mapfile -t EXECUTORS < <("$PARBENCH" list | awk '$1 == "executor" { print $2 }')
[[ " ${EXECUTORS[*]} " == *" serial "* && " ${EXECUTORS[*]} " == *" pthread "* ]] ||
    fail "executors found: ${EXECUTORS[*]}"

{
    cat <<'INI'
[run]
workers = 1, 3
repetitions = 2
warmup = 1
timeout = 30s
output = h.csv
[server]
latency = 5ms
rate = 4MiB
[workload.http-download]
url = ${server}/bytes/16KiB?seed={task}
files = 8
INI
    for e in "${EXECUTORS[@]}"; do
        case $e in mpi) continue ;; esac # needs mpirun; not a loopback test
        echo "[executor.$e]"
    done
} > h.ini

run_pb 0 check h.ini
assert_contains out 'url=${server}/bytes/16KiB?seed={task}'
grep -qF 'built-in server' err && fail "check started a server: $(cat err)"
pass "check plans without a server"

run_pb 0 run h.ini
pid=$(sed -n 's/.*built-in server, pid \([0-9]*\),.*/\1/p' err)
[[ $pid =~ ^[0-9]+$ ]] || { cat err; fail "no server pid on stderr"; }
assert_contains err '${server} is http://127.0.0.1:'
kill -0 "$pid" 2>/dev/null && fail "server $pid still runs after the run"
pass "server started once and stopped (pid $pid)"

rows=$(($(wc -l < h.csv) - 1))
(( rows >= 6 )) || fail "expected at least 6 rows, got $rows"
[[ $(csv_col h.csv status | sort -u) == ok ]] || { cat h.csv; fail "rows not ok"; }
[[ $(csv_col h.csv items | sort -u) == 131072 ]] || fail "items: $(csv_col h.csv items | sort -u)"
[[ $(csv_col h.csv checksum | sort -u | wc -l) == 1 ]] ||
    fail "executors disagree: $(csv_col h.csv checksum | sort -u | tr '\n' ' ')"
[[ $(csv_col h.csv workload_params | sort -u) == 'url=${server}/bytes/16KiB?seed={task};files=8;urls=;connect_timeout=10s;timeout=1m' ]] ||
    fail "workload_params: $(csv_col h.csv workload_params | sort -u)"
for e in "${EXECUTORS[@]}"; do
    [[ $e == mpi ]] && continue
    csv_col h.csv executor | grep -qx "$e" || fail "no rows for $e"
done
pass "every executor ok, one checksum, literal \${server} in workload_params"

# --resume of a complete file runs nothing, so it needs no server.
run_pb 0 run h.ini --resume
[[ $(($(wc -l < h.csv) - 1)) == "$rows" ]] || fail "--resume added rows"
grep -qF 'built-in server' err && fail "--resume started a server for nothing"
pass "--resume matches the rows (literal \${server}) and starts no server"

# A seed that differs from the first run's gives another answer.
run_pb 0 run h.ini -o other.csv --set 'workload.http-download.url=${server}/bytes/16KiB?seed={task}0' --only executor=serial
[[ $(csv_col other.csv checksum | sort -u) != $(csv_col h.csv checksum | sort -u) ]] ||
    fail "different bodies, same checksum"
pass "other bodies, other checksum"

# Ctrl-C while a download waits out a long latency: an interrupted row,
# and no server left behind.
cat > slow.ini <<'INI'
[run]
workers = 1
repetitions = 3
warmup = 0
timeout = 60s
output = slow.csv
[server]
latency = 30s
[workload.http-download]
url = ${server}/bytes/1KiB
files = 2
[executor.serial]
INI
"$PARBENCH" run slow.ini > slow.out 2> slow.err &
runner=$!
for _ in $(seq 100); do
    grep -q 'built-in server, pid' slow.err && break
    sleep 0.1
done
pid=$(sed -n 's/.*built-in server, pid \([0-9]*\),.*/\1/p' slow.err)
[[ $pid =~ ^[0-9]+$ ]] || { kill "$runner"; cat slow.err; fail "slow run: no server pid"; }
# Ctrl-C once a download is in flight (a connection to the server is
# established), so that a repetition is running whatever the machine's
# load: /proc/net/tcp lists it with state 01.
port=$(sed -n 's|.*is http://127.0.0.1:\([0-9]*\).*|\1|p' slow.err | head -1)
[[ $port =~ ^[0-9]+$ ]] || { kill "$runner"; cat slow.err; fail "slow run: no server port"; }
hexport=$(printf '%04X' "$port")
for _ in $(seq 300); do
    awk -v p=":$hexport" '$2 ~ p"$" && $4 == "01" { found = 1 } END { exit !found }' \
        /proc/net/tcp && break
    sleep 0.1
done
kill -INT "$runner"
rc=0
wait "$runner" || rc=$?
[[ $rc == 1 ]] || { cat slow.err; fail "interrupted run exited $rc, expected 1"; }
kill -0 "$pid" 2>/dev/null && fail "server $pid survived Ctrl-C"
assert_contains slow.csv interrupted
pass "Ctrl-C: interrupted row, server $pid stopped"
