/* The gradients' average of data-parallel training (parallel.h). */
#include "parallel.h"

#include <string.h>

#include "nn.h"

/* One sum per step over every gradient packed together: one message's latency, not one
 * per tensor. */
int demo_parallel_average_grads(const demo_parallel *p, nn_params *params, size_t rows,
                                size_t batch, float *pack)
{
    const float share = (float)rows / (float)batch;
    size_t n = 0;
    for (size_t i = 0; i < params->count; ++i) {
        const nn_tensor *t = &params->items[i];
        for (size_t k = 0; k < t->size; ++k) pack[n + k] = share * t->grad[k];
        n += t->size;
    }
    if (p->sum_f32(p->user, pack, n) != 0) return -1;
    n = 0;
    for (size_t i = 0; i < params->count; ++i) {
        nn_tensor *t = &params->items[i];
        memcpy(t->grad, pack + n, t->size * sizeof *pack);
        n += t->size;
    }
    return 0;
}
