/* The cosine row kernel: one pass for the three dot products, one for the gradient, both
 * over a row that is still in L1. */
#include "rowloss.h"

#include <math.h>

#include <optima/math.h>

#define OPT_LANES 8

typedef struct opt_dots {
    double yt, yy, tt;
} opt_dots;

static opt_dots opt_row_dots(const float *y, const float *t, size_t n)
{
    double yt[OPT_LANES] = {0}, yy[OPT_LANES] = {0}, tt[OPT_LANES] = {0};
    size_t i = 0;
    for (; i + OPT_LANES <= n; i += OPT_LANES) {
        for (size_t j = 0; j < OPT_LANES; ++j) {
            const double a = y[i + j], b = t[i + j];
            yt[j] += a * b;
            yy[j] += a * a;
            tt[j] += b * b;
        }
    }
    for (; i < n; ++i) {
        const double a = y[i], b = t[i];
        yt[0] += a * b;
        yy[0] += a * a;
        tt[0] += b * b;
    }
    opt_dots d = {0.0, 0.0, 0.0};
    for (size_t j = 0; j < OPT_LANES; ++j) {
        d.yt += yt[j];
        d.yy += yy[j];
        d.tt += tt[j];
    }
    return d;
}

double opt_cosine_rows(const optima_tensor *y, const optima_tensor *t, const uint8_t *mask,
                       float coef, float *g, size_t gs)
{
    double total = 0.0;
    for (size_t r = 0; r < y->rows; ++r) {
        const double w = mask == NULL || mask[r] != 0 ? 1.0 : 0.0;
        const float *yr = y->data + r * y->row_stride;
        const float *tr = t->data + r * t->row_stride;
        const opt_dots d = opt_row_dots(yr, tr, y->cols);
        const double ny = sqrt(d.yy), nt = sqrt(d.tt);
        const double cy = ny > OPTIMA_COSINE_EPSILON ? ny : OPTIMA_COSINE_EPSILON;
        const double ct = nt > OPTIMA_COSINE_EPSILON ? nt : OPTIMA_COSINE_EPSILON;
        const double cosine = d.yt / (cy * ct);
        total += w * (1.0 - cosine);
        if (g == NULL) continue;
        /* dℓ/dy = −t/(‖y‖‖t‖) + (y·t)·y/(‖y‖³‖t‖); the second term vanishes where the
         * norm is clamped to ε (the clamped norm does not depend on y). */
        const double scale = (double)coef * w;
        const float a = (float)(-scale / (cy * ct));
        const float b = ny > OPTIMA_COSINE_EPSILON ? (float)(scale * cosine / (cy * cy)) : 0.0f;
        float *gr = g + r * gs;
        for (size_t i = 0; i < y->cols; ++i) gr[i] = a * tr[i] + b * yr[i];
    }
    return total;
}
