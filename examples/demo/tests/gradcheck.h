/* Finite-difference gradient checks for the demo's tests (header-only, test code). */
#ifndef DEMO_GRADCHECK_H
#define DEMO_GRADCHECK_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "rng.h"

/* The scalar loss at the current parameter values (forward only). */
typedef double (*gc_loss_fn)(void *state);

#define GC_EPS 2e-3f

/* Compares analytic[i] with the central difference of loss wrt x[i] for i in [0, n) with
 * stride `step` (1 = every entry). Returns the number of mismatches and prints them. */
static inline size_t gc_check(const char *what, float *x, const float *analytic, size_t n,
                              size_t step, gc_loss_fn loss, void *state)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i += step) {
        const float keep = x[i];
        x[i] = keep + GC_EPS;
        const double up = loss(state);
        x[i] = keep - GC_EPS;
        const double down = loss(state);
        x[i] = keep;
        const double num = (up - down) / (2.0 * (double)GC_EPS);
        const double tol = 1e-2 * (1.0 + fabs(num));
        if (fabs(num - (double)analytic[i]) > tol) {
            if (bad < 5)
                printf("  %s[%zu]: analytic %.6g, numeric %.6g\n", what, i,
                       (double)analytic[i], num);
            ++bad;
        }
    }
    return bad;
}

static inline void gc_fill(float *v, size_t n, float scale, demo_rng *r)
{
    for (size_t i = 0; i < n; ++i) v[i] = scale * (float)demo_rng_gaussian(r);
}

/* sum_i w[i] * y[i] in double: the "loss" whose gradient wrt y is w. */
static inline double gc_dot(const float *w, const float *y, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) s += (double)w[i] * (double)y[i];
    return s;
}

#endif
