/* SGD with momentum and AdamW, one fused pass over the parameters each. */
#include "projection_optimizer.h"

#include <math.h>

void opt_optimizer_defaults(opt_optimizer_settings *s, int32_t kind)
{
    s->kind = kind;
    s->learning_rate = kind == OPT_OPTIMIZER_SGD ? 1e-2f : 1e-3f;
    s->momentum = 0.9f;
    s->beta1 = 0.9f;
    s->beta2 = 0.999f;
    s->epsilon = 1e-8f;
    s->weight_decay = kind == OPT_OPTIMIZER_SGD ? 0.0f : 1e-2f;
}

size_t opt_optimizer_state_floats(int32_t kind)
{
    return kind == OPT_OPTIMIZER_ADAMW ? 2 : 1;
}

static void opt_sgd_update(const opt_optimizer_settings *s, float *param, const float *grad,
                           float *buf, size_t count)
{
    const float lr = s->learning_rate, mu = s->momentum, wd = s->weight_decay;
    for (size_t i = 0; i < count; ++i) {
        const float g = grad[i] + wd * param[i];
        buf[i] = mu * buf[i] + g;
        param[i] -= lr * buf[i];
    }
}

static void opt_adamw_update(const opt_optimizer_settings *s, float *param, const float *grad,
                             float *m, float *v, size_t count, uint64_t step)
{
    const float b1 = s->beta1, b2 = s->beta2, eps = s->epsilon;
    /* Bias corrections in double: 1 - beta^t loses digits in float for large t. */
    const float c1 = (float)(1.0 / (1.0 - pow(b1, (double)step)));
    const float c2 = (float)(1.0 / (1.0 - pow(b2, (double)step)));
    const float lr = s->learning_rate, decay = 1.0f - s->learning_rate * s->weight_decay;
    for (size_t i = 0; i < count; ++i) {
        const float g = grad[i];
        m[i] = b1 * m[i] + (1.0f - b1) * g;
        v[i] = b2 * v[i] + (1.0f - b2) * g * g;
        param[i] = param[i] * decay - lr * (m[i] * c1) / (sqrtf(v[i] * c2) + eps);
    }
}

void opt_optimizer_update(const opt_optimizer_settings *s, float *param, const float *grad,
                          float *state, size_t count, uint64_t step)
{
    if (s->kind == OPT_OPTIMIZER_ADAMW)
        opt_adamw_update(s, param, grad, state, state + count, count, step);
    else
        opt_sgd_update(s, param, grad, state, count);
}
