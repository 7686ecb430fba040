/* The finiteness scan of two views that the stateless cosine runs before it writes: one
 * pass over both, on the context's threads (row_loss.c), instead of one per view. */
#include "rowloss.h"

#include "clones.h"
#include "vec16.h"

/* x·0 is 0 for a finite x and NaN for ±∞ or NaN, so the lanes' sum says it all; the
 * compiler may not fold x·0 to 0 (ISO C floating point), and the sum is exact. */
OPT_VECTOR_CLONES
double opt_finite_rows(const optima_tensor *a, const optima_tensor *b)
{
    const size_t n = a->cols;
    opt_v16f acc = {0};
    float flag = 0.0f;
    for (size_t r = 0; r < a->rows; ++r) {
        const float *x = a->data + r * a->row_stride, *y = b->data + r * b->row_stride;
        size_t i = 0;
        for (; i + OPT_V16 <= n; i += OPT_V16) {
            opt_v16f u, v;
            opt_v16_load(&u, x + i);
            opt_v16_load(&v, y + i);
            acc += u * 0.0f + v * 0.0f;
        }
        for (; i < n; ++i) flag += x[i] * 0.0f + y[i] * 0.0f;
    }
    for (int j = 0; j < OPT_V16; ++j) flag += acc[j];
    return flag;
}
