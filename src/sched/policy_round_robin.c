/* ROUND_ROBIN: arm (completed rounds mod |A|); no draws. */
#include "scheduler_impl.h"

static uint32_t opt_round_robin_select(optima_scheduler *s)
{
    return (uint32_t)(s->rounds % s->num_arms);
}

const opt_policy opt_policy_round_robin = {"ROUND_ROBIN", 0, opt_round_robin_select, NULL};
