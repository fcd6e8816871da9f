/* SPDX-License-Identifier: MIT */
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
 *            sieve: a segmented sieve of Eratosthenes over the task's range
 *                   on the wheel of 30 (one bit per number coprime to 30,
 *                   8 numbers a byte), in segments the size of the L1 data
 *                   cache, pre-sieved by 7..53 from patterns; the sieving
 *                   primes up to sqrt(limit) and the patterns are computed
 *                   once in create() and only read afterwards
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
#include <unistd.h>

/* Bounds of the parameter table, as numbers.  PC_MAX_LIMIT keeps every
 * product in the code below (d * d, p * p, i * q) far from 2^64 and the
 * reference's arrays (16 bytes per number up to sqrt(limit)) small. */
#define PC_MAX_LIMIT 1000000000000ull
#define PC_MAX_TASKS 100000000ull

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
    size_t nskip;        /* sieve: base primes <= PC_PRESIEVE_MAX (skipped) */
    uint32_t seg_bytes;  /* sieve: segment size in bytes (tests may lower it) */
    uint8_t *pattern[4]; /* sieve: pre-sieve patterns (pc_pattern)         */
    uint32_t period[4];
    uint64_t (*popcount)(const uint8_t *seg, size_t len); /* pc_count_fn  */
    const char *popcount_name; /* "popcnt" or "generic", static          */

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

/*
 * The sieve works on the wheel of 30: byte i of a segment stands for the 8
 * numbers 30 i + k with k coprime to 30, bit b for k = pc_wheel[b] (1 =
 * still a prime candidate).  2, 3 and 5 are counted apart, and 1 is no
 * prime.
 *
 * A segment is filled from precomputed patterns that already strike the
 * multiples of the pre-sieving primes 7..53 (pc_presieve), then every other
 * sieving prime p >= 59 with p^2 inside the segment crosses off its
 * multiples p j, j coprime to 30: those that fall on bit b form an
 * arithmetic progression with a stride of exactly p bytes, so each prime
 * keeps one next offset per bit and crosses off 8 progressions.
 */
static const uint8_t pc_wheel[8] = {1, 7, 11, 13, 17, 19, 23, 29};

/* Bit index of residue r (mod 30) on the wheel, or 8 if gcd(r, 30) > 1. */
static const uint8_t pc_wheel_bit[30] = {8, 0, 8, 8, 8, 8, 8, 1, 8, 8,
                                         8, 2, 8, 3, 8, 8, 8, 4, 8, 5,
                                         8, 8, 8, 6, 8, 8, 8, 8, 8, 7};

/* Pre-sieving: groups of small primes whose product P is the period, in
 * bytes, of the pattern their multiples make on the wheel.  pc_presieve_max
 * is the largest of them; the sieve's crossing-off starts above it. */
#define PC_PRESIEVE_GROUPS 4
static const uint32_t pc_presieve[PC_PRESIEVE_GROUPS][4] = {
    {7, 11, 13, 17}, /* P = 17017  */
    {19, 23, 29, 0}, /* P = 12673  */
    {31, 37, 41, 0}, /* P = 47027  */
    {43, 47, 53, 0}, /* P = 107113 */
};
#define PC_PRESIEVE_MAX 53u
#if PC_PRESIEVE_GROUPS != 4
#error "pc_count_sieve ANDs exactly 4 patterns"
#endif

/* Segment sizes in bytes (30 numbers each): the L1 data cache's size when
 * sysconf reports one within these bounds, else PC_SEGMENT_DEFAULT. */
#define PC_SEGMENT_DEFAULT 32768u
#define PC_SEGMENT_MIN 4096u
#define PC_SEGMENT_MAX 262144u

/* Calls checkpoint() every this many sieving primes set up for a task, so
 * that the set-up of a task near 10^12 (78 000 primes) is interrupted too. */
#define PC_SETUP_CHECK 8192u

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

/* The pre-sieve pattern of group g: byte i has bit b set unless a prime of
 * the group divides 30 i + pc_wheel[b].  Its period is the product of the
 * group; `extra` bytes more (the pattern continued) let a segment of up to
 * `extra` bytes be read from any phase without wrapping.  Sets *period;
 * returns a malloc'ed array (owned by the caller) or NULL. */
