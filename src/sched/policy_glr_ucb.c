/* GLR_UCB: UCB over the change-point memory, i.e. GLR-UCB with global restarts and forced
 * exploration (Besson, Kaufmann, Maillard & Seznec 2020, with a Gaussian GLR test and the
 * UCB1 index instead of kl-UCB, so that it takes rewards of any scale like the other
 * policies). Forced rounds first (a sweep after every restart, then alpha's share); then
 * argmax mean_a + c * sqrt(2 ln(t') / n_a) over the rewards since the last restart,
 * t' = rounds since the restart + 1. No random draws. */
#include "scheduler_impl.h"

static uint32_t opt_glr_ucb_select(optima_scheduler *s)
{
    const uint32_t forced = opt_sched_forced_arm(s);
    if (forced != OPT_SCHED_NO_ARM) return forced;
    return opt_sched_ucb_select(s, (double)(s->rounds - s->cp.restart_round + 1));
}

const opt_policy opt_policy_glr_ucb = {
    "GLR_UCB",
    OPT_USES_EXPLORATION | OPT_USES_VARIANCE | OPT_USES_DETECTOR | OPT_USES_FORCED,
    opt_glr_ucb_select,
    NULL,
};
