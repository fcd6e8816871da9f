#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `[run] memory = off`: nothing reads the memory of the coordinator or of
# the workers, so pss_kib and uss_kib are empty (never 0), the answers are
# the same, and worker processes exit as soon as their work is done
# instead of waiting for a release.  `memory = on` (the default) fills
# both columns; a bad value is refused before any cell runs.
source "$(dirname "$0")/common.bash"

cat > m.ini <<'INI'
[run]
workers = 1, 2
repetitions = 2
warmup = 0
timeout = 60s
memory = off
output = m.csv
[workload.prime-count]
limit = 30000
tasks = 4
[executor.pthread]
[executor.fork]
[executor.posix_spawn]
[executor.forkserver]
[executor.fork-pool]
plugin = fork
lifetime = cell
[executor.spawn-pool]
plugin = posix_spawn
lifetime = cell
INI

run_pb 0 run m.ini -q
rows=$(($(wc -l < m.csv) - 1))
(( rows == 24 )) || fail "expected 24 rows, got $rows"
[[ $(csv_col m.csv status | sort -u) == ok ]] || { cat m.csv; fail "a row is not ok"; }
[[ $(csv_col m.csv checksum | sort -u | wc -l) == 1 ]] || fail "the checksums differ"
[[ -z $(csv_col m.csv pss_kib | sort -u) ]] || fail "memory = off wrote a pss_kib"
[[ -z $(csv_col m.csv uss_kib | sort -u) ]] || fail "memory = off wrote a uss_kib"
# Peak RSS comes from getrusage and wait4, which cost nothing: still there.
[[ -z $(csv_col m.csv peak_rss_kib | grep -v '^[1-9][0-9]*$' || true) ]] ||
    fail "memory = off left peak_rss_kib empty"
pass "memory = off: every row ok with the same checksum, pss_kib and uss_kib empty"

# The report and its plot say why there is nothing to draw.
run_pb 3 report m.csv --plot m.svg --plot-metric pss
assert_contains err "memory = off"
pass "a pss plot of such a file names memory = off"

run_pb 0 run m.ini -q -o on.csv --set run.memory=on
[[ -z $(csv_col on.csv pss_kib | grep -v '^[1-9][0-9]*$' || true) ]] ||
    fail "memory = on left a pss_kib empty"
[[ -z $(csv_col on.csv uss_kib | grep -v '^[1-9][0-9]*$' || true) ]] ||
    fail "memory = on left a uss_kib empty"
pass "memory = on: pss_kib and uss_kib in every row"

sed 's/^memory = off/memory = sometimes/' m.ini > bad.ini
run_pb 2 run bad.ini -o bad.csv
assert_contains err "bad.ini:6: [run] memory: 'sometimes' is not a boolean"
[[ ! -e bad.csv ]] || fail "a cell ran despite the bad value"
pass "a bad memory value exits 2 before any cell runs"

# What the workers do after their work: with memory = on each waits for
# its release (fork's child reads one byte of the release pipe, a spawned
# worker reads its standard input to end-of-file) and the coordinator
# reads /proc/PID/smaps_rollup; with memory = off neither happens.  A
# pooled worker never reads its own smaps_rollup, nor does the fork server
# (that would be inside run()): the coordinator reads theirs with the
# workers', the clock paused.
command -v strace > /dev/null || skip "strace is not installed: the release checks need it"
cat > t.ini <<'INI'
[run]
workers = 2
repetitions = 1
warmup = 0
timeout = 60s
output = t.csv
[workload.noop]
tasks = 8
[executor.fork]
[executor.posix_spawn]
[executor.forkserver]
[executor.fork-pool]
plugin = fork
lifetime = cell
INI
traced_run read,openat on.tr run t.ini -q --force
traced_run read,openat off.tr run t.ini -q --force --set run.memory=off
# A blocked read shows as "<... read resumed>"; either form ends the same.
releases() { grep -cE '"", (1|64)\) += 0$' "$1" || true; }
smaps() { grep -c 'smaps_rollup' "$1" || true; }
(( $(releases on.tr) >= 6 )) || fail "memory = on: $(releases on.tr) workers waited for a release, expected 6"
(( $(smaps on.tr) >= 4 )) || fail "memory = on: smaps_rollup read $(smaps on.tr) times"
(( $(releases off.tr) == 0 )) || fail "memory = off: $(releases off.tr) workers still waited for a release"
(( $(smaps off.tr) == 0 )) || fail "memory = off: smaps_rollup read $(smaps off.tr) times"
pass "memory = off: no worker waits for a release, no smaps_rollup is read"
