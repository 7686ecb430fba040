/* OPTIMA (Liang et al. 2023; DESIGN.md section 4): the first |A| rounds play every arm once
 * in an order shuffled with the scheduler's generator at the first select; afterwards
 * Gaussian Thompson sampling over the last W rounds, over discounted statistics, or over
 * the rewards since the last change-point restart (which starts a new sweep). Forced
 * exploration, when set, repeats the sweep periodically. */
#include "scheduler_impl.h"

static uint32_t opt_optima_select(optima_scheduler *s)
{
    if (!s->started) opt_rng_shuffle(&s->rng, s->order, s->num_arms);
    const uint32_t forced = opt_sched_forced_arm(s);
    if (forced != OPT_SCHED_NO_ARM) return forced;
    return opt_sched_thompson_select(s);
}

const opt_policy opt_policy_optima = {
    "OPTIMA",
    OPT_USES_WINDOW | OPT_USES_DISCOUNT | OPT_USES_HISTORY | OPT_USES_VARIANCE |
        OPT_USES_DETECTOR | OPT_USES_FORCED,
    opt_optima_select,
    NULL,
};
