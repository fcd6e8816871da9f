#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# While the cells run the runner keeps to one CPU (so that the cell process
# it wakes stays on one: docs/design.md, "The runner's CPU"), and gives
# every process it starts the CPUs it was given itself: the built-in
# server, the cell process and the cell's workers all run with the CPU set
# of the shell that started parbench.
source "$(dirname "$0")/common.bash"

allowed=$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status)
ncpu=$(tr , '\n' <<<"$allowed" | awk -F- 'NF { n += (NF > 1 ? $2 - $1 + 1 : 1) } END { print n + 0 }')
((ncpu >= 2)) || skip "this shell may use one CPU ($allowed): the runner keeps to one only when it has two or more"

# A server answer takes 200 ms, so that the server, the cell process and
# its two forked workers stay long enough to be looked at.
cat > c.ini <<'INI'
[run]
workers = 2
repetitions = 2
warmup = 0
timeout = 30s
output = c.csv
[server]
latency = 200ms
[workload.http-download]
url = ${server}/bytes/1KiB?seed={task}
files = 6
[executor.fork]
INI

# look PID: "ROLE PID CPUS" for PID (the runner) and every process under
# it, read with bash's own builtins.  A pgrep and an awk per process made
# one look outlast a repetition on a loaded machine (CI runs two tests at
# once on two CPUs), and the workers went unseen.  A process that ends
# meanwhile is skipped.
look() {
    local -A kids=()
    local f line rest ppid p k v cpus role
    for f in /proc/[0-9]*/stat; do
        { read -r line <"$f"; } 2>/dev/null || continue
        rest=${line##*) } # the fields after "(comm)": state, ppid, ...
        ppid=${rest#* }
        kids[${ppid%% *}]+=" ${line%% *}"
    done
    local queue=("$1")
    while ((${#queue[@]})); do
        p=${queue[0]}
        queue=("${queue[@]:1}")
        cpus=
        while read -r k v; do
            [[ $k == Cpus_allowed_list: ]] && { cpus=$v; break; }
        done 2>/dev/null <"/proc/$p/status" || true
        role=child
        [[ $p == "$1" ]] && role=runner
        [[ -n $cpus ]] && echo "$role $p $cpus"
        queue+=(${kids[$p]:-})
    done
}
"$PARBENCH" run c.ini >out 2>err &
pb=$!
# Every 20 ms until parbench ends.
while kill -0 "$pb" 2>/dev/null; do
    look "$pb" >> seen
    sleep 0.02
done
wait_status "$pb" "parbench run"
[[ $STATUS == 0 ]] || { cat err; fail "parbench run exited $STATUS"; }
[[ $(csv_col c.csv status | sort -u) == ok ]] || { cat c.csv; fail "rows not ok"; }

# The runner: one CPU while the cells ran (of those it was given).
pinned=$(awk '$1 == "runner" && $3 !~ /[,-]/ { print $3 }' seen | sort -u)
[[ -n $pinned ]] || { sort -u seen; fail "the runner never kept to one CPU (given $allowed)"; }
[[ $(wc -l <<<"$pinned") == 1 ]] || fail "the runner moved between CPUs: $pinned"
pass "the runner kept to CPU $pinned while the cells ran"

# Everything it started: the CPUs of the shell.
children=$(awk '$1 == "child"' seen | sort -u)
[[ $(awk '{ print $2 }' <<<"$children" | sort -u | wc -l) -ge 3 ]] ||
    { sort -u seen; fail "saw fewer than 3 processes under the runner (server, cell, workers)"; }
wrong=$(awk -v want="$allowed" '$3 != want' <<<"$children")
[[ -z $wrong ]] || { echo "$wrong"; fail "processes started by the runner with other CPUs than $allowed"; }
pass "the server, the cell process and its workers ($(awk '{ print $2 }' <<<"$children" | sort -u | wc -l) processes) ran with CPUs $allowed"
