/* The gradients' average of data-parallel training (parallel.h). */
#include "parallel.h"

#include "nn.h"

int demo_parallel_average_grads(const demo_parallel *p, nn_params *params, size_t rows,
                                size_t batch)
{
    const float share = (float)rows / (float)batch;
    for (size_t i = 0; i < params->count; ++i) {
        nn_tensor *t = &params->items[i];
        for (size_t k = 0; k < t->size; ++k) t->grad[k] *= share;
        if (p->sum_f32(p->user, t->grad, t->size) != 0) return -1;
    }
    return 0;
}
