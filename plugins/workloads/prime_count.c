/*
 * prime_count.c - the `prime-count` workload: count the primes in [2, limit),
 * a CPU-bound job with no shared data and tiny results.
 *
 *   limit  = count primes below this (default 1000000)
 *   tasks  = the range is cut into this many contiguous sub-ranges whose
 *            widths differ by at most one (default 32); tasks beyond the
 *            range's width get empty ranges and answer 0
 *   method = trial | sieve (default trial)
 *            trial: each odd number is tested by trial division by the odd
 *                   numbers up to its square root
 *            sieve: a segmented sieve of Eratosthenes over the task's range,
 *                   with the base primes up to sqrt(limit) computed once in
 *                   create() and only read afterwards
 *
 * Task result: checksum = primes in the task's range, items = numbers in it.
 * verify() compares the merged count with pi(limit - 1) computed by a third,
 * unrelated algorithm (Lucy Hedgehog's O(n^3/4) prime-counting recurrence,
 * which never tests a number for primality), and checks that the merged
 * ranges (the core merges every task exactly once) covered [2, limit)
 * exactly.
 */
#include <parbench/plugin.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds of the parameter table, as numbers.  PC_MAX_LIMIT keeps every
 * product in the code below (d * d, p * p, i * q) far from 2^64 and the
 * reference's arrays (16 bytes per number up to sqrt(limit)) small. */
#define PC_MAX_LIMIT 1000000000000ull
#define PC_MAX_TASKS 100000000ull

/* Sieve segment: this many odd numbers (one byte each, fits in L1). */
#define PC_SEGMENT 32768u
/* Trial division: call checkpoint() after this many work units (one unit
 * per division plus two per odd number): 32768 units took 80 us on an AMD
 * EPYC core (64-bit division, ~2.4 ns a step), longer on older CPUs. */
#define PC_TRIAL_UNITS 32768

static const char *const pc_methods[] = {"trial", "sieve", NULL};

static const struct pb_param pc_params[] = {
    {"limit", PB_PARAM_UINT, "1000000", "2", "1000000000000", NULL,
     "count the primes in [2, limit)"},
    {"tasks", PB_PARAM_UINT, "32", "1", "100000000", NULL,
     "number of contiguous sub-ranges (tasks)"},
    {"method", PB_PARAM_ENUM, "trial", NULL, NULL, pc_methods,
     "trial division, or a segmented sieve of Eratosthenes"},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL}};

enum pc_method { PC_TRIAL, PC_SIEVE };

struct prime_count {
    const struct pb_host *host; /* borrowed; outlives the state */
    uint64_t limit, tasks;
    enum pc_method method;
    uint32_t *base; /* sieve: odd primes <= sqrt(limit - 1), ascending */
    size_t nbase;

    /* The merged answer: written by merge and begin (coordinator only). */
    uint64_t count, items;
};

/* ------------------------------------------------------------------------ */
/* Arithmetic helpers                                                        */
/* ------------------------------------------------------------------------ */

/* floor(sqrt(n)) exactly, for n <= PC_MAX_LIMIT. */
static uint64_t pc_isqrt(uint64_t n) {
    uint64_t r = (uint64_t)sqrt((double)n);
    while (r > 0 && r * r > n)
        r--;
    while ((r + 1) * (r + 1) <= n)
        r++;
    return r;
}

/* Task `task`'s range [*lo, *hi): [2, limit) cut into `tasks` pieces, the
 * first (width % tasks) of them one number wider. */
static void pc_task_range(const struct prime_count *pc, uint64_t task,
                          uint64_t *lo, uint64_t *hi) {
    uint64_t width = pc->limit - 2;
    uint64_t q = width / pc->tasks, r = width % pc->tasks;
    *lo = 2 + task * q + (task < r ? task : r);
    *hi = *lo + q + (task < r ? 1 : 0);
}

/* ------------------------------------------------------------------------ */
/* Checkpoints                                                               */
/* ------------------------------------------------------------------------ */

/* Calls host->checkpoint() whenever `left` work units have been spent. */
struct pc_ticker {
    const struct pb_host *host;
    struct pb_task_ctx *ctx;
    long left;
    int cancelled;
};

