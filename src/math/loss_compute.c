/* The loss handle's step: check the batch, make sure the row buffers are big enough (the
 * only allocation, and only when a batch is larger than any before), then run each pair
 * straight into the loss-owned gradient buffers. */
#include <math.h>
#include <stdio.h>

#include <optima/math.h>

#include "../core/checked.h"
#include "../core/context_impl.h"
#include "hidden.h"
#include "loss_impl.h"
#include "rowloss.h"
#include "views.h"

static optima_status opt_check_batch(optima_loss *loss, const char *fn,
                                     const optima_tensor *student, const optima_tensor *teacher,
                                     size_t pairs)
{
    OPT_CHECK_NOT_NULL(&loss->error, fn, student);
    OPT_CHECK_NOT_NULL(&loss->error, fn, teacher);
    OPT_RETURN_ERROR_IF(pairs != loss->pair_count, &loss->error, OPTIMA_ESHAPE,
                        "%s: argument 'pairs' is %zu, the loss has %zu pairs", fn, pairs,
                        loss->pair_count);
    char name[32];
    for (size_t p = 0; p < pairs; ++p) {
        const opt_layer_pair *pr = &loss->pairs[p];
        snprintf(name, sizeof name, "student[%zu]", p);
        OPT_FORWARD_IF_ERROR(opt_check_view(&loss->error, fn, name, &student[p]));
        OPT_RETURN_ERROR_IF(student[p].cols != pr->ds || student[p].rows != student[0].rows,
                            &loss->error, OPTIMA_ESHAPE,
                            "%s: argument '%s' is %zu × %zu, %zu × %zu expected", fn, name,
                            student[p].rows, student[p].cols, student[0].rows, pr->ds);
        snprintf(name, sizeof name, "teacher[%zu]", p);
        OPT_FORWARD_IF_ERROR(opt_check_view(&loss->error, fn, name, &teacher[p]));
        OPT_RETURN_ERROR_IF(teacher[p].cols != pr->dt || teacher[p].rows != student[0].rows,
                            &loss->error, OPTIMA_ESHAPE,
                            "%s: argument '%s' is %zu × %zu, %zu × %zu expected", fn, name,
                            teacher[p].rows, teacher[p].cols, student[0].rows, pr->dt);
    }
    return OPTIMA_OK;
}

/* Floats of workspace for @p rows: the projected student of the widest projected pair,
 * or the two exponential rows of KL per thread. */
static int opt_work_floats(const optima_loss *loss, size_t rows, size_t *count)
{
    if (loss->kind == OPTIMA_LOSS_KL) {
        *count = opt_row_loss_scratch(loss->ctx->threads, rows, loss->pairs[0].ds);
        return 0;
    }
    size_t widest = 0;
    for (size_t p = 0; p < loss->pair_count; ++p)
        if (loss->pairs[p].projection != NULL && loss->pairs[p].dt > widest)
            widest = loss->pairs[p].dt;
    return opt_mul_overflows(rows, widest, count);
}

/* Grow every row buffer to @p rows at once (and the workspace, which KL also sizes by
 * the context's threads); on failure the old buffers stay. */
static optima_status opt_reserve_rows(optima_loss *loss, const char *fn, size_t rows)
{
    size_t work = 0;
    const int too_big = opt_work_floats(loss, rows, &work);
    if (!too_big && rows <= loss->row_capacity && work <= loss->work_capacity) return OPTIMA_OK;
    if (rows < loss->row_capacity) {
        rows = loss->row_capacity;
        (void)opt_work_floats(loss, rows, &work); /* fits: it did for these rows before */
    }
    const size_t n = loss->pair_count;
    float **fresh = opt_calloc(loss->ctx, n + 1, sizeof(float *));
    int ok = fresh != NULL && !too_big;
    for (size_t p = 0; ok && p < n; ++p) {
        size_t count;
        ok = !opt_mul_overflows(rows, loss->pairs[p].ds, &count) &&
             (fresh[p] = opt_calloc(loss->ctx, count, sizeof(float))) != NULL;
    }
    if (ok && work > 0) ok = (fresh[n] = opt_calloc(loss->ctx, work, sizeof(float))) != NULL;
    if (!ok) {
        for (size_t p = 0; fresh != NULL && p <= n; ++p) opt_free(loss->ctx, fresh[p]);
        opt_free(loss->ctx, fresh);
        return opt_fail(&loss->error, OPTIMA_ENOMEM, "%s: cannot allocate gradient buffers "
                        "for %zu rows", fn, rows);
    }
    for (size_t p = 0; p < n; ++p) {
        opt_free(loss->ctx, loss->pairs[p].grad_student);
        loss->pairs[p].grad_student = fresh[p];
    }
    opt_free(loss->ctx, loss->work);
    loss->work = fresh[n];
    opt_free(loss->ctx, fresh);
    loss->row_capacity = rows;
    loss->work_capacity = work;
    return OPTIMA_OK;
}

/* D_p of one pair into pr->value, gradients scaled by @p scale; 0 or -1 (non-finite). */
static int opt_run_pair(optima_loss *loss, opt_layer_pair *pr, const optima_tensor *s,
                        const optima_tensor *t, const uint8_t *mask, double scale)
{
    if (loss->kind == OPTIMA_LOSS_KL) {
        const size_t n = opt_mask_count(mask, s->rows);
        const double inv = n > 0 ? 1.0 / (double)n : 0.0, temp = loss->temperature;
        const opt_row_job job = {OPTIMA_LOSS_KL, s, t, mask, (float)(scale * temp * inv),
                                 pr->grad_student, pr->ds, temp, loss->work, NULL};
        const double sum = opt_row_loss(&job, loss->ctx);
        if (!isfinite(sum)) return -1;
        pr->value = temp * temp * sum * inv;
        return 0;
    }
    const optima_tensor proj = {pr->projection, pr->ds, pr->dt, pr->dt};
    const opt_hidden_job job = {loss->kind, s, t, pr->projection != NULL ? &proj : NULL, mask,
                                scale, loss->work, pr->grad_student, pr->ds,
                                pr->grad_projection, pr->dt, 0};
    return opt_hidden_loss(loss->ctx, &job, &pr->value);
}

optima_status optima_loss_compute(optima_loss *loss, const optima_tensor *student,
                                  const optima_tensor *teacher, size_t pairs,
                                  const uint8_t *mask, double *value)
{
    static const char fn[] = "optima_loss_compute";
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_FORWARD_IF_ERROR(opt_check_batch(loss, fn, student, teacher, pairs));
    const size_t rows = student[0].rows;
    OPT_FORWARD_IF_ERROR(opt_reserve_rows(loss, fn, rows));
    loss->grads_valid = 0;
    const double per_pair = loss->weight / (double)pairs;
    double total = 0.0;
    for (size_t p = 0; p < pairs; ++p) {
        opt_layer_pair *pr = &loss->pairs[p];
        OPT_RETURN_ERROR_IF(opt_run_pair(loss, pr, &student[p], &teacher[p], mask,
                                         per_pair * pr->layer_weight) != 0,
                            &loss->error, OPTIMA_ENONFINITE,
                            "%s: pair %zu: argument 'student[%zu]', 'teacher[%zu]' or the "
                            "projection holds a NaN or an infinity; the gradients are invalid",
                            fn, p, p, p);
        total += pr->layer_weight * pr->value;
    }
    loss->last_rows = rows;
    loss->grads_valid = 1;
    if (value != NULL) *value = per_pair * total;
    return OPTIMA_OK;
}
