/* Forced exploration: a minimum share of rounds for every arm, so that no arm starves and
 * every arm's change detector keeps seeing rewards (the alpha-uniform exploration of
 * GLR-klUCB, Besson et al. 2020, made deterministic). Counting rounds from the last
 * restart (or the start), periods of floor(|A| / alpha) rounds begin with |A| rounds that
 * play every arm once in s->order (OPTIMA's seeded order, index order for the others).
 * With alpha = 0 only the very first |A| rounds are forced: OPTIMA's initial sweep, and
 * after a restart a new sweep. No random draws. */
#include <math.h>

#include "scheduler_impl.h"

uint32_t opt_sched_forced_arm(const optima_scheduler *s)
{
    const uint64_t since = s->rounds - s->cp.restart_round;
    const uint64_t n = s->num_arms;
    uint64_t phase = since;
    if (s->forced_exploration > 0.0) {
        const uint64_t period = (uint64_t)floor((double)n / s->forced_exploration);
        phase = since % period;
    }
    return phase < n ? s->order[phase] : OPT_SCHED_NO_ARM;
}
