/* The statistics of the demo's results: means and standard deviations over seeds. */
#ifndef DEMO_STATS_H
#define DEMO_STATS_H

#include <stddef.h>

/* The mean of v[0], v[stride], ..., v[(n - 1) * stride]; 0 for n = 0. */
double demo_mean_of(const double *v, size_t n, size_t stride);

/* Sample standard deviation (n - 1) of v[0..n), 0 for a single run. */
double demo_std_of(const double *v, size_t n);

#endif
