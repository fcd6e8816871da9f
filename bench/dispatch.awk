# Per-task dispatch from a bench-dispatch.ini CSV: for each executor and
# worker count, (median wall_s at 100 000 tasks - median at 2) / 99 998.
# -v big=WORKLOAD -v n=TASKS: another workload than noop-100k, of n tasks
# (bench-mpi.ini's noop-10k).
# Prints "EXECUTOR WORKERS NS_PER_TASK MIN_NS MAX_NS" (min/max pair the
# fastest/slowest 100k repetitions with the median 2-task one).
function median(a, n,    i, j, t) {
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
BEGIN { FS = ","; if (big == "") big = "noop-100k"; if (n == "") n = 100000 }
{ sub(/\r$/, "") }
NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
$c["status"] == "ok" {
    k = $c["executor"] SUBSEP $c["workers"]
    if ($c["workload"] == big) { bigw[k, ++nb[k]] = $c["wall_s"]; keys[k] = 1 }
    else if ($c["workload"] == "noop-2") small[k, ++ns[k]] = $c["wall_s"]
}
END {
    for (k in keys) {
        split(k, kk, SUBSEP)
        nk = nb[k]; lo = 1e9; hi = 0
        for (i = 1; i <= nk; i++) { a[i] = bigw[k, i]; if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] }
        mb = median(a, nk)
        m = ns[k]; for (i = 1; i <= m; i++) b[i] = small[k, i]
        ms = m ? median(b, m) : 0
        printf "%-20s %3d %8.1f %8.1f %8.1f\n", kk[1], kk[2], (mb - ms) / (n - 2) * 1e9, (lo - ms) / (n - 2) * 1e9, (hi - ms) / (n - 2) * 1e9
    }
}
