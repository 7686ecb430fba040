/* The step API: begin (arm and plan), hand over views, compute, gradients, end. */
#include <math.h>
#include <string.h>

#include "../math/views.h"
#include "trainer_impl.h"

static const char *opt_side_name(uint32_t side)
{
    return side == OPTIMA_SIDE_STUDENT ? "student" : "teacher";
}

int opt_trainer_pair_active(const optima_trainer *t, size_t pair)
{
    return (t->arm_mask >> pair & 1u) && t->pairs[pair].weight > 0.0 && t->alpha_layer > 0.0;
}

/* (1/|A|)·Σ w_m·D_m over the active pairs, in pair order: both modes sum alike. */
double opt_trainer_layer_term(const optima_trainer *t)
{
    size_t active = 0;
    for (size_t p = 0; p < t->pair_count; ++p) active += opt_trainer_pair_active(t, p);
    double layer_term = 0.0;
    for (size_t p = 0; p < t->pair_count; ++p)
        if (opt_trainer_pair_active(t, p))
            layer_term += t->pairs[p].weight / (double)active * t->step_pair_loss[p];
    return layer_term;
}

size_t opt_trainer_plan_find(const optima_trainer *t, uint32_t side, size_t module, size_t layer)
{
    size_t i = 0;
    while (i < t->plan_count && !(t->plan[i].side == side && t->plan[i].module == module &&
                                  t->plan[i].layer == layer))
        ++i;
    return i;
}

static void opt_plan_add(optima_trainer *t, uint32_t side, size_t module, size_t layer)
{
    if (opt_trainer_plan_find(t, side, module, layer) < t->plan_count) return;
    size_t width = 0;
    opt_ignore_status(optima_model_layer_width(side == OPTIMA_SIDE_STUDENT ? t->student : t->teacher, module,
                                   layer, &width));
    optima_layer_ref *r = &t->plan[t->plan_count++];
    r->side = side;
    r->module = (uint32_t)module;
    r->layer = (uint32_t)layer;
    r->width = (uint32_t)width;
}

/* A step's row counts and masks live as long as its views. */
static void opt_forget_rows(optima_trainer *t)
{
    memset(t->pair_rows, 0, sizeof t->pair_rows);
    memset(t->pair_mask, 0, sizeof t->pair_mask);
    t->logits_rows = 0;
    t->logits_mask = NULL;
}

static void opt_build_plan(optima_trainer *t)
{
    t->plan_count = 0;
    for (uint32_t side = OPTIMA_SIDE_STUDENT; side <= OPTIMA_SIDE_TEACHER; ++side) {
        for (size_t p = 0; p < t->pair_count; ++p) {
            if (!opt_trainer_pair_active(t, p)) continue;
            const opt_module_pair *pair = &t->pairs[p];
            for (size_t i = 0; i < pair->layer_pairs; ++i) {
                if (side == OPTIMA_SIDE_STUDENT)
                    opt_plan_add(t, side, pair->student_module, pair->student_layer[i]);
                else
                    opt_plan_add(t, side, pair->teacher_module, pair->teacher_layer[i]);
            }
        }
    }
    memset(t->view_given, 0, t->plan_capacity);
    t->logits_given[0] = t->logits_given[1] = 0;
    opt_forget_rows(t);
    t->reported_mask = 0;
    t->kl_reported = 0;
}

optima_status optima_trainer_begin_step(optima_trainer *t, uint32_t *arm)
{
    static const char fn[] = "optima_trainer_begin_step";
    OPT_CHECK_TRAINER(fn, t);
    const int full = t->mode == OPTIMA_TRAINER_MODE_FULL;
    OPT_RETURN_ERROR_IF(!full && t->reward_source == OPTIMA_REWARD_SOURCE_ALIGNMENT, &t->error,
                        OPTIMA_ESTATE,
                        "%s: the alignment reward source needs the layerwise gradients, which "
                        "the schedule-only mode does not compute", fn);
    OPT_RETURN_ERROR_IF(full && t->optimizer_kind == OPTIMA_OPTIMIZER_HOST && t->projection_fn == NULL,
                        &t->error, OPTIMA_ESTATE,
                        "%s: the projection optimizer is the host's, but no callback is set "
                        "(optima_trainer_set_projection_callback)", fn);
    OPT_FORWARD_IF_ERROR(opt_trainer_freeze(t, fn));
    if (t->round.steps == 0) {
        uint32_t chosen = 0, mask = 0;
        optima_status s = optima_scheduler_select(t->scheduler, &chosen);
        if (s == OPTIMA_OK) s = optima_scheduler_get_arm_mask(t->scheduler, chosen, &mask);
        if (s != OPTIMA_OK) return opt_fail_inner(&t->error, s, fn);
        t->arm = chosen;
        t->arm_mask = mask;
        t->round.first_step = t->steps_done;
    }
    opt_build_plan(t);
    t->step_state = OPT_STEP_BEGUN;
    if (arm != NULL) *arm = t->arm;
    return OPTIMA_OK;
}

