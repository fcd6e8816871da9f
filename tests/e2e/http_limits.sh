#!/usr/bin/env bash
# The bounds of the HTTP workload and server (docs/http.md): a urls file
# that is not a regular file is a config error at once, never a hang.
source "$(dirname "$0")/common.bash"

# urls naming something other than a regular file: exit 2, the config's
# FILE:LINE: [section] and a sentence saying what it is.  `timeout` turns
# a hang (a FIFO, /dev/zero read without end) into a failure.
mkdir adir
mkfifo afifo
for u in /dev/zero afifo adir; do
    cat > u.ini <<INI
[run]
output = u.csv
[workload.list]
plugin = http-download
urls = $u
[executor.serial]
INI
    rc=0
    timeout 60 "$PARBENCH" check u.ini > out 2> err || rc=$?
    [[ $rc == 2 ]] || { cat err; fail "check with urls = $u exited $rc, expected 2"; }
    case $u in
    /dev/zero) what='a character device' ;;
    afifo) what='a FIFO (named pipe)' ;;
    adir) what='a directory' ;;
    esac
    assert_contains err "u.ini:3: [workload.list] urls = $u: is $what, not a regular file; name a text file with one URL per line"
done
pass "urls = /dev/zero, a FIFO, a directory: exit 2 with what is wrong"
