/* Rounds: the reward at a round's end, the scheduler's update and the records (the log
 * file is round_log.c's). */
#include <math.h>
#include <string.h>

#include "trainer_impl.h"

/* Into the scheduler's range: an infinite decrement or a huge ratio is clipped, so no
 * finite loss can wedge a round. */
static double opt_clip_reward(double reward)
{
    return fmin(fmax(reward, -OPTIMA_SCHEDULER_MAX_ABS_REWARD), OPTIMA_SCHEDULER_MAX_ABS_REWARD);
}

/* Defined for every pair of finite losses: the decrement of two finite numbers is at
 * worst an infinity, never NaN; the floored denominator is positive. */
static double opt_reward_of(int absolute, double previous, double current)
{
    const double decrement = previous - current;
    const double reward =
        absolute ? decrement : decrement / fmax(fabs(previous), OPTIMA_REWARD_MIN_DENOMINATOR);
    return opt_clip_reward(reward);
}

/* The base reward of the round ending with this step: the decrement of the reference loss
 * (relative for OPTIMA_REWARD_DETRENDED), or the round's mean gradient alignment. */
static optima_status opt_round_base(optima_trainer *t, double reference, double *base,
                                    const char *fn)
{
    const double steps = (double)(t->round.steps + 1);
    if (t->reward_source == OPTIMA_REWARD_SOURCE_ALIGNMENT) {
        *base = (t->reward.round_alignment_sum + opt_alignment_of_step(t)) / steps;
        return OPTIMA_OK;
    }
    double current;
    if (t->reward_source == OPTIMA_REWARD_SOURCE_EVALUATION) {
        OPT_RETURN_ERROR_IF(!t->has_previous, &t->error, OPTIMA_ESTATE,
                            "%s: no baseline evaluation was submitted before the first step "
                            "(optima_trainer_submit_evaluation)", fn);
        OPT_RETURN_ERROR_IF(!t->has_evaluation, &t->error, OPTIMA_ESTATE,
                            "%s: this step ends a round, but no evaluation was submitted during "
                            "the round (optima_trainer_submit_evaluation)", fn);
        current = t->evaluation;
    } else {
        current = (t->round.reference_sum + reference) / steps;
    }
    /* Training source, first round: L̄_0 is the reference loss of the first step. */
    const double previous = t->has_previous ? t->previous_reference : reference;
    *base = opt_reward_of(t->reward_kind == OPTIMA_REWARD_ABSOLUTE, previous, current);
    return OPTIMA_OK;
}

int opt_trainer_step_ends_round(const optima_trainer *t)
{
    return t->round.steps + 1 >= t->round_length;
}

optima_status opt_trainer_round_reward(optima_trainer *t, double reference, int *ends,
                                       double *reward, const char *fn)
{
    if (t->reward_source == OPTIMA_REWARD_SOURCE_ALIGNMENT)
        OPT_FORWARD_IF_ERROR(opt_alignment_check_step(t, fn));
    *ends = opt_trainer_step_ends_round(t);
    if (!*ends) return OPTIMA_OK;
    double base = 0.0;
    OPT_FORWARD_IF_ERROR(opt_round_base(t, reference, &base, fn));
    /* the trend is a mean of clipped bases, so the difference is finite; clipped again */
    *reward = t->reward_kind == OPTIMA_REWARD_DETRENDED
                  ? opt_clip_reward(opt_reward_trend_detrend(&t->reward.trend, base))
                  : base;
    t->reward.pending_base = base;
    return OPTIMA_OK;
}

void opt_trainer_forget_round(optima_trainer *t)
{
    memset(&t->round, 0, sizeof t->round);
    t->reward.round_alignment_sum = 0.0;
    t->step_state = OPT_STEP_IDLE;
}