static uint8_t *pc_pattern(unsigned g, size_t extra, uint32_t *period) {
    uint32_t prod = 1;
    for (unsigned i = 0; i < 4 && pc_presieve[g][i]; i++)
        prod *= pc_presieve[g][i];
    uint8_t *pat = malloc((size_t)prod + extra);
    if (!pat)
        return NULL;
    memset(pat, 0xff, prod);
    for (unsigned j = 0; j < 4 && pc_presieve[g][j]; j++) {
        const uint32_t q = pc_presieve[g][j];
        for (unsigned b = 0; b < 8; b++) {
            uint32_t i = 0; /* the first byte where q divides 30 i + k */
            while ((30u * i + pc_wheel[b]) % q != 0)
                i++;
            for (; i < prod; i += q)
                pat[i] &= (uint8_t) ~(1u << b);
        }
    }
    for (size_t i = 0; i < extra; i++)
        pat[prod + i] = pat[i % prod];
    *period = prod;
    return pat;
}

/* Population count of `len` bytes: the portable version (SWAR on 64-bit
 * words) and, on x86-64, the POPCNT instruction when the CPU has it. */
typedef uint64_t (*pc_count_fn)(const uint8_t *seg, size_t len);

static uint64_t pc_popcount_generic(const uint8_t *seg, size_t len) {
    uint64_t c = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, seg + i, sizeof w);
        w -= (w >> 1) & 0x5555555555555555ull;
        w = (w & 0x3333333333333333ull) + ((w >> 2) & 0x3333333333333333ull);
        w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0full;
        c += (w * 0x0101010101010101ull) >> 56;
    }
    for (; i < len; i++) {
        unsigned v = seg[i];
        for (; v; v &= v - 1)
            c++;
    }
    return c;
}

#if defined(__GNUC__) && defined(__x86_64__)
#define PC_HAVE_POPCNT 1
__attribute__((target("popcnt"))) static uint64_t
pc_popcount_popcnt(const uint8_t *seg, size_t len) {
    uint64_t c = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, seg + i, sizeof w);
        c += (uint64_t)__builtin_popcountll(w);
    }
    for (; i < len; i++)
        c += (uint64_t)__builtin_popcount(seg[i]);
    return c;
}
#endif

/* The task's sieving state: the segment and, for each sieving prime that
 * is active (p^2 below the current segment's end), the offsets of its next
 * multiple on each of the 8 bits, relative to the current segment. */
struct pc_sieve_buf {
    uint8_t *seg;  /* seg_bytes bytes */
    uint32_t *off; /* 8 per sieving prime */
};

/* Set up the 8 progressions of prime p (p > PC_PRESIEVE_MAX, p^2 below the
 * segment's end) for the segment that starts at byte `seg0`: off[b] is the
 * byte, relative to seg0, of the least multiple p j >= max(p^2, 30 seg0)
 * with p j = pc_wheel[b] (mod 30).  Every offset is below seg_bytes + p. */
static void pc_prime_setup(uint64_t p, uint64_t seg0, uint32_t *off) {
    uint64_t jmin = (30 * seg0 + p - 1) / p;
    if (jmin < p)
        jmin = p;
    uint64_t r = jmin % 30;
    for (unsigned w = 0; w < 8; w++) {
        /* the least j >= jmin with j = pc_wheel[w] (mod 30) */
        uint64_t j = jmin + (pc_wheel[w] + 30 - r) % 30;
        uint64_t m = p * j;
        off[pc_wheel_bit[m % 30]] = (uint32_t)(m / 30 - seg0);
    }
}

/* Cross off prime p's 8 progressions in seg[0, len) and leave each offset
 * relative to the next segment (which starts at byte len). */
static void pc_cross_off(uint8_t *restrict seg, uint32_t len, uint32_t p,
                         uint32_t *restrict off) {
    for (unsigned b = 0; b < 8; b++) {
        const uint8_t mask = (uint8_t) ~(1u << b);
        uint32_t o = off[b];
        if (len > 3 * p) {
            for (; o < len - 3 * p; o += 4 * p) {
                seg[o] &= mask;
                seg[o + p] &= mask;
                seg[o + 2 * p] &= mask;
                seg[o + 3 * p] &= mask;
            }
        }
        for (; o < len; o += p)
            seg[o] &= mask;
        off[b] = o - len;
    }
}

