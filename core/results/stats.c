/*
 * stats.c - descriptive statistics of a sample (see stats.h).
 */
#include "results/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Scale that makes the median absolute deviation estimate the standard
 * deviation of normally distributed data. */
#define MAD_SCALE 1.4826
/* Observations further than this many scaled MADs from the median are
 * counted as outliers. */
#define OUTLIER_MADS 3.0
/* Required coverage of the confidence interval of the median. */
#define CI_COVERAGE 0.95

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of sorted s[0..n-1], n >= 1. */
static double sorted_median(const double *s, size_t n) {
    if (n % 2 == 1)
        return s[n / 2];
    return (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

/* P(B <= k) for B ~ Binomial(n, 1/2). */
static double binom_half_cdf(size_t n, size_t k) {
    double sum = 0.0;
    double lg_n = lgamma((double)n + 1.0);
    for (size_t i = 0; i <= k && i <= n; i++)
        sum += exp(lg_n - lgamma((double)i + 1.0) -
                   lgamma((double)(n - i) + 1.0) - (double)n * M_LN2);
    return sum;
}

/*
 * The 1-based rank j of the lower bound of the narrowest symmetric
 * interval [x(j), x(n+1-j)] that covers the median with probability at
 * least CI_COVERAGE (coverage = 1 - 2 P(B <= j-1)); 0 when even
 * [x(1), x(n)] does not reach it.
 */
static size_t ci_rank(size_t n) {
    double tail = (1.0 - CI_COVERAGE) / 2.0 + 1e-12;
    if (binom_half_cdf(n, 0) > tail)
        return 0;
    size_t j = 1;
    while (j < n / 2 && binom_half_cdf(n, j) <= tail)
        j++;
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
    qsort(s, n, sizeof *s, cmp_double);

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
    qsort(s, n, sizeof *s, cmp_double);
    double mad = sorted_median(s, n);
    if (mad > 0.0) {
        double limit = OUTLIER_MADS * MAD_SCALE * mad;
        for (size_t i = 0; i < n; i++)
            if (fabs(x[i] - out->median) > limit)
                out->outliers++;
    }
    free(s);
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

/* U of x, and whether any two of the m + n values tie. */
static double mwu_u(const double *x, size_t m, const double *y, size_t n,
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
        qsort(all, total, sizeof *all, cmp_double);
        for (size_t i = 0; i < total;) {
            size_t k = i;
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

/* Median of n values drawn from x[0..n-1] with replacement; buf holds n. */
static double resample_median(const double *x, size_t n, double *buf,
                              unsigned long long *rng) {
    for (size_t i = 0; i < n; i++)
        buf[i] = x[splitmix64(rng) % n];
    qsort(buf, n, sizeof *buf, cmp_double);
    return sorted_median(buf, n);
}

/* Quantile q of sorted s[0..n-1], linear interpolation between ranks. */
static double sorted_quantile(const double *s, size_t n, double q) {
    double h = q * (double)(n - 1);
    size_t i = (size_t)floor(h);
    if (i + 1 >= n)
        return s[n - 1];
    return s[i] + (h - (double)i) * (s[i + 1] - s[i]);
}

void stats_bootstrap_ratio(const double *x, size_t m, const double *y, size_t n,
                           size_t resamples, unsigned long long seed,
                           double level, double *lo, double *hi) {
    *lo = *hi = NAN;
    if (m == 0 || n == 0 || resamples == 0)
        return;
    double *buf = malloc((m > n ? m : n) * sizeof *buf);
    double *ratios = malloc(resamples * sizeof *ratios);
    if (buf == NULL || ratios == NULL) {
        free(buf);
        free(ratios);
        return;
    }
    unsigned long long rng = seed;
    size_t k = 0;
    for (size_t b = 0; b < resamples; b++) {
        double mx = resample_median(x, m, buf, &rng);
        double my = resample_median(y, n, buf, &rng);
        double r = my / mx;
        if (isfinite(r))
            ratios[k++] = r;
    }
    if (k > 0 && 2 * k >= resamples) {
        qsort(ratios, k, sizeof *ratios, cmp_double);
        *lo = sorted_quantile(ratios, k, (1.0 - level) / 2.0);
        *hi = sorted_quantile(ratios, k, (1.0 + level) / 2.0);
    }
    free(buf);
    free(ratios);
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
