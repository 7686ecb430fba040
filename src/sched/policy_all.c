/* ALL: always the arm with every module, i.e. classic layerwise distillation. The arm set
 * is checked to contain it whenever it changes, so full_arm is always valid here. */
#include "scheduler_impl.h"

static uint32_t opt_all_select(optima_scheduler *s)
{
    return s->full_arm;
}

const opt_policy opt_policy_all = {"ALL", 0, opt_all_select, NULL};