/*
 * Count primes in [lo, hi) with `buf` (this worker's) as the window of
 * pc->seg_bytes bytes.  checkpoint() is called before every segment, after
 * the last one, and every PC_SETUP_CHECK primes set up, so no stretch
 * between two calls is longer than one segment's sieving (or 8192 primes'
 * set-up).  Returns 0, or -1 if the run was cancelled meanwhile.
 */
static int pc_count_sieve(const struct prime_count *pc, uint64_t lo,
                          uint64_t hi, struct pc_sieve_buf *buf,
                          struct pc_ticker *t, uint64_t *count) {
    /* 2, 3 and 5 are off the wheel. */
    uint64_t c = (uint64_t)(lo <= 2 && 2 < hi) + (lo <= 3 && 3 < hi) +
                 (lo <= 5 && 5 < hi);
    *count = c;
    if (hi <= 7) /* nothing on the wheel: 1 is no prime */
        return pc_checkpoint(t) ? -1 : 0;
    const uint64_t b0 = lo / 30, b1 = (hi - 1) / 30 + 1; /* bytes [b0, b1) */
    const uint32_t *primes = pc->base + pc->nskip;
    const size_t nsieve = pc->nbase - pc->nskip;
    size_t active = 0, setup = 0;
    for (uint64_t s = b0; s < b1; s += pc->seg_bytes) {
        if (pc_checkpoint(t))
            return -1;
        const uint32_t len =
            (uint32_t)(b1 - s < pc->seg_bytes ? b1 - s : pc->seg_bytes);
        uint8_t *restrict seg = buf->seg;

        /* Pre-sieve: the AND of the patterns at this segment's phase. */
        const uint8_t *pat[PC_PRESIEVE_GROUPS];
        for (unsigned g = 0; g < PC_PRESIEVE_GROUPS; g++)
            pat[g] = pc->pattern[g] + s % pc->period[g];
        for (uint32_t i = 0; i < len; i++)
            seg[i] = pat[0][i] & pat[1][i] & pat[2][i] & pat[3][i];
        /* The patterns struck 1 and the pre-sieving primes themselves. */
        if (s == 0)
            seg[0] &= (uint8_t)~1u;
        for (unsigned g = 0; g < PC_PRESIEVE_GROUPS; g++)
            for (unsigned j = 0; j < 4 && pc_presieve[g][j]; j++) {
                uint32_t q = pc_presieve[g][j];
                if (q / 30 >= s && q / 30 < s + len)
                    seg[q / 30 - s] |= (uint8_t)(1u << pc_wheel_bit[q % 30]);
            }

        /* Activate the primes whose square falls below this segment's
         * end, then cross off every active prime. */
        const uint64_t end = 30 * (s + len);
        while (active < nsieve &&
               (uint64_t)primes[active] * primes[active] < end) {
            pc_prime_setup(primes[active], s, buf->off + 8 * active);
            active++;
            if (++setup % PC_SETUP_CHECK == 0 && pc_checkpoint(t))
                return -1;
        }
        for (size_t i = 0; i < active; i++)
            pc_cross_off(seg, len, primes[i], buf->off + 8 * i);

        /* Drop the candidates outside [lo, hi) in the first and last byte. */
        if (s == b0)
            for (unsigned b = 0; b < 8; b++)
                if (30 * b0 + pc_wheel[b] < lo)
                    seg[0] &= (uint8_t) ~(1u << b);
        if (s + len == b1)
            for (unsigned b = 0; b < 8; b++)
                if (30 * (b1 - 1) + pc_wheel[b] >= hi)
                    seg[len - 1] &= (uint8_t) ~(1u << b);
        c += pc->popcount(seg, len);
    }
    *count = c;
    return pc_checkpoint(t) ? -1 : 0;
}

