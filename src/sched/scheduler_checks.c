/* The argument checks shared by the scheduler's setters and getters (kept apart from
 * scheduler.c so the arm sets can use them without depending on it). */
#include <stdint.h>

#include "scheduler_impl.h"

optima_status opt_sched_check_arm(const optima_scheduler *s, const char *fn, uint32_t arm)
{
    OPT_RETURN_ERROR_IF(arm >= s->num_arms, &s->error, OPTIMA_EINVAL,
                        "%s: argument 'arm' must be below the number of arms %u, got %u", fn,
                        (unsigned)s->num_arms, (unsigned)arm);
    return OPTIMA_OK;
}

optima_status opt_sched_check_configurable(optima_scheduler *s, const char *fn)
{
    OPT_RETURN_ERROR_IF(s->started, &s->error, OPTIMA_ESTATE,
                        "%s: the configuration is frozen once select has run", fn);
    return OPTIMA_OK;
}
