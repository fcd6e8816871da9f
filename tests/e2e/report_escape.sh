#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A results file is outside input: names with terminal escape sequences,
# newlines, C1 controls, bytes that are not UTF-8 and pipes are printed
# escaped (visible \xHH) by report and compare, the Markdown tables keep
# their shape, and the JSON stays valid with the names intact.
source "$(dirname "$0")/common.bash"

header="run_id,started_at,host,workload,workload_params,executor,workers,tasks,schedule,repetition,status,wall_s,startup_s,user_s,sys_s,peak_rss_kib,pss_kib,ctx_voluntary,ctx_involuntary,ipc_bytes,items,items_per_s,checksum,error"
# Workload "w<ESC>[2J" with parameters "a=1<ESC>]0;title<BEL>", executors
# "evil<LF>INJECTED | x" (quoted: a newline inside a CSV field),
# "red<ESC>[31m", "c1<U+009B>2J" and "bad<0xff>"; serial is the baseline.
row() { # executor workers repetition wall
    printf 'r,2026-11-25T08:17:57Z,h,"w\e[2J","a=1\e]0;title\a",%s,%s,4,dynamic,%s,ok,%s,0.001,%s,0.001,4096,3500,5,2,0,100,50,,\n' \
        "$1" "$2" "$3" "$4" "$4"
}
{
    echo "$header"
    for rep in 1 2 3 4 5 6; do
        row serial 1 $rep 2.0$rep
        row $'"evil\nINJECTED | x"' 2 $rep 1.0$rep
        row $'red\e[31m' 2 $rep 1.1$rep
        row $'c1\xc2\x9b2J' 2 $rep 1.2$rep
        row $'bad\xff' 2 $rep 1.3$rep
    done
} > evil.csv

# No control character (ESC, BEL), no C1 control and no raw 0xff byte in
# what is printed for a terminal or Markdown, and no line of its own for
# the text after the newline.
clean() {
    ! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f\xff]' "$1" || { cat -v "$1"; fail "$2: a control byte printed raw"; }
    ! LC_ALL=C grep -q $'\xc2\x9b' "$1" || { cat -v "$1"; fail "$2: a C1 control printed raw"; }
    ! grep -q '^INJECTED' "$1" || { cat -v "$1"; fail "$2: a newline in a name broke a line"; }
}

for cmd in "report evil.csv" "report evil.csv --columns all" "compare evil.csv evil.csv"; do
    run_pb 0 $cmd
    clean out "$cmd"
    clean err "$cmd (stderr)"
    assert_contains out 'red\x1b[31m'
    assert_contains out 'evil\x0aINJECTED | x'
    assert_contains out 'c1\u009b2J'
    assert_contains out 'bad\xff'
done
run_pb 0 report evil.csv
assert_contains out 'w\x1b[2J (a=1\x1b]0, title\x07)'
pass "table: controls, C1, invalid UTF-8 and newlines shown as escapes"

# Markdown: every line of a table has as many unescaped pipes as its
# header, and no name ends a line early.
pipes() { # FILE: "ok" when each table's lines agree on the pipe count
    awk '/^\|/ { line = $0; gsub(/\\\\/, "", line); gsub(/\\\|/, "", line)
                 n = gsub(/\|/, "", line)
                 if (!intable) { want = n; intable = 1 } else if (n != want) bad = 1; next }
         { intable = 0 }
         END { print bad ? "bad" : "ok" }' "$1"
}
for cmd in "report evil.csv --format markdown" "report evil.csv --format markdown --columns all" \
           "compare evil.csv evil.csv --format markdown"; do
    run_pb 0 $cmd
    clean out "$cmd"
    [[ $(pipes out) == ok ]] || { cat -v out; fail "$cmd: a table row has the wrong number of cells"; }
    assert_contains out 'evil\\x0aINJECTED \| x'
done
pass "markdown: pipes escaped, tables keep their shape"

# JSON escapes by itself and keeps the names whole.
run_pb 0 report evil.csv --format json
clean out "json"
if command -v python3 >/dev/null; then
    python3 - out <<'PY' || fail "JSON does not hold the names intact"
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8", errors="surrogateescape"))
names = {c["executor"] for c in doc["cells"]}
assert "evil\nINJECTED | x" in names, names
assert "red\x1b[31m" in names, names
assert "c1\u009b2J" in names, names
assert doc["cells"][0]["workload"] == "w\x1b[2J", doc["cells"][0]["workload"]
PY
fi
assert_contains out '"red\u001b[31m"'
pass "json: escaped by the JSON writer, names intact"
