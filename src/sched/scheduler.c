/* The scheduler handle: creation, the select/update protocol, and reading its state. */
#include <math.h>
#include <string.h>

#include "core/context_impl.h"
#include "arms.h"
#include "scheduler_impl.h"

const char *optima_scheduler_policy_name(int32_t policy)
{
    const opt_policy *p = opt_policy_find(policy);
    return p != NULL ? p->name : "unknown";
}

const char *optima_scheduler_last_error(const optima_scheduler *s)
{
    return s != NULL ? opt_errslot_message(&s->error) : "";
}

void optima_scheduler_destroy(optima_scheduler *s)
{
    if (s == NULL) return;
    const optima_context *ctx = s->ctx;
    opt_free(ctx, s->names);
    opt_free(ctx, s->window.ring);
    opt_free(ctx, s->order);
    opt_free(ctx, s->cp.blocks);
    opt_free(ctx, s->arms);
    opt_free(ctx, s);
}

optima_status optima_scheduler_create(optima_context *ctx, int32_t num_modules, int32_t policy,
                                      uint64_t seed, optima_scheduler **out)
{
    static const char fn[] = "optima_scheduler_create";
    OPT_CHECK_NOT_NULL(NULL, fn, ctx);
    OPT_CHECK_NOT_NULL(NULL, fn, out);
    OPT_RETURN_ERROR_IF(num_modules < 1 || num_modules > OPTIMA_SCHEDULER_MAX_MODULES, NULL,
                        OPTIMA_EINVAL, "%s: argument 'num_modules' must be in [1, %d], got %d",
                        fn, OPTIMA_SCHEDULER_MAX_MODULES, (int)num_modules);
    OPT_RETURN_ERROR_IF(opt_policy_find(policy) == NULL, NULL, OPTIMA_EINVAL,
                        "%s: argument 'policy' must be an optima_policy value (0 to 10), got %d",
                        fn, (int)policy);
    optima_scheduler *s = opt_calloc(ctx, 1, sizeof *s);
    OPT_RETURN_ERROR_IF(s == NULL, NULL, OPTIMA_ENOMEM, "%s: cannot allocate the scheduler", fn);
    s->ctx = ctx;
    s->num_modules = num_modules;
    s->policy = policy;
    s->max_arms = (1u << num_modules) - 1u;
    s->arms = opt_calloc(ctx, s->max_arms, sizeof *s->arms);
    s->order = opt_calloc(ctx, s->max_arms, sizeof *s->order);
    s->window.capacity = OPT_SCHED_DEFAULT_WINDOW;
    s->window.ring = opt_calloc(ctx, s->window.capacity, sizeof *s->window.ring);
    if (s->arms == NULL || s->order == NULL || s->window.ring == NULL) {
        optima_scheduler_destroy(s);
        return opt_fail(NULL, OPTIMA_ENOMEM, "%s: cannot allocate the tables for %u arms", fn,
                        (unsigned)((1u << num_modules) - 1u));
    }
    s->history = OPT_SCHED_DEFAULT_HISTORY;
    s->discount = OPT_SCHED_DEFAULT_DISCOUNT;
    s->variance_floor = OPT_SCHED_DEFAULT_VARIANCE_FLOOR;
    s->fixed_variance = 0.0;
    s->exploration = OPT_SCHED_DEFAULT_EXPLORATION;
    s->exp3_gamma = OPT_SCHED_DEFAULT_EXP3_GAMMA;
    s->forced_exploration = OPT_SCHED_DEFAULT_FORCED_EXPLORATION;
    s->detector_confidence = OPT_SCHED_DEFAULT_DETECTOR_CONFIDENCE;
    s->detector_stride = OPT_SCHED_DEFAULT_DETECTOR_STRIDE;
    if (opt_sched_uses_change_point(s) && opt_cp_allocate(s, fn) != OPTIMA_OK) {
        optima_scheduler_destroy(s);
        return opt_fail(NULL, OPTIMA_ENOMEM, "%s: cannot allocate the change detector for %u arms",
                        fn, (unsigned)((1u << num_modules) - 1u));
    }
    opt_sched_build_arms(s, OPTIMA_ARMS_ALL_SUBSETS);
    opt_rng_seed(&s->rng, seed);
    *out = s;
    return OPTIMA_OK;
}

/* ---- the policy's memory ----------------------------------------------------------------- */

