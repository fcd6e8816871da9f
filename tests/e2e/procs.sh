#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The process executors (fork, posix_spawn, forkserver) run noop and prime-count under
# both schedules on odd splits (7 tasks on 3 workers, 1 on 8, 1000 on 2),
# every answer right, and account for their worker processes.
source "$(dirname "$0")/common.bash"

cat > p.ini <<'INI'
[run]
workers = 3
repetitions = 1
warmup = 0
timeout = 60s
output = p.csv
[workload.noop]
tasks = 7
[workload.prime-count]
limit = 100000
tasks = 7
method = trial
[executor.fork]
schedule = dynamic
[executor.fork-static]
plugin = fork
schedule = static
[executor.posix_spawn]
schedule = dynamic
[executor.spawn-static]
plugin = posix_spawn
schedule = static
[executor.forkserver]
schedule = dynamic
[executor.forkserver-static]
plugin = forkserver
schedule = static
INI

# csv_rows FILE: workload executor workers tasks schedule status checksum
# ipc_bytes pss_kib peak_rss_kib user_s, one row per line.
csv_rows() {
    paste -d' ' <(csv_col "$1" workload) <(csv_col "$1" executor) \
        <(csv_col "$1" workers) <(csv_col "$1" tasks) <(csv_col "$1" schedule) \
        <(csv_col "$1" status) <(csv_col "$1" checksum) <(csv_col "$1" ipc_bytes) \
        <(csv_col "$1" pss_kib) <(csv_col "$1" peak_rss_kib) <(csv_col "$1" user_s)
}

for shape in 7:3 1:8 1000:2; do
    tasks=${shape%:*} workers=${shape#*:}
    run_pb 0 run p.ini -q --force --set run.workers=$workers \
        --set workload.noop.tasks=$tasks --set workload.prime-count.tasks=$tasks
    [[ $(wc -l < p.csv) == 13 ]] || { cat p.csv; fail "$shape: expected 12 rows"; }
    noop_sum=$(printf '0x%x' $((tasks * (tasks + 1) / 2)))
    while read -r wl ex w t sched status sum ipc pss rss user; do
        what="$wl x $ex, $t tasks on $w workers ($sched)"
        [[ $status == ok ]] || { cat p.csv; fail "$what: $status"; }
        [[ $w == "$workers" && $t == "$tasks" ]] || fail "$what: shape"
        case $ex in *static) [[ $sched == static ]] ;; *) [[ $sched == dynamic ]] ;; esac ||
            fail "$what: schedule $sched"
        if [[ $wl == noop ]]; then
            [[ $sum == "$noop_sum" ]] || fail "$what: checksum $sum, expected $noop_sum"
        else
            # 9592 primes below 100000
            [[ $sum == 0x2578 ]] || fail "$what: checksum $sum, expected 0x2578"
        fi
        # Every result (a 48-byte header at least) and every worker's
        # final report (72 bytes) crossed to the coordinator, and each
        # worker process has a resident set and a share of memory.
        (( ipc >= 48 * tasks + 72 * workers )) || fail "$what: ipc_bytes $ipc"
        (( pss > 0 && rss > 0 )) || fail "$what: pss $pss rss $rss"
    done < <(csv_rows p.csv)
    pass "$tasks tasks on $workers workers: 12 rows ok, answers right"
done

# A soft limit on descriptors below what 150 worker processes need (one
# to four each in the cell) is raised to the hard limit by parbench run;
# where the hard limit is that low too, the row says what to do.
cat > fds.ini <<'INI'
[run]
workers = 150
repetitions = 1
warmup = 0
timeout = 60s
memory = off
output = fds.csv
[workload.noop]
tasks = 150
[executor.fork]
[executor.posix_spawn]
INI
if (( $(ulimit -Hn) >= 1024 )); then
    (ulimit -S -n 128 && exec "$PARBENCH" run fds.ini -q --force) > /dev/null 2> "$WORK/err" ||
        { cat "$WORK/err" fds.csv; fail "150 workers under a soft limit of 128 failed"; }
    [[ $(csv_col fds.csv status | sort -u) == ok ]] || { cat fds.csv; fail "150 workers: a row is not ok"; }
    pass "the soft descriptor limit is raised: 150 worker processes under ulimit -S -n 128"
fi
st=0
(ulimit -n 128 && exec "$PARBENCH" run fds.ini -q --force) > /dev/null 2>&1 || st=$?
(( st == 1 )) || fail "out of descriptors: exit status $st, expected 1 (rows not ok)"
grep -q 'Too many open files (too many workers for the limit on open descriptors: raise it with ulimit -n' fds.csv ||
    { cat fds.csv; fail "no hint in the rows that ran out of descriptors"; }
