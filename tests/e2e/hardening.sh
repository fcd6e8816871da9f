#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue 16, items 3 to 8: a full disk leaves no half row and --resume and
# report recover a torn last line; --resume ends a last line without line
# end; --summary never overwrites (nor the run's own files); write errors
# exit 3; one writer per output; every killed worker is reaped; a signal
# before the first cell is an interruption; a SIGTERM to a cell costs one
# row.
source "$(dirname "$0")/common.bash"
export PARBENCH_PLUGIN_PATH=$PB_TEST_PLUGIN_DIR

cat > h.ini <<'INI'
[run]
workers = 1
repetitions = 100
warmup = 0
output = h.csv
[workload.noop]
tasks = 2
[executor.serial]
INI

# last_line_ends FILE: the file ends with CRLF.
last_line_ends() { [[ $(tail -c 2 "$1" | od -An -c | tr -d ' ') == '\r\n' ]]; }
# fields_ok FILE: every line has as many fields as the header (the rows
# are plain here).
fields_ok() { awk -F, 'NR == 1 { n = NF } NF != n { bad = 1 } END { exit bad }' "$1"; }

# --- 3: disk full mid-run ---------------------------------------------------
# RLIMIT_FSIZE of 16 KiB (room for the sidecar with its CPU topology)
# cuts the results file in the middle of a row; SIGXFSZ is
# ignored so that the write fails with EFBIG instead.
status=0
(trap '' XFSZ; ulimit -f 16; exec "$PARBENCH" run h.ini -q) >out 2>err || status=$?
[[ $status == 3 ]] || { cat err; fail "disk full: exit $status, expected 3"; }
assert_contains err "writing h.csv"
last_line_ends h.csv || { tail -c 80 h.csv | od -c; fail "disk full: a half row was left"; }
fields_ok h.csv || fail "disk full: a row is not whole"
pass "disk full: exit 3, every row whole"
# The same 16 KiB limit may have cut the metadata sidecar too (its size
# depends on the machine: warnings about load, which counters the kernel
# refuses and why), and --resume rightly refuses a cut sidecar; what
# follows is about the CSV's torn line, so it starts without one.
rm -f h.csv.meta.json

# A torn last line, as older versions left it: report warns and ignores
# it, --resume cuts it away and runs its repetition again.
rows=$(($(wc -l < h.csv) - 1))
printf '20261129-31337,2026-11-29T10:00:00Z,h,noop,tasks=2,serial,1,2,dyn' >> h.csv
run_pb 0 report h.csv
assert_contains err "h.csv:$((rows + 2)): the last line is cut short (9 of 35 fields, no line end)"
run_pb 0 run h.ini -q --resume
assert_contains err "--resume removes it"
[[ $(wc -l < h.csv) == 101 ]] || fail "resume after a torn line: $(wc -l < h.csv) lines, expected 101"
fields_ok h.csv || fail "resume after a torn line: a row is not whole"
run_pb 0 report h.csv
[[ ! -s err ]] || { cat err; fail "report after resume warns"; }
pass "torn last line: report warns, --resume recovers it"

# --- 4: a last row without line end ---------------------------------------
"$PARBENCH" run h.ini -q -o u.csv --set run.repetitions=2 >/dev/null
truncate -s -2 u.csv
run_pb 0 run h.ini -q -o u.csv --set run.repetitions=3 --resume
assert_contains err "the last row has no line end; --resume ends it"
[[ $(wc -l < u.csv) == 4 ]] || { cat u.csv; fail "unended: $(wc -l < u.csv) lines, expected 4"; }
fields_ok u.csv || { cat u.csv; fail "unended: a row was glued onto the last one"; }
run_pb 0 report u.csv
pass "--resume ends a last row without line end"

# --- 5: --summary never overwrites -----------------------------------------
cp h.csv keep.csv
run_pb 2 run h.ini -q -o s.csv --summary s.csv
assert_contains err "--summary s.csv is the run's results file"
[[ ! -e s.csv ]] || fail "-o s.csv --summary s.csv created s.csv"
run_pb 2 run h.ini -q -o s.csv --summary h.ini
assert_contains err "--summary h.ini is the run's config"
run_pb 2 run h.ini -q -o s.csv --summary ./s.csv.meta.json
assert_contains err "the run's metadata sidecar"
echo precious > other.txt
run_pb 2 run h.ini -q -o s.csv --summary other.txt
assert_contains err "--summary other.txt already exists"
[[ $(cat other.txt) == precious && ! -e s.csv ]] || fail "run --summary other.txt wrote"
run_pb 2 report keep.csv --summary keep.csv
assert_contains err "--summary keep.csv is the results file it summarises"
run_pb 2 report keep.csv --summary other.txt
[[ $(cat other.txt) == precious ]] || fail "report --summary overwrote other.txt"
cmp -s h.csv keep.csv || fail "a refused --summary changed the results"
run_pb 0 report keep.csv --summary other.txt --force
assert_contains other.txt "workload,executor"
pass "--summary: never the run's own files, never an existing file without --force"