/* The segment size for this machine: the L1 data cache, when sysconf knows
 * it and it lies within [PC_SEGMENT_MIN, PC_SEGMENT_MAX]. */
static uint32_t pc_segment_bytes(void) {
#ifdef _SC_LEVEL1_DCACHE_SIZE
    long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE);
    if (l1 >= (long)PC_SEGMENT_MIN && l1 <= (long)PC_SEGMENT_MAX)
        return (uint32_t)l1;
#endif
    return PC_SEGMENT_DEFAULT;
}

/* Everything create() precomputes for the sieve, shared read-only by every
 * task: the base primes, the pre-sieve patterns (each continued by
 * seg_bytes bytes, so seg_bytes may be lowered afterwards, never raised), the
 * segment size and the population count this CPU runs best.  Returns 0,
 * or -1 when out of memory (pc_sieve_free releases what was made). */
static int pc_sieve_prepare(struct prime_count *pc) {
    pc->base = pc_base_primes(pc_isqrt(pc->limit - 1), &pc->nbase);
    if (!pc->base)
        return -1;
    while (pc->nskip < pc->nbase && pc->base[pc->nskip] <= PC_PRESIEVE_MAX)
        pc->nskip++;
    pc->seg_bytes = pc_segment_bytes();
    for (unsigned g = 0; g < PC_PRESIEVE_GROUPS; g++) {
        pc->pattern[g] = pc_pattern(g, pc->seg_bytes, &pc->period[g]);
        if (!pc->pattern[g])
            return -1;
    }
    pc->popcount = pc_popcount_generic;
    pc->popcount_name = "generic";
#ifdef PC_HAVE_POPCNT
    __builtin_cpu_init();
    if (__builtin_cpu_supports("popcnt")) {
        pc->popcount = pc_popcount_popcnt;
        pc->popcount_name = "popcnt";
    }
#endif
    return 0;
}

static void pc_sieve_free(struct prime_count *pc) {
    free(pc->base);
    for (unsigned g = 0; g < PC_PRESIEVE_GROUPS; g++)
        free(pc->pattern[g]);
}

/* A worker's sieving state for pc (segment and offsets), or NULL when out
 * of memory. */
static struct pc_sieve_buf *pc_sieve_buf_new(const struct prime_count *pc) {
    struct pc_sieve_buf *buf = malloc(sizeof *buf);
    if (!buf)
        return NULL;
    size_t nsieve = pc->nbase - pc->nskip;
    buf->seg = malloc(pc->seg_bytes);
    buf->off = malloc((nsieve ? nsieve : 1) * 8 * sizeof *buf->off);
    if (!buf->seg || !buf->off) {
        free(buf->seg);
        free(buf->off);
        free(buf);
        return NULL;
    }
    return buf;
}

static void pc_sieve_buf_free(struct pc_sieve_buf *buf) {
    if (buf) {
        free(buf->seg);
        free(buf->off);
        free(buf);
    }
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
        pc_sieve_free(pc);
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
    if (m == PC_SIEVE && pc_sieve_prepare(pc) < 0) {
        pc_destroy(pc);
        snprintf(err, errlen,
                 "out of memory for the sieve's base primes and patterns");
        return -1;
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

/* sieve: each worker gets its own segment and offsets. */
static int pc_worker_init(void *state, unsigned worker, void **wstate,
                          char *err, size_t errlen) {
    const struct prime_count *pc = state;
    *wstate = NULL;
    if (pc->method != PC_SIEVE)
        return 0;
    *wstate = pc_sieve_buf_new(pc);
    if (!*wstate) {
        snprintf(err, errlen, "worker %u: out of memory for a sieve segment",
                 worker);
        return -1;
    }
    return 0;
}

static void pc_worker_fini(void *state, void *wstate) {
    (void)state;
    pc_sieve_buf_free(wstate);
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
        struct pc_sieve_buf *buf = wstate ? wstate : pc_sieve_buf_new(pc);
        if (!buf) {
            snprintf(err, errlen, "out of memory for a sieve segment");
            return -1;
        }
        rc = pc_count_sieve(pc, lo, hi, buf, &t, &count);
        if (buf != wstate)
            pc_sieve_buf_free(buf);
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