pass "out of descriptors: the row says to raise ulimit -n"

# A forked worker's last batch of frames stays in memory it shares with
# the coordinator (struct pb_worker_tail of <parbench/worker.h>), PB_FRAME_DONE included
# with memory = off; with memory = on it writes PB_FRAME_DONE alone, which
# wakes the coordinator for the release.  Before, every worker ended with
# a batch written to its pipe whose last frame was PB_FRAME_DONE.  (A
# batch may still be written mid-way: one queued 1 ms plus a clock tick
# or more after the last write goes out, which a slow run under strace
# can reach; no check depends on it.)  More results than the tail holds
# go through the channel (below), the rest in the tail, and every answer
# arrives (the noop checksum).
command -v strace > /dev/null || skip "strace is not installed: the tail checks need it"
cat > tail.ini <<'INI'
[run]
workers = 2
repetitions = 1
warmup = 0
timeout = 60s
output = tail.csv
[workload.noop]
tasks = 64
[executor.fork]
INI
traced_tail() {
    STRACE_EXTRA="-s 200000 -xx" traced_run write,writev "$1" run tail.ini -q --force "${@:2}"
    [[ $(csv_col tail.csv status) == ok ]] || { cat tail.csv; fail "$1: the row is not ok"; }
}
# Written buffers, in hex: a result frame starts with PB_FRAME_MSG (1),
# its length (48) and the message's magic ("PBM1"); PB_FRAME_DONE is 3
# with length 0, alone or as the last frame of a batch.
DONE='\\x03\\x00\\x00\\x00\\x00\\x00\\x00\\x00"'
msg_writes() { grep -c '"\\x01\\x00\\x00\\x00\\x30\\x00\\x00\\x00\\x31\\x4d\\x42\\x50' "$1" || true; }
done_alone() { grep -c "=\"$DONE" "$1" || true; }
done_ending_batch() { grep -cE "\\\\x[0-9a-f]{2}$DONE" "$1" || true; }
traced_tail off.tr --set run.memory=off
(( $(done_alone off.tr) == 0 && $(done_ending_batch off.tr) == 0 )) ||
    fail "memory = off: $(done_alone off.tr) PB_FRAME_DONE written alone and $(done_ending_batch off.tr) ending a batch, expected none"
traced_tail on.tr --set run.memory=on
(( $(done_alone on.tr) == 2 && $(done_ending_batch on.tr) == 0 )) ||
    fail "memory = on: $(done_alone on.tr) PB_FRAME_DONE written alone and $(done_ending_batch on.tr) ending a batch, expected 2 and 0"
# 3000 result frames of 56 bytes on 2 workers: 84 KB each, about 2.6
# tails' worth.
traced_tail big.tr --set run.memory=off --set workload.noop.tasks=3000
(( $(msg_writes big.tr) >= 4 )) || fail "3000 tasks: only $(msg_writes big.tr) batches written"
[[ $(csv_col tail.csv checksum) == "$(printf '0x%x' $((3000 * 3001 / 2)))" ]] ||
    fail "3000 tasks: checksum $(csv_col tail.csv checksum)"
pass "fork: the last batch stays in shared memory, the rest goes through the channel"

# One channel for the frames of all of fork's workers, and no descriptor
# per worker while they are forked (procs.h, procs_channel): the cell
# process opens one SOCK_SEQPACKET socket pair and no pipe, and after its
# last fork asks each worker whether it has ended (waitid, WNOWAIT) and
# opens a pidfd only for those still running (its first pidfd_open is of
# itself: whether the kernel has pidfds).  Before, each worker had a pipe
# and a pidfd made before the next fork, which copied them all; then each
# had a pidfd, ended or not.
traced_run pipe2,socketpair,pidfd_open,waitid,clone,clone3 chan.tr run tail.ini -q --force \
    --set run.workers=8 --set run.memory=off
