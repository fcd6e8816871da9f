#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bad input: exit 2 with FILE:LINE and a suggestion, before anything runs,
# and no output file.
source "$(dirname "$0")/common.bash"

write_cfg() {
    cat > bad.ini <<INI
[run]
workers = 1
repetitions = 1
output = out.csv

[workload.prime-count]
$1

[executor.serial]
INI
}

write_cfg "limt = 1000"
run_pb 2 run bad.ini
assert_contains err "bad.ini:7:"
assert_contains err "limt"
assert_contains err "did you mean 'limit'"
[[ ! -e out.csv ]] || fail "out.csv written despite a config error"
pass "unknown key"

write_cfg "limit = 12x"
run_pb 2 run bad.ini
assert_contains err "bad.ini:7:"
assert_contains err "12x"
[[ ! -e out.csv ]] || fail "out.csv written"
pass "bad value"

write_cfg "method = trail"
run_pb 2 check bad.ini
assert_contains err "bad.ini:7:"
assert_contains err "trial"
pass "bad enum"

write_cfg "limit = 1"
run_pb 2 run bad.ini
assert_contains err "bad.ini:7:"
pass "out of bounds"

cat > bad.ini <<'INI'
[run]
workers = 1, two
[workload.noop]
[executor.serial]
INI
run_pb 2 run bad.ini
assert_contains err "bad.ini:2:"
pass "bad workers list"

cat > bad.ini <<'INI'
[run]
[workload.noop]
[executor.pthreads]
INI
run_pb 2 run bad.ini
assert_contains err "bad.ini:3:"
assert_contains err "pthread"
pass "unknown plugin with suggestion"

cat > bad.ini <<'INI'
[run]
[workload.noop]
[executor.serial]
[reslts]
INI
run_pb 2 run bad.ini
assert_contains err "bad.ini:4:"
pass "unknown section"

printf '[run]\nworkers = 1\n[workload.noop]\ntasks = %0250d\n[executor.serial]\n' 1 > bad.ini
run_pb 2 run bad.ini
assert_contains err "bad.ini:4:"
pass "line too long"

run_pb 2 run missing.ini
assert_contains err "missing.ini"
pass "missing file"

printf '[run]\n[workload.noop]\n[executor.serial]\n' > ok.ini
run_pb 2 run ok.ini --set workload.noop.taks=3
assert_contains err "--set 'workload.noop.taks=3'"
assert_contains err "tasks"
run_pb 2 run ok.ini --only executor=fork
assert_contains err "--only"
run_pb 2 run ok.ini --frobnicate
[[ ! -e results.csv ]] || fail "results.csv written"
pass "--set, --only and options"

printf '[run]\nrepetitions = 4294967295\n[workload.noop]\n[executor.serial]\n' > big.ini
run_pb 2 check big.ini
assert_contains err "big.ini:2: [run] repetitions"
printf '[run]\nworkers = 1, 100000\n[workload.noop]\n[executor.serial]\n' > big.ini
run_pb 2 run big.ini
assert_contains err "too many workers"
[[ ! -e results.csv ]] || fail "results.csv written"
pass "absurd repetitions and worker counts"

printf 'http://127.0.0.1:9/a\nftp://127.0.0.1/b\n' > urls.txt
printf '[run]\noutput = out.csv\n[workload.http-download]\nurls = urls.txt\n[executor.serial]\n' > http.ini
run_pb 2 run http.ini
assert_contains err "urls.txt:2: 'ftp://127.0.0.1/b' is not an http:// or https:// URL"
[[ ! -e out.csv ]] || fail "out.csv written"
pass "a bad line of a urls file is a config error"
