/* SLIDING_WINDOW_UCB (Garivier & Moulines 2011, "On upper-confidence bound policies for
 * switching bandit problems"): the UCB index over the last W rounds,
 * mean_a(W) + c * sqrt(2 ln(min(t, W)) / n_a(W)); an arm absent from the window is played
 * first (lowest index). */
#include "scheduler_impl.h"

static uint32_t opt_sw_ucb_select(optima_scheduler *s)
{
    const uint64_t t = s->rounds + 1;
    const uint64_t w = s->window.capacity;
    return opt_sched_ucb_select(s, (double)(t < w ? t : w));
}

const opt_policy opt_policy_sliding_window_ucb = {
    "SLIDING_WINDOW_UCB",
    OPT_USES_WINDOW | OPT_USES_EXPLORATION,
    opt_sw_ucb_select,
    NULL,
};
