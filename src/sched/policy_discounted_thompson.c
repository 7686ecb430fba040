/* DISCOUNTED_THOMPSON: Gaussian Thompson sampling over statistics where a reward s rounds
 * old weighs gamma^s (in the spirit of Raj & Kalyani 2017, "Taming non-stationary bandits:
 * a Bayesian approach", with a Gaussian instead of a Beta model); no initial sweep. */
#include "scheduler_impl.h"

const opt_policy opt_policy_discounted_thompson = {
    "DISCOUNTED_THOMPSON",
    OPT_USES_DISCOUNT | OPT_USES_VARIANCE,
    opt_sched_thompson_select,
    NULL,
};
