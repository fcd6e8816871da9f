/*
 * stats.h - descriptive statistics of a sample of wall times.
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
    size_t outliers;     /* beyond 3 scaled MADs of the median          */
};

/* Statistics of x[0..n-1] (n may be 0: all zero).  x is not modified. */
void stats_compute(const double *x, size_t n, struct stats *out);

/* Karp-Flatt serial fraction e = (1/S - 1/p) / (1 - 1/p) for speedup S on
 * p workers; NAN when p < 2 or S <= 0. */
double stats_karp_flatt(double speedup, unsigned p);

#endif /* PARBENCH_STATS_H */
