#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The run-metadata sidecar FILE.meta.json: valid JSON, the facts it must
# hold, one entry per run with --resume, a fresh file with --force, and a
# damaged sidecar refused before anything runs.
source "$(dirname "$0")/common.bash"
CFG="$PB_SOURCE_DIR/config/quick.ini"
ARGS=(--only workload=noop --set run.repetitions=1 --set run.workers=1,2 -q)

# valid_json FILE: python3's parser when there is one, else the structure
# parbench writes (an object whose runs list is closed).
valid_json() {
    if command -v python3 >/dev/null; then
        python3 -m json.tool "$1" >/dev/null || fail "$1 is not valid JSON"
    else
        [[ $(head -c 1 "$1") == "{" && $(tail -n 2 "$1" | tr -d '\n') == "  ]}" ]] ||
            fail "$1 does not look like JSON"
    fi
}

run_pb 0 run "$CFG" -o r.csv "${ARGS[@]}"
[[ -s r.csv.meta.json ]] || fail "no r.csv.meta.json"
valid_json r.csv.meta.json
for key in '"format": "parbench-meta"' '"version": "' '"commit": "' '"compiler": "' \
           '"inih": "' '"kernel_release": "' '"cpus_online": ' '"memory_kib": ' \
           '"started_at": "20' '"ended_at": "20' '"exit_status": 0' \
           '"set": ["run.repetitions=1", "run.workers=1,2"]' '"only": ["workload=noop"]' \
           'repetitions = 1\nwarmup' '[executor.pthread]'; do
    assert_contains r.csv.meta.json "$key"
done
# The file's own text, comments included, is kept as well.
assert_contains r.csv.meta.json '"file_text": "; A run of a few seconds'
[[ $(grep -c '"run_id"' r.csv.meta.json) == 1 ]] || fail "one run expected"
pass "sidecar written and valid"

# --resume adds an entry; the first is kept.
first=$(grep -m1 '"run_id"' r.csv.meta.json)
run_pb 0 run "$CFG" -o r.csv "${ARGS[@]}" --set run.repetitions=2 --resume
valid_json r.csv.meta.json
[[ $(grep -c '"run_id"' r.csv.meta.json) == 2 ]] || fail "--resume should append a run"
[[ $(grep -m1 '"run_id"' r.csv.meta.json) == "$first" ]] || fail "first run entry changed"
assert_contains r.csv.meta.json '"resume": true'
pass "--resume appends a run entry"

# --force starts afresh.
run_pb 0 run "$CFG" -o r.csv "${ARGS[@]}" --force
valid_json r.csv.meta.json
[[ $(grep -c '"run_id"' r.csv.meta.json) == 1 ]] || fail "--force should start a new sidecar"
pass "--force replaces it"

# A sidecar that is not ours is refused before anything runs.
echo '{"something": "else"}' > r.csv.meta.json
cp r.csv before.csv
run_pb 2 run "$CFG" -o r.csv "${ARGS[@]}" --set run.repetitions=3 --resume
assert_contains err "r.csv.meta.json is not a run-metadata file as parbench writes it"
cmp r.csv before.csv || fail "the results file changed"
[[ $(cat r.csv.meta.json) == '{"something": "else"}' ]] || fail "the sidecar was touched"
pass "damaged sidecar refused"
