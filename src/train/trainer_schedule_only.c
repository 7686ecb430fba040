/* Schedule-only mode: the host computes the layerwise losses and the KL itself (on any
 * device) and reports their values; the trainer keeps the arms, rewards, round records,
 * logs and checkpoints, and end_step treats the reports exactly as a compute's results. */
#include <math.h>

#include "trainer_impl.h"

static optima_status opt_require_schedule_only(optima_trainer *t, const char *fn)
{
    OPT_RETURN_ERROR_IF(t->mode != OPTIMA_TRAINER_MODE_SCHEDULE_ONLY, &t->error, OPTIMA_ESTATE,
                        "%s: the trainer is in full mode: it computes the losses itself "
                        "(optima_trainer_compute); reports are for the schedule-only mode "
                        "(optima_trainer_set_mode)", fn);
    OPT_RETURN_ERROR_IF(t->step_state == OPT_STEP_IDLE, &t->error, OPTIMA_ESTATE,
                        "%s: no step has begun (optima_trainer_begin_step)", fn);
    return OPTIMA_OK;
}

/* Bounded like the reference loss, so that a round's sums stay finite. */
static optima_status opt_check_reported(optima_trainer *t, double value, const char *name,
                                        const char *fn)
{
    OPT_RETURN_ERROR_IF(!isfinite(value), &t->error, OPTIMA_ENONFINITE,
                        "%s: argument '%s' is not finite", fn, name);
    OPT_RETURN_ERROR_IF(!(fabs(value) <= OPTIMA_TRAINER_MAX_ABS_REFERENCE), &t->error,
                        OPTIMA_EINVAL, "%s: argument '%s' (%g) is beyond +-%g", fn, name, value,
                        OPTIMA_TRAINER_MAX_ABS_REFERENCE);
    return OPTIMA_OK;
}

optima_status optima_trainer_report_pair_loss(optima_trainer *t, size_t pair, double loss)
{
    static const char fn[] = "optima_trainer_report_pair_loss";
    OPT_CHECK_TRAINER(fn, t);
    OPT_FORWARD_IF_ERROR(opt_require_schedule_only(t, fn));
    OPT_FORWARD_IF_ERROR(opt_trainer_check_pair(t, pair, fn));
    OPT_RETURN_ERROR_IF(!opt_trainer_pair_active(t, pair), &t->error, OPTIMA_ENOTFOUND,
                        "%s: argument 'pair' is %zu, a pair not active this step (see "
                        "optima_trainer_plan)", fn, pair);
    OPT_FORWARD_IF_ERROR(opt_check_reported(t, loss, "loss", fn));
    t->step_pair_loss[pair] = loss;
    t->reported_mask |= 1u << pair;
    return OPTIMA_OK;
}

optima_status optima_trainer_report_kl(optima_trainer *t, double kl)
{
    static const char fn[] = "optima_trainer_report_kl";
    OPT_CHECK_TRAINER(fn, t);
    OPT_FORWARD_IF_ERROR(opt_require_schedule_only(t, fn));
    OPT_RETURN_ERROR_IF(t->alpha_pred <= 0.0, &t->error, OPTIMA_ESTATE,
                        "%s: no KL is needed (alpha_pred is 0)", fn);
    OPT_FORWARD_IF_ERROR(opt_check_reported(t, kl, "kl", fn));
    t->step_kl = kl;
    t->kl_reported = 1;
    return OPTIMA_OK;
}

optima_status opt_trainer_take_reports(optima_trainer *t, const char *fn)
{
    OPT_RETURN_ERROR_IF(t->step_state == OPT_STEP_IDLE, &t->error, OPTIMA_ESTATE,
                        "%s: no step has begun (optima_trainer_begin_step)", fn);
    for (size_t p = 0; p < t->pair_count; ++p) {
        if (!opt_trainer_pair_active(t, p) || (t->reported_mask >> p & 1u)) continue;
        const char *name = "";
        opt_ignore_status(optima_model_module_name(t->student, t->pairs[p].student_module, &name));
        return opt_fail(&t->error, OPTIMA_ESTATE,
                        "%s: pair %zu ('%s') is active this step but its loss was not reported "
                        "(optima_trainer_report_pair_loss)", fn, p, name);
    }
    OPT_RETURN_ERROR_IF(t->alpha_pred > 0.0 && !t->kl_reported, &t->error, OPTIMA_ESTATE,
                        "%s: alpha_pred is %g but the KL was not reported (optima_trainer_report_kl)",
                        fn, t->alpha_pred);
    for (size_t p = 0; p < t->pair_count; ++p)
        if (!opt_trainer_pair_active(t, p)) t->step_pair_loss[p] = 0.0;
    if (t->alpha_pred <= 0.0) t->step_kl = 0.0;
    t->step_layer_term = opt_trainer_layer_term(t);
    return OPTIMA_OK;
}
