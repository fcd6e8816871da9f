#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Resume equals uninterrupted: a run is interrupted at random moments --
# SIGINT and SIGTERM of the runner, SIGKILL of the runner, SIGKILL of a
# cell process -- and resumed each time with --resume.  In the end the
# file holds exactly the rows of an uninterrupted run of the same config
# (same cells, repetitions, statuses and checksums), every row whole, and
# no process of the run is left.  The moments come from a seed printed
# first (PB_RESUME_SEED=N repeats a run of this test).
source "$(dirname "$0")/common.bash"

seed=${PB_RESUME_SEED:-$(( $(date +%s%N) % 1000000 ))}
echo "# seed $seed"
RANDOM=$seed

cat > r.ini <<'INI'
[run]
workers     = 1, 2
repetitions = 3
warmup      = 0
timeout     = 30s
[workload.noop]
tasks = 16
[workload.prime-count]
limit = 300000
tasks = 6
[executor.serial]
[executor.pthread]
[executor.fork]
[executor.posix_spawn]
INI

# The uninterrupted reference.
run_pb 0 run r.ini -o ref.csv -q

# A runner killed before its header leaves an empty file: --resume starts
# it afresh instead of refusing it.
: > empty.csv
run_pb 0 run r.ini -o empty.csv -q --resume
assert_contains err "is empty (a run stopped before its first line)"
[[ $(head -n 1 empty.csv) == "$(head -n 1 ref.csv)" ]] || fail "--resume of an empty file wrote no header"

# A row's identity and outcome: everything but timings, host and run id.
rows() {
    awk -F, 'NR > 1 { print $4 "|" $5 "|" $6 "|" $7 "|" $8 "|" $9 "|" $10 "|" $11 "|" $21 "|" $23 }' "$1" | sort
}

started=0
for round in $(seq 1 12); do
    args=(run r.ini -o res.csv -q)
    if (( started )); then args+=(--resume); else args+=(--force); fi
    started=1
    "$PARBENCH" "${args[@]}" >out 2>err &
    pid=$!
    # 0 to 0.4 s into the run, in steps of 20 ms.
    sleep "0.$(printf '%02d' $(( (RANDOM % 20) * 2 )))"
    how=${PB_RESUME_HOW:-$(( RANDOM % 4 ))}
    case $how in
    0) kill -INT $pid 2>/dev/null || true ;;
    1) kill -TERM $pid 2>/dev/null || true ;;
    2) kill -KILL $pid 2>/dev/null || true ;;
    # A cell process leads its own process group; the summary the
    # runner forks at the end does not, and is not a cell.
    3) cell=$(for c in $(pgrep -P $pid); do
                  [[ $(ps -o pgid= -p "$c" | tr -d ' ') == "$c" ]] && echo "$c"
              done | head -1 || true)
       [[ -n $cell ]] && kill -KILL "$cell" 2>/dev/null || true ;;
    esac
    status=0
    wait $pid || status=$?
    # 0 (finished first), 1 (interrupted or a killed cell's row), or the
    # runner killed by a signal; never 2 or 3.
    if [[ $status == 2 || $status == 3 ]]; then
        cat err
        fail "round $round (signal kind $how): exit $status"
    fi
    # Every row whole: as many fields as the header.  A runner stopped
    # before it opened the file leaves none (--resume then starts afresh).
    [[ ! -e res.csv ]] ||
        awk -F, 'NR == 1 { n = NF; next } NF != n { bad = 1 } END { exit bad }' res.csv ||
        { cat res.csv; fail "round $round: a row is not whole"; }
    # Nothing of the run left behind (a killed runner's cells die with it).
    for _ in $(seq 100); do
        [[ -z $(left_behind) ]] && break
        sleep 0.05
    done
    [[ -z $(left_behind) ]] || fail "round $round: processes left: $(left_behind)"
done

# Finish it.  A resumed run reruns interrupted repetitions; a repetition
# whose cell this test killed keeps its `crashed` row (the run's honest
# record of it), so the cell's rows are compared by identity, and by
# outcome wherever the run measured them.
"$PARBENCH" run r.ini -o res.csv -q --resume >out 2>err || true
awk -F, 'NR == 1 || $11 != "interrupted"' res.csv > final.csv
ids() { awk -F, 'NR > 1 { print $4 "|" $5 "|" $6 "|" $7 "|" $8 "|" $9 "|" $10 }' "$1" | sort; }
if ! diff <(ids ref.csv) <(ids final.csv); then
    fail "the resumed file does not hold each repetition of the uninterrupted run exactly once"
fi
awk -F, 'NR > 1 && $11 == "crashed" && $24 !~ /SIGKILL/' final.csv > odd.csv
[[ ! -s odd.csv ]] || { cat odd.csv; fail "a crashed row not caused by this test's SIGKILL"; }
killed=$(awk -F, 'NR > 1 && $11 == "crashed"' final.csv | wc -l)
awk -F, 'NR == 1 || $11 != "crashed"' final.csv > measured.csv
if [[ -n $(comm -13 <(rows ref.csv) <(rows measured.csv)) ]]; then
    diff <(rows ref.csv) <(rows measured.csv) || true
    fail "a resumed repetition's outcome differs from the uninterrupted run"
fi
pass "12 random interruptions, each resumed: the repetitions of an uninterrupted run, the same outcomes ($killed killed by the test; seed $seed)"
