#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `ballast = SIZE` in an executor section: the coordinator holds that much
# touched memory while the workers start.  It shows in memory, never in
# a wrong answer; a bad size is refused before any cell runs.  Its
# copy-on-write cost is counted in minflt: the coordinator writes one byte
# of every ballast page at the end of each repetition (in the
# repetition's fault-counting window, as a live parent goes on using its
# heap), and after a fork every one of those pages is write-protected, so
# each write takes a minor fault.  posix_spawn copies no page tables,
# forkserver's workers are forked from its server, which was forked before
# the ballast existed, and threads share the page tables: there the
# ballast adds no fault.
source "$(dirname "$0")/common.bash"

cat > b.ini <<'INI'
[run]
workers = 2
repetitions = 1
warmup = 0
timeout = 60s
output = b.csv
[workload.prime-count]
limit = 20000
tasks = 4
[executor.fork]
[executor.fork-big]
plugin = fork
ballast = 64MiB
[executor.posix_spawn]
[executor.spawn-big]
plugin = posix_spawn
ballast = 64MiB
[executor.forkserver]
[executor.forkserver-big]
plugin = forkserver
ballast = 64MiB
[executor.pthread]
[executor.pthread-big]
plugin = pthread
ballast = 64MiB
INI
run_pb 0 run b.ini -q --force
[[ $(csv_col b.csv status | sort -u) == ok ]] || { cat b.csv; fail "not every row is ok"; }
[[ $(csv_col b.csv checksum | sort -u | wc -l) == 1 ]] || { cat b.csv; fail "checksums differ"; }
# col EXECUTOR NAME: the value of column NAME in that executor's row
col() { paste -d' ' <(csv_col b.csv executor) <(csv_col b.csv "$2") | awk -v e="$1" '$1 == e { print $2 }'; }
mib=$((64 * 1024))
for e in fork posix_spawn forkserver pthread; do
    big=${e/posix_spawn/spawn}-big
    # Pss counts the ballast once, however many children share it.
    (( $(col $big pss_kib) - $(col $e pss_kib) >= mib * 9 / 10 )) ||
        { cat b.csv; fail "$e: pss_kib does not grow by the 64 MiB ballast"; }
done
# Under posix_spawn and forkserver the ballast is the coordinator's alone.
for e in posix_spawn forkserver; do
    big=${e/posix_spawn/spawn}-big
    (( $(col $big uss_kib) - $(col $e uss_kib) >= mib * 9 / 10 )) ||
        { cat b.csv; fail "$e: uss_kib does not grow by the ballast"; }
done

pages=$((64 * 1024 * 1024 / $(getconf PAGESIZE)))
for e in fork posix_spawn forkserver pthread; do
    [[ -n $(col $e minflt) ]] || { cat b.csv; fail "$e: no minflt"; }
done
# fork: one fault per ballast page (at least 90% of them: the rest of the
# row's faults do not shrink with the ballast).
grow=$(( $(col fork-big minflt) - $(col fork minflt) ))
(( grow >= pages * 9 / 10 )) ||
    { cat b.csv; fail "fork: minflt grows by $grow with a 64 MiB ballast, not by about $pages (its pages)"; }
# posix_spawn, forkserver and threads: the same faults with and without
# the ballast.
# The tolerance, 5% of the ballast's pages (819), is twenty times less
# than fork's growth and far more than the few pages a spawned worker's
# start-up varies by (its libraries, its stack).
for e in posix_spawn forkserver pthread; do
    big=${e/posix_spawn/spawn}-big
    d=$(( $(col $big minflt) - $(col $e minflt) ))
    (( d < 0 )) && d=$(( -d ))
    (( d <= pages / 20 )) ||
        { cat b.csv; fail "$e: minflt differs by $d with a 64 MiB ballast (tolerance $((pages / 20)))"; }
done

# A bad size: exit 2 naming file:line, key and a fix; no cell runs.
printf '[run]\noutput = x.csv\n[workload.noop]\n[executor.fork]\nballast = lots\n' > bad.ini
run_pb 2 run bad.ini -q
assert_contains err "bad.ini:5: [executor.fork] ballast: 'lots' is not a size; write e.g. ballast = 256MiB"
[[ ! -e x.csv ]] || fail "a bad ballast wrote rows"
printf '[run]\noutput = x.csv\n[workload.noop]\n[executor.fork]\nballast = 1000TiB\n' > bad.ini
run_pb 2 run bad.ini -q
assert_contains err "bad.ini:5: [executor.fork] ballast: 1000TiB is more than half of this machine's memory"
# Workloads have no ballast.
printf '[run]\noutput = x.csv\n[workload.noop]\nballast = 1MiB\n[executor.fork]\n' > bad.ini
run_pb 2 run bad.ini -q
assert_contains err "bad.ini:4: [workload.noop]"
pass "ballast: in Pss (and USS where it is the coordinator's alone), copy-on-write faults under fork only, bad sizes refused"