static void opt_trainer_finish_round(optima_trainer *t, double reward)
{
    opt_round_record *r = &t->history[t->rounds_done % t->history_capacity];
    memset(r, 0, sizeof *r);
    r->round = t->rounds_done;
    r->first_step = t->round.first_step;
    r->arm = t->arm;
    r->active_mask = t->round.active_mask;
    r->reward = reward;
    r->mean_reference = t->reward_source == OPTIMA_REWARD_SOURCE_EVALUATION
                            ? t->evaluation
                            : t->round.reference_sum / (double)t->round.steps;
    for (size_t p = 0; p < t->pair_count; ++p)
        if (r->active_mask >> p & 1u) r->pair_loss[p] = t->round.pair_loss_sum[p] / t->round.steps;
    /* The reward was checked finite and in range, and this arm's select is pending. */
    if (optima_scheduler_update(t->scheduler, t->arm, reward) != OPTIMA_OK)
        opt_log(t->ctx, OPTIMA_LOG_ERROR, "optima_trainer_end_step: scheduler update refused: %s",
                optima_last_error());
    opt_trainer_log_round(t, r);
    opt_reward_trend_push(&t->reward.trend, t->reward.pending_base);
    t->reward.round_alignment_sum = 0.0;
    t->rounds_done += 1;
    t->has_previous = 1;
    t->previous_reference = r->mean_reference;
    t->has_evaluation = 0;
    memset(&t->round, 0, sizeof t->round);
}

void opt_trainer_count_step(optima_trainer *t, double reference, int ends, double reward)
{
    if (!t->has_previous && t->reward_source == OPTIMA_REWARD_SOURCE_TRAINING) {
        t->has_previous = 1;
        t->previous_reference = reference;
    }
    t->round.steps += 1;
    t->round.reference_sum += reference;
    if (t->reward_source == OPTIMA_REWARD_SOURCE_ALIGNMENT)
        t->reward.round_alignment_sum += opt_alignment_of_step(t);
    for (size_t p = 0; p < t->pair_count; ++p) {
        if (!opt_trainer_pair_active(t, p)) continue;
        t->round.active_mask |= 1u << p;
        t->round.pair_loss_sum[p] += t->step_pair_loss[p];
    }
    t->steps_done += 1;
    if (ends) opt_trainer_finish_round(t, reward);
}

const opt_round_record *opt_trainer_find_record(const optima_trainer *t, uint64_t round)
{
    if (t->history == NULL || round >= t->rounds_done ||
        t->rounds_done - round > t->history_capacity)
        return NULL;
    return &t->history[round % t->history_capacity];
}

/* ---- public getters ----------------------------------------------------------------------- */

optima_status optima_trainer_progress(const optima_trainer *t, uint64_t *steps, uint64_t *rounds)
{
    OPT_CHECK_TRAINER("optima_trainer_progress", t);
    if (steps != NULL) *steps = t->steps_done;
    if (rounds != NULL) *rounds = t->rounds_done;
    return OPTIMA_OK;
}

static optima_status opt_record_or_fail(const optima_trainer *t, uint64_t round,
                                        const opt_round_record **r, const char *fn)
{
    *r = opt_trainer_find_record(t, round);
    OPT_RETURN_ERROR_IF(*r == NULL, &t->error, OPTIMA_ENOTFOUND,
                        "%s: argument 'round' is %llu: %llu rounds completed, the last %u kept", fn,
                        (unsigned long long)round, (unsigned long long)t->rounds_done,
                        (unsigned)t->history_capacity);
    return OPTIMA_OK;
}

optima_status optima_trainer_round_record(const optima_trainer *t, uint64_t round,
                                          uint64_t *first_step, uint32_t *arm, double *reward,
                                          double *mean_reference)
{
    static const char fn[] = "optima_trainer_round_record";
    OPT_CHECK_TRAINER(fn, t);
    const opt_round_record *r = NULL;
    OPT_FORWARD_IF_ERROR(opt_record_or_fail(t, round, &r, fn));
    if (first_step != NULL) *first_step = r->first_step;
    if (arm != NULL) *arm = r->arm;
    if (reward != NULL) *reward = r->reward;
    if (mean_reference != NULL) *mean_reference = r->mean_reference;
    return OPTIMA_OK;
}

optima_status optima_trainer_round_pair_loss(const optima_trainer *t, uint64_t round, size_t pair,
                                             double *loss, int32_t *active)
{
    static const char fn[] = "optima_trainer_round_pair_loss";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, loss);
    OPT_FORWARD_IF_ERROR(opt_trainer_check_pair(t, pair, fn));
    const opt_round_record *r = NULL;
    OPT_FORWARD_IF_ERROR(opt_record_or_fail(t, round, &r, fn));
    *loss = r->pair_loss[pair];
    if (active != NULL) *active = (int32_t)(r->active_mask >> pair & 1u);
    return OPTIMA_OK;
}