optima_status optima_trainer_plan(const optima_trainer *t, const optima_layer_ref **needed,
                                  size_t *count)
{
    static const char fn[] = "optima_trainer_plan";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, needed);
    OPT_CHECK_NOT_NULL(&t->error, fn, count);
    OPT_RETURN_ERROR_IF(t->step_state == OPT_STEP_IDLE, &t->error, OPTIMA_ESTATE,
                        "%s: no step has begun (optima_trainer_begin_step)", fn);
    *needed = t->plan;
    *count = t->plan_count;
    return OPTIMA_OK;
}

optima_status optima_trainer_needs_logits(const optima_trainer *t, int32_t *needed)
{
    static const char fn[] = "optima_trainer_needs_logits";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, needed);
    *needed = t->alpha_pred > 0.0;
    return OPTIMA_OK;
}

optima_status opt_trainer_require_step(const optima_trainer *t, const char *fn)
{
    OPT_RETURN_ERROR_IF(t->step_state == OPT_STEP_IDLE, &t->error, OPTIMA_ESTATE,
                        "%s: no step has begun (optima_trainer_begin_step)", fn);
    return OPTIMA_OK;
}

/* Whether active pair @p p reads the hidden state (side, module, layer). A layer may serve
 * several pairs (one teacher module distilled into two student modules). */
static int opt_pair_reads(const optima_trainer *t, size_t p, uint32_t side, size_t module,
                          size_t layer)
{
    const opt_module_pair *pair = &t->pairs[p];
    const int student = side == OPTIMA_SIDE_STUDENT;
    if (!opt_trainer_pair_active(t, p) ||
        (student ? pair->student_module : pair->teacher_module) != module)
        return 0;
    for (size_t i = 0; i < pair->layer_pairs; ++i)
        if ((student ? pair->student_layer[i] : pair->teacher_layer[i]) == layer) return 1;
    return 0;
}

/* The views of one pair share a row count, which its first view or its mask sets; other
 * pairs and the logits have their own. */
static optima_status opt_check_pair_rows(optima_trainer *t, const optima_tensor *view,
                                         uint32_t side, size_t module, size_t layer,
                                         const char *what, const char *fn)
{
    for (size_t p = 0; p < t->pair_count; ++p) {
        if (!opt_pair_reads(t, p, side, module, layer)) continue;
        OPT_RETURN_ERROR_IF(t->pair_rows[p] != 0 && view->rows != t->pair_rows[p], &t->error,
                            OPTIMA_ESHAPE,
                            "%s: argument 'view' for %s has %zu rows, pair %zu has %zu (set by "
                            "its other views or its row mask)",
                            fn, what, view->rows, p, t->pair_rows[p]);
    }
    for (size_t p = 0; p < t->pair_count; ++p)
        if (opt_pair_reads(t, p, side, module, layer)) t->pair_rows[p] = view->rows;
    return OPTIMA_OK;
}

/* The faults of a view get the statuses the math gives them (views.c: NULL data and a
 * short row stride EINVAL, no rows ESHAPE, an extent beyond memory EOVERFLOW); then the
 * width and the step's row count must fit. */
static optima_status opt_check_step_view(optima_trainer *t, const optima_tensor *view, size_t width,
                                         const char *what, const char *fn)
{
    const optima_status s = opt_check_view(NULL, fn, "view", view);
    if (s != OPTIMA_OK)
        return opt_fail(&t->error, s, "%s (the view for %s)", optima_last_error(), what);
    OPT_RETURN_ERROR_IF(view->cols != width, &t->error, OPTIMA_ESHAPE,
                        "%s: argument 'view' for %s has %zu columns, expected %zu", fn, what,
                        view->cols, width);
    return OPTIMA_OK;
}

