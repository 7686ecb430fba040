/* Private header: what arms.c gives the rest of the scheduler. Not installed. */
#ifndef OPT_SCHED_ARMS_H
#define OPT_SCHED_ARMS_H

#include "scheduler_impl.h"

/* Fill s->arms' masks for a built-in set, set num_arms and full_arm, and bring every
 * per-arm statistic to its start value. */
void opt_sched_build_arms(optima_scheduler *s, int32_t arm_set);

#endif /* OPT_SCHED_ARMS_H */
