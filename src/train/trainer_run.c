/* The run loop: the step API's stages driven through the host's callbacks. */
#include <string.h>

#include "trainer_impl.h"

/* A caller's table may be shorter (older) or longer (newer) than ours: read only the
 * members its size covers, the rest count as NULL. */
static void opt_read_callbacks(const optima_callbacks *in, optima_callbacks *out)
{
    memset(out, 0, sizeof *out);
    const size_t size = in->struct_size < sizeof *out ? in->struct_size : sizeof *out;
    memcpy(out, in, size);
}

static optima_status opt_check_callbacks(optima_trainer *t, const optima_callbacks *cb,
                                         uint32_t struct_size, const char *fn)
{
    const size_t minimum = offsetof(optima_callbacks, backward) + sizeof cb->backward;
    OPT_RETURN_ERROR_IF(struct_size < minimum, &t->error, OPTIMA_EINVAL,
                        "%s: argument 'callbacks->struct_size' is %u, at least %zu expected", fn,
                        (unsigned)struct_size, minimum);
    OPT_RETURN_ERROR_IF(cb->reserved != 0, &t->error, OPTIMA_EINVAL,
                        "%s: argument 'callbacks->reserved' must be 0", fn);
    OPT_RETURN_ERROR_IF(cb->next_batch == NULL, &t->error, OPTIMA_EINVAL,
                        "%s: argument 'callbacks->next_batch' is NULL", fn);
    OPT_RETURN_ERROR_IF(cb->forward == NULL, &t->error, OPTIMA_EINVAL,
                        "%s: argument 'callbacks->forward' is NULL", fn);
    OPT_RETURN_ERROR_IF(cb->backward == NULL, &t->error, OPTIMA_EINVAL,
                        "%s: argument 'callbacks->backward' is NULL", fn);
    OPT_RETURN_ERROR_IF(t->reward_source == OPTIMA_REWARD_SOURCE_EVALUATION && cb->evaluate == NULL,
                        &t->error, OPTIMA_EINVAL,
                        "%s: argument 'callbacks->evaluate' is NULL, but rewards come from "
                        "evaluation", fn);
    OPT_RETURN_ERROR_IF(t->reward_source == OPTIMA_REWARD_SOURCE_ALIGNMENT &&
                            cb->task_grad == NULL,
                        &t->error, OPTIMA_EINVAL,
                        "%s: argument 'callbacks->task_grad' is NULL, but rewards come from "
                        "the gradient alignment", fn);
    return OPTIMA_OK;
}

/* A callback said stop: forget the step and the round in flight, keep the code. */
static optima_status opt_stopped(optima_trainer *t, int code, const char *which, const char *fn)
{
    t->callback_code = code;
    opt_trainer_forget_round(t);
    return opt_fail(&t->error, OPTIMA_ECALLBACK, "%s: the %s callback returned %d", fn, which, code);
}

static optima_status opt_hand_over_views(optima_trainer *t, int32_t want_logits,
                                         const optima_tensor logits[2])
{
    for (size_t i = 0; i < t->plan_count; ++i) {
        const optima_layer_ref *r = &t->plan[i];
        OPT_FORWARD_IF_ERROR(optima_trainer_set_hidden(t, (int32_t)r->side, r->module, r->layer,
                                                       &t->grads[i]));
    }
    if (!want_logits) return OPTIMA_OK;
    OPT_FORWARD_IF_ERROR(optima_trainer_set_logits(t, OPTIMA_SIDE_STUDENT, &logits[0]));
    return optima_trainer_set_logits(t, OPTIMA_SIDE_TEACHER, &logits[1]);
}

static void opt_collect_grads(optima_trainer *t, optima_tensor *logits_grad)
{
    for (size_t i = 0; i < t->plan_count; ++i) {
        const optima_layer_ref *r = &t->plan[i];
        memset(&t->grads[i], 0, sizeof t->grads[i]);
        if (r->side == OPTIMA_SIDE_STUDENT)
            opt_ignore_status(optima_trainer_student_grad(t, r->module, r->layer, &t->grads[i]));
    }
    opt_ignore_status(optima_trainer_logits_grad(t, logits_grad));
}

/* The alignment reward: the host's task gradients at the student layers, handed over one
 * by one with the step API's checks (t->grads is scratch again once backward returned). */