optima_status optima_trainer_set_hidden(optima_trainer *t, int32_t side, size_t module,
                                        size_t layer, const optima_tensor *view)
{
    static const char fn[] = "optima_trainer_set_hidden";
    OPT_CHECK_TRAINER(fn, t);
    OPT_FORWARD_IF_ERROR(opt_trainer_require_full(t, fn));
    OPT_CHECK_NOT_NULL(&t->error, fn, view);
    OPT_FORWARD_IF_ERROR(opt_trainer_check_side(t, side, fn));
    OPT_FORWARD_IF_ERROR(opt_trainer_require_step(t, fn));
    const optima_model *model = side == OPTIMA_SIDE_STUDENT ? t->student : t->teacher;
    const char *module_name = "";
    opt_ignore_status(optima_model_module_name(model, module, &module_name));
    const size_t i = opt_trainer_plan_find(t, (uint32_t)side, module, layer);
    OPT_RETURN_ERROR_IF(i == t->plan_count, &t->error, OPTIMA_ENOTFOUND,
                        "%s: %s module %zu ('%s') layer %zu is not needed this step", fn,
                        opt_side_name((uint32_t)side), module, module_name, layer);
    char what[OPTIMA_NAME_MAX + 64];
    snprintf(what, sizeof what, "%s module '%s' layer %zu", opt_side_name((uint32_t)side),
             module_name, layer);
    OPT_FORWARD_IF_ERROR(opt_check_step_view(t, view, t->plan[i].width, what, fn));
    OPT_FORWARD_IF_ERROR(opt_check_pair_rows(t, view, (uint32_t)side, module, layer, what, fn));
    t->views[i] = *view;
    t->view_given[i] |= OPT_VIEW_HIDDEN;
    if (t->step_state == OPT_STEP_COMPUTED) t->step_state = OPT_STEP_BEGUN;
    return OPTIMA_OK;
}

optima_status optima_trainer_set_logits(optima_trainer *t, int32_t side, const optima_tensor *view)
{
    static const char fn[] = "optima_trainer_set_logits";
    OPT_CHECK_TRAINER(fn, t);
    OPT_FORWARD_IF_ERROR(opt_trainer_require_full(t, fn));
    OPT_CHECK_NOT_NULL(&t->error, fn, view);
    OPT_FORWARD_IF_ERROR(opt_trainer_check_side(t, side, fn));
    OPT_FORWARD_IF_ERROR(opt_trainer_require_step(t, fn));
    OPT_RETURN_ERROR_IF(t->alpha_pred <= 0.0, &t->error, OPTIMA_ESTATE,
                        "%s: no logits are needed (alpha_pred is 0)", fn);
    const char *what = side == OPTIMA_SIDE_STUDENT ? "the student logits" : "the teacher logits";
    OPT_FORWARD_IF_ERROR(opt_check_step_view(t, view, t->logits_width, what, fn));
    OPT_RETURN_ERROR_IF(t->logits_rows != 0 && view->rows != t->logits_rows, &t->error,
                        OPTIMA_ESHAPE,
                        "%s: argument 'view' for %s has %zu rows, the logits have %zu (set by "
                        "the other model's logits or the logits mask)",
                        fn, what, view->rows, t->logits_rows);
    t->logits_rows = view->rows;
    t->logits[side] = *view;
    t->logits_given[side] = 1;
    if (t->step_state == OPT_STEP_COMPUTED) t->step_state = OPT_STEP_BEGUN;
    return OPTIMA_OK;
}

/* A mask covers @p rows rows; it sets the row count its views must have, or must match the
 * one they set. NULL clears it (every row counts). */
static optima_status opt_take_mask(optima_trainer *t, const uint8_t *mask, size_t rows,
                                   size_t *step_rows, const uint8_t **slot, const char *whose,
                                   const char *fn)
{
    if (mask != NULL) {
        OPT_RETURN_ERROR_IF(rows == 0, &t->error, OPTIMA_ESHAPE,
                            "%s: argument 'rows' is 0: a mask has one byte per row of %s", fn,
                            whose);
        OPT_RETURN_ERROR_IF(*step_rows != 0 && rows != *step_rows, &t->error, OPTIMA_ESHAPE,
                            "%s: argument 'rows' is %zu, the views of %s have %zu rows", fn,
                            rows, whose, *step_rows);
        *step_rows = rows;
    }
    *slot = mask;
    if (t->step_state == OPT_STEP_COMPUTED) t->step_state = OPT_STEP_BEGUN;
    return OPTIMA_OK;
}