int opt_sched_uses_window(const optima_scheduler *s)
{
    if (s->policy == OPTIMA_POLICY_OPTIMA) return s->history == OPTIMA_HISTORY_WINDOW;
    return s->policy == OPTIMA_POLICY_SLIDING_WINDOW_UCB;
}

int opt_sched_uses_change_point(const optima_scheduler *s)
{
    if (s->policy == OPTIMA_POLICY_OPTIMA) return s->history == OPTIMA_HISTORY_CHANGE_POINT;
    return s->policy == OPTIMA_POLICY_GLR_UCB;
}

double opt_sched_gamma(const optima_scheduler *s)
{
    const int discounted = s->policy == OPTIMA_POLICY_DISCOUNTED_THOMPSON ||
                           (s->policy == OPTIMA_POLICY_OPTIMA && s->history == OPTIMA_HISTORY_DISCOUNT);
    return discounted ? s->discount : 1.0;
}

void opt_sched_arm_memory(const optima_scheduler *s, uint32_t arm, double *count, double *sum)
{
    const opt_arm *a = &s->arms[arm];
    if (opt_sched_uses_window(s)) {
        *count = (double)a->win_count;
        *sum = a->win_sum;
        return;
    }
    if (opt_sched_uses_change_point(s)) {
        *count = (double)a->cp_count;
        *sum = a->cp_mean * (double)a->cp_count;
        return;
    }
    const double f = opt_decay_factor(a, opt_sched_gamma(s), s->rounds);
    *count = a->dec_count * f;
    *sum = a->dec_sum * f;
}

/* sigma^2 is the noise of a reward around its own arm's mean, so it is estimated by the
 * pooled within-arm variance, not by the variance of all remembered rewards, which also
 * counts the spread between the arms' means. No per-arm squares are kept: the
 * decomposition SST = SSW + SSB (weighted the same way in the decay) gives
 *   SSW = M2 - sum_a (S_a - n_a * mean)^2 / n_a,
 * O(|A|) per decision like the sampling loop itself. Rounding can leave SSW slightly
 * negative when the arms' rewards are (nearly) constant; the floor then applies. */
/* The change-point memory keeps each arm's squared deviations (Welford), so its pooled
 * within-arm variance is a plain sum, with the ended segment's as a prior after a
 * restart. */
static void opt_change_point_moments(const optima_scheduler *s, double *mean, double *variance)
{
    double n = 0.0, sum = 0.0, m2 = s->cp.retired_m2, weight = s->cp.retired_count;
    for (uint32_t a = 0; a < s->num_arms; ++a) {
        const opt_arm *x = &s->arms[a];
        n += (double)x->cp_count;
        sum += x->cp_mean * (double)x->cp_count;
        m2 += x->cp_m2;
    }
    weight += n;
    *mean = n > 0.0 ? sum / n : 0.0;
    const double v = s->fixed_variance > 0.0 ? s->fixed_variance
                     : weight > 0.0          ? m2 / weight
                                             : 0.0;
    *variance = v > s->variance_floor || s->fixed_variance > 0.0 ? v : s->variance_floor;
}

void opt_sched_memory_moments(const optima_scheduler *s, double *mean, double *variance)
{
    double weight, m2;
    if (opt_sched_uses_change_point(s)) {
        opt_change_point_moments(s, mean, variance);
        return;
    }
    if (opt_sched_uses_window(s)) {
        *mean = s->window.mean;
        weight = (double)s->window.size;
        m2 = s->window.m2;
    } else {
        *mean = s->decay.mean;
        weight = s->decay.weight;
        m2 = s->decay.m2;
    }
    if (s->fixed_variance > 0.0) {
        *variance = s->fixed_variance;
        return;
    }
    double between = 0.0;
    for (uint32_t a = 0; a < s->num_arms; ++a) {
        double n, sum;
        opt_sched_arm_memory(s, a, &n, &sum);
        if (n <= 0.0) continue;
        const double d = sum - n * *mean;
        between += d * d / n;
    }
    const double v = weight > 0.0 ? (m2 - between) / weight : 0.0;
    *variance = v > s->variance_floor ? v : s->variance_floor;
}

/* ---- rounds ------------------------------------------------------------------------------ */

optima_status optima_scheduler_select(optima_scheduler *s, uint32_t *arm)
{
    static const char fn[] = "optima_scheduler_select";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_CHECK_NOT_NULL(&s->error, fn, arm);
    if (s->pending == OPT_SCHED_NO_ARM) {
        s->pending = opt_policy_find(s->policy)->select(s);
        s->started = 1;
    }
    *arm = s->pending;
    return OPTIMA_OK;
}

