/* OPTIMA (Liang et al. 2023; DESIGN.md section 4): the first |A| rounds play every arm once
 * in an order shuffled with the scheduler's generator at the first select; afterwards
 * Gaussian Thompson sampling over the last W rounds (or over discounted statistics). */
#include "scheduler_impl.h"

static uint32_t opt_optima_select(optima_scheduler *s)
{
    if (!s->started) opt_rng_shuffle(&s->rng, s->order, s->num_arms);
    if (s->rounds < s->num_arms) return s->order[s->rounds];
    return opt_sched_thompson_select(s);
}

const opt_policy opt_policy_optima = {
    "OPTIMA",
    OPT_USES_WINDOW | OPT_USES_DISCOUNT | OPT_USES_HISTORY | OPT_USES_VARIANCE,
    opt_optima_select,
    NULL,
};