optima_status optima_trainer_set_row_mask(optima_trainer *t, size_t pair, const uint8_t *mask,
                                          size_t rows)
{
    static const char fn[] = "optima_trainer_set_row_mask";
    OPT_CHECK_TRAINER(fn, t);
    OPT_FORWARD_IF_ERROR(opt_trainer_require_full(t, fn));
    OPT_FORWARD_IF_ERROR(opt_trainer_check_pair(t, pair, fn));
    OPT_FORWARD_IF_ERROR(opt_trainer_require_step(t, fn));
    char whose[32];
    snprintf(whose, sizeof whose, "pair %zu", pair);
    return opt_take_mask(t, mask, rows, &t->pair_rows[pair], &t->pair_mask[pair], whose, fn);
}

optima_status optima_trainer_set_logits_mask(optima_trainer *t, const uint8_t *mask, size_t rows)
{
    static const char fn[] = "optima_trainer_set_logits_mask";
    OPT_CHECK_TRAINER(fn, t);
    OPT_FORWARD_IF_ERROR(opt_trainer_require_full(t, fn));
    OPT_FORWARD_IF_ERROR(opt_trainer_require_step(t, fn));
    OPT_RETURN_ERROR_IF(t->alpha_pred <= 0.0, &t->error, OPTIMA_ESTATE,
                        "%s: no logits are needed (alpha_pred is 0)", fn);
    return opt_take_mask(t, mask, rows, &t->logits_rows, &t->logits_mask, "the logits", fn);
}

static optima_status opt_check_all_given(optima_trainer *t, const char *fn)
{
    for (size_t i = 0; i < t->plan_count; ++i) {
        if (t->view_given[i] & OPT_VIEW_HIDDEN) continue;
        const optima_layer_ref *r = &t->plan[i];
        const char *name = "";
        opt_ignore_status(optima_model_module_name(r->side == OPTIMA_SIDE_STUDENT ? t->student : t->teacher,
                                       r->module, &name));
        return opt_fail(&t->error, OPTIMA_ESTATE,
                        "%s: the hidden state of %s module %u ('%s') layer %u was not given "
                        "(optima_trainer_set_hidden)", fn, opt_side_name(r->side),
                        (unsigned)r->module, name, (unsigned)r->layer);
    }
    if (t->alpha_pred > 0.0) {
        OPT_RETURN_ERROR_IF(!t->logits_given[OPTIMA_SIDE_STUDENT], &t->error, OPTIMA_ESTATE,
                            "%s: the student logits were not given (optima_trainer_set_logits)", fn);
        OPT_RETURN_ERROR_IF(!t->logits_given[OPTIMA_SIDE_TEACHER], &t->error, OPTIMA_ESTATE,
                            "%s: the teacher logits were not given (optima_trainer_set_logits)", fn);
    }
    return OPTIMA_OK;
}

/* The plan lists every layer of every active pair, so the lookup always finds it. */
static const optima_tensor *opt_find_view(const optima_trainer *t, uint32_t side, size_t module,
                                          size_t layer)
{
    return &t->views[opt_trainer_plan_find(t, side, module, layer)];
}

/* Compute one active pair with its weight scaled into the objective, so the loss's own
 * gradient buffers are the final gradients (no copy). */
static optima_status opt_compute_pair(optima_trainer *t, size_t p, double scale, double *loss,
                                      const char *fn)
{
    opt_module_pair *pair = &t->pairs[p];
    for (size_t i = 0; i < pair->layer_pairs; ++i) {
        t->student_args[i] =
            *opt_find_view(t, OPTIMA_SIDE_STUDENT, pair->student_module, pair->student_layer[i]);
        t->teacher_args[i] =
            *opt_find_view(t, OPTIMA_SIDE_TEACHER, pair->teacher_module, pair->teacher_layer[i]);
    }
    double value = 0.0;
    optima_status s = optima_loss_set_weight(pair->loss, scale);
    if (s == OPTIMA_OK)
        s = optima_loss_compute(pair->loss, t->student_args, t->teacher_args, pair->layer_pairs,
                                t->pair_mask[p], &value);
    if (s != OPTIMA_OK)
        return opt_fail(&t->error, s, "%s: pair %zu: %s", fn, p, optima_loss_last_error(pair->loss));
    *loss = value / scale;
    return OPTIMA_OK;
}

