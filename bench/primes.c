/* SPDX-License-Identifier: MIT */
/*
 * primes.c - the prime-count workload's sieve on one core, for comparison
 * with primesieve (`primesieve LIMIT -t1`), which bench/run.sh runs
 * alternately with this program.  The plugin source is compiled in; one
 * run is create() (base primes and pre-sieve patterns, as primesieve's
 * time includes its own set-up) plus every task through run_task in this
 * thread, merged; verify() (the independent reference count) is run after
 * the clock stopped.
 *
 * Usage: bench-primes [LIMIT [TASKS [REPETITIONS [generic]]]]
 *        (default 1000000000 32 1)
 * "generic" forces the portable population count.  Prints "seconds S" per
 * repetition, then "primes N" and "popcount NAME".  Exit status 1 if the
 * count is wrong.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../plugins/workloads/prime_count.c"

/* The bench's own definitions of the opaque host types. */
struct pb_params {
    uint64_t limit, tasks;
};
struct pb_task_ctx {
    uint64_t checkpoints;
};

static uint64_t b_param_uint(const struct pb_params *p, const char *name) {
    return strcmp(name, "limit") == 0 ? p->limit : p->tasks;
}
static const char *b_param_string(const struct pb_params *p, const char *name) {
    (void)p;
    (void)name;
    return "sieve";
}
static void b_checkpoint(struct pb_task_ctx *ctx) { ctx->checkpoints++; }
static int b_cancelled(void) { return 0; }

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    uint64_t limit = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000000ull;
    uint64_t tasks = argc > 2 ? strtoull(argv[2], NULL, 10) : 32;
    int reps = argc > 3 ? atoi(argv[3]) : 1;
    int generic = argc > 4 && strcmp(argv[4], "generic") == 0;
    if (limit < 2 || limit > PC_MAX_LIMIT || tasks < 1 ||
        tasks > PC_MAX_TASKS || reps < 1) {
        fprintf(stderr, "usage: bench-primes [LIMIT [TASKS [REPETITIONS "
                        "[generic]]]]\n");
        return 2;
    }
    struct pb_host host = {0};
    host.size = sizeof host;
    host.abi_version = PB_ABI_VERSION;
    host.param_uint = b_param_uint;
    host.param_string = b_param_string;
    host.checkpoint = b_checkpoint;
    host.cancelled = b_cancelled;
    struct pb_params params = {limit, tasks};
    char err[256] = "";
    uint64_t sum = 0;
    const char *pop = "";
    for (int r = 0; r < reps; r++) {
        void *state = NULL, *ws = NULL;
        struct pb_task_ctx ctx = {0};
        double t0 = now_s();
        if (pc_ops.create(&host, &params, &state, err, sizeof err) < 0) {
            fprintf(stderr, "bench-primes: %s\n", err);
            return 1;
        }
        struct prime_count *pc = state;
        if (generic)
            pc->popcount = pc_popcount_generic, pc->popcount_name = "generic";
        pop = pc->popcount_name;
        pc_ops.begin(state);
        if (pc_ops.worker_init(state, 0, &ws, err, sizeof err) < 0) {
            fprintf(stderr, "bench-primes: %s\n", err);
            return 1;
        }
        for (uint64_t t = 0; t < tasks; t++) {
            struct pb_task_result res = {0, 0, NULL, 0};
            if (pc_ops.run_task(state, ws, &ctx, t, &res, err, sizeof err) <
                    0 ||
                pc_ops.merge(state, t, &res, err, sizeof err) < 0) {
                fprintf(stderr, "bench-primes: %s\n", err);
                return 1;
            }
        }
        pc_ops.worker_fini(state, ws);
        double t1 = now_s();
        printf("seconds %.4f\n", t1 - t0);
        if (pc_ops.verify(state, &sum, err, sizeof err) < 0) {
            fprintf(stderr, "bench-primes: %s\n", err);
            return 1;
        }
        pc_ops.destroy(state);
    }
    printf("primes %llu\n", (unsigned long long)sum);
    printf("popcount %s\n", pop);
    return 0;
}
