#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The code every worker process runs lies on few pages (core/util/hot.h):
# in a Release build with GCC, the functions a forkserver worker runs from
# its fork to its last result -- worker_proc_job to fdio_batch_frame in
# parbench-worker, become_job_worker to fdio_batch_frame in the forkserver
# plugin -- are side by side, within 3 pages and 2 pages.  Without PB_HOT
# the first were spread over 11 pages, and in the plugin the worker's
# code was inlined into the server's loop (a worker touched 4 of its
# pages).  Each page a new process touches first costs it time
# (docs/performance.md), so a scattered path is slower, not wrong: this
# test is what notices.
source "$(dirname "$0")/common.bash"

command -v nm >/dev/null || skip "nm (binutils) is not installed"
[[ ${PB_BUILD_TYPE:-} == Release ]] ||
    skip "the layout is checked in Release builds only (this is ${PB_BUILD_TYPE:-unknown})"
[[ ${PB_C_COMPILER_ID:-} == GNU ]] ||
    skip "the layout is GCC's placement of hot functions; this build's compiler is ${PB_C_COMPILER_ID:-unknown}"

# pages FILE MAXPAGES FUNCTION...: the functions (a name, or a prefix
# ending in '*' for GCC's clones) span at most MAXPAGES 4 KiB pages.
pages() {
    local file=$1 max=$2
    shift 2
    nm -S --defined-only "$file" >"$WORK/nm" || fail "nm cannot read $file"
    local lo=-1 hi=-1 f line
    for f in "$@"; do
        line=$(awk -v f="$f" '
            ($3 ~ /^[tT]$/) && (f ~ /\*$/ ? index($4, substr(f, 1, length(f) - 1)) == 1 : $4 == f) { print $1, $2; exit }' "$WORK/nm")
        [[ -n $line ]] || fail "$file: no function $f (renamed? update this test)"
        local a=$((16#${line% *})) s=$((16#${line#* }))
        if ((lo < 0 || a < lo)); then lo=$a; fi
        if ((a + s > hi)); then hi=$((a + s)); fi
    done
    local n=$(((hi - 1) / 4096 - lo / 4096 + 1))
    ((n <= max)) ||
        fail "$(basename "$file"): the worker's path spans $n pages ($(printf '%#x-%#x' "$lo" "$hi")), more than $max: is PB_HOT missing on one of its functions?"
    pass "$(basename "$file"): the worker's path spans $n pages ($(printf '%#x-%#x' "$lo" "$hi"))"
}

pages "$PB_BUILD_DIR/parbench-worker" 3 \
    worker_proc_job host_workload_create map_shared job_new_worker \
    job_set_memory job_tasks job_worker_loop params_get_uint clock_mono_ns \
    fdio_batch_init fdio_batch_frame fdio_batch_flush
pages "$PB_BUILD_DIR/plugins/executor-forkserver.so" 2 \
    'become_job_worker*' child_send procs_tail_set fdio_batch_init \
    fdio_batch_frame fdio_batch_flush
