/* FIXED: always the arm set with optima_scheduler_set_fixed_arm(). */
#include "scheduler_impl.h"

static uint32_t opt_fixed_select(optima_scheduler *s)
{
    return s->fixed_arm;
}

const opt_policy opt_policy_fixed = {"FIXED", OPT_USES_FIXED_ARM, opt_fixed_select, NULL};