/* Checkpoint now; returns nonzero once the run is being cancelled. */
static int pc_checkpoint(struct pc_ticker *t) {
    t->host->checkpoint(t->ctx);
    if (t->host->cancelled())
        t->cancelled = 1;
    return t->cancelled;
}

/* ------------------------------------------------------------------------ */
/* Trial division                                                            */
/* ------------------------------------------------------------------------ */

/* 1 if odd n >= 3 is prime.  Spends one unit per division on t; returns -1
 * if the run was cancelled meanwhile. */
static int pc_trial_is_prime(uint64_t n, struct pc_ticker *t) {
    for (uint64_t d = 3; d <= n / d; d += 2) {
        if (n % d == 0)
            return 0;
        if (--t->left <= 0) {
            t->left = PC_TRIAL_UNITS;
            if (pc_checkpoint(t))
                return -1;
        }
    }
    return 1;
}

static int pc_count_trial(uint64_t lo, uint64_t hi, struct pc_ticker *t,
                          uint64_t *count) {
    uint64_t c = 0;
    if (lo <= 2 && 2 < hi)
        c++;
    uint64_t n = lo < 3 ? 3 : (lo | 1); /* first odd number >= max(lo, 3) */
    for (; n < hi; n += 2) {
        int p = pc_trial_is_prime(n, t);
        if (p < 0)
            return -1;
        c += (uint64_t)p;
        t->left -= 2; /* this number and the even one skipped */
        if (t->left <= 0) {
            t->left = PC_TRIAL_UNITS;
            if (pc_checkpoint(t))
                return -1;
        }
    }
    *count = c;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Segmented sieve                                                           */
/* ------------------------------------------------------------------------ */

/* Odd primes <= m by a plain sieve (m small: sqrt of the limit).  Returns a
 * malloc'ed array (owned by the caller) and its length, or NULL. */
static uint32_t *pc_base_primes(uint64_t m, size_t *n) {
    unsigned char *comp = calloc((size_t)m + 1, 1);
    size_t cap = 16, k = 0;
    uint32_t *p = malloc(cap * sizeof *p);
    if (!comp || !p) {
        free(comp);
        free(p);
        return NULL;
    }
    for (uint64_t i = 3; i <= m; i += 2) {
        if (comp[i])
            continue;
        if (k == cap) {
            uint32_t *q = realloc(p, 2 * cap * sizeof *p);
            if (!q) {
                free(comp);
                free(p);
                return NULL;
            }
            p = q;
            cap *= 2;
        }
        p[k++] = (uint32_t)i;
        for (uint64_t j = i * i; j <= m; j += 2 * i)
            comp[j] = 1;
    }
    free(comp);
    *n = k;
    return p;
}

/* Count primes in [lo, hi) with `seg` (PC_SEGMENT bytes, this task's own)
 * as the window; one checkpoint per segment. */
static int pc_count_sieve(const struct prime_count *pc, uint64_t lo,
                          uint64_t hi, unsigned char *seg, struct pc_ticker *t,
                          uint64_t *count) {
    uint64_t c = 0;
    if (lo <= 2 && 2 < hi)
        c++;
    /* seg[k] stands for the odd number s + 2k; 1 = composite. */
    for (uint64_t s = lo < 3 ? 3 : (lo | 1); s < hi;
         s += 2 * (uint64_t)PC_SEGMENT) {
        uint64_t e = hi - s > 2 * (uint64_t)PC_SEGMENT
                         ? s + 2 * (uint64_t)PC_SEGMENT
                         : hi;
        size_t m = (size_t)((e - s + 1) / 2);
        memset(seg, 0, m);
        for (size_t i = 0; i < pc->nbase; i++) {
            uint64_t p = pc->base[i];
            if (p * p >= e)
                break;
            uint64_t j = (s + p - 1) / p * p; /* first multiple >= s */
            if (j < p * p)
                j = p * p;
            if (j % 2 == 0)
                j += p;
            for (size_t k = (size_t)((j - s) / 2); k < m; k += (size_t)p)
                seg[k] = 1;
        }
        for (size_t k = 0; k < m; k++)
            c += seg[k] == 0;
        if (pc_checkpoint(t))
            return -1;
    }
    *count = c;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Reference count for verify()                                              */
/* ------------------------------------------------------------------------ */

/*
 * pi(n), the number of primes <= n, by Lucy Hedgehog's recurrence: S(v, p)
 * counts the numbers in [2, v] that are prime or have no prime factor
 * < p, for the O(sqrt n) values v = n / i; sieving by each prime p <= sqrt n
 * lowers S(v) by S(v / p) - S(p - 1).  O(n^3/4) time, 16 sqrt(n) bytes.
 * Shares no code with either task method.  Returns 0 and sets *pi, or -1
 * when out of memory.
 */
static int pc_reference_pi(uint64_t n, uint64_t *pi) {
    if (n < 2) {
        *pi = 0;
        return 0;
    }
    uint64_t r = pc_isqrt(n);
    uint64_t *small = malloc((size_t)(r + 1) * sizeof *small); /* S(v)   */
    uint64_t *large = malloc((size_t)(r + 1) * sizeof *large); /* S(n/i) */
    if (!small || !large) {
        free(small);
        free(large);
        return -1;
    }
    small[0] = 0;
    for (uint64_t v = 1; v <= r; v++)
        small[v] = v - 1;
    for (uint64_t i = 1; i <= r; i++)
        large[i] = n / i - 1;
    for (uint64_t p = 2; p <= r; p++) {
        if (small[p] == small[p - 1])
            continue; /* p is not prime */
        uint64_t sp = small[p - 1], p2 = p * p;
        for (uint64_t i = 1; i <= r && n / i >= p2; i++) {
            uint64_t d = i * p;
            large[i] -= (d <= r ? large[d] : small[n / d]) - sp;
        }
        for (uint64_t v = r; v >= p2; v--)
            small[v] -= small[v / p] - sp;
    }
    *pi = large[1];
    free(small);
    free(large);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Workload operations                                                       */
/* ------------------------------------------------------------------------ */

static void pc_destroy(void *state) {
    struct prime_count *pc = state;
    if (pc) {
        free(pc->base);
        free(pc);
    }
}

static int pc_create(const struct pb_host *host, const struct pb_params *params,
                     void **state, char *err, size_t errlen) {
    uint64_t limit = host->param_uint(params, "limit");
    uint64_t tasks = host->param_uint(params, "tasks");
    const char *method = host->param_string(params, "method");
    if (limit < 2 || limit > PC_MAX_LIMIT) {
        snprintf(err, errlen, "limit = %" PRIu64 " is out of range 2..%llu",
                 limit, PC_MAX_LIMIT);
        return -1;
    }
    if (tasks < 1 || tasks > PC_MAX_TASKS) {
        snprintf(err, errlen, "tasks = %" PRIu64 " is out of range 1..%llu",
                 tasks, PC_MAX_TASKS);
        return -1;
    }
    enum pc_method m;
    if (method && strcmp(method, "trial") == 0) {
        m = PC_TRIAL;
    } else if (method && strcmp(method, "sieve") == 0) {
        m = PC_SIEVE;
    } else {
        snprintf(err, errlen, "method = %s: expected trial or sieve",
                 method ? method : "(none)");
        return -1;
    }

    struct prime_count *pc = calloc(1, sizeof *pc);
    if (!pc) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pc->host = host;
    pc->limit = limit;
    pc->tasks = tasks;
    pc->method = m;
    if (m == PC_SIEVE) {
        pc->base = pc_base_primes(pc_isqrt(limit - 1), &pc->nbase);
        if (!pc->base) {
            pc_destroy(pc);
            snprintf(err, errlen, "out of memory for the sieve's base primes");
            return -1;
        }
    }
    *state = pc;
    return 0;
}

static uint64_t pc_task_count(const void *state) {
    return ((const struct prime_count *)state)->tasks;
}

static void pc_begin(void *state) {
    struct prime_count *pc = state;
    pc->count = pc->items = 0;
}

/* sieve: each worker gets its own segment buffer. */
static int pc_worker_init(void *state, unsigned worker, void **wstate,
                          char *err, size_t errlen) {
    const struct prime_count *pc = state;
    *wstate = NULL;
    if (pc->method != PC_SIEVE)
        return 0;
    *wstate = malloc(PC_SEGMENT);
    if (!*wstate) {
        snprintf(err, errlen, "worker %u: out of memory for a sieve segment",
                 worker);
        return -1;
    }
    return 0;
}

static void pc_worker_fini(void *state, void *wstate) {
    (void)state;
    free(wstate);
}

static int pc_run_task(void *state, void *wstate, struct pb_task_ctx *ctx,
                       uint64_t task, struct pb_task_result *out, char *err,
                       size_t errlen) {
    const struct prime_count *pc = state;
    uint64_t lo, hi, count = 0;
    if (task >= pc->tasks) {
        snprintf(err, errlen, "task %" PRIu64 " of %" PRIu64 " does not exist",
                 task, pc->tasks);
        return -1;
    }
    pc_task_range(pc, task, &lo, &hi);
    struct pc_ticker t = {pc->host, ctx, PC_TRIAL_UNITS, 0};
    int rc;
    if (pc->method == PC_TRIAL) {
        rc = pc_count_trial(lo, hi, &t, &count);
    } else {
        /* Without worker_init (a host that skips it), a buffer per task. */
        unsigned char *seg = wstate ? wstate : malloc(PC_SEGMENT);
        if (!seg) {
            snprintf(err, errlen, "out of memory for a sieve segment");
            return -1;
        }
        rc = pc_count_sieve(pc, lo, hi, seg, &t, &count);
        if (seg != wstate)
            free(seg);
    }
    if (rc < 0) {
        snprintf(err, errlen, "cancelled in [%" PRIu64 ", %" PRIu64 ")", lo,
                 hi);
        return -1;
    }
    out->checksum = count;
    out->items = hi - lo;
    return 0;
}

static int pc_merge(void *state, uint64_t task,
                    const struct pb_task_result *res, char *err,
                    size_t errlen) {
    struct prime_count *pc = state;
    if (task >= pc->tasks) {
        snprintf(err, errlen,
                 "merge of task %" PRIu64 ", but there are %" PRIu64 " tasks",
                 task, pc->tasks);
        return -1;
    }
    pc->count += res->checksum;
    pc->items += res->items;
    return 0;
}

static int pc_verify(void *state, uint64_t *checksum, char *err,
                     size_t errlen) {
    const struct prime_count *pc = state;
    *checksum = pc->count;
    if (pc->items != pc->limit - 2) {
        snprintf(err, errlen,
                 "%" PRIu64 " numbers examined for limit %" PRIu64
                 ", expected %" PRIu64,
                 pc->items, pc->limit, pc->limit - 2);
        return -1;
    }
    uint64_t want;
    if (pc_reference_pi(pc->limit - 1, &want) < 0) {
        snprintf(err, errlen, "out of memory for the reference count");
        return -1;
    }
    if (pc->count != want) {
        snprintf(err, errlen,
                 "prime count %" PRIu64 " for limit %" PRIu64
                 ", expected %" PRIu64,
                 pc->count, pc->limit, want);
        return -1;
    }
    return 0;
}

static const struct pb_workload_ops pc_ops = {
    .size = sizeof(struct pb_workload_ops),
    .create = pc_create,
    .task_count = pc_task_count,
    .begin = pc_begin,
    .worker_init = pc_worker_init,
    .worker_fini = pc_worker_fini,
    .run_task = pc_run_task,
    .merge = pc_merge,
    .verify = pc_verify,
    .destroy = pc_destroy,
};

static const struct pb_plugin pc_desc = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_WORKLOAD,
    .name = "prime-count",
    .summary = "count primes below a limit (CPU-bound): trial division or a "
               "segmented sieve",
    .params = pc_params,
    .flags = 0,
    .workload = &pc_ops,
    .executor = NULL,
};

PB_DEFINE_PLUGIN(pc_desc)
