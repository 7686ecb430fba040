/* The squared-error row kernel. */
#include "rowloss.h"

/* Lanes: 8 independent float64 partial sums in a fixed order, so the compiler can
 * vectorise without reassociating (no -ffast-math) and results are bit-reproducible. */
#define OPT_LANES 8

static inline double opt_mse_row(const float *y, const float *t, size_t n, float c, float *g,
                                 int write)
{
    double acc[OPT_LANES] = {0};
    size_t i = 0;
    for (; i + OPT_LANES <= n; i += OPT_LANES) {
        for (size_t j = 0; j < OPT_LANES; ++j) {
            const float d = y[i + j] - t[i + j];
            if (write) g[i + j] = c * d;
            acc[j] += (double)d * (double)d;
        }
    }
    for (; i < n; ++i) {
        const float d = y[i] - t[i];
        if (write) g[i] = c * d;
        acc[0] += (double)d * (double)d;
    }
    double s = 0.0;
    for (size_t j = 0; j < OPT_LANES; ++j) s += acc[j];
    return s;
}

double opt_mse_rows(const optima_tensor *y, const optima_tensor *t, const uint8_t *mask,
                    float coef, float *g, size_t gs)
{
    double total = 0.0;
    for (size_t r = 0; r < y->rows; ++r) {
        const double w = mask == NULL || mask[r] != 0 ? 1.0 : 0.0;
        const float *yr = y->data + r * y->row_stride;
        const float *tr = t->data + r * t->row_stride;
        const double s = g != NULL ? opt_mse_row(yr, tr, y->cols, coef * (float)w, g + r * gs, 1)
                                   : opt_mse_row(yr, tr, y->cols, 0.0f, NULL, 0);
        total += w * s;
    }
    return total;
}
