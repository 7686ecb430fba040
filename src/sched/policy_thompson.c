/* THOMPSON: stationary Gaussian Thompson sampling, OPTIMA without forgetting and without
 * the initial sweep: the same posterior over every reward ever received. */
#include "scheduler_impl.h"

const opt_policy opt_policy_thompson = {
    "THOMPSON",
    OPT_USES_VARIANCE,
    opt_sched_thompson_select,
    NULL,
};
