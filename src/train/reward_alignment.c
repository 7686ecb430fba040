/* The gradient-alignment reward (OPTIMA_REWARD_SOURCE_ALIGNMENT), after Du et al. (2018,
 * "Adapting auxiliary losses using gradient similarity"): the layerwise loss is an
 * auxiliary loss, and it helps the task where its gradient points the way the task loss's
 * does. The host hands the task loss's gradient at a student hidden state it gave this
 * step; the trainer compares it with the layerwise gradient it computed there.
 *
 * For an active pair m, cos_m is the cosine between the task gradients and the layerwise
 * gradients of its student layers, taken over their concatenation (the sums of
 * ⟨g_task, g_layer⟩, ‖g_task‖², ‖g_layer‖² over the layers; 0 when a norm is 0). A step's
 * alignment is the mean of cos_m over its active pairs (0 when none is active), and the
 * round's base reward the mean of its steps' alignments. One pass over each view: three
 * multiply-adds per element in double, no allocation. */
#include <math.h>
#include <string.h>

#include "trainer_impl.h"

void opt_alignment_reset_step(optima_trainer *t)
{
    memset(&t->reward.step, 0, sizeof t->reward.step);
    for (size_t i = 0; i < t->plan_count; ++i) t->view_given[i] &= (uint8_t)~OPT_VIEW_TASK_GRAD;
}

static size_t opt_student_plan_layers(const optima_trainer *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->plan_count; ++i) n += t->plan[i].side == OPTIMA_SIDE_STUDENT;
    return n;
}

optima_status opt_alignment_check_step(optima_trainer *t, const char *fn)
{
    const size_t needed = opt_student_plan_layers(t);
    OPT_RETURN_ERROR_IF(t->reward.step.layers_given != needed, &t->error, OPTIMA_ESTATE,
                        "%s: rewards come from the gradient alignment, but the task gradient "
                        "of %zu of this step's %zu student layers was not handed in "
                        "(optima_trainer_set_task_grad)", fn,
                        needed - t->reward.step.layers_given, needed);
    return OPTIMA_OK;
}

/* Called once opt_alignment_check_step() passed: every active pair got its gradients. */
double opt_alignment_of_step(const optima_trainer *t)
{
    const opt_alignment_step *s = &t->reward.step;
    double sum = 0.0;
    size_t pairs = 0;
    for (size_t p = 0; p < t->pair_count; ++p) {
        if (!(s->pairs_given >> p & 1u)) continue;
        const double norms = sqrt(s->task_sq[p]) * sqrt(s->layer_sq[p]);
        sum += norms > 0.0 ? s->dot[p] / norms : 0.0;
        pairs += 1;
    }
    return pairs ? sum / (double)pairs : 0.0;
}

static size_t opt_pair_of_student_module(const optima_trainer *t, size_t module)
{
    size_t p = 0;
    while (p < t->pair_count && t->pairs[p].student_module != module) ++p;
    return p;
}

/* ⟨a, b⟩, ‖a‖², ‖b‖² over two views of the same shape, accumulated in double: the sums
 * run over whole hidden states (rows × width), far too long for float. */
static void opt_dot_norms(const optima_tensor *a, const optima_tensor *b, double out[3])
{
    double dot = 0.0, aa = 0.0, bb = 0.0;
    for (size_t r = 0; r < a->rows; ++r) {
        const float *x = a->data + r * a->row_stride, *y = b->data + r * b->row_stride;
        for (size_t c = 0; c < a->cols; ++c) {
            const double u = x[c], v = y[c];
            dot += u * v;
            aa += u * u;
            bb += v * v;
        }
    }
    out[0] = dot;
    out[1] = aa;
    out[2] = bb;
}

/* The task gradient must have the shape of the layerwise gradient it is compared with (the
 * step's views are forgotten at compute, so their row count is that gradient's). */
