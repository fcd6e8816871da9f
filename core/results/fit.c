/* SPDX-License-Identifier: MIT */
/*
 * fit.c - Amdahl and USL fits of measured speedups (see fit.h).
 */
#include "results/fit.h"

#include <math.h>

double fit_amdahl_speedup(double serial, double p) {
    return 1.0 / (serial + (1.0 - serial) / p);
}

double fit_usl_speedup(double sigma, double kappa, double p) {
    return p / (1.0 + sigma * (p - 1.0) + kappa * p * (p - 1.0));
}

static int usable(double p, double s) {
    return p >= 1.0 && isfinite(p) && isfinite(s) && s > 0.0;
}

/* Distinct usable worker counts among the points. */
static size_t distinct_points(const double *p, const double *s, size_t n) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!usable(p[i], s[i]))
            continue;
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = usable(p[k], s[k]) && p[k] == p[i];
        count += !seen;
    }
    return count;
}

/* R^2 of model speedups against the measured ones. */
static double r_squared(const double *p, const double *s, size_t n, double a,
                        double b, double (*model)(double, double, double)) {
    double sum = 0.0, k = 0.0;
    for (size_t i = 0; i < n; i++)
        if (usable(p[i], s[i])) {
            sum += s[i];
            k += 1.0;
        }
    double mean = sum / k, ss_res = 0.0, ss_tot = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!usable(p[i], s[i]))
            continue;
        double e = s[i] - model(a, b, p[i]);
        ss_res += e * e;
        ss_tot += (s[i] - mean) * (s[i] - mean);
    }
    return ss_tot > 0.0 ? 1.0 - ss_res / ss_tot : NAN;
}

static double amdahl_model(double serial, double unused, double p) {
    (void)unused;
    return fit_amdahl_speedup(serial, p);
}

static double usl_model(double sigma, double kappa, double p) {
    return fit_usl_speedup(sigma, kappa, p);
}

void fit_amdahl(const double *p, const double *speedup, size_t n,
                struct fit_amdahl *out) {
    out->ok = 0;
    out->serial = out->r2 = NAN;
    if (distinct_points(p, speedup, n) < FIT_MIN_POINTS)
        return;
    /* 1/S - 1/p = s (1 - 1/p): least squares through the origin. */
    double sab = 0.0, sbb = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!usable(p[i], speedup[i]))
            continue;
        double a = 1.0 / speedup[i] - 1.0 / p[i], b = 1.0 - 1.0 / p[i];
        sab += a * b;
        sbb += b * b;
    }
    double s = sbb > 0.0 ? sab / sbb : 0.0;
    out->serial = fmin(1.0, fmax(0.0, s));
    out->r2 = r_squared(p, speedup, n, out->serial, 0.0, amdahl_model);
    out->ok = 1;
}

/* Sum of squared residuals of the linear USL form at (sigma, kappa). */
static double usl_linear_ss(const double *p, const double *s, size_t n,
                            double sigma, double kappa) {
    double ss = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!usable(p[i], s[i]))
            continue;
        double y = p[i] / s[i] - 1.0;
        double e = y - sigma * (p[i] - 1.0) - kappa * p[i] * (p[i] - 1.0);
        ss += e * e;
    }
    return ss;
}

void fit_usl(const double *p, const double *speedup, size_t n,
             struct fit_usl *out) {
    out->ok = 0;
    out->sigma = out->kappa = out->peak = out->r2 = NAN;
    if (distinct_points(p, speedup, n) < FIT_MIN_POINTS)
        return;
    /* y = sigma x1 + kappa x2, x1 = p - 1, x2 = p (p - 1). */
    double s11 = 0.0, s12 = 0.0, s22 = 0.0, s1y = 0.0, s2y = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!usable(p[i], speedup[i]))
            continue;
        double x1 = p[i] - 1.0, x2 = p[i] * (p[i] - 1.0);
        double y = p[i] / speedup[i] - 1.0;
        s11 += x1 * x1;
        s12 += x1 * x2;
        s22 += x2 * x2;
        s1y += x1 * y;
        s2y += x2 * y;
    }
    /* Candidates within sigma, kappa >= 0: the unconstrained solution,
     * each parameter alone, and neither; the feasible one with the least
     * residual wins. */
    double cand[4][2] = {{NAN, NAN},
                         {s11 > 0.0 ? fmax(0.0, s1y / s11) : 0.0, 0.0},
                         {0.0, s22 > 0.0 ? fmax(0.0, s2y / s22) : 0.0},
                         {0.0, 0.0}};
    double det = s11 * s22 - s12 * s12;
    if (fabs(det) > 1e-12 * fmax(1.0, s11 * s22)) {
        cand[0][0] = (s1y * s22 - s2y * s12) / det;
        cand[0][1] = (s2y * s11 - s1y * s12) / det;
    }
    double best_ss = INFINITY;
    for (size_t c = 0; c < 4; c++) {
        if (!(cand[c][0] >= 0.0 && cand[c][1] >= 0.0))
            continue;
        double ss = usl_linear_ss(p, speedup, n, cand[c][0], cand[c][1]);
        if (ss < best_ss) {
            best_ss = ss;
            out->sigma = cand[c][0];
            out->kappa = cand[c][1];
        }
    }
    if (out->kappa > 0.0)
        out->peak =
            out->sigma < 1.0 ? sqrt((1.0 - out->sigma) / out->kappa) : 1.0;
    else
        out->peak = out->sigma < 1.0 ? INFINITY : 1.0;
    out->r2 = r_squared(p, speedup, n, out->sigma, out->kappa, usl_model);
    out->ok = 1;
}