optima_status optima_scheduler_update(optima_scheduler *s, uint32_t arm, double reward)
{
    static const char fn[] = "optima_scheduler_update";
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_FORWARD_IF_ERROR(opt_sched_check_arm(s, fn, arm));
    OPT_RETURN_ERROR_IF(!isfinite(reward), &s->error, OPTIMA_ENONFINITE,
                        "%s: argument 'reward' must be finite, got %g", fn, reward);
    OPT_RETURN_ERROR_IF(fabs(reward) > OPTIMA_SCHEDULER_MAX_ABS_REWARD, &s->error, OPTIMA_EINVAL,
                        "%s: argument 'reward' must have magnitude <= 1e100, got %g", fn, reward);
    OPT_RETURN_ERROR_IF(s->pending == OPT_SCHED_NO_ARM, &s->error, OPTIMA_ESTATE,
                        "%s: argument 'arm' %u: no select is waiting for its reward", fn,
                        (unsigned)arm);
    OPT_RETURN_ERROR_IF(s->pending != arm, &s->error, OPTIMA_ESTATE,
                        "%s: argument 'arm' is %u but the last select returned arm %u", fn,
                        (unsigned)arm, (unsigned)s->pending);
    s->rounds += 1;
    s->arms[arm].plays += 1;
    opt_window_push(&s->window, s->arms, arm, reward);
    opt_decay_push(&s->decay, s->arms, arm, reward, opt_sched_gamma(s), s->rounds);
    if (opt_sched_uses_change_point(s)) opt_cp_push(s, arm, reward);
    const opt_policy *p = opt_policy_find(s->policy);
    if (p->credit != NULL) p->credit(s, arm, reward);
    s->pending = OPT_SCHED_NO_ARM;
    return OPTIMA_OK;
}

/* ---- reading the state ------------------------------------------------------------------- */

OPT_SCHED_GETTER(num_modules, int32_t, num_modules, s->num_modules)
OPT_SCHED_GETTER(policy, int32_t, policy, s->policy)
OPT_SCHED_GETTER(num_arms, uint32_t, num_arms, s->num_arms)
OPT_SCHED_GETTER(rounds, uint64_t, rounds, s->rounds)
OPT_SCHED_GETTER(restarts, uint64_t, restarts, s->cp.restarts)

/* The per-arm getters share their checks. */
static optima_status opt_check_arm_getter(const optima_scheduler *s, const char *fn, uint32_t arm,
                                          const void *out, const char *out_name)
{
    OPT_CHECK_NOT_NULL(NULL, fn, s);
    OPT_RETURN_ERROR_IF(out == NULL, &s->error, OPTIMA_EINVAL,
                        "%s: argument '%s' is NULL", fn, out_name);
    return opt_sched_check_arm(s, fn, arm);
}

optima_status optima_scheduler_get_arm_count(const optima_scheduler *s, uint32_t arm,
                                             double *count)
{
    OPT_FORWARD_IF_ERROR(
        opt_check_arm_getter(s, "optima_scheduler_get_arm_count", arm, count, "count"));
    double sum;
    opt_sched_arm_memory(s, arm, count, &sum);
    return OPTIMA_OK;
}

optima_status optima_scheduler_get_arm_mean(const optima_scheduler *s, uint32_t arm, double *mean)
{
    OPT_FORWARD_IF_ERROR(
        opt_check_arm_getter(s, "optima_scheduler_get_arm_mean", arm, mean, "mean"));
    double count, sum;
    opt_sched_arm_memory(s, arm, &count, &sum);
    *mean = count > 0.0 ? sum / count : NAN;
    return OPTIMA_OK;
}

optima_status optima_scheduler_get_arm_sample(const optima_scheduler *s, uint32_t arm,
                                              double *theta)
{
    OPT_FORWARD_IF_ERROR(
        opt_check_arm_getter(s, "optima_scheduler_get_arm_sample", arm, theta, "theta"));
    *theta = s->arms[arm].theta;
    return OPTIMA_OK;
}

optima_status optima_scheduler_get_arm_plays(const optima_scheduler *s, uint32_t arm,
                                             uint64_t *plays)
{
    OPT_FORWARD_IF_ERROR(
        opt_check_arm_getter(s, "optima_scheduler_get_arm_plays", arm, plays, "plays"));
    *plays = s->arms[arm].plays;
    return OPTIMA_OK;
}
