/* EXP3 (Auer, Cesa-Bianchi, Freund & Schapire 2002): p_a = (1 - g) w_a / sum w + g / |A|;
 * one uniform draw u picks the first arm whose cumulative probability exceeds u; the
 * reward x, clipped to [0, 1], updates w_a *= exp(g x / (p_a |A|)). Weights are kept as
 * logarithms and normalised by their maximum, so they never overflow. */
#include <math.h>

#include "scheduler_impl.h"

static uint32_t opt_exp3_select(optima_scheduler *s)
{
    const uint32_t k = s->num_arms;
    const double g = s->exp3_gamma;
    double top = -INFINITY;
    for (uint32_t a = 0; a < k; ++a) top = fmax(top, s->arms[a].log_weight);
    double total = 0.0;
    for (uint32_t a = 0; a < k; ++a) total += exp(s->arms[a].log_weight - top);
    const double u = opt_rng_uniform(&s->rng);
    double cumulative = 0.0;
    double p = 0.0;
    uint32_t a = 0;
    for (; a < k; ++a) {
        p = (1.0 - g) * exp(s->arms[a].log_weight - top) / total + g / (double)k;
        cumulative += p;
        if (u < cumulative) break;
    }
    if (a == k) a = k - 1; /* rounding left the sum just below u: the last arm */
    s->pending_probability = p;
    return a;
}

static void opt_exp3_credit(optima_scheduler *s, uint32_t arm, double reward)
{
    const double x = reward < 0.0 ? 0.0 : reward > 1.0 ? 1.0 : reward;
    s->arms[arm].log_weight +=
        s->exp3_gamma * x / (s->pending_probability * (double)s->num_arms);
}

const opt_policy opt_policy_exp3 = {"EXP3", OPT_USES_EXP3, opt_exp3_select, opt_exp3_credit};
