#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The man pages render without a single warning, as man-db and groff see
# them (`man -l --warnings`, `groff -ww`), and cover what the program has:
# every verb and every exit status.
source "$(dirname "$0")/common.bash"
command -v man >/dev/null || skip "man (man-db) is not installed"
command -v groff >/dev/null || skip "groff is not installed"

for page in "$PB_SOURCE_DIR/man/parbench.1" "$PB_SOURCE_DIR/man/parbench-plugin.7"; do
    MANWIDTH=80 man -l --warnings "$page" >rendered 2>warnings || fail "man -l $page failed"
    [[ ! -s warnings ]] || { cat warnings; fail "$page: man reports warnings"; }
    groff -ww -man -z "$page" 2>warnings || fail "groff $page failed"
    [[ ! -s warnings ]] || { cat warnings; fail "$page: groff reports warnings"; }
    [[ -s rendered ]] || fail "$page renders empty"
done
pass "both pages render without warnings"

MANWIDTH=80 man -l "$PB_SOURCE_DIR/man/parbench.1" >page 2>/dev/null
# Every verb of `parbench --help` has its entry, and every exit status.
verbs=$("$PARBENCH" --help | awk '/^Verbs:/ { v = 1; next } v && /^  [a-z]/ { print $1 } v && /^$/ { v = 0 }')
[[ -n $verbs ]] || fail "no verbs read from parbench --help"
for v in $verbs; do
    grep -Eq "^ +$v( |$)" page || fail "parbench(1) lacks the verb $v"
done
for s in 0 1 2 3; do
    grep -Eq "^ +$s( |$)" page || fail "parbench(1) lacks exit status $s"
done
grep -q "PARBENCH_PLUGIN_PATH" page || fail "parbench(1) lacks the environment"
pass "parbench(1) covers every verb, exit status and the environment"