static optima_status opt_compute_prediction(optima_trainer *t, const char *fn)
{
    t->step_kl = 0.0;
    if (t->alpha_pred <= 0.0) return OPTIMA_OK;
    double value = 0.0;
    optima_status s = optima_loss_set_weight(t->prediction, t->alpha_pred);
    if (s == OPTIMA_OK)
        s = optima_loss_compute(t->prediction, &t->logits[OPTIMA_SIDE_STUDENT],
                                &t->logits[OPTIMA_SIDE_TEACHER], 1, t->logits_mask, &value);
    if (s != OPTIMA_OK)
        return opt_fail(&t->error, s, "%s: prediction KL: %s", fn,
                        optima_loss_last_error(t->prediction));
    t->step_kl = value / t->alpha_pred;
    return OPTIMA_OK;
}

/* The host promised its views only until compute returns: forget them, so that nothing
 * a later call reads can have been freed. */
/* One row count per rank for the data-parallel weights: the logits' rows when they were
 * given, else the first pair's. Exact when each rank holds the same share of every pair's
 * rows (the usual even split of a global batch); docs/scaling.md says so. */
static size_t opt_step_rows(const optima_trainer *t)
{
    if (t->logits_rows != 0) return t->logits_rows;
    for (size_t p = 0; p < t->pair_count; ++p)
        if (t->pair_rows[p] != 0) return t->pair_rows[p];
    return 0;
}

static void opt_forget_views(optima_trainer *t)
{
    memset(t->view_given, 0, t->plan_capacity);
    memset(t->views, 0, t->plan_capacity * sizeof *t->views);
    memset(t->logits, 0, sizeof t->logits);
    t->logits_given[0] = t->logits_given[1] = 0;
    opt_forget_rows(t);
}

static optima_status opt_compute_step(optima_trainer *t, double *total, const char *fn)
{
    OPT_FORWARD_IF_ERROR(opt_check_all_given(t, fn));
    t->step_state = OPT_STEP_BEGUN; /* until every loss succeeds */
    opt_alignment_reset_step(t);    /* the layerwise gradients are about to change */
    OPT_FORWARD_IF_ERROR(opt_compute_prediction(t, fn));
    size_t active = 0;
    for (size_t p = 0; p < t->pair_count; ++p) active += opt_trainer_pair_active(t, p);
    for (size_t p = 0; p < t->pair_count; ++p) {
        t->step_pair_loss[p] = 0.0;
        if (!opt_trainer_pair_active(t, p)) continue;
        const double w = t->pairs[p].weight / (double)active;
        OPT_FORWARD_IF_ERROR(opt_compute_pair(t, p, t->alpha_layer * w, &t->step_pair_loss[p], fn));
    }
    t->step_layer_term = opt_trainer_layer_term(t);
    t->step_state = OPT_STEP_COMPUTED;
    if (total != NULL) *total = t->alpha_pred * t->step_kl + t->alpha_layer * t->step_layer_term;
    return OPTIMA_OK;
}

optima_status optima_trainer_compute(optima_trainer *t, double *total)
{
    static const char fn[] = "optima_trainer_compute";
    OPT_CHECK_TRAINER(fn, t);
    OPT_FORWARD_IF_ERROR(opt_trainer_require_full(t, fn));
    OPT_FORWARD_IF_ERROR(opt_trainer_require_step(t, fn));
    const optima_status s = opt_compute_step(t, total, fn);
    t->step_rows = opt_step_rows(t); /* a rank's weight when the ranks sum statistics */
    opt_forget_views(t);
    return s;
}

static optima_status opt_require_computed(const optima_trainer *t, const char *fn)
{
    OPT_RETURN_ERROR_IF(t->step_state != OPT_STEP_COMPUTED, &t->error, OPTIMA_ESTATE,
                        "%s: this step has no successful optima_trainer_compute", fn);
    return OPTIMA_OK;
}

