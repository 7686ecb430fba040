/* Hyperparameter setters and getters. Every setter checks, in this order: the handle, that
 * the policy uses the setting (EUNSUPPORTED), the value (EINVAL), and that no select has
 * run yet (ESTATE); on failure nothing changes. */
#include <math.h>

#include "core/context_impl.h"
#include "scheduler_impl.h"

static optima_status opt_check_setting(optima_scheduler *s, const char *fn, uint32_t use,
                                       const char *setting)
{
    const opt_policy *p = opt_policy_find(s->policy);
    OPT_RETURN_ERROR_IF((p->uses & use) == 0, &s->error, OPTIMA_EUNSUPPORTED,
                        "%s: policy %s has no %s", fn, p->name, setting);
    return OPTIMA_OK;
}

/* A real-valued setting must be finite and in [lo, hi] (lo excluded when open_lo). */
static optima_status opt_check_real(optima_scheduler *s, const char *fn, const char *arg,
                                    double v, double lo, int open_lo, double hi)
{
    const int ok = isfinite(v) && (open_lo ? v > lo : v >= lo) && v <= hi;
    OPT_RETURN_ERROR_IF(!ok, &s->error, OPTIMA_EINVAL, "%s: argument '%s' must be in %c%g, %g], got %g",
                        fn, arg, open_lo ? '(' : '[', lo, hi, v);
    return OPTIMA_OK;
}

optima_status optima_scheduler_set_window(optima_scheduler *s, uint32_t window)
{
    static const char fn[] = "optima_scheduler_set_window";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_FORWARD_IF_ERROR(opt_check_setting(s, fn, OPT_USES_WINDOW, "window"));
    OPT_RETURN_ERROR_IF(window < 1 || window > OPTIMA_SCHEDULER_MAX_WINDOW, &s->error,
                        OPTIMA_EINVAL, "%s: argument 'window' must be in [1, %u], got %u", fn,
                        (unsigned)OPTIMA_SCHEDULER_MAX_WINDOW, (unsigned)window);
    OPT_FORWARD_IF_ERROR(opt_sched_check_configurable(s, fn));
    if (window == s->window.capacity) return OPTIMA_OK;
    opt_ring_entry *ring = opt_calloc(s->ctx, window, sizeof *ring);
    OPT_RETURN_ERROR_IF(ring == NULL, &s->error, OPTIMA_ENOMEM,
                        "%s: cannot allocate a window of %u rounds", fn, (unsigned)window);
    opt_free(s->ctx, s->window.ring);
    s->window.ring = ring;
    s->window.capacity = window;
    opt_window_reset(&s->window);
    return OPTIMA_OK;
}

optima_status optima_scheduler_set_history(optima_scheduler *s, int32_t history)
{
    static const char fn[] = "optima_scheduler_set_history";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_FORWARD_IF_ERROR(opt_check_setting(s, fn, OPT_USES_HISTORY, "history mode"));
    OPT_RETURN_ERROR_IF(history < OPTIMA_HISTORY_WINDOW || history > OPTIMA_HISTORY_CHANGE_POINT,
                        &s->error, OPTIMA_EINVAL,
                        "%s: argument 'history' must be OPTIMA_HISTORY_WINDOW (0), "
                        "OPTIMA_HISTORY_DISCOUNT (1) or OPTIMA_HISTORY_CHANGE_POINT (2), got %d",
                        fn, (int)history);
    OPT_FORWARD_IF_ERROR(opt_sched_check_configurable(s, fn));
    if (history == OPTIMA_HISTORY_CHANGE_POINT) OPT_FORWARD_IF_ERROR(opt_cp_allocate(s, fn));
    s->history = history;
    return OPTIMA_OK;
}

optima_status optima_scheduler_set_discount(optima_scheduler *s, double gamma)
{
    static const char fn[] = "optima_scheduler_set_discount";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_FORWARD_IF_ERROR(opt_check_setting(s, fn, OPT_USES_DISCOUNT, "discount"));
    OPT_FORWARD_IF_ERROR(opt_check_real(s, fn, "gamma", gamma, 0.0, 1, 1.0));
    OPT_FORWARD_IF_ERROR(opt_sched_check_configurable(s, fn));
    s->discount = gamma;
    return OPTIMA_OK;
}

optima_status optima_scheduler_set_variance_floor(optima_scheduler *s, double floor)
{
    static const char fn[] = "optima_scheduler_set_variance_floor";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_FORWARD_IF_ERROR(opt_check_setting(s, fn, OPT_USES_VARIANCE, "reward variance"));
    OPT_FORWARD_IF_ERROR(opt_check_real(s, fn, "floor", floor, 0.0, 1, OPT_SCHED_MAX_PARAMETER));
    OPT_FORWARD_IF_ERROR(opt_sched_check_configurable(s, fn));
    s->variance_floor = floor;
    return OPTIMA_OK;
}

optima_status optima_scheduler_set_fixed_variance(optima_scheduler *s, double variance)
{
    static const char fn[] = "optima_scheduler_set_fixed_variance";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_FORWARD_IF_ERROR(opt_check_setting(s, fn, OPT_USES_VARIANCE, "reward variance"));
    OPT_FORWARD_IF_ERROR(
        opt_check_real(s, fn, "variance", variance, 0.0, 0, OPT_SCHED_MAX_PARAMETER));
    OPT_FORWARD_IF_ERROR(opt_sched_check_configurable(s, fn));
    s->fixed_variance = variance;
    return OPTIMA_OK;
}

