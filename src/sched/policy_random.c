/* RANDOM: a uniform arm each round, one opt_rng_below(|A|) draw. */
#include "scheduler_impl.h"

static uint32_t opt_random_select(optima_scheduler *s)
{
    return (uint32_t)opt_rng_below(&s->rng, s->num_arms);
}

const opt_policy opt_policy_random = {"RANDOM", 0, opt_random_select, NULL};
