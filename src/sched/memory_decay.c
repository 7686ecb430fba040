/* Discounted statistics: every reward weighs gamma^(its age in rounds).
 *
 * The global moments use West's weighted incremental update (1979): decaying every old
 * weight by gamma scales the total weight and the squared deviations by gamma and keeps
 * the mean; adding the new reward with weight 1 is then a Welford step. Per-arm sums are
 * decayed lazily: each arm remembers the round its sums were brought up to date, and a
 * reader multiplies by gamma^(rounds since), so an update touches one arm only (O(1)). */
#include <math.h>

#include "scheduler_impl.h"

void opt_decay_reset(opt_decay *d)
{
    d->weight = 0.0;
    d->mean = 0.0;
    d->m2 = 0.0;
}

double opt_decay_factor(const opt_arm *arm, double gamma, uint64_t round)
{
    if (gamma == 1.0 || round == arm->dec_round) return 1.0;
    return pow(gamma, (double)(round - arm->dec_round));
}

void opt_decay_push(opt_decay *d, opt_arm *arms, uint32_t arm, double reward, double gamma,
                    uint64_t round)
{
    d->weight = gamma * d->weight + 1.0;
    d->m2 *= gamma;
    const double delta = reward - d->mean;
    d->mean += delta / d->weight;
    d->m2 += delta * (reward - d->mean);
    if (d->m2 < 0.0) d->m2 = 0.0;

    /* Statistics are kept "as of the end of round `round`"; the reward itself has age 0. */
    opt_arm *a = &arms[arm];
    const double f = opt_decay_factor(a, gamma, round);
    a->dec_count = a->dec_count * f + 1.0;
    a->dec_sum = a->dec_sum * f + reward;
    a->dec_round = round;
}
