/* The policies by enum value. */
#include "scheduler_impl.h"

const opt_policy *opt_policy_find(int32_t policy)
{
    static const opt_policy *const table[] = {
        &opt_policy_optima,   &opt_policy_all,      &opt_policy_random,
        &opt_policy_round_robin, &opt_policy_fixed, &opt_policy_ucb1,
        &opt_policy_thompson, &opt_policy_discounted_thompson,
        &opt_policy_sliding_window_ucb, &opt_policy_exp3, &opt_policy_glr_ucb,
    };
    if (policy < 0 || policy >= (int32_t)(sizeof table / sizeof table[0])) return NULL;
    return table[policy];
}
