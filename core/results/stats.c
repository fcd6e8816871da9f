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