optima_status optima_trainer_losses(const optima_trainer *t, double *kl, double *layer_term)
{
    static const char fn[] = "optima_trainer_losses";
    OPT_CHECK_TRAINER(fn, t);
    OPT_FORWARD_IF_ERROR(opt_require_computed(t, fn));
    if (kl != NULL) *kl = t->step_kl;
    if (layer_term != NULL) *layer_term = t->step_layer_term;
    return OPTIMA_OK;
}

optima_status optima_trainer_pair_loss_value(const optima_trainer *t, size_t pair, double *loss,
                                             int32_t *active)
{
    static const char fn[] = "optima_trainer_pair_loss_value";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, loss);
    OPT_FORWARD_IF_ERROR(opt_trainer_check_pair(t, pair, fn));
    OPT_FORWARD_IF_ERROR(opt_require_computed(t, fn));
    *loss = t->step_pair_loss[pair];
    if (active != NULL) *active = opt_trainer_pair_active(t, pair);
    return OPTIMA_OK;
}

static void opt_empty_view(optima_tensor *v)
{
    memset(v, 0, sizeof *v);
}

optima_status optima_trainer_student_grad(const optima_trainer *t, size_t module, size_t layer,
                                          optima_tensor *grad)
{
    static const char fn[] = "optima_trainer_student_grad";
    OPT_CHECK_TRAINER(fn, t);
    OPT_FORWARD_IF_ERROR(opt_trainer_require_full(t, fn));
    OPT_CHECK_NOT_NULL(&t->error, fn, grad);
    size_t layers = 0;
    const optima_status s = optima_model_layer_count(t->student, module, &layers);
    OPT_RETURN_ERROR_IF(s != OPTIMA_OK || layer >= layers, &t->error, OPTIMA_ENOTFOUND,
                        "%s: the student has no module %zu layer %zu", fn, module, layer);
    OPT_FORWARD_IF_ERROR(opt_require_computed(t, fn));
    for (size_t p = 0; p < t->pair_count; ++p) {
        const opt_module_pair *pair = &t->pairs[p];
        if (pair->student_module != module || !opt_trainer_pair_active(t, p)) continue;
        for (size_t i = 0; i < pair->layer_pairs; ++i)
            if (pair->student_layer[i] == layer) return optima_loss_student_grad(pair->loss, i, grad);
    }
    opt_empty_view(grad);
    return OPTIMA_OK;
}

optima_status optima_trainer_logits_grad(const optima_trainer *t, optima_tensor *grad)
{
    static const char fn[] = "optima_trainer_logits_grad";
    OPT_CHECK_TRAINER(fn, t);
    OPT_FORWARD_IF_ERROR(opt_trainer_require_full(t, fn));
    OPT_CHECK_NOT_NULL(&t->error, fn, grad);
    OPT_FORWARD_IF_ERROR(opt_require_computed(t, fn));
    if (t->alpha_pred <= 0.0) {
        opt_empty_view(grad);
        return OPTIMA_OK;
    }
    return optima_loss_student_grad(t->prediction, 0, grad);
}

optima_status optima_trainer_submit_evaluation(optima_trainer *t, double loss)
{
    static const char fn[] = "optima_trainer_submit_evaluation";
    OPT_CHECK_TRAINER(fn, t);
    OPT_RETURN_ERROR_IF(!isfinite(loss), &t->error, OPTIMA_ENONFINITE,
                        "%s: argument 'loss' is not finite", fn);
    /* Before the first step begins: once it has, the evaluation is the first round's. */
    if (t->steps_done == 0 && t->rounds_done == 0 && t->round.steps == 0 &&
        t->step_state == OPT_STEP_IDLE) {
        t->has_previous = 1; /* the baseline L̄_0, not the first round's reference */
        t->previous_reference = loss;
        return OPTIMA_OK;
    }
    t->has_evaluation = 1;
    t->evaluation = loss;
    return OPTIMA_OK;
}

/* ---- ending a step: the projections learn ---------------------------------------------- */

