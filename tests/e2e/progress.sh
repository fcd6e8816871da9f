#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Progress on stderr only when it is a terminal and -q is not given.
source "$(dirname "$0")/common.bash"
CFG="$PB_SOURCE_DIR/config/quick.ini"
ARGS=(--only workload=noop,executor=serial,executor=pthread --set run.repetitions=2 --set run.workers=1,2
      --set run.order=grouped)

# Not a terminal: nothing but the summary.
run_pb 0 run "$CFG" -o a.csv "${ARGS[@]}"
if grep -q 'elapsed' err || grep -q $'\r' err; then cat err; fail "progress without a terminal"; fi
pass "silent when stderr is not a terminal"

command -v script >/dev/null || skip "script(1) not installed (bsdutils)"
# A terminal, through script(1): the line for every repetition.
script -qec "'$PARBENCH' run '$CFG' -o b.csv ${ARGS[*]}" /dev/null > tty.txt 2>&1 ||
    { cat tty.txt; fail "parbench under script failed"; }
tr '\r' '\n' < tty.txt > lines.txt
for want in "[1/3] noop x serial x 1  warmup  elapsed 0:00  left ?" \
            "[1/3] noop x serial x 1  repetition 2/2" \
            "[3/3] noop x pthread x 2  repetition 1/2" "left ~"; do
    assert_contains lines.txt "$want"
done
pass "progress on a terminal"

# Interleaved: every cell shows up, the estimate counts the whole run.
script -qec "'$PARBENCH' run '$CFG' -o i.csv ${ARGS[*]} --set run.order=interleaved" /dev/null > tty.txt 2>&1 ||
    { cat tty.txt; fail "parbench interleaved under script failed"; }
tr '\r' '\n' < tty.txt > lines.txt
for want in "noop x serial x 1  repetition 2/2" "noop x pthread x 1  repetition 2/2" \
            "noop x pthread x 2  repetition 2/2" "left ~"; do
    assert_contains lines.txt "$want"
done
pass "progress on a terminal, interleaved"

script -qec "'$PARBENCH' run '$CFG' -o c.csv ${ARGS[*]} -q" /dev/null > tty.txt 2>&1 ||
    { cat tty.txt; fail "parbench -q under script failed"; }
if grep -q 'elapsed' tty.txt; then cat tty.txt; fail "progress despite -q"; fi
assert_contains tty.txt "speedup"
pass "silent with -q"
