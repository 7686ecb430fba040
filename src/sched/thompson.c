/* Gaussian Thompson sampling over the policy's memory, shared by OPTIMA, THOMPSON and
 * DISCOUNTED_THOMPSON (docs/scheduler.md, "Thompson family"):
 *   sigma^2  = the pooled within-arm variance of the remembered rewards, floored (or the
 *              fixed variance): the spread of a reward around its own arm's mean;
 *   mu_a     = the arm's remembered mean, or the mean of all remembered rewards when the
 *              arm has none (count 0), so that stale arms come back into play;
 *   theta_a  = mu_a + sqrt(sigma^2 / (n_a + 1)) * z_a, z_a one standard normal per arm,
 *              drawn in arm index order;
 *   play argmax theta_a, the lowest index on ties. */
#include <math.h>

#include "scheduler_impl.h"

uint32_t opt_sched_thompson_select(optima_scheduler *s)
{
    double prior_mean, variance;
    opt_sched_memory_moments(s, &prior_mean, &variance);
    uint32_t best = 0;
    double best_theta = -INFINITY;
    for (uint32_t a = 0; a < s->num_arms; ++a) {
        double n, sum;
        opt_sched_arm_memory(s, a, &n, &sum);
        const double mu = n > 0.0 ? sum / n : prior_mean;
        const double theta = mu + sqrt(variance / (n + 1.0)) * opt_rng_gaussian(&s->rng);
        s->arms[a].theta = theta;
        if (theta > best_theta) {
            best_theta = theta;
            best = a;
        }
    }
    return best;
}
