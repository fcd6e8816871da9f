/* SPDX-License-Identifier: MIT */
/*
 * fit.h - scaling models fitted to speedups measured at several worker
 * counts: Amdahl's law and the Universal Scalability Law (USL).
 *
 *   Amdahl:  S(p) = 1 / (s + (1 - s) / p)            serial fraction s
 *   USL:     S(p) = p / (1 + sigma (p - 1) + kappa p (p - 1))
 *            contention sigma, coherency kappa; throughput peaks at
 *            p* = sqrt((1 - sigma) / kappa) when kappa > 0
 *
 * Both are fitted by least squares on their linear forms (Gunther's
 * method for the USL): 1/S - 1/p = s (1 - 1/p), and
 * p/S - 1 = sigma (p - 1) + kappa p (p - 1), with every parameter kept
 * at or above 0 (s also at or below 1).  The goodness of fit is the
 * coefficient of determination R^2 of the speedups the model predicts
 * against the measured ones.  Pure functions; thread-safe.
 */
#ifndef PARBENCH_FIT_H
#define PARBENCH_FIT_H

#include <stddef.h>

/* Fewest distinct worker counts a fit is made from. */
#define FIT_MIN_POINTS 3

struct fit_amdahl {
    int ok;        /* 0: fewer than FIT_MIN_POINTS usable points       */
    double serial; /* s in [0, 1]                                      */
    double r2;     /* R^2 of the predicted speedups; NAN when the
                      measured ones do not vary                        */
};

struct fit_usl {
    int ok;
    double sigma, kappa; /* >= 0                                        */
    double peak;         /* p* (workers of peak throughput); INFINITY
                            when kappa is 0 and sigma < 1               */
    double r2;
};

/* Speedups the models predict at p workers. */
double fit_amdahl_speedup(double serial, double p);
double fit_usl_speedup(double sigma, double kappa, double p);

/*
 * Fit to the points (p[i], speedup[i]), i < n (borrowed).  Points with
 * p < 1 or a speedup that is not finite and positive are ignored; a fit
 * needs FIT_MIN_POINTS distinct worker counts among the rest, else
 * out->ok is 0 and the other fields NAN.
 */
void fit_amdahl(const double *p, const double *speedup, size_t n,
                struct fit_amdahl *out);
void fit_usl(const double *p, const double *speedup, size_t n,
             struct fit_usl *out);

#endif /* PARBENCH_FIT_H */
