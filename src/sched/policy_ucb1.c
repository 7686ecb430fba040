/* UCB1 (Auer, Cesa-Bianchi & Fischer 2002) over all rewards: every arm once in index order,
 * then argmax of mean_a + c * sqrt(2 ln t / n_a), t = the round being decided (rounds + 1).
 * The index loop is shared with SLIDING_WINDOW_UCB, whose memory is the window. */
#include <math.h>

#include "scheduler_impl.h"

uint32_t opt_sched_ucb_select(optima_scheduler *s, double horizon)
{
    const double log_horizon = log(horizon);
    uint32_t best = 0;
    double best_index = -INFINITY;
    for (uint32_t a = 0; a < s->num_arms; ++a) {
        double n, sum;
        opt_sched_arm_memory(s, a, &n, &sum);
        if (n <= 0.0) return a;
        const double index = sum / n + s->exploration * sqrt(2.0 * log_horizon / n);
        if (index > best_index) {
            best_index = index;
            best = a;
        }
    }
    return best;
}

static uint32_t opt_ucb1_select(optima_scheduler *s)
{
    return opt_sched_ucb_select(s, (double)(s->rounds + 1));
}

const opt_policy opt_policy_ucb1 = {"UCB1", OPT_USES_EXPLORATION, opt_ucb1_select, NULL};
