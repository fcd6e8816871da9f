#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Which plugin file ran, and every verb resolving plugins the same way: a
# relative plugin_path is read against the config file's directory, a
# missing plugin directory and a shadowed plugin are warnings, `check`
# prints the file of each instance, the sidecar records the search path
# and each file's SHA-256, `describe` exits 2 for a broken plugin and
# names the misnamed files it skipped.
source "$(dirname "$0")/common.bash"
command -v sha256sum >/dev/null || skip "sha256sum is not installed"

mkdir -p conf/tp
ln -s "$PB_TEST_PLUGIN_DIR/workload-tp-role.so" conf/tp/workload-tp-role.so
cat > conf/p.ini <<'INI'
[run]
plugin_path = tp:nowhere
workers = 1
repetitions = 1
warmup = 0
output = p.csv
[workload.role]
plugin = tp-role
[executor.serial]
INI
# The test plugins' directory holds another workload-tp-role.so: shadowed.
export PARBENCH_PLUGIN_PATH=$PB_TEST_PLUGIN_DIR
cd /
run_pb 0 check "$WORK/conf/p.ini"
cd "$WORK"
assert_contains err "parbench: warning: plugin directory $WORK/conf/nowhere (from [run] plugin_path) does not exist"
assert_contains err "parbench: warning: $PB_TEST_PLUGIN_DIR/workload-tp-role.so is shadowed by $WORK/conf/tp/workload-tp-role.so"
grep -Eq "^workload +role +tp-role +$WORK/conf/tp/workload-tp-role.so$" out ||
    { cat out; fail "check does not print the file of instance role"; }
grep -Eq "^executor +serial +serial +/.*/executor-serial.so$" out ||
    { cat out; fail "check does not print the file of instance serial"; }
pass "relative plugin_path, missing directory, shadowing, files in check"

run_pb 0 run conf/p.ini -q -o p.csv
sum=$(sha256sum conf/tp/workload-tp-role.so | cut -d' ' -f1)
python3 - "$WORK" "$sum" "$PB_TEST_PLUGIN_DIR" <<'PY' || fail "sidecar provenance"
import json, sys
work, want, env = sys.argv[1:]
run = json.load(open(work + "/p.csv.meta.json"))["runs"][-1]
p = run["plugins"]
assert p["search_path"][:3] == [work + "/conf/tp", work + "/conf/nowhere", env], p["search_path"]
assert p["PARBENCH_PLUGIN_PATH"] == env, p
role = [x for x in p["loaded"] if x["instance"] == "role"][0]
assert role == {"instance": "role", "kind": "workload", "plugin": "tp-role",
                "file": work + "/conf/tp/workload-tp-role.so", "sha256": want}, role
serial = [x for x in p["loaded"] if x["instance"] == "serial"][0]
assert serial["kind"] == "executor" and len(serial["sha256"]) == 64, serial
PY
pass "the sidecar records the search path, each file and its SHA-256"

run_pb 2 describe noops
assert_contains err "lacks the required operation run_task"
mkdir mis && cp "$PB_TEST_PLUGIN_DIR/workload-tp-role.so" mis/sort.so
PARBENCH_PLUGIN_PATH=$WORK/mis run_pb 2 describe sort
assert_contains err "skipped, not named workload-sort.so or executor-sort.so: $WORK/mis/sort.so (rename the file)"
pass "describe: exit 2 for a broken plugin, misnamed files named"
