/* Means and standard deviations over seeds (stats.h). */
#include "stats.h"

#include <math.h>

double demo_mean_of(const double *v, size_t n, size_t stride)
{
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) s += v[i * stride];
    return n ? s / (double)n : 0.0;
}

double demo_std_of(const double *v, size_t n)
{
    if (n < 2) return 0.0;
    const double m = demo_mean_of(v, n, 1);
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) s += (v[i] - m) * (v[i] - m);
    return sqrt(s / (double)(n - 1));
}
