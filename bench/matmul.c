/* SPDX-License-Identifier: MIT */
/*
 * matmul.c - the matrix-mult workload's serial kernel against single-thread
 * OpenBLAS cblas_dgemm on the same A and B, measured in the same run.  The
 * plugin source is compiled in and run as one task over all rows, through
 * the same run_task the executors call (packing A and hashing C included).
 * The workload keeps B packed from the start; cblas_dgemm packs its
 * row-major B inside the call, so each timed parbench run here first packs
 * B from the same row-major copy (bench_pack_b), to compare like with like.
 *
 * Usage: bench-matmul [N [REPETITIONS [KERNEL]]]   (default 1024 5)
 * KERNEL (avx512, avx2+fma, generic) forces that tile instead of the one
 * the CPU selects.
 * Prints "parbench-serial GFLOPS min GFLOPS max GFLOPS", the same for
 * "openblas-1-thread" (medians and extremes of alternating runs) and the
 * ratio of the medians.  OPENBLAS_CORETYPE, when set, is left
 * to OpenBLAS.
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../plugins/workloads/matrix_mult.c"

/* The bench's own definitions of the opaque host types. */
struct pb_params {
    uint64_t n, tasks, seed;
};
struct pb_task_ctx {
    uint64_t checkpoints;
};

static uint64_t b_param_uint(const struct pb_params *p, const char *name) {
    if (strcmp(name, "n") == 0)
        return p->n;
    if (strcmp(name, "tasks") == 0)
        return p->tasks;
    return p->seed;
}
static void b_checkpoint(struct pb_task_ctx *ctx) { ctx->checkpoints++; }
static int b_cancelled(void) { return 0; }

/* Repack row-major B (n x n) into the workload's layout (mm_b_block),
 * eight rows of B at a time: each panel then receives 512 contiguous
 * bytes from eight rows read side by side, where a row at a time wrote 64
 * bytes to every panel of the block in turn (4.4 against 2.8 ms at n =
 * 2048, of about 190 ms for the product).  The padding panels keep the
 * zeros create() wrote. */
static void bench_pack_b(struct matrix_mult *mm, const double *b) {
    const uint64_t n = mm->n;
    for (uint64_t jc = 0; jc < n; jc += MM_NC)
        for (uint64_t pc = 0; pc < n; pc += MM_KC) {
            uint64_t kc, nc;
            double *blk = (double *)mm_b_block(mm, jc, pc, &kc, &nc);
            for (uint64_t k0 = 0; k0 < kc; k0 += 8) {
                uint64_t k1 = kc - k0 < 8 ? kc : k0 + 8;
                for (uint64_t jr = 0; jr < nc; jr += MM_NR) {
                    uint64_t nr = nc - jr < MM_NR ? nc - jr : MM_NR;
                    for (uint64_t k = k0; k < k1; k++) {
                        const double *row = b + (pc + k) * n + jc + jr;
                        double *dst = blk + jr * kc + k * MM_NR;
                        for (uint64_t j = 0; j < nr; j++)
                            dst[j] = row[j];
                    }
                }
            }
        }
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv) {
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1024;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (n < 1 || n > 16384 || reps < 1 || reps > 100) {
        fprintf(stderr,
                "usage: bench-matmul [N (1..16384) [REPETITIONS [KERNEL]]]\n");
        return 2;
    }
    openblas_set_num_threads(1);

    struct pb_host host = {0};
    host.size = sizeof host;
    host.abi_version = PB_ABI_VERSION;
    host.param_uint = b_param_uint;
    host.checkpoint = b_checkpoint;
    host.cancelled = b_cancelled;
    struct pb_params params = {n, 1, 1};
    void *state = NULL, *ws = NULL;
    char err[256] = "";
    if (mm_ops.create(&host, &params, &state, err, sizeof err) < 0 ||
        mm_ops.worker_init(state, 0, &ws, err, sizeof err) < 0) {
        fprintf(stderr, "bench-matmul: %s\n", err);
        return 1;
    }
    struct matrix_mult *mm = state;
    if (argc > 3 && mm_use_kernel(mm, argv[3]) < 0) {
        fprintf(stderr, "bench-matmul: no kernel %s on this CPU\n", argv[3]);
        return 2;
    }
    double *ref = mm_alloc((size_t)(n * n)), *b = mm_alloc((size_t)(n * n));
    if (!ref || !b) {
        fprintf(stderr, "bench-matmul: out of memory\n");
        return 1;
    }
    for (uint64_t i = 0; i < n * n; i++)
        b[i] = mm_entry(1, 1, i);
    double flops = 2.0 * (double)n * (double)n * (double)n;
    double ours[100], blas[100];
    struct pb_task_ctx ctx = {0};
    for (int r = -1; r < reps; r++) { /* r = -1: warm-up */
        struct pb_task_result res;
        double t0 = now_s();
        bench_pack_b(mm, b);
        if (mm_ops.run_task(state, ws, &ctx, 0, &res, err, sizeof err) < 0) {
            fprintf(stderr, "bench-matmul: %s\n", err);
            return 1;
        }
        double t1 = now_s();
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n,
                    (int)n, 1.0, mm->a, (int)n, b, (int)n, 0.0, ref, (int)n);
        double t2 = now_s();
        if (r >= 0) {
            ours[r] = flops / (t1 - t0) / 1e9;
            blas[r] = flops / (t2 - t1) / 1e9;
        }
    }
    double maxdiff = 0.0;
    for (uint64_t i = 0; i < n * n; i++)
        maxdiff = fmax(maxdiff, fabs(mm->c[i] - ref[i]));
    double o = median(ours, reps), r = median(blas, reps);
    printf("kernel %s\n", mm->kernel);
    printf("parbench-serial %.2f min %.2f max %.2f\n", o, ours[0],
           ours[reps - 1]);
    printf("openblas-1-thread %.2f min %.2f max %.2f\n", r, blas[0],
           blas[reps - 1]);
    printf("ratio %.2f\n", o / r);
    printf("max-abs-difference %.3g\n", maxdiff);
    printf("checkpoints-per-run %.0f\n", (double)ctx.checkpoints / (reps + 1));
    free(ref);
    free(b);
    mm_ops.worker_fini(state, ws);
    mm_ops.destroy(state);
    return 0;
}
