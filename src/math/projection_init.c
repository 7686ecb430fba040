/* Projection initialisers: Xavier (seeded), identity, zero. */
#include "projection_init.h"

#include <math.h>
#include <string.h>

#include <optima/loss.h>

#include "../core/rng.h"

void opt_projection_fill(float *p, size_t ds, size_t dt, int32_t init, uint64_t seed)
{
    memset(p, 0, ds * dt * sizeof(float));
    if (init == OPTIMA_INIT_IDENTITY) {
        for (size_t i = 0; i < ds && i < dt; ++i) p[i * dt + i] = 1.0f;
    } else if (init == OPTIMA_INIT_XAVIER) {
        opt_rng rng;
        opt_rng_seed(&rng, seed);
        const double a = sqrt(6.0 / ((double)ds + (double)dt));
        for (size_t i = 0; i < ds * dt; ++i) p[i] = (float)((2.0 * opt_rng_uniform(&rng) - 1.0) * a);
    }
}