[[ $(csv_col tail.csv status) == ok ]] || { cat tail.csv; fail "8 workers under strace: the row is not ok"; }
cell=$(awk '/socketpair\(AF_UNIX, SOCK_SEQPACKET/ { print $1; exit }' chan.tr)
[[ -n $cell ]] || { cat chan.tr; fail "fork: no SOCK_SEQPACKET socket pair for the workers' frames"; }
read -r pipes pairs pidfds asked ended late < <(awk -v cell="$cell" '$1 == cell {
        n++
        if ($2 ~ /^pipe2\(/) pipes++
        if ($2 ~ /^socketpair\(/) pairs++
        if ($2 ~ /^clone/) last_clone = n
        # A call strace splits (another thread ran: "<unfinished ...>",
        # then "<... waitid resumed>") is asked on its first line and
        # answered on its second.
        if ($2 ~ /^waitid\(P_PID/) { asked++; if (!first || n < first) first = n }
        if ((($2 ~ /^waitid\(P_PID/) || ($2 == "<..." && $3 == "waitid")) && /si_pid=/) ended++
        if ($2 ~ /^pidfd_open\(/ && $2 != "pidfd_open(" cell ",") { pidfds++; if (!first || n < first) first = n }
    } END { print pipes + 0, pairs + 0, pidfds + 0, asked + 0, ended + 0, (first > last_clone) ? 1 : 0 }' chan.tr)
(( pipes == 0 && pairs == 1 && asked == 8 && pidfds + ended == 8 && late == 1 )) ||
    { cat chan.tr; fail "fork, 8 workers: $pipes pipes, $pairs socket pairs, $asked asked, $ended ended, $pidfds pidfds (after the last fork: $late); expected 0, 1, 8, a pidfd for each not ended (1)"; }
pass "fork: one channel for all workers, a pidfd after the last fork for each still running ($ended of 8 had ended)"

# A worker's end seen on its pidfd, with nothing on the channel in the
# same poll (its one result in its tail): the channel is not read.  The
# channel comes after every pidfd in the poll, so a worker seen ended had
# sent all its records before the channel was looked at (procs_serve).
# Before, each such end cost a recv that found nothing (EAGAIN).  One
# task of trial division runs long enough for the cell to poll for it.
cat > one.ini <<'INI'
[run]
workers = 1
repetitions = 3
warmup = 0
memory = off
timeout = 60s
output = one.csv
[workload.prime-count]
limit = 400000
tasks = 1
method = trial
[executor.fork]
INI
traced_run poll,recvfrom,pidfd_open one.tr run one.ini -q --force
[[ $(csv_col one.csv status | sort -u) == ok ]] || { cat one.csv; fail "1 worker under strace: the row is not ok"; }
cell=$(awk '$2 ~ /^pidfd_open\(/ && $2 != "pidfd_open(" $1 "," { print $1; exit }' one.tr)
[[ -n $cell ]] || { cat one.tr; fail "fork, 1 worker: no pidfd opened for a running worker"; }
# Each repetition's worker was still running after the fork (a pidfd of
# its own: its end was seen in a poll, or the check below would say
# nothing).  Each of the cell's calls by name ("poll", or "<... poll
# resumed>"); a recv that found nothing right after a poll is a wasted
# read.  Signals ("--- SIGCHLD", often printed between the two) are not
# calls.
read -r pidfds wasted < <(awk -v cell="$cell" '$1 == cell && $2 != "---" && $2 != "+++" {
        name = ($2 == "<...") ? $3 : $2; sub(/\(.*/, "", name)
        if ($2 ~ /^pidfd_open\(/ && $2 != "pidfd_open(" cell ",") pidfds++
        if (name == "recvfrom" && / EAGAIN/ && last == "poll") wasted++
        last = name
    } END { print pidfds + 0, wasted + 0 }' one.tr)
(( pidfds == 3 && wasted == 0 )) ||
    { cat one.tr; fail "fork, 1 worker, 3 repetitions: $pidfds pidfds and $wasted reads of an empty channel after a poll; expected 3 and none"; }
pass "fork: a worker's end with an empty channel costs no read of it"

# With too few descriptors for the channel (a pidfd per worker and 64
# spare) and for a pidfd per worker with its pipe (3 per worker and 64
# spare), each worker has a pipe, its end is the pipe's end-of-file, and
# its tail is read there: 16 workers under a limit of 70.
(ulimit -n 70 && exec "$PARBENCH" run tail.ini -q --force --set run.memory=off \
    --set run.workers=16 --set workload.noop.tasks=640) > /dev/null 2> "$WORK/err" ||
    { cat "$WORK/err"; fail "16 workers under ulimit -n 70 failed"; }
[[ $(csv_col tail.csv status) == ok && $(csv_col tail.csv checksum) == 0x32140 ]] ||
    { cat tail.csv; fail "16 workers without pidfds: the row is wrong"; }
pass "fork without pidfds: the tails are read at end-of-file"

# A spawned worker's last batch stays in its tail (PB_WORKER_TAIL), as a
# forked one's does: with [run] memory = off it never writes its
# PB_FRAME_DONE (the tail's last frame; the coordinator reads the tail
# once the worker has ended), with memory = on it writes PB_FRAME_DONE
# alone and waits for its release.  Before, each ended with its last
# batch written to its pipe, PB_FRAME_DONE its last frame.  (As above, a
# batch may be written mid-way; no check depends on it.)  A worker whose
# results outgrow its tail (3 000 of 56 bytes) writes the full batches and
# leaves the rest there: the checksum (1 + 2 + ... + n) says every result
# arrived.  And a worker whose memory nobody reads (memory = off) does not
# ask its own pid for its final report (a getpid per worker before): one
# call per worker more with memory = on than with memory = off (a
# sanitizer's runtime asks too, as often either way).
cat > st.ini <<'INI'
[run]
workers = 2
repetitions = 2
warmup = 0
timeout = 60s
output = st.csv
[workload.noop]
tasks = 64
[executor.posix_spawn]
INI
# spawned_tail NAME ARGS...: runs st.ini under strace; NAME.tr holds the
# writes of the spawned workers only, whose number is printed.
spawned_tail() {
    STRACE_EXTRA="-s 200000 -xx" traced_run execve,write,writev,getpid "$1.all" run st.ini -q --force "${@:2}"
    [[ $(csv_col st.csv status | sort -u) == ok ]] || { cat st.csv; fail "$1: a row is not ok"; }
    # The program's name is in hex too (-xx): "-worker".
    local prog='\\x2d\\x77\\x6f\\x72\\x6b\\x65\\x72'
    awk -v p="$prog" '$2 ~ /^execve\(/ && index($0, p) { w[$1] = 1; next } ($1 in w)' "$1.all" > "$1.tr"
    awk -v p="$prog" '$2 ~ /^execve\(/ && index($0, p) { w[$1] = 1 } END { print length(w) + 0 }' "$1.all"
}
(( $(spawned_tail st-off --set run.memory=off) == 4 )) || fail "posix_spawn, memory = off: not 4 workers spawned"
(( $(done_alone st-off.tr) == 0 && $(done_ending_batch st-off.tr) == 0 )) ||
    { cat st-off.tr; fail "posix_spawn, memory = off: $(done_alone st-off.tr) PB_FRAME_DONE written alone and $(done_ending_batch st-off.tr) ending a batch, expected none"; }
getpids() { grep -c ' getpid(' "$1" || true; }
(( $(spawned_tail st-on --set run.memory=on) == 4 )) || fail "posix_spawn, memory = on: not 4 workers spawned"
(( $(done_alone st-on.tr) == 4 && $(done_ending_batch st-on.tr) == 0 )) ||
    { cat st-on.tr; fail "posix_spawn, memory = on: $(done_alone st-on.tr) PB_FRAME_DONE written alone and $(done_ending_batch st-on.tr) ending a batch, expected 4 and 0"; }
(( $(getpids st-on.tr) - $(getpids st-off.tr) == 4 )) ||
    fail "posix_spawn: the 4 workers asked their pid $(getpids st-on.tr) times with memory = on and $(getpids st-off.tr) with memory = off, expected once each more with memory = on"
run_pb 0 run st.ini -q --force --set run.memory=off --set run.workers=1 \
    --set workload.noop.tasks=3000
[[ $(csv_col st.csv status | sort -u) == ok && $(csv_col st.csv checksum | sort -u) == "$(printf '0x%x' $((3000 * 3001 / 2)))" ]] ||
    { cat st.csv; fail "posix_spawn, 3 000 results from one worker: the rows are wrong"; }
pass "a spawned worker leaves its last batch in its tail: PB_FRAME_DONE never written with memory = off, written alone with memory = on; its pid asked only when its memory is read"

# A spawned parbench-worker finds libc in the directory it was linked
# against (its RUNPATH, cli/CMakeLists.txt): it never maps
# /etc/ld.so.cache, which each spawned worker would map, search and unmap.
# Not in the sanitizer builds, whose runtimes look their own libraries up
# there.
case ${PB_BUILD_TYPE:-} in
Asan | Tsan) ;;
*)
    cat > sp.ini <<'INI'
[run]
workers = 2
repetitions = 2
warmup = 0
output = sp.csv
[workload.noop]
tasks = 4
[executor.posix_spawn]
INI
    traced_run execve,openat sp.tr run sp.ini -q --force
    read -r spawned cache < <(awk '$2 ~ /^execve\(/ && /parbench-worker/ { w[$1] = 1 }
        ($1 in w) && /ld\.so\.cache/ { c++ } END { print length(w) + 0, c + 0 }' sp.tr)
    ((spawned == 4 && cache == 0)) ||
        { cat sp.tr; fail "posix_spawn: $spawned workers spawned, $cache openings of ld.so.cache among them; expected 4 and none"; }
    pass "a spawned parbench-worker finds libc without ld.so.cache"
    ;;
esac
