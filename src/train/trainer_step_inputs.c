/* Reading back what the host handed in for the step in flight: the views of hidden states
 * and logits and the row masks. The trainer holds them (never their data) from the setter
 * until the next compute or the step's end, so each getter reports what a compute would
 * now use, or says that nothing is held. */
#include "trainer_impl.h"

/* The refusals every step-input getter shares with its setter: a step in the full mode. */
static optima_status opt_require_inputs(const optima_trainer *t, const char *fn)
{
    OPT_FORWARD_IF_ERROR(opt_trainer_require_full(t, fn));
    return opt_trainer_require_step(t, fn);
}

static optima_status opt_require_logits(const optima_trainer *t, const char *fn)
{
    OPT_RETURN_ERROR_IF(t->alpha_pred <= 0.0, &t->error, OPTIMA_ESTATE,
                        "%s: no logits are needed (alpha_pred is 0)", fn);
    return OPTIMA_OK;
}

optima_status optima_trainer_get_hidden(const optima_trainer *t, int32_t side, size_t module,
                                        size_t layer, optima_tensor *view)
{
    static const char fn[] = "optima_trainer_get_hidden";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, view);
    OPT_FORWARD_IF_ERROR(opt_trainer_check_side(t, side, fn));
    OPT_FORWARD_IF_ERROR(opt_require_inputs(t, fn));
    const size_t i = opt_trainer_plan_find(t, (uint32_t)side, module, layer);
    OPT_RETURN_ERROR_IF(i == t->plan_count, &t->error, OPTIMA_ENOTFOUND,
                        "%s: %s module %zu layer %zu is not needed this step (arguments "
                        "'module' and 'layer'; see optima_trainer_plan)", fn,
                        side == OPTIMA_SIDE_STUDENT ? "student" : "teacher", module, layer);
    OPT_RETURN_ERROR_IF(!(t->view_given[i] & OPT_VIEW_HIDDEN), &t->error, OPTIMA_ESTATE,
                        "%s: no view of %s module %zu layer %zu is held: not handed over since "
                        "the step began or the last compute (optima_trainer_set_hidden)", fn,
                        side == OPTIMA_SIDE_STUDENT ? "student" : "teacher", module, layer);
    *view = t->views[i];
    return OPTIMA_OK;
}

optima_status optima_trainer_get_logits(const optima_trainer *t, int32_t side, optima_tensor *view)
{
    static const char fn[] = "optima_trainer_get_logits";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, view);
    OPT_FORWARD_IF_ERROR(opt_trainer_check_side(t, side, fn));
    OPT_FORWARD_IF_ERROR(opt_require_inputs(t, fn));
    OPT_FORWARD_IF_ERROR(opt_require_logits(t, fn));
    OPT_RETURN_ERROR_IF(!t->logits_given[side], &t->error, OPTIMA_ESTATE,
                        "%s: no %s logits are held: not handed over since the step began or "
                        "the last compute (optima_trainer_set_logits)", fn,
                        side == OPTIMA_SIDE_STUDENT ? "student" : "teacher");
    *view = t->logits[side];
    return OPTIMA_OK;
}

/* A held mask and the rows it covers; no mask covers no rows (every row counts). */
static void opt_mask_out(const uint8_t *held, size_t step_rows, const uint8_t **mask,
                         size_t *rows)
{
    *mask = held;
    *rows = held != NULL ? step_rows : 0;
}

optima_status optima_trainer_get_row_mask(const optima_trainer *t, size_t pair,
                                          const uint8_t **mask, size_t *rows)
{
    static const char fn[] = "optima_trainer_get_row_mask";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, mask);
    OPT_CHECK_NOT_NULL(&t->error, fn, rows);
    OPT_FORWARD_IF_ERROR(opt_trainer_check_pair(t, pair, fn));
    OPT_FORWARD_IF_ERROR(opt_require_inputs(t, fn));
    opt_mask_out(t->pair_mask[pair], t->pair_rows[pair], mask, rows);
    return OPTIMA_OK;
}

optima_status optima_trainer_get_logits_mask(const optima_trainer *t, const uint8_t **mask,
                                             size_t *rows)
{
    static const char fn[] = "optima_trainer_get_logits_mask";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, mask);
    OPT_CHECK_NOT_NULL(&t->error, fn, rows);
    OPT_FORWARD_IF_ERROR(opt_require_inputs(t, fn));
    OPT_FORWARD_IF_ERROR(opt_require_logits(t, fn));
    opt_mask_out(t->logits_mask, t->logits_rows, mask, rows);
    return OPTIMA_OK;
}
