#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hardware counters, where the machine gives them (not in most
# virtual machines): cycles and instructions present and plausible in
# every row, for threads and processes alike.  Skipped (77) where the
# kernel gives none; counters.sh covers their absence.
source "$(dirname "$0")/common.bash"
command -v python3 >/dev/null || skip "python3 is not installed"
cat > hw.ini <<'INI'
[run]
workers = 2
repetitions = 2
warmup = 0
output = hw.csv
counters = cycles, instructions, cache_misses
[workload.prime-count]
limit = 300000
tasks = 8
[executor.pthread]
[executor.fork]
[executor.posix_spawn]
INI
run_pb 0 run hw.ini -q --force
python3 - hw.csv <<'PY' || exit $?
import csv, json, sys
counters = json.load(open(sys.argv[1] + ".meta.json"))["runs"][-1]["counters"]
for name in ("cycles", "instructions"):
    if not counters[name]["counted"]:
        print("skip - no %s counter here: %s" % (name, counters[name]["why_empty"]))
        sys.exit(77)
for r in csv.DictReader(open(sys.argv[1])):
    # Counting 8 tasks of trial division up to 300000 takes far more than
    # a million instructions, and as many cycles within a factor of 10.
    cyc, ins = int(r["cycles"]), int(r["instructions"])
    if not (ins > 1000000 and cyc > 0 and 0.1 < ins / cyc < 10):
        print("FAIL: implausible counters in a %s row: cycles %d instructions %d"
              % (r["executor"], cyc, ins))
        sys.exit(1)
    if r["task_clock_s"] != "":
        print("FAIL: task_clock_s counted though not in the list")
        sys.exit(1)
PY
pass