# --- 6: exit statuses of write errors ---------------------------------------
mkdir sumdir
run_pb 2 run h.ini -q -o d.csv --summary sumdir
assert_contains err "--summary sumdir is a directory"
[[ ! -e d.csv ]] || fail "--summary DIR created the output"
run_pb 3 run h.ini -q -o d.csv --summary /dev/full --force --set run.repetitions=1
assert_contains err "cannot write the summary /dev/full"
run_pb 3 report keep.csv --summary /dev/full --force
run_pb 3 run h.ini -q -o /dev/full --force --set run.repetitions=1
assert_contains err "writing /dev/full"
mkdir m.csv.meta.json
run_pb 2 run h.ini -q -o m.csv
assert_contains err "m.csv.meta.json is not a regular file"
[[ ! -e m.csv ]] || fail "an unusable sidecar left m.csv behind"
pass "write errors exit 3, unusable paths exit 2 with nothing written"

# --- 6b: one writer per output ----------------------------------------------
# flock(1) holds the lock a running parbench holds.
if command -v flock >/dev/null; then
    "$PARBENCH" run h.ini -q -o l.csv --set run.repetitions=1 >/dev/null
    cp l.csv l.before
    exec 9<l.csv
    flock 9
    run_pb 2 run h.ini -q -o l.csv --resume
    assert_contains err "l.csv is being written by another parbench run"
    exec 9<&-
    cmp -s l.csv l.before || fail "a refused second writer changed l.csv"
    pass "a second writer is refused"
fi

# --- 8: a signal before the first cell --------------------------------------
# The config is a FIFO: parbench blocks reading it, handlers (now) already
# installed.  SIGTERM then is an interruption, not the end of the process.
mkfifo fifo.ini
"$PARBENCH" run fifo.ini -q -o f.csv >out 2>err &
pid=$!
exec 8>fifo.ini # returns once parbench opened the FIFO
kill -TERM $pid
trap '' PIPE # a parbench killed by the signal reads no more
cat h.ini >&8 2>/dev/null || true
exec 8>&-
trap - PIPE
status=0
wait $pid || status=$?
[[ $status == 1 ]] || { cat err; fail "SIGTERM while loading the config: exit $status, expected 1"; }
assert_contains err "interrupted before any cell ran; nothing written"
[[ ! -e f.csv ]] || fail "an interrupted start wrote f.csv"
pass "SIGTERM before the first cell: exit 1, nothing written"

# A SIGTERM to the cell process cancels its repetition, not the later ones.
cat > t.ini <<'INI'
[run]
workers = 1
repetitions = 3
warmup = 0
output = t.csv
[workload.term]
plugin = faulty
mode = term
[executor.serial]
INI
run_pb 1 run t.ini -q
[[ $(csv_col t.csv status | tr '\n' ' ') == "failed ok ok " ]] ||
    { cat t.csv; fail "a SIGTERM to the cell cost more than one row"; }
pass "a SIGTERM to a cell costs one row"

# --- 7: every killed worker is reaped -----------------------------------------
# perl becomes a child subreaper and runs parbench: whatever parbench
# leaves unreaped when it exits becomes perl's, and perl counts it.
cat > z.ini <<'INI'
[run]
workers = 32
repetitions = 1
warmup = 0
output = z.csv
[workload.hang]
plugin = faulty
mode = hang
tasks = 64
task = 63
[executor.fork]
INI
orphans=$(perl -e '
    use POSIX ":sys_wait_h";
    syscall(157, 36, 1) == 0 or die "prctl: $!";   # PR_SET_CHILD_SUBREAPER
    my $pid = fork // die;
    if (!$pid) { open STDOUT, ">", "/dev/null"; exec @ARGV or die "exec: $!" }
    # Interrupt once the cell runs with every worker forked.
    for (1 .. 400) {
        my $n = () = `pgrep -g \$(pgrep -P $pid | head -1) 2>/dev/null`;
        last if $n >= 33;
        select(undef, undef, undef, 0.05);
    }
    kill "INT", $pid;
    waitpid($pid, 0);
    my $n = 0;
    $n++ while waitpid(-1, 0) > 0;
    print "$n\n";
' "$PARBENCH" run z.ini -q 2>err)
[[ $orphans == 0 ]] || fail "$orphans killed processes outlived parbench unreaped"
[[ $(csv_col z.csv status) == interrupted ]] || { cat z.csv; fail "no interrupted row"; }
pass "every killed worker reaped before exit"

# --- 9: an empty --only term is refused, not read as "no filter" ---------------
for expr in '' ',' 'workload=noop,' ',,workers=1'; do
    run_pb 2 check h.ini --only "$expr"
    assert_contains err "--only '$expr': an empty term"
done
run_pb 0 check h.ini --only workload=noop
pass "--only with an empty term is refused"
