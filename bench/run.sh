#!/bin/sh
# Overhead and scaling benchmarks, measured side by side in one run.
# Usage: sh bench/run.sh [BUILD_DIR]   (or `make bench`)
set -eu
BUILD=${1:-build}
PB=$BUILD/parbench
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# median of column NAME of the ok rows of CSV FILE matching workload/executor/workers
median() { # FILE WORKLOAD EXECUTOR WORKERS COLUMN
    awk -F, -v w="$2" -v e="$3" -v n="$4" -v col="$5" '
        { sub(/\r$/, "") }
        NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        $c["workload"] == w && $c["executor"] == e && $c["workers"] == n && $c["status"] == "ok" { print $c[col] }' "$1" |
        sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "== overhead: noop, 8 workers, 8 tasks, against the raw mechanism (medians)"
"$BUILD/bench/bench-baseline" 8 201 > "$OUT/base.txt"
"$PB" run config/bench-overhead.ini -q -o "$OUT/overhead.csv" > /dev/null
# executor  raw mechanism in bench-baseline  target ratio
while read -r ex raw target; do
    r=$(awk -v k="$raw" '$1 == k { print $2 }' "$OUT/base.txt")
    p=$(median "$OUT/overhead.csv" noop "$ex" 8 wall_s)
    awk -v e="$ex" -v r="$r" -v p="$p" -v t="$target" 'BEGIN {
        printf "%-11s raw %8.1f us   parbench %8.1f us   ratio %.2f (target <= %s)\n", e, r * 1e6, p * 1e6, p / r, t }'
done <<'EOF2'
pthread pthread_create+join 1.5
fork fork+waitpid 1.5
posix_spawn posix_spawn+waitpid 2
EOF2
cat "$OUT/base.txt" | sed 's/^/baseline    /'

echo "== scaling: prime-count trial, limit 4000000, 32 tasks, 1 vs 2 workers"
"$PB" run config/bench-scaling.ini -q -o "$OUT/scaling.csv" > /dev/null
for e in pthread fork posix_spawn; do
    one=$(median "$OUT/scaling.csv" prime-count "$e" 1 wall_s)
    two=$(median "$OUT/scaling.csv" prime-count "$e" 2 wall_s)
    awk -v e="$e" -v a="$one" -v b="$two" 'BEGIN {
        printf "%-11s 1 worker %.3f s   2 workers %.3f s   speedup %.2f (target >= 1.8)\n", e, a, b, a / b }'
done

echo "== matrix-mult: serial kernel against single-thread OpenBLAS, n = 1024 (medians)"
if [ -x "$BUILD/bench/bench-matmul" ]; then
    "$BUILD/bench/bench-matmul" 1024 7 > "$OUT/matmul.txt"
    awk '{ v[$1] = $2 } END {
        printf "kernel %s   parbench %.1f GFLOP/s   OpenBLAS %.1f GFLOP/s   ratio %.2f (target >= 0.5)\n",
               v["kernel"], v["parbench-serial"], v["openblas-1-thread"], v["ratio"] }' "$OUT/matmul.txt"
else
    echo "skipped: bench-matmul was not built (OpenBLAS not found)"
fi

echo "== matrix-mult scaling: n = 1024, 32 tasks, 1 vs 2 workers"
"$PB" run config/bench-matrix.ini -q -o "$OUT/matrix.csv" > /dev/null
one=$(median "$OUT/matrix.csv" matrix-mult pthread 1 wall_s)
two=$(median "$OUT/matrix.csv" matrix-mult pthread 2 wall_s)
awk -v a="$one" -v b="$two" 'BEGIN {
    printf "pthread     1 worker %.4f s   2 workers %.4f s   speedup %.2f (target >= 1.8)\n", a, b, a / b }'