static optima_status opt_check_task_view(optima_trainer *t, size_t i, const optima_tensor *view,
                                         size_t rows, const char *fn)
{
    const optima_layer_ref *ref = &t->plan[i];
    OPT_RETURN_ERROR_IF(view->data == NULL || view->rows != rows || view->cols != ref->width ||
                            view->row_stride < view->cols,
                        &t->error, OPTIMA_ESHAPE,
                        "%s: argument 'view' for student module %u layer %u is %zu x %zu (row "
                        "stride %zu, data %s); the hidden state is %zu x %u", fn,
                        (unsigned)ref->module, (unsigned)ref->layer, view->rows, view->cols,
                        view->row_stride, view->data ? "set" : "NULL", rows,
                        (unsigned)ref->width);
    OPT_RETURN_ERROR_IF(t->view_given[i] & OPT_VIEW_TASK_GRAD, &t->error, OPTIMA_ESTATE,
                        "%s: the task gradient of student module %u layer %u was already handed "
                        "in this step", fn, (unsigned)ref->module, (unsigned)ref->layer);
    return OPTIMA_OK;
}

optima_status optima_trainer_set_task_grad(optima_trainer *trainer, size_t module, size_t layer,
                                           const optima_tensor *view)
{
    static const char fn[] = "optima_trainer_set_task_grad";
    OPT_CHECK_TRAINER(fn, trainer);
    optima_trainer *t = trainer;
    OPT_FORWARD_IF_ERROR(opt_trainer_require_full(t, fn));
    OPT_CHECK_NOT_NULL(&t->error, fn, view);
    OPT_RETURN_ERROR_IF(t->step_state != OPT_STEP_COMPUTED, &t->error, OPTIMA_ESTATE,
                        "%s: this step has no successful optima_trainer_compute", fn);
    const size_t i = opt_trainer_plan_find(t, OPTIMA_SIDE_STUDENT, module, layer);
    OPT_RETURN_ERROR_IF(i == t->plan_count, &t->error, OPTIMA_ENOTFOUND,
                        "%s: student module %zu layer %zu is not distilled this step (arguments "
                        "'module' and 'layer'; see optima_trainer_plan)", fn, module, layer);
    optima_tensor layer_grad;
    opt_ignore_status(optima_trainer_student_grad(t, module, layer, &layer_grad));
    OPT_FORWARD_IF_ERROR(opt_check_task_view(t, i, view, layer_grad.rows, fn));
    double sums[3];
    opt_dot_norms(view, &layer_grad, sums);
    OPT_RETURN_ERROR_IF(!isfinite(sums[0]) || !isfinite(sums[1]), &t->error, OPTIMA_ENONFINITE,
                        "%s: argument 'view' holds a NaN or an infinity", fn);
    const size_t p = opt_pair_of_student_module(t, module);
    opt_alignment_step *s = &t->reward.step;
    s->dot[p] += sums[0];
    s->task_sq[p] += sums[1];
    s->layer_sq[p] += sums[2];
    s->pairs_given |= 1u << p;
    s->layers_given += 1;
    t->view_given[i] |= OPT_VIEW_TASK_GRAD;
    return OPTIMA_OK;
}

optima_status optima_trainer_get_task_grad(const optima_trainer *trainer, size_t module,
                                           size_t layer, int32_t *given)
{
    static const char fn[] = "optima_trainer_get_task_grad";
    OPT_CHECK_TRAINER(fn, trainer);
    const optima_trainer *t = trainer;
    OPT_CHECK_NOT_NULL(&t->error, fn, given);
    OPT_FORWARD_IF_ERROR(opt_trainer_require_full(t, fn));
    OPT_FORWARD_IF_ERROR(opt_trainer_require_step(t, fn));
    const size_t i = opt_trainer_plan_find(t, OPTIMA_SIDE_STUDENT, module, layer);
    OPT_RETURN_ERROR_IF(i == t->plan_count, &t->error, OPTIMA_ENOTFOUND,
                        "%s: student module %zu layer %zu is not distilled this step (arguments "
                        "'module' and 'layer'; see optima_trainer_plan)", fn, module, layer);
    *given = (t->view_given[i] & OPT_VIEW_TASK_GRAD) != 0;
    return OPTIMA_OK;
}
