/* The cosine row kernel: one pass for the three dot products, one for the gradient over a
 * row that is still in L1. */
#include "rowloss.h"

#include <math.h>

#include <optima/math.h>

#include "clones.h"
#include "lanes.h"

OPT_VECTOR_CLONES
double opt_cosine_rows(const optima_tensor *y, const optima_tensor *t, const uint8_t *mask,
                       float coef, float *g, size_t gs)
{
    double total = 0.0;
    for (size_t r = 0; r < y->rows; ++r) {
        const double w = mask == NULL || mask[r] != 0 ? 1.0 : 0.0;
        const float *yr = y->data + r * y->row_stride;
        const float *tr = t->data + r * t->row_stride;
        double yt, yy, tt;
        opt_lanes_dot3(yr, tr, y->cols, &yt, &yy, &tt);
        const double ny = sqrt(yy), nt = sqrt(tt);
        const double cy = ny > OPTIMA_COSINE_EPSILON ? ny : OPTIMA_COSINE_EPSILON;
        const double ct = nt > OPTIMA_COSINE_EPSILON ? nt : OPTIMA_COSINE_EPSILON;
        const double cosine = yt / (cy * ct);
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
