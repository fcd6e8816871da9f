#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The bounds of the HTTP workload and server (docs/http.md): a urls file
# that is not a regular file is a config error at once, never a hang; a
# worker killed in the middle of a body leaves nothing of the server's on
# the runner's stderr; a thousand idle connections do not lock a new
# client out of `parbench serve`, which still prints libmicrohttpd's
# messages.
source "$(dirname "$0")/common.bash"

# urls naming something other than a regular file: exit 2, the config's
# FILE:LINE: [section] and a sentence saying what it is.  `timeout` turns
# a hang (a FIFO, /dev/zero read without end) into a failure.
mkdir adir
mkfifo afifo
for u in /dev/zero afifo adir; do
    cat > u.ini <<INI
[run]
output = u.csv
[workload.list]
plugin = http-download
urls = $u
[executor.serial]
INI
    rc=0
    timeout 60 "$PARBENCH" check u.ini > out 2> err || rc=$?
    [[ $rc == 2 ]] || { cat err; fail "check with urls = $u exited $rc, expected 2"; }
    case $u in
    /dev/zero) what='a character device' ;;
    afifo) what='a FIFO (named pipe)' ;;
    adir) what='a directory' ;;
    esac
    assert_contains err "u.ini:3: [workload.list] urls = $u: is $what, not a regular file; name a text file with one URL per line"
done
pass "urls = /dev/zero, a FIFO, a directory: exit 2 with what is wrong"

# The cell is killed (timeout) while the server paces a 1MiB body at
# 64KiB/s: the server's libmicrohttpd then complains about the connection
# (an error generating data, a failed send); none of that reaches the
# runner's stderr.
cat > k.ini <<'INI'
[run]
workers = 1
repetitions = 1
warmup = 0
timeout = 1s
output = k.csv
[server]
rate = 64KiB
[workload.http-download]
url = ${server}/bytes/1MiB
files = 1
[executor.serial]
INI
for q in -q ''; do
    rm -f k.csv
    run_pb 1 run k.ini $q
    [[ $(csv_col k.csv status) == timeout ]] || { cat k.csv; fail "status: $(csv_col k.csv status)"; }
    if grep -F 'parbench serve' err; then fail "the server's messages on the runner's stderr (run ${q:-without -q})"; fi
done
pass "a killed worker leaves nothing of the server's on stderr, with and without -q"

# About a thousand idle connections (libmicrohttpd takes 1020 by default,
# and idle ones were kept 120 s) do not lock a new client out: the server
# takes 8192 connections, 5120 from one address.  Bounded: IDLE
# connections, every read at most 30 s.
IDLE=1100
if (($(ulimit -n) < IDLE + 64)); then
    ulimit -n $((IDLE + 64)) 2>/dev/null || skip "ulimit -n is below $((IDLE + 64))"
fi
"$PARBENCH" serve --port 0 > serve.out 2> serve.err &
srv=$!
trap 'kill $srv 2>/dev/null || true; wait $srv 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q 'listening on' serve.out && break; sleep 0.1; done
port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\) .*|\1|p' serve.out)
[[ $port =~ ^[0-9]+$ ]] || { cat serve.out serve.err; fail "parbench serve did not start"; }
# ask REQUEST: the first line of the answer to REQUEST (with \r\n escapes)
# on a fresh connection, read for at most 30 s.
ask() {
    local c line=''
    exec {c}<>"/dev/tcp/127.0.0.1/$port"
    printf '%b' "$1" >&"$c" || true
    read -r -t 30 line <&"$c" || true
    exec {c}>&-
    echo "${line%$'\r'}"
}
idle=()
for ((i = 0; i < IDLE; i++)); do
    exec {fd}<>"/dev/tcp/127.0.0.1/$port"
    idle+=("$fd")
done
status=$(ask 'GET /bytes/10 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
[[ $status == 'HTTP/1.1 200 OK' ]] ||
    fail "a new client with $IDLE idle connections open got '$status'"
for fd in "${idle[@]}"; do exec {fd}>&-; done
pass "$IDLE idle connections do not lock a new client out"

# `parbench serve` keeps libmicrohttpd's messages, tagged as its own: a
# request line without an HTTP version is refused by libmicrohttpd, which
# says so.
status=$(ask 'GET /bytes/10\r\n\r\n')
[[ $status == 'HTTP/1.1 400 '* ]] || fail "a request line without a version got '$status'"
kill -TERM $srv
wait $srv || fail "parbench serve exited $? after SIGTERM"
grep -v '^parbench serve: stopped by SIGTERM$' serve.err | grep -q '^parbench serve: ' ||
    { cat serve.err; fail "no message of libmicrohttpd from parbench serve"; }
pass "parbench serve prints libmicrohttpd's messages as its own"
