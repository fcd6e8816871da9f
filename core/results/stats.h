/* SPDX-License-Identifier: MIT */
/*
 * stats.h - descriptive statistics of a sample of wall times, and the
 * tests that compare two samples: Mann-Whitney U and a bootstrap interval
 * of the ratio of their medians.  Pure functions; thread-safe.
 */
#ifndef PARBENCH_STATS_H
#define PARBENCH_STATS_H

#include <stddef.h>

struct stats {
    size_t n;
    double median, mean, stddev; /* stddev: sample (n-1); 0 when n < 2  */
    double min, max;
    double ci_lo, ci_hi; /* 95% confidence interval of the median
                            (order statistics, binomial; = min..max for
                            small n)                                    */
    double cv;           /* stddev / mean; 0 when mean is 0            */
    double mad;          /* median absolute deviation from the median  */
    size_t outliers;     /* beyond stats_outlier_limit of the median    */
};

/* Scale that makes the median absolute deviation estimate the standard
 * deviation of normally distributed data. */
#define STATS_MAD_SCALE 1.4826
/* Observations further than this many scaled MADs from the median are
 * outliers. */
#define STATS_OUTLIER_MADS 3.0

/* Statistics of x[0..n-1] (n may be 0: all zero).  x is not modified. */
void stats_compute(const double *x, size_t n, struct stats *out);

/* How far from st->median an observation is an outlier:
 * STATS_OUTLIER_MADS scaled MADs; 0 (no outliers) when the MAD is 0. */
double stats_outlier_limit(const struct stats *st);

/* The median of x[0..n-1]; NAN when n is 0 (or memory runs out). */
double stats_median(const double *x, size_t n);

/* Karp-Flatt serial fraction e = (1/S - 1/p) / (1 - 1/p) for speedup S on
 * p workers; NAN when p < 2 or S <= 0. */
double stats_karp_flatt(double speedup, unsigned p);

/* Two-sided Mann-Whitney U test of samples x[0..m-1] and y[0..n-1]. */
struct stats_mwu {
    double u;  /* U of x: pairs (x_i, y_j) with x_i > y_j, ties count 1/2 */
    double p;  /* two-sided p-value; NAN when m or n is 0                */
    int exact; /* 1: exact distribution (no ties, m + n <= 50); 0: normal
                  approximation with tie and continuity corrections     */
};
void stats_mann_whitney(const double *x, size_t m, const double *y, size_t n,
                        struct stats_mwu *out);
/* The p-value by the normal approximation (tie and continuity corrected)
 * whatever the sample sizes; stats_mann_whitney uses it when the exact
 * distribution does not apply.  For tests. */
double stats_mann_whitney_normal(const double *x, size_t m, const double *y,
                                 size_t n);
/* The smallest two-sided p-value samples of sizes m and n can reach:
 * 2 / C(m+n, m) (1 when m or n is 0). */
double stats_mann_whitney_min_p(size_t m, size_t n);

/* The bootstrap of the ratio of medians: resamples and seed are fixed, so
 * that a report is the same every time it is printed. */
#define STATS_BOOTSTRAP_RESAMPLES 2000
#define STATS_BOOTSTRAP_SEED 0x70617262656e6368ull /* "parbench" */

/*
 * Percentile bootstrap interval at `level` (e.g. 0.95) of
 * median(y) / median(x): each of `resamples` rounds draws m values of x
 * and n of y with replacement (splitmix64 generator seeded with `seed`)
 * and takes the ratio of their medians; the interval is the
 * (1-level)/2 and (1+level)/2 quantiles (linear interpolation) of the
 * finite ratios.  *lo and *hi are NAN when m or n is 0, resamples is 0,
 * memory runs out, or fewer than half of the rounds give a finite ratio.
 */
void stats_bootstrap_ratio(const double *x, size_t m, const double *y, size_t n,
                           size_t resamples, unsigned long long seed,
                           double level, double *lo, double *hi);

/* Sample y against sample x: what `compare` and the verdicts say of a
 * pair. */
struct stats_pair {
    double median_x, median_y;
    double ratio;         /* median_y / median_x; NAN when undefined */
    double ci_lo, ci_hi;  /* 95% bootstrap interval of the ratio     */
    struct stats_mwu mwu; /* x against y                             */
};
/* Fills *out (both samples borrowed; either may be empty). */
void stats_pair_compare(const double *x, size_t m, const double *y, size_t n,
                        struct stats_pair *out);

/* Whether a difference counts: p < alpha and |ratio - 1| >= threshold
 * (both conditions; 0 when either is undefined). */
int stats_differs(const struct stats_pair *pr, double alpha, double threshold);

#endif /* PARBENCH_STATS_H */
