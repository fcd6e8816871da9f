#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The `forkserver` executor: under every workload (http-download against
# the built-in server) and both schedules its answers (checksum, items)
# are pthread's; its server is forked before the workload state and the
# ballast exist, so it stays small however big the coordinator grows; it
# is gone after the run.  Crashes and Ctrl-C: proc_faults.sh and
# proc_interrupt.sh, which run forkserver beside fork and posix_spawn.
source "$(dirname "$0")/common.bash"

cat > w.ini <<'INI'
[run]
workers = 1, 3
repetitions = 1
warmup = 0
timeout = 60s
output = w.csv
[server]
latency = 1ms
[workload.noop]
tasks = 50
[workload.prime-count]
limit = 200000
tasks = 7
[workload.matrix-mult]
n = 96
[workload.http-download]
url = ${server}/bytes/8KiB?seed={task}
files = 6
[executor.pthread]
[executor.forkserver]
schedule = dynamic
[executor.forkserver-static]
plugin = forkserver
schedule = static
INI
run_pb 0 run w.ini -q
# 4 workloads x 3 executors x 2 worker counts
[[ $(wc -l < w.csv) == 25 ]] || { cat w.csv; fail "expected 24 rows"; }
[[ $(csv_col w.csv status | sort -u) == ok ]] || { cat w.csv; fail "not every row is ok"; }
rows() {
    paste -d' ' <(csv_col w.csv workload) <(csv_col w.csv executor) \
        <(csv_col w.csv workers) <(csv_col w.csv schedule) \
        <(csv_col w.csv checksum) <(csv_col w.csv items)
}
# answer WORKLOAD WORKERS EXECUTOR: "checksum items" of that row
answer() { rows | awk -v w="$1" -v n="$2" -v e="$3" '$1 == w && $3 == n && $2 == e { print $5, $6 }'; }
for wl in noop prime-count matrix-mult http-download; do
    for n in 1 3; do
        ref=$(answer $wl $n pthread)
        [[ -n $ref ]] || fail "$wl at $n: no pthread row"
        for e in forkserver forkserver-static; do
            [[ $(answer $wl $n $e) == "$ref" ]] ||
                { cat w.csv; fail "$wl x $e at $n workers: '$(answer $wl $n $e)', pthread '$ref'"; }
        done
    done
done
[[ $(rows | awk '$2 == "forkserver-static" { print $4 }' | sort -u) == static &&
   $(rows | awk '$2 == "forkserver" { print $4 }' | sort -u) == dynamic ]] ||
    { cat w.csv; fail "schedules"; }
pass "every workload, both schedules: checksums and items are pthread's"

# The server's memory while the coordinator holds 256 MiB of ballast: a
# cell whose workers hang until its timeout, so that both can be read.
export PARBENCH_PLUGIN_PATH=$PB_TEST_PLUGIN_DIR
cat > b.ini <<'INI'
[run]
workers = 2
repetitions = 1
warmup = 0
timeout = 4s
output = b.csv
[workload.hang]
plugin = faulty
mode = hang
[executor.forkserver]
ballast = 256MiB
INI
"$PARBENCH" run b.ini -q >out 2>err &
pid=$!
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null; }
server=
for _ in $(seq 200); do
    for s in $(pgrep -x pb-forkserver); do
        [[ $(ps -o ppid= -p "$s" 2>/dev/null | tr -d ' ') == "$(pgrep -P $pid | head -1)" ]] &&
            server=$s
    done
    # The cell holds its ballast once its workers run (they hang).
    if [[ -n $server ]]; then
        cell=$(ps -o ppid= -p "$server" | tr -d ' ')
        (( $(pgrep -P "$cell" | wc -l) == 3 )) && (( $(rss "$cell") > 256 * 1024 )) && break
    fi
    sleep 0.05
done
[[ -n $server ]] || { kill $pid; fail "no fork server found under the run"; }
server_kib=$(rss "$server") cell_kib=$(rss "$cell")
(( cell_kib > 256 * 1024 )) || fail "the cell holds $cell_kib KiB, not the 256 MiB ballast"
# Small: a copy of the cell before its workload and ballast existed.
(( server_kib < 32 * 1024 )) || fail "the fork server holds $server_kib KiB beside a cell of $cell_kib KiB"
wait_status $pid "the hanging run"
[[ $STATUS == 1 ]] || { cat err; fail "a run whose cell timed out exited $STATUS, expected 1"; }
[[ $(csv_col b.csv status) == timeout ]] || { cat b.csv; fail "hang cell: status"; }
pass "the fork server holds $server_kib KiB while the cell holds $cell_kib KiB"

left=$(left_behind)
[[ -z $left ]] || { ps -o pid,ppid,pgid,stat,cmd -p $left; fail "processes outlived the run"; }
pass "no server, no worker left"

# A worker takes the cell's workload plugin as it is (host_preload_workload):
# it looks up no plugin file, so a run under forkserver makes exactly as
# many lookups of the workload's file as the same run under fork, whose
# workers load nothing.
command -v strace > /dev/null || skip "strace is not installed: the plugin lookup check needs it"
cat > l.ini <<'INI'
[run]
workers = 3
repetitions = 2
warmup = 0
output = l.csv
[workload.noop]
tasks = 6
INI
lookups() {
    { cat l.ini; echo "[executor.$1]"; } > "l-$1.ini"
    traced_run access,readlink "l-$1.tr" run "l-$1.ini" -q --force
    grep -c 'workload-noop\.so' "l-$1.tr" || true
}
f=$(lookups fork) s=$(lookups forkserver)
(( s == f )) || fail "forkserver workers looked up the workload plugin: $s lookups against fork's $f"
pass "forkserver workers look up no plugin file ($s lookups, as under fork)"
