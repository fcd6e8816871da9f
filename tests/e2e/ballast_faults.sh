#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The ballast's copy-on-write cost is counted in minflt: the coordinator
# writes one byte of every ballast page at the end of each repetition (in
# the repetition's fault-counting window, as a live parent goes on using
# its heap), and after a fork every one of those pages is write-protected,
# so each write takes a minor fault.  posix_spawn copies no page tables
# and threads share them: there the ballast adds no fault.
source "$(dirname "$0")/common.bash"
cat > f.ini <<'INI'
[run]
workers = 2
repetitions = 3
warmup = 0
timeout = 60s
output = f.csv
[workload.noop]
[executor.fork]
[executor.fork-big]
plugin = fork
ballast = 64MiB
[executor.posix_spawn]
[executor.spawn-big]
plugin = posix_spawn
ballast = 64MiB
[executor.pthread]
[executor.pthread-big]
plugin = pthread
ballast = 64MiB
INI
run_pb 0 run f.ini -q --force
[[ $(csv_col f.csv status | sort -u) == ok ]] || { cat f.csv; fail "not every row is ok"; }
# median EXECUTOR: the median minflt of that executor's rows.
median() {
    paste -d' ' <(csv_col f.csv executor) <(csv_col f.csv minflt) |
        awk -v e="$1" '$1 == e { print $2 }' | sort -n | sed -n 2p
}
pages=$((64 * 1024 * 1024 / $(getconf PAGESIZE)))
for e in fork posix_spawn pthread; do
    [[ -n $(median "$e") ]] || { cat f.csv; fail "$e: no minflt"; }
done
# fork: one fault per ballast page and repetition (at least 90% of them:
# the rest of the row's faults do not shrink with the ballast).
grow=$(( $(median fork-big) - $(median fork) ))
(( grow >= pages * 9 / 10 )) ||
    { cat f.csv; fail "fork: minflt grows by $grow with a 64 MiB ballast, not by about $pages (its pages)"; }
# posix_spawn and threads: the same faults with and without the ballast.
# The tolerance, 5% of the ballast's pages (819), is twenty times less
# than fork's growth and far more than the few pages a spawned worker's
# start-up varies by (its libraries, its stack).
for e in posix_spawn pthread; do
    big=${e/posix_spawn/spawn}-big
    d=$(( $(median "$big") - $(median "$e") ))
    (( d < 0 )) && d=$(( -d ))
    (( d <= pages / 20 )) ||
        { cat f.csv; fail "$e: minflt differs by $d with a 64 MiB ballast (tolerance $((pages / 20)))"; }
done
pass
