/* SPDX-License-Identifier: MIT */
/*
 * stats.c - descriptive statistics of a sample (see stats.h).
 */
#include "results/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Required coverage of the confidence interval of the median. */
#define CI_COVERAGE 0.95

/* Sorts a[0..n-1] (no NaN) ascending: introsort (median-of-three
 * quicksort, insertion sort for short ranges, heapsort past a depth
 * limit), O(n log n) in every case, with the comparison inlined: qsort's
 * call per comparison dominated reports of large files. */
static void sift_down(double *a, size_t root, size_t n) {
    double v = a[root];
    for (size_t child; (child = 2 * root + 1) < n; root = child) {
        if (child + 1 < n && a[child + 1] > a[child])
            child++;
        if (!(a[child] > v))
            break;
        a[root] = a[child];
    }
    a[root] = v;
}

static void heap_sort(double *a, size_t n) {
    for (size_t i = n / 2; i-- > 0;)
        sift_down(a, i, n);
    for (size_t end = n; end-- > 1;) {
        double t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift_down(a, 0, end);
    }
}

static void insertion_sort(double *a, size_t n) {
    for (size_t i = 1; i < n; i++) {
        double v = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

static void intro_sort(double *a, size_t n, unsigned depth) {
    while (n > 16) {
        if (depth-- == 0) {
            heap_sort(a, n);
            return;
        }
        /* Median of three as the pivot, then Hoare's partition. */
        double x = a[0], y = a[n / 2], z = a[n - 1];
        double pivot = x < y ? (y < z ? y : (x < z ? z : x))
                             : (x < z ? x : (y < z ? z : y));
        size_t i = 0, j = n - 1;
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            double t = a[i];
            a[i] = a[j];
            a[j] = t;
            i++;
            j--;
        }
        /* a[0..j] <= pivot <= a[j+1..n-1]; recurse into the smaller. */
        size_t left = j + 1;
        if (left < n - left) {
            intro_sort(a, left, depth);
            a += left;
            n -= left;
        } else {
            intro_sort(a + left, n - left, depth);
            n = left;
        }
    }
    insertion_sort(a, n);
}

static void sort_doubles(double *a, size_t n) {
    unsigned depth = 0;
    for (size_t k = n; k > 1; k >>= 1)
        depth += 2;
    intro_sort(a, n, depth);
}

/* Median of sorted s[0..n-1], n >= 1. */
static double sorted_median(const double *s, size_t n) {
    if (n % 2 == 1)
        return s[n / 2];
    return (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

/* P(B = i) for B ~ Binomial(n, 1/2); lg_n is lgamma(n + 1). */
static double binom_half_pmf(size_t n, size_t i, double lg_n) {
    return exp(lg_n - lgamma((double)i + 1.0) - lgamma((double)(n - i) + 1.0) -
               (double)n * M_LN2);
}

/*
 * The 1-based rank j of the lower bound of the narrowest symmetric
 * interval [x(j), x(n+1-j)] that covers the median with probability at
 * least CI_COVERAGE (coverage = 1 - 2 P(B <= j-1)); 0 when even
 * [x(1), x(n)] does not reach it.  P(B <= j) is summed once, term by
 * term (linear in n, the same sums in the same order as summing each
 * P(B <= j) from 0).
 */
static size_t ci_rank(size_t n) {
    double tail = (1.0 - CI_COVERAGE) / 2.0 + 1e-12;
    double lg_n = lgamma((double)n + 1.0);
    double cdf = binom_half_pmf(n, 0, lg_n);
    if (cdf > tail)
        return 0;
    size_t j = 1;
    while (j < n / 2) {
        cdf += binom_half_pmf(n, j, lg_n);
        if (cdf > tail)
            break;
        j++;
    }
    return j;
}

void stats_compute(const double *x, size_t n, struct stats *out) {
    memset(out, 0, sizeof *out);
    if (n == 0)
        return;

    double *s = malloc(n * sizeof *s);
    if (s == NULL) {
        /* Out of memory: report what needs no copy. */
        out->n = n;
        out->min = out->max = x[0];
        double sum = 0.0;
        for (size_t i = 0; i < n; i++) {
            sum += x[i];
            out->min = fmin(out->min, x[i]);
            out->max = fmax(out->max, x[i]);
        }
        out->mean = sum / (double)n;
        out->median = out->ci_lo = out->ci_hi = NAN;
        return;
    }
    memcpy(s, x, n * sizeof *s);
    sort_doubles(s, n);

    out->n = n;
    out->min = s[0];
    out->max = s[n - 1];
    out->median = sorted_median(s, n);

    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += s[i];
    out->mean = sum / (double)n;
    if (n >= 2) {
        double ss = 0.0;
        for (size_t i = 0; i < n; i++)
            ss += (s[i] - out->mean) * (s[i] - out->mean);
        out->stddev = sqrt(ss / (double)(n - 1));
    }
    out->cv = out->mean != 0.0 ? out->stddev / out->mean : 0.0;

    size_t j = ci_rank(n);
    if (j == 0) {
        out->ci_lo = out->min;
        out->ci_hi = out->max;
    } else {
        out->ci_lo = s[j - 1];
        out->ci_hi = s[n - j];
    }

    /* Outliers: reuse the copy for the absolute deviations. */
    for (size_t i = 0; i < n; i++)
        s[i] = fabs(x[i] - out->median);
    sort_doubles(s, n);
    out->mad = sorted_median(s, n);
    double limit = stats_outlier_limit(out);
    if (limit > 0.0) {
        for (size_t i = 0; i < n; i++)
            if (fabs(x[i] - out->median) > limit)
                out->outliers++;
    }
    free(s);
}

double stats_outlier_limit(const struct stats *st) {
    return st->mad > 0.0 ? STATS_OUTLIER_MADS * STATS_MAD_SCALE * st->mad : 0.0;
}

double stats_median(const double *x, size_t n) {
    /* The median alone: one sorted copy, none of stats_compute's interval
     * and deviations.  NAN for no values, and when memory runs out (as
     * stats_compute's median then). */
    double *s = n > 0 ? malloc(n * sizeof *s) : NULL;
    if (s == NULL)
        return NAN;
    memcpy(s, x, n * sizeof *s);
    sort_doubles(s, n);
    double m = sorted_median(s, n);
    free(s);
    return m;
}

double stats_karp_flatt(double speedup, unsigned p) {
    if (p < 2 || !(speedup > 0.0)) /* also NAN for a NAN speedup */
        return NAN;
    double inv_p = 1.0 / (double)p;
    return (1.0 / speedup - inv_p) / (1.0 - inv_p);
}

/* ------------------------------------------------------------------------ */
/* Mann-Whitney U                                                            */
/* ------------------------------------------------------------------------ */

/* Exact when there are no ties and m + n is at most this: the counts of
 * the U distribution are then below C(50, 25) < 2^53, exact in a double. */
#define MWU_EXACT_MAX 50

/* U of x by comparing every pair: what mwu_u falls back on when memory
 * runs out. */
static double mwu_u_pairs(const double *x, size_t m, const double *y, size_t n,
                          int *ties) {
    double u = 0.0;
    *ties = 0;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            if (x[i] > y[j])
                u += 1.0;
            else if (x[i] == y[j]) {
                u += 0.5;
                *ties = 1;
            }
        }
    for (size_t i = 0; i < m && !*ties; i++)
        for (size_t k = i + 1; k < m && !*ties; k++)
            *ties = x[i] == x[k];
    for (size_t j = 0; j < n && !*ties; j++)
        for (size_t k = j + 1; k < n && !*ties; k++)
            *ties = y[j] == y[k];
    return u;
}

/* Whether sorted s[0..n-1] holds two equal values. */
static int sorted_has_ties(const double *s, size_t n) {
    for (size_t i = 1; i < n; i++)
        if (s[i] == s[i - 1])
            return 1;
    return 0;
}

/* U of x, and whether any two of the m + n values tie: both samples
 * sorted, then merged (O((m + n) log(m + n)), not O(m n)).  U counts
 * whole and half pairs, exact in a double, so the value is the one
 * comparing every pair gives. */
static double mwu_u(const double *x, size_t m, const double *y, size_t n,
                    int *ties) {
    double *sx = malloc((m ? m : 1) * sizeof *sx);
    double *sy = malloc((n ? n : 1) * sizeof *sy);
    if (sx == NULL || sy == NULL) {
        free(sx);
        free(sy);
        return mwu_u_pairs(x, m, y, n, ties);
    }
    memcpy(sx, x, m * sizeof *sx);
    memcpy(sy, y, n * sizeof *sy);
    sort_doubles(sx, m);
    sort_doubles(sy, n);
    double u = 0.0;
    size_t below = 0, upto = 0; /* y values < and <= the current x */
    *ties = sorted_has_ties(sx, m) || sorted_has_ties(sy, n);
    for (size_t i = 0; i < m; i++) {
        while (below < n && sy[below] < sx[i])
            below++;
        if (upto < below)
            upto = below;
        while (upto < n && sy[upto] == sx[i])
            upto++;
        if (upto > below)
            *ties = 1;
        u += (double)below + 0.5 * (double)(upto - below);
    }
    free(sx);
    free(sy);
    return u;
}

/* The number of arrangements of m x's and n y's with each U = 0..m*n:
 * the coefficients of the Gaussian binomial [m+n choose m]_q, built as
 * prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i).  Returns a malloc'd array of
 * m*n + 1 counts, or NULL. */
static double *mwu_counts(size_t m, size_t n) {
    size_t len = m * n + 1;
    double *a = calloc(len, sizeof *a);
    if (a == NULL)
        return NULL;
    a[0] = 1.0;
    for (size_t i = 1; i <= m; i++) {
        for (size_t u = len; u-- > n + i;)
            a[u] -= a[u - (n + i)];
        for (size_t u = i; u < len; u++)
            a[u] += a[u - i];
    }
    return a;
}

double stats_mann_whitney_normal(const double *x, size_t m, const double *y,
                                 size_t n) {
    if (m == 0 || n == 0)
        return NAN;
    int ties;
    double u = mwu_u(x, m, y, n, &ties);
    /* Tie correction: sum of t^3 - t over groups of equal values. */
    size_t total = m + n;
    double *all = malloc(total * sizeof *all);
    double tie_sum = 0.0;
    if (all != NULL) {
        memcpy(all, x, m * sizeof *all);
        memcpy(all + m, y, n * sizeof *all);
        sort_doubles(all, total);
        for (size_t i = 0; i < total;) {
            size_t k = i + 1; /* the group holds all[i], even a NaN */
            while (k < total && all[k] == all[i])
                k++;
            double t = (double)(k - i);
            tie_sum += t * t * t - t;
            i = k;
        }
        free(all);
    }
    double N = (double)total, mn = (double)m * (double)n;
    double var = mn / 12.0 * ((N + 1.0) - tie_sum / (N * (N - 1.0)));
    if (!(var > 0.0))
        return 1.0; /* every value equal */
    double z = (fabs(u - mn / 2.0) - 0.5) / sqrt(var);
    if (z < 0.0)
        z = 0.0;
    double p = erfc(z / M_SQRT2);
    return p > 1.0 ? 1.0 : p;
}

double stats_mann_whitney_min_p(size_t m, size_t n) {
    if (m == 0 || n == 0)
        return 1.0;
    /* 2 / C(m+n, m) */
    double lc = lgamma((double)(m + n) + 1.0) - lgamma((double)m + 1.0) -
                lgamma((double)n + 1.0);
    double p = 2.0 * exp(-lc);
    return p > 1.0 ? 1.0 : p;
}

void stats_mann_whitney(const double *x, size_t m, const double *y, size_t n,
                        struct stats_mwu *out) {
    out->u = NAN;
    out->p = NAN;
    out->exact = 0;
    if (m == 0 || n == 0)
        return;
    int ties;
    out->u = mwu_u(x, m, y, n, &ties);
    double *counts = NULL;
    if (!ties && m + n <= MWU_EXACT_MAX)
        counts = mwu_counts(m, n);
    if (counts == NULL) {
        out->p = stats_mann_whitney_normal(x, m, y, n);
        return;
    }
    /* Two-sided: twice the tail beyond the larger of U and mn - U (the
     * distribution is symmetric), capped at 1. */
    size_t mn = m * n;
    double big = fmax(out->u, (double)mn - out->u);
    double tail = 0.0, all = 0.0;
    for (size_t k = 0; k <= mn; k++) {
        all += counts[k];
        if ((double)k >= big)
            tail += counts[k];
    }
    free(counts);
    double p = 2.0 * tail / all;
    out->p = p > 1.0 ? 1.0 : p;
    out->exact = 1;
}

/* ------------------------------------------------------------------------ */
/* Bootstrap of the ratio of medians                                         */
/* ------------------------------------------------------------------------ */

static unsigned long long splitmix64(unsigned long long *state) {
    unsigned long long z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The k-th smallest (0-based) of a[0..n-1], k < n, with a reordered so
 * that a[0..k-1] <= a[k] <= a[k+1..n-1] (Hoare's selection, expected
 * linear time). */
static double select_kth(double *a, size_t n, size_t k) {
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = a[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                double t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return a[k];
}

/* Median of a[0..n-1] (n >= 1, reordered): the value sorting gives. */
static double select_median(double *a, size_t n) {
    double upper = select_kth(a, n, n / 2);
    if (n % 2 == 1)
        return upper;
    double lower = a[0]; /* the largest of a[0..n/2-1] */
    for (size_t i = 1; i < n / 2; i++)
        if (a[i] > lower)
            lower = a[i];
    return (lower + upper) / 2.0;
}

/*
 * z % d for one d and many z, without a division (a 64-bit division is
 * most of the time of a bootstrap of small samples): Lemire, Kaser and
 * Kurz, "Faster remainder by direct computation" (2019), with a 128-bit
 * M = ceil(2^128 / d), exact for every 64-bit z and every d >= 1 below
 * 2^64 - the same remainder as z % d.  Plain % without 128-bit integers.
 */
#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 stats_u128;
struct fastmod {
    stats_u128 m;
    unsigned long long d;
};

static struct fastmod fastmod_of(unsigned long long d) {
    return (struct fastmod){(stats_u128)-1 / d + 1, d};
}

static unsigned long long fastmod_rem(const struct fastmod *f,
                                      unsigned long long z) {
    stats_u128 low = f->m * z; /* the fraction z / d, modulo 1 */
    stats_u128 bottom = ((low & 0xffffffffffffffffull) * f->d) >> 64;
    stats_u128 top = (low >> 64) * f->d;
    return (unsigned long long)((bottom + top) >> 64);
}
#else
struct fastmod {
    unsigned long long d;
};

static struct fastmod fastmod_of(unsigned long long d) {
    return (struct fastmod){d};
}

static unsigned long long fastmod_rem(const struct fastmod *f,
                                      unsigned long long z) {
    return z % f->d;
}
#endif

/* Median of n values drawn from x[0..n-1] with replacement (mod is
 * fastmod_of(n)); buf holds n. */
static double resample_median(const double *x, size_t n,
                              const struct fastmod *mod, double *buf,
                              unsigned long long *rng) {
    for (size_t i = 0; i < n; i++)
        buf[i] = x[fastmod_rem(mod, splitmix64(rng))];
    return select_median(buf, n);
}

/* Samples larger than this draw the median of a resample from the
 * distribution of its order statistics instead of drawing every value:
 * constant time per resample instead of linear, the same distribution. */
#define BOOTSTRAP_DRAW_MAX 1000

/* Uniform in (0, 1). */
static double uniform01(unsigned long long *rng) {
    return ((double)(splitmix64(rng) >> 11) + 0.5) * 0x1p-53;
}

/* Standard normal (Box-Muller). */
static double normal01(unsigned long long *rng) {
    double u = uniform01(rng), v = uniform01(rng);
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* Gamma(a, 1) for a >= 1 (Marsaglia and Tsang, 2000). */
static double gamma_draw(double a, unsigned long long *rng) {
    double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double z, v;
        do {
            z = normal01(rng);
            v = 1.0 + c * z;
        } while (v <= 0.0);
        v = v * v * v;
        double u = uniform01(rng);
        if (u < 1.0 - 0.0331 * z * z * z * z ||
            log(u) < 0.5 * z * z + d * (1.0 - v + log(v)))
            return d * v;
    }
}

/* The value of sorted s[0..n-1] a uniform u in (0, 1) picks. */
static double sorted_at(const double *s, size_t n, double u) {
    size_t i = (size_t)(u * (double)n);
    return s[i < n ? i : n - 1];
}

/*
 * Median of n values drawn from sorted s[0..n-1] with replacement,
 * without drawing them: a draw is s[floor(U n)] for U uniform, so the
 * k-th smallest draw is s[floor(U(k) n)] with U(k), the k-th smallest of
 * n uniforms, distributed Beta(k, n + 1 - k); the next one, U(k+1), is
 * the smallest of the n - k uniforms above U(k).
 */
static double resample_median_sorted(const double *s, size_t n,
                                     unsigned long long *rng) {
    size_t k = (n + 1) / 2; /* 1-based rank of the (lower) median */
    double a = gamma_draw((double)k, rng);
    double b = gamma_draw((double)(n + 1 - k), rng);
    double uk = a / (a + b);
    if (n % 2 == 1)
        return sorted_at(s, n, uk);
    double next =
        uk + (1.0 - uk) * -expm1(log(uniform01(rng)) / (double)(n - k));
    return (sorted_at(s, n, uk) + sorted_at(s, n, next)) / 2.0;
}

/*
 * One side of a bootstrap: a sample and how its resamples are drawn.  A
 * sample of up to BOOTSTRAP_DRAW_MAX values draws every value; without a
 * NaN it is ranked once (by_rank, rank_of), and the median of a resample
 * is read from how often each rank was drawn: the same draws and the
 * same median as selecting among the drawn values, in linear time and
 * without the unpredictable branches of a selection.
 */
struct boot_side {
    const double *x;
    size_t n;
    struct fastmod mod; /* fastmod_of(n)                                */
    double *sorted;     /* owned: x sorted, when n > BOOTSTRAP_DRAW_MAX  */
    double *by_rank;    /* owned: x in ascending order, when ranked      */
    size_t *rank_of;    /* owned: the rank of x[i] in by_rank            */
    size_t *count;      /* owned: how often each rank was drawn          */
};

/* A value of a sample and its index, to rank the sample. */
struct ranked {
    double v;
    size_t i;
};

static int cmp_ranked(const void *a, const void *b) {
    const struct ranked *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static void boot_side_free(struct boot_side *b) {
    free(b->sorted);
    free(b->by_rank);
    free(b->rank_of);
    free(b->count);
}

/* 0, or -1 out of memory (boot_side_free frees what it holds). */
static int boot_side_init(struct boot_side *b, const double *x, size_t n) {
    memset(b, 0, sizeof *b);
    b->x = x;
    b->n = n;
    b->mod = fastmod_of(n);
    if (n <= BOOTSTRAP_DRAW_MAX) {
        for (size_t i = 0; i < n; i++)
            if (isnan(x[i]))
                return 0; /* not ordered: selection among the draws */
        /* On failure the caller frees what was allocated. */
        struct ranked *idx = malloc(n * sizeof *idx);
        b->by_rank = malloc(n * sizeof *b->by_rank);
        b->rank_of = malloc(n * sizeof *b->rank_of);
        b->count = malloc(n * sizeof *b->count);
        if (idx == NULL || b->by_rank == NULL || b->rank_of == NULL ||
            b->count == NULL) {
            free(idx);
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            idx[i] = (struct ranked){x[i], i};
        qsort(idx, n, sizeof *idx, cmp_ranked);
        for (size_t r = 0; r < n; r++) {
            b->by_rank[r] = idx[r].v;
            b->rank_of[idx[r].i] = r;
        }
        free(idx);
        return 0;
    }
    b->sorted = malloc(n * sizeof *b->sorted);
    if (b->sorted == NULL)
        return -1;
    memcpy(b->sorted, x, n * sizeof *b->sorted);
    sort_doubles(b->sorted, n);
    return 0;
}

/* resample_median of a ranked side: the drawn ranks counted, and the
 * median read at ranks (n-1)/2 and n/2 of the draws. */
static double resample_median_ranked(const struct boot_side *b,
                                     unsigned long long *rng) {
    size_t n = b->n;
    memset(b->count, 0, n * sizeof *b->count);
    for (size_t i = 0; i < n; i++)
        b->count[b->rank_of[fastmod_rem(&b->mod, splitmix64(rng))]]++;
    size_t lo_at = (n - 1) / 2, hi_at = n / 2, seen = 0;
    double lower = NAN, upper = NAN;
    for (size_t r = 0; r < n; r++) {
        seen += b->count[r];
        if (seen > lo_at && isnan(lower))
            lower = b->by_rank[r];
        if (seen > hi_at) {
            upper = b->by_rank[r];
            break;
        }
    }
    return n % 2 == 1 ? upper : (lower + upper) / 2.0;
}

static double boot_side_median(const struct boot_side *b, double *buf,
                               unsigned long long *rng) {
    if (b->sorted != NULL)
        return resample_median_sorted(b->sorted, b->n, rng);
    if (b->by_rank != NULL)
        return resample_median_ranked(b, rng);
    return resample_median(b->x, b->n, &b->mod, buf, rng);
}

/*
 * Quantile q of a[0..n-1] (n >= 1), linear interpolation between ranks,
 * as it would be read from the values sorted: the ranks i = floor(q (n-1))
 * and i + 1 found by selection instead of a sort.  a is reordered so that
 * a[i+1..n-1] hold the values above rank i; *rank is set to i.  Ranks
 * below `from` must already be in place (a[0..from-1] <= a[from..n-1]).
 */
static double select_quantile(double *a, size_t n, size_t from, double q,
                              size_t *rank) {
    double h = q * (double)(n - 1);
    size_t i = (size_t)floor(h);
    if (i + 1 >= n)
        i = n - 1;
    if (i < from) /* not expected: q ascending; select from the start */
        from = 0;
    double at = select_kth(a + from, n - from, i - from);
    *rank = i;
    if (i + 1 >= n)
        return at;
    double next = a[i + 1]; /* the smallest above rank i */
    for (size_t k = i + 2; k < n; k++)
        if (a[k] < next)
            next = a[k];
    return at + (h - (double)i) * (next - at);
}

void stats_bootstrap_ratio(const double *x, size_t m, const double *y, size_t n,
                           size_t resamples, unsigned long long seed,
                           double level, double *lo, double *hi) {
    *lo = *hi = NAN;
    if (m == 0 || n == 0 || resamples == 0)
        return;
    size_t direct = m <= BOOTSTRAP_DRAW_MAX ? m : 1;
    if (n <= BOOTSTRAP_DRAW_MAX && n > direct)
        direct = n;
    double *buf = malloc(direct * sizeof *buf);
    double *ratios = malloc(resamples * sizeof *ratios);
    struct boot_side sx = {0}, sy = {0};
    if (buf == NULL || ratios == NULL || boot_side_init(&sx, x, m) != 0 ||
        boot_side_init(&sy, y, n) != 0) {
        free(buf);
        free(ratios);
        boot_side_free(&sx);
        boot_side_free(&sy);
        return;
    }
    unsigned long long rng = seed;
    size_t k = 0;
    for (size_t b = 0; b < resamples; b++) {
        double mx = boot_side_median(&sx, buf, &rng);
        double my = boot_side_median(&sy, buf, &rng);
        double r = my / mx;
        if (isfinite(r))
            ratios[k++] = r;
    }
    if (k > 0 && 2 * k >= resamples) {
        /* Two quantiles need two ranks each, not the ratios sorted. */
        size_t rank;
        *lo = select_quantile(ratios, k, 0, (1.0 - level) / 2.0, &rank);
        *hi = select_quantile(ratios, k, rank + 1 < k ? rank + 1 : rank,
                              (1.0 + level) / 2.0, &rank);
    }
    free(buf);
    free(ratios);
    boot_side_free(&sx);
    boot_side_free(&sy);
}

/* ------------------------------------------------------------------------ */
/* A pair of samples                                                         */
/* ------------------------------------------------------------------------ */

void stats_pair_compare(const double *x, size_t m, const double *y, size_t n,
                        struct stats_pair *out) {
    struct stats sx, sy;
    stats_compute(x, m, &sx);
    stats_compute(y, n, &sy);
    out->median_x = m > 0 ? sx.median : NAN;
    out->median_y = n > 0 ? sy.median : NAN;
    out->ratio = out->median_y / out->median_x;
    if (m > 0 && n > 0 && out->median_x == out->median_y)
        out->ratio = 1.0; /* also 0 against 0 */
    if (!isfinite(out->ratio))
        out->ratio = NAN;
    stats_bootstrap_ratio(x, m, y, n, STATS_BOOTSTRAP_RESAMPLES,
                          STATS_BOOTSTRAP_SEED, 0.95, &out->ci_lo, &out->ci_hi);
    stats_mann_whitney(x, m, y, n, &out->mwu);
}

int stats_differs(const struct stats_pair *pr, double alpha, double threshold) {
    return isfinite(pr->ratio) && isfinite(pr->mwu.p) && pr->mwu.p < alpha &&
           fabs(pr->ratio - 1.0) >= threshold;
}