optima_status optima_scheduler_set_exploration(optima_scheduler *s, double c)
{
    static const char fn[] = "optima_scheduler_set_exploration";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_FORWARD_IF_ERROR(opt_check_setting(s, fn, OPT_USES_EXPLORATION, "exploration constant"));
    OPT_FORWARD_IF_ERROR(opt_check_real(s, fn, "c", c, 0.0, 0, OPT_SCHED_MAX_PARAMETER));
    OPT_FORWARD_IF_ERROR(opt_sched_check_configurable(s, fn));
    s->exploration = c;
    return OPTIMA_OK;
}

optima_status optima_scheduler_set_exp3_gamma(optima_scheduler *s, double gamma)
{
    static const char fn[] = "optima_scheduler_set_exp3_gamma";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_FORWARD_IF_ERROR(opt_check_setting(s, fn, OPT_USES_EXP3, "EXP3 mixing rate"));
    OPT_FORWARD_IF_ERROR(opt_check_real(s, fn, "gamma", gamma, 0.0, 1, 1.0));
    OPT_FORWARD_IF_ERROR(opt_sched_check_configurable(s, fn));
    s->exp3_gamma = gamma;
    return OPTIMA_OK;
}

optima_status optima_scheduler_set_fixed_arm(optima_scheduler *s, uint32_t arm)
{
    static const char fn[] = "optima_scheduler_set_fixed_arm";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_FORWARD_IF_ERROR(opt_check_setting(s, fn, OPT_USES_FIXED_ARM, "fixed arm"));
    OPT_FORWARD_IF_ERROR(opt_sched_check_arm(s, fn, arm));
    OPT_FORWARD_IF_ERROR(opt_sched_check_configurable(s, fn));
    s->fixed_arm = arm;
    return OPTIMA_OK;
}

optima_status optima_scheduler_set_forced_exploration(optima_scheduler *s, double alpha)
{
    static const char fn[] = "optima_scheduler_set_forced_exploration";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_FORWARD_IF_ERROR(opt_check_setting(s, fn, OPT_USES_FORCED, "forced exploration"));
    OPT_FORWARD_IF_ERROR(opt_check_real(s, fn, "alpha", alpha, 0.0, 0, 1.0));
    OPT_FORWARD_IF_ERROR(opt_sched_check_configurable(s, fn));
    s->forced_exploration = alpha;
    return OPTIMA_OK;
}

optima_status optima_scheduler_set_detector_confidence(optima_scheduler *s, double delta)
{
    static const char fn[] = "optima_scheduler_set_detector_confidence";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_FORWARD_IF_ERROR(opt_check_setting(s, fn, OPT_USES_DETECTOR, "change detector"));
    OPT_RETURN_ERROR_IF(!(delta > 0.0 && delta < 1.0), &s->error, OPTIMA_EINVAL,
                        "%s: argument 'delta' must be in (0, 1), got %g", fn, delta);
    OPT_FORWARD_IF_ERROR(opt_sched_check_configurable(s, fn));
    s->detector_confidence = delta;
    return OPTIMA_OK;
}

optima_status optima_scheduler_set_detector_stride(optima_scheduler *s, uint32_t stride)
{
    static const char fn[] = "optima_scheduler_set_detector_stride";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_FORWARD_IF_ERROR(opt_check_setting(s, fn, OPT_USES_DETECTOR, "change detector"));
    OPT_RETURN_ERROR_IF(stride < 1 || stride > OPTIMA_SCHEDULER_MAX_DETECTOR_STRIDE, &s->error,
                        OPTIMA_EINVAL, "%s: argument 'stride' must be in [1, %u], got %u", fn,
                        (unsigned)OPTIMA_SCHEDULER_MAX_DETECTOR_STRIDE, (unsigned)stride);
    OPT_FORWARD_IF_ERROR(opt_sched_check_configurable(s, fn));
    s->detector_stride = stride;
    return OPTIMA_OK;
}

/* ---- getters ---------------------------------------------------------------------------- */
OPT_SCHED_GETTER(window, uint32_t, window, s->window.capacity)
OPT_SCHED_GETTER(history, int32_t, history, s->history)
OPT_SCHED_GETTER(discount, double, gamma, s->discount)
OPT_SCHED_GETTER(variance_floor, double, floor, s->variance_floor)
OPT_SCHED_GETTER(fixed_variance, double, variance, s->fixed_variance)
OPT_SCHED_GETTER(exploration, double, c, s->exploration)
OPT_SCHED_GETTER(exp3_gamma, double, gamma, s->exp3_gamma)
OPT_SCHED_GETTER(fixed_arm, uint32_t, arm, s->fixed_arm)
OPT_SCHED_GETTER(forced_exploration, double, alpha, s->forced_exploration)
OPT_SCHED_GETTER(detector_confidence, double, delta, s->detector_confidence)
OPT_SCHED_GETTER(detector_stride, uint32_t, stride, s->detector_stride)