static optima_status opt_update_projections(optima_trainer *t, const char *fn)
{
    for (size_t p = 0; p < t->pair_count; ++p) {
        if (!opt_trainer_pair_active(t, p)) continue;
        opt_module_pair *pair = &t->pairs[p];
        pair->updates += 1;
        for (size_t i = 0; i < pair->layer_pairs; ++i) {
            if (pair->projection_size[i] == 0) continue;
            float *param = NULL;
            const float *grad = NULL;
            size_t rows = 0, cols = 0;
            opt_ignore_status(optima_loss_projection(pair->loss, i, &param, &rows, &cols));
            opt_ignore_status(optima_loss_projection_grad(pair->loss, i, &grad, NULL, NULL));
            grad = opt_reduce_projection_grad(t, p, i, grad);
            if (t->optimizer_kind != OPTIMA_OPTIMIZER_HOST) {
                opt_optimizer_update(&t->optimizer, param, grad, pair->optimizer_state[i],
                                     pair->projection_size[i], pair->updates);
                continue;
            }
            const int code = t->projection_fn(t->projection_user, (uint32_t)p, (uint32_t)i, param,
                                              grad, rows, cols);
            if (code != 0) {
                t->callback_code = code;
                return opt_fail(&t->error, OPTIMA_ECALLBACK,
                                "%s: the projection callback returned %d for pair %zu layer pair %zu",
                                fn, code, p, i);
            }
        }
    }
    return OPTIMA_OK;
}

/* end_step takes the task loss alone. A true total (task + distillation) cannot be told
 * from a task loss in one step, but a value at or below the distillation loss just
 * computed suggests compute's own `total` (distillation only) or a part of it was passed:
 * say so, once per trainer, since the rewards would then follow the wrong loss. */
static void opt_warn_task_loss(optima_trainer *t, double task_loss)
{
    const double distillation = t->alpha_pred * t->step_kl + t->alpha_layer * t->step_layer_term;
    if (t->total_warned || !(distillation > 0.0) || task_loss > distillation) return;
    t->total_warned = 1;
    opt_log(t->ctx, OPTIMA_LOG_WARN,
            "optima_trainer_end_step: argument 'task_loss' (%g) is at or below this step's "
            "distillation loss (%g): end_step takes the task loss alone (the trainer adds "
            "alpha_pred * KL itself), not compute's total nor a sum with it; the rewards follow "
            "this value (warned once)", task_loss, distillation);
}

optima_status optima_trainer_end_step(optima_trainer *t, double task_loss, int32_t *round_ended)
{
    static const char fn[] = "optima_trainer_end_step";
    OPT_CHECK_TRAINER(fn, t);
    if (t->mode == OPTIMA_TRAINER_MODE_SCHEDULE_ONLY)
        OPT_FORWARD_IF_ERROR(opt_trainer_take_reports(t, fn));
    else
        OPT_RETURN_ERROR_IF(t->step_state != OPT_STEP_COMPUTED, &t->error, OPTIMA_ESTATE,
                            "%s: this step has no successful optima_trainer_compute", fn);
    OPT_RETURN_ERROR_IF(!isfinite(task_loss), &t->error, OPTIMA_ENONFINITE,
                        "%s: argument 'task_loss' is not finite", fn);
    /* Bounded so that a round's sum of references stays finite (and with it every reward). */
    const double reference = task_loss + t->alpha_pred * t->step_kl;
    OPT_RETURN_ERROR_IF(!(fabs(reference) <= OPTIMA_TRAINER_MAX_ABS_REFERENCE), &t->error,
                        OPTIMA_EINVAL,
                        "%s: argument 'task_loss' (%g) makes the reference loss (task + alpha_pred "
                        "* KL) %g, beyond +-%g", fn, task_loss, reference,
                        OPTIMA_TRAINER_MAX_ABS_REFERENCE);
    opt_warn_task_loss(t, task_loss);
    int ends = 0;
    double reward = 0.0, global = reference;
    OPT_FORWARD_IF_ERROR(opt_reduce_step(t, &global, fn));
    optima_status s = opt_trainer_round_reward(t, global, &ends, &reward, fn);
    if (s == OPTIMA_OK && t->mode == OPTIMA_TRAINER_MODE_FULL) s = opt_update_projections(t, fn);
    if (s != OPTIMA_OK) {
        opt_reduce_undo(t);
        return s;
    }
    opt_reduce_commit(t);
    opt_trainer_count_step(t, global, ends, reward);
    t->step_state = OPT_STEP_IDLE;
    if (round_ended != NULL) *round_ended = ends;
    return OPTIMA_OK;
}
