#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Large results files: `report` and `compare` of 200 000 rows give the
# right numbers (they were quadratic in the rows of a cell: this file took
# hours), and Ctrl-C stops the summary at the end of `run` (it was caught
# and ignored there) with exit status 1 and the CSV whole.  Correctness
# only: the time is measured by hand (docs/performance.md).
source "$(dirname "$0")/common.bash"
export PARBENCH_PLUGIN_PATH=$PB_TEST_PLUGIN_DIR

# 4 cells of 50 000 rows: serial at 1 worker (base 4 s), pthread at 2
# (base 2 s), fork at 2 (base 2 s, every 100th row failed), pthread at 4
# (base 1 s).  Row r of a cell is base * (1 + ((r * 7919) % 50000) / 50000):
# 7919 is prime to 50000, so a cell's values are base * (1 + k / 50000),
# k = 0..49999 once each, median base * 1.499990; fork's failed rows are
# k = 0, 100, ..., so its median is k = 25000, 3 s.
awk -v n=200000 'BEGIN {
    print "run_id,started_at,host,workload,workload_params,executor,workers,tasks,schedule,repetition,status,wall_s,startup_s,user_s,sys_s,peak_rss_kib,pss_kib,ctx_voluntary,ctx_involuntary,ipc_bytes,items,items_per_s,checksum,error"
    split("serial pthread fork pthread", ex, " "); split("1 2 2 4", wk, " ")
    split("4 2 2 1", base, " ")
    for (i = 0; i < n; i++) {
        c = i % 4 + 1; r = int(i / 4) + 1
        w = base[c] * (1 + ((r * 7919) % 50000) / 50000)
        st = (c == 3 && r % 100 == 0) ? "failed" : "ok"
        printf "big-1,2026-11-25T08:17:57Z,h,prime,limit=1000,%s,%s,8,dynamic,%d,%s,%.9f,0.001000000,%.6f,0.001000,4096,3500,5,2,0,1000,%.6f,0x1,%s\n",
            ex[c], wk[c], r, st, w, w, 1000 / w, st == "ok" ? "" : "boom"
    }
}' > big.csv
[[ $(wc -l < big.csv) == 200001 ]] || fail "generated $(wc -l < big.csv) lines"

run_pb 0 report big.csv --format json --summary s.csv
[[ $(wc -l < s.csv) == 5 ]] || { cat s.csv; fail "summary CSV should hold a header and 4 cells"; }
# executor,workers,ok,rows,median_s,speedup of each cell.
got=$(awk -F, 'NR > 1 { print $2, $3, $5, $6, $7, $12 }' s.csv)
# In the summary's order: executors as they first appear, workers ascending.
want="serial 1 50000 50000 5.999960 1.000000
pthread 2 50000 50000 2.999980 2.000000
pthread 4 50000 50000 1.499990 4.000000
fork 2 49500 50000 3.000000 1.999987"
[[ $got == "$want" ]] || { diff <(echo "$want") <(echo "$got"); fail "statistics of 200 000 rows"; }
# Parsed, not re-printed: json.tool's indented copy of these 90 MB took
# 45 s of the test's 50 on a slow guest; the parse alone takes 3.
if command -v python3 >/dev/null; then
    python3 -c 'import json, sys; json.load(open(sys.argv[1]))' out ||
        fail "JSON of 200 000 rows is not valid"
fi
run_pb 0 report big.csv
grep -qE "^  fork +2 +dynamic +49500/50000 +3.00 s" out || { cat out; fail "table of 200 000 rows"; }
pass "report of 200 000 rows: counts, medians, speedups"

run_pb 0 compare big.csv big.csv
assert_contains out "4 cells: 0 faster, 0 slower, 4 no change"
pass "compare of 200 000 rows against themselves"

# Ctrl-C while `run` prints its summary: the summary goes to a pipe that
# is read one byte and then left full, so the run is still summarising
# (blocked writing) when the signal comes.
cat > s.ini <<'INI'
[run]
workers = 1
repetitions = 2000
warmup = 0
output = s.csv
[workload.fine]
plugin = faulty
[executor.serial]
INI
rm -f s.csv
mkfifo fifo
(dd bs=1 count=1 of=first 2>/dev/null; sleep 60) < fifo &
reader=$!
"$PARBENCH" run s.ini -q --format json > fifo 2> err &
pid=$!
for _ in $(seq 600); do
    [[ -s first ]] && break
    sleep 0.05
done
[[ -s first ]] || { kill -KILL $pid; cat err; fail "the summary never started"; }
sleep 0.2 # the pipe fills up
kill -INT $pid
for _ in $(seq 600); do
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
done
if kill -0 $pid 2>/dev/null; then
    kill -KILL $pid $reader
    fail "Ctrl-C during the summary was ignored"
fi
status=0
wait $pid || status=$?
kill $reader 2>/dev/null || true
wait $reader 2>/dev/null || true
[[ $status == 1 ]] || { cat err; fail "exit status $status after Ctrl-C in the summary, expected 1"; }
assert_contains err "interrupted while summarising; s.csv holds every row"
[[ $(csv_col s.csv status | grep -c '^ok$') == 2000 ]] || fail "the CSV lost rows"
run_pb 0 report s.csv
assert_contains out "2000/2000"
grep -q '"interrupted": true' s.csv.meta.json || fail "metadata does not say interrupted"
pass "Ctrl-C during run's summary: exit 1, CSV whole, metadata written"
