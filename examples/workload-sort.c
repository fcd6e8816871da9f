/* SPDX-License-Identifier: MIT */
/*
 * workload-sort.c - an example parbench workload: sort `tasks` arrays of
 * `length` pseudo-random 32-bit numbers, one array per task.
 *
 * Built out of tree against the installed SDK (README.md in this folder):
 *   cc $(pkg-config --cflags parbench) \
 *      $(pkg-config --variable=plugin_cflags parbench) \
 *      $(pkg-config --variable=plugin_ldflags parbench) \
 *      -o workload-sort.so workload-sort.c
 *
 * What it shows (docs/writing-plugins.md walks through each):
 *  - a parameter table with designated initialisers and PB_PARAM_END;
 *  - create() that uses host->role: only the coordinator computes the
 *    reference answer verify() needs, a spawned worker skips it;
 *  - run_task() with its own scratch memory per call, host->checkpoint()
 *    in the long loop, an answer folded by merge() in any order;
 *  - verify() that checks the merged answer against the reference,
 *    computed by another algorithm (counting sort instead of qsort).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <parbench/plugin.h>

struct sort_state {
    const struct pb_host *host;
    uint64_t tasks, length, seed;
    uint64_t expected; /* coordinator only: the reference answer */
    uint64_t merged;   /* folded by merge()                       */
};

/* The numbers of task t: xorshift64 from a seed of its own. */
static void fill(uint32_t *a, uint64_t n, uint64_t seed, uint64_t t) {
    uint64_t x = (seed ^ (t + 1) * 0x9e3779b97f4a7c15ull) | 1;
    for (uint64_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        a[i] = (uint32_t)(x >> 32) & 0xffffu; /* 16 bits: counting sort */
    }
}

/* The answer of one sorted array: position-weighted, so order matters. */
static uint64_t digest(const uint32_t *a, uint64_t n, uint64_t t) {
    uint64_t h = t + 1;
    for (uint64_t i = 0; i < n; i++)
        h += (uint64_t)a[i] * (i + 1);
    return h;
}

static int cmp_u32(const void *x, const void *y) {
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/* The reference: the same arrays counting-sorted. */
static int reference(struct sort_state *s) {
    uint32_t *a = malloc(s->length * sizeof *a);
    uint64_t *count = calloc(65536, sizeof *count);
    if (!a || !count) {
        free(a);
        free(count);
        return -1;
    }
    s->expected = 0;
    for (uint64_t t = 0; t < s->tasks; t++) {
        fill(a, s->length, s->seed, t);
        memset(count, 0, 65536 * sizeof *count);
        for (uint64_t i = 0; i < s->length; i++)
            count[a[i]]++;
        uint64_t k = 0;
        for (uint32_t v = 0; v < 65536; v++)
            for (uint64_t c = 0; c < count[v]; c++)
                a[k++] = v;
        s->expected += digest(a, s->length, t);
    }
    free(a);
    free(count);
    return 0;
}

static int sort_create(const struct pb_host *host,
                       const struct pb_params *params, void **state, char *err,
                       size_t errlen) {
    struct sort_state *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->host = host;
    s->tasks = host->param_uint(params, "tasks");
    s->length = host->param_uint(params, "length");
    s->seed = host->param_uint(params, "seed");
    /* A spawned worker process only runs tasks: no reference there. */
    if (host->role != PB_ROLE_WORKER && reference(s) < 0) {
        free(s);
        snprintf(err, errlen, "out of memory for the reference answer");
        return -1;
    }
    *state = s;
    return 0;
}

static uint64_t sort_task_count(const void *state) {
    return ((const struct sort_state *)state)->tasks;
}

static void sort_begin(void *state) {
    ((struct sort_state *)state)->merged = 0;
}

static int sort_run_task(void *state, void *wstate, struct pb_task_ctx *ctx,
                         uint64_t task, struct pb_task_result *out, char *err,
                         size_t errlen) {
    const struct sort_state *s = state;
    (void)wstate;
    uint32_t *a = malloc(s->length * sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory for %llu numbers",
                 (unsigned long long)s->length);
        return -1;
    }
    fill(a, s->length, s->seed, task);
    s->host->checkpoint(ctx);
    qsort(a, s->length, sizeof *a, cmp_u32);
    s->host->checkpoint(ctx);
    out->checksum = digest(a, s->length, task);
    out->items = s->length;
    free(a);
    return 0;
}

static int sort_merge(void *state, uint64_t task,
                      const struct pb_task_result *res, char *err,
                      size_t errlen) {
    (void)task;
    (void)err;
    (void)errlen;
    ((struct sort_state *)state)->merged += res->checksum;
    return 0;
}

static int sort_verify(void *state, uint64_t *checksum, char *err,
                       size_t errlen) {
    const struct sort_state *s = state;
    *checksum = s->merged;
    if (s->merged != s->expected) {
        snprintf(
            err, errlen, "merged digest 0x%llx, the counting sort gives 0x%llx",
            (unsigned long long)s->merged, (unsigned long long)s->expected);
        return -1;
    }
    return 0;
}

static void sort_destroy(void *state) { free(state); }

static const struct pb_param sort_params[] = {
    {.name = "tasks",
     .type = PB_PARAM_UINT,
     .def = "16",
     .min = "1",
     .max = "100000",
     .help = "arrays to sort, one per task"},
    {.name = "length",
     .type = PB_PARAM_UINT,
     .def = "50000",
     .min = "1",
     .max = "100000000",
     .help = "numbers per array"},
    {.name = "seed",
     .type = PB_PARAM_UINT,
     .def = "1",
     .help = "seed of the pseudo-random numbers"},
    PB_PARAM_END};

static const struct pb_workload_ops sort_ops = {
    .size = sizeof(struct pb_workload_ops),
    .create = sort_create,
    .task_count = sort_task_count,
    .begin = sort_begin,
    .run_task = sort_run_task,
    .merge = sort_merge,
    .verify = sort_verify,
    .destroy = sort_destroy,
};

static const struct pb_plugin plugin = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_WORKLOAD,
    .name = "sort",
    .summary = "example: qsort of pseudo-random arrays, one per task",
    .params = sort_params,
    .workload = &sort_ops,
};

PB_DEFINE_PLUGIN(plugin)