static optima_status opt_hand_over_task_grads(optima_trainer *t, const optima_callbacks *cb,
                                              void *user, uint64_t step, const char *fn)
{
    memset(t->grads, 0, t->plan_capacity * sizeof *t->grads);
    const int code = cb->task_grad(user, step, t->plan, t->plan_count, t->grads);
    if (code != 0) return opt_stopped(t, code, "task_grad", fn);
    for (size_t i = 0; i < t->plan_count; ++i) {
        const optima_layer_ref *r = &t->plan[i];
        if (r->side == OPTIMA_SIDE_STUDENT)
            OPT_FORWARD_IF_ERROR(optima_trainer_set_task_grad(t, r->module, r->layer, &t->grads[i]));
    }
    return OPTIMA_OK;
}

static optima_status opt_run_step(optima_trainer *t, const optima_callbacks *cb, void *user,
                                  const char *fn)
{
    const uint64_t step = t->steps_done;
    OPT_FORWARD_IF_ERROR(optima_trainer_begin_step(t, NULL));
    int code = cb->next_batch(user, step);
    if (code != 0) return opt_stopped(t, code, "next_batch", fn);

    /* The forward callback fills views into t->grads (reused as scratch) before they are
     * handed over one by one with the step API's own checks. */
    const int32_t want_logits = t->alpha_pred > 0.0;
    optima_tensor logits[2];
    memset(logits, 0, sizeof logits);
    memset(t->grads, 0, t->plan_capacity * sizeof *t->grads);
    code = cb->forward(user, step, t->plan, t->plan_count, t->grads, want_logits, &logits[0],
                       &logits[1]);
    if (code != 0) return opt_stopped(t, code, "forward", fn);
    OPT_FORWARD_IF_ERROR(opt_hand_over_views(t, want_logits, logits));
    OPT_FORWARD_IF_ERROR(optima_trainer_compute(t, NULL));

    optima_tensor logits_grad;
    opt_collect_grads(t, &logits_grad);
    double task_loss = 0.0;
    code = cb->backward(user, step, t->plan, t->grads, t->plan_count, &logits_grad, &task_loss);
    if (code != 0) return opt_stopped(t, code, "backward", fn);
    if (t->reward_source == OPTIMA_REWARD_SOURCE_ALIGNMENT)
        OPT_FORWARD_IF_ERROR(opt_hand_over_task_grads(t, cb, user, step, fn));
    if (cb->optimizer_step != NULL && (code = cb->optimizer_step(user, step)) != 0)
        return opt_stopped(t, code, "optimizer_step", fn);
    if (t->reward_source == OPTIMA_REWARD_SOURCE_EVALUATION && opt_trainer_step_ends_round(t)) {
        double eval = 0.0;
        if ((code = cb->evaluate(user, step, &eval)) != 0) return opt_stopped(t, code, "evaluate", fn);
        OPT_FORWARD_IF_ERROR(optima_trainer_submit_evaluation(t, eval));
    }
    int32_t ended = 0;
    OPT_FORWARD_IF_ERROR(optima_trainer_end_step(t, task_loss, &ended));
    if (ended && cb->round_end != NULL) {
        const opt_round_record *r = opt_trainer_find_record(t, t->rounds_done - 1);
        code = cb->round_end(user, r->round, r->arm, r->reward);
        /* The round is complete and credited; stopping here loses nothing. */
        if (code != 0) {
            t->callback_code = code;
            return opt_fail(&t->error, OPTIMA_ECALLBACK, "%s: the round_end callback returned %d",
                            fn, code);
        }
    }
    return OPTIMA_OK;
}

optima_status optima_trainer_run(optima_trainer *t, const optima_callbacks *callbacks, void *user,
                                 uint64_t steps)
{
    static const char fn[] = "optima_trainer_run";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, callbacks);
    OPT_FORWARD_IF_ERROR(opt_trainer_require_full(t, fn));
    optima_callbacks cb;
    opt_read_callbacks(callbacks, &cb);
    OPT_FORWARD_IF_ERROR(opt_check_callbacks(t, &cb, callbacks->struct_size, fn));
    OPT_FORWARD_IF_ERROR(opt_trainer_freeze(t, fn));
    t->callback_code = 0;
    if (t->reward_source == OPTIMA_REWARD_SOURCE_EVALUATION && !t->has_previous) {
        double baseline = 0.0;
        const int code = cb.evaluate(user, t->steps_done, &baseline);
        if (code != 0) return opt_stopped(t, code, "evaluate", fn);
        OPT_FORWARD_IF_ERROR(optima_trainer_submit_evaluation(t, baseline));
    }
    for (uint64_t i = 0; i < steps; ++i) OPT_FORWARD_IF_ERROR(opt_run_step(t, &cb, user, fn));
    return OPTIMA_OK;
}

optima_status optima_trainer_callback_code(const optima_trainer *t, int32_t *code)
{
    static const char fn[] = "optima_trainer_callback_code";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, code);
    *code = t->callback_code;
    return OPTIMA_OK;
}
