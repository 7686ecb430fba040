/* The stateless losses of math.h: check every argument, borrow scratch memory from the
 * context, run the kernels, and write gradients only once the inputs are known finite. */
#include <optima/math.h>

#include <math.h>

#include <optima/loss.h>

#include "../core/checked.h"
#include "../core/context_impl.h"
#include "hidden.h"
#include "rowloss.h"
#include "views.h"

/* Name the first non-finite input in the message (only on the failure path). */
static optima_status opt_fail_nonfinite(const char *fn, const optima_tensor *a, const char *an,
                                        const optima_tensor *b, const char *bn,
                                        const optima_tensor *c, const char *cn)
{
    const char *which = !opt_view_finite(a) ? an
                        : !opt_view_finite(b) ? bn
                        : (c != NULL && !opt_view_finite(c)) ? cn
                                                             : NULL;
    if (which == NULL)
        return opt_fail(NULL, OPTIMA_ENONFINITE,
                        "%s: the result or its gradient overflows float32 (arguments '%s' and "
                        "'%s' are too large; nothing was written)", fn, an, bn);
    return opt_fail(NULL, OPTIMA_ENONFINITE,
                    "%s: argument '%s' holds a NaN or an infinity (nothing was written)", fn,
                    which);
}

/* rows × cols floats of scratch, or NULL with the thread's message set. Not zeroed: every
 * user writes it before reading it (the projection's product with β = 0, which BLIS
 * never reads; KL's exponentials and row maxima), and zeroing the 12 MB of a projected
 * 4096 × 768 batch cost 0.9 ms a call. */
static float *opt_scratch(const optima_context *ctx, const char *fn, size_t rows, size_t cols,
                          optima_status *status)
{
    size_t count, bytes;
    if (opt_mul_overflows(rows, cols, &count) ||
        opt_mul_overflows(count, sizeof(float), &bytes)) {
        *status = opt_fail(NULL, OPTIMA_EOVERFLOW, "%s: scratch of %zu × %zu floats does not "
                           "fit in memory", fn, rows, cols);
        return NULL;
    }
    float *p = opt_alloc(ctx, bytes);
    if (p == NULL)
        *status = opt_fail(NULL, OPTIMA_ENOMEM, "%s: cannot allocate %zu floats of scratch",
                           fn, count);
    return p;
}

static optima_status opt_check_pair_shapes(const char *fn, const optima_tensor *student,
                                           const optima_tensor *teacher,
                                           const optima_tensor *projection)
{
    OPT_FORWARD_IF_ERROR(opt_check_view(NULL, fn, "student", student));
    OPT_FORWARD_IF_ERROR(opt_check_view(NULL, fn, "teacher", teacher));
    OPT_RETURN_ERROR_IF(teacher->rows != student->rows, NULL, OPTIMA_ESHAPE,
                        "%s: argument 'teacher' has %zu rows, 'student' has %zu", fn,
                        teacher->rows, student->rows);
    if (projection == NULL) {
        OPT_RETURN_ERROR_IF(teacher->cols != student->cols, NULL, OPTIMA_ESHAPE,
                            "%s: argument 'teacher' is %zu wide, 'student' %zu: widths that "
                            "differ need a 'projection'", fn, teacher->cols, student->cols);
        return OPTIMA_OK;
    }
    OPT_FORWARD_IF_ERROR(opt_check_view(NULL, fn, "projection", projection));
    OPT_RETURN_ERROR_IF(projection->rows != student->cols || projection->cols != teacher->cols,
                        NULL, OPTIMA_ESHAPE,
                        "%s: argument 'projection' is %zu × %zu, %zu × %zu expected (student "
                        "width × teacher width)", fn, projection->rows, projection->cols,
                        student->cols, teacher->cols);
    return OPTIMA_OK;
}

static optima_status opt_hidden_public(const char *fn, int32_t kind, const optima_context *ctx,
                                       const optima_tensor *student,
                                       const optima_tensor *teacher,
                                       const optima_tensor *projection, const uint8_t *mask,
                                       double *loss, float *grad_student,
                                       size_t grad_student_stride, float *grad_projection,
                                       size_t grad_projection_stride)
{
    OPT_CHECK_NOT_NULL(NULL, fn, ctx);
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_FORWARD_IF_ERROR(opt_check_pair_shapes(fn, student, teacher, projection));
    OPT_RETURN_ERROR_IF(projection == NULL && grad_projection != NULL, NULL, OPTIMA_EINVAL,
                        "%s: argument 'grad_projection' must be NULL without a 'projection'",
                        fn);
    OPT_FORWARD_IF_ERROR(opt_check_output(NULL, fn, "grad_student", grad_student,
                                          grad_student_stride, student->rows, student->cols));
    if (projection != NULL)
        OPT_FORWARD_IF_ERROR(opt_check_output(NULL, fn, "grad_projection", grad_projection,
                                              grad_projection_stride, projection->rows,
                                              projection->cols));
    opt_hidden_job job = {kind, student, teacher, projection, mask, 1.0, NULL,
                          grad_student, grad_student_stride, grad_projection,
                          grad_projection_stride, 1};
    optima_status status = OPTIMA_OK;
    if (projection != NULL) {
        job.work = opt_scratch(ctx, fn, student->rows, teacher->cols, &status);
        if (job.work == NULL) return status;
    }
    double value = 0.0;
    const int bad = opt_hidden_loss(ctx, &job, &value);
    opt_free(ctx, job.work);
    if (bad == -2)
        return opt_fail(NULL, OPTIMA_ENOMEM, "%s: cannot allocate scratch for a gradient "
                        "(nothing was written)", fn);
    if (bad) return opt_fail_nonfinite(fn, student, "student", teacher, "teacher", projection,
                                       "projection");
    *loss = value;
    return OPTIMA_OK;
}

optima_status optima_mse(const optima_context *ctx, const optima_tensor *student,
                         const optima_tensor *teacher, const optima_tensor *projection,
                         const uint8_t *mask, double *loss, float *grad_student,
                         size_t grad_student_stride, float *grad_projection,
                         size_t grad_projection_stride)
{
    return opt_hidden_public("optima_mse", OPTIMA_LOSS_MSE, ctx, student, teacher, projection,
                             mask, loss, grad_student, grad_student_stride, grad_projection,
                             grad_projection_stride);
}

optima_status optima_cosine(const optima_context *ctx, const optima_tensor *student,
                            const optima_tensor *teacher, const optima_tensor *projection,
                            const uint8_t *mask, double *loss, float *grad_student,
                            size_t grad_student_stride, float *grad_projection,
                            size_t grad_projection_stride)
{
    return opt_hidden_public("optima_cosine", OPTIMA_LOSS_COSINE, ctx, student, teacher,
                             projection, mask, loss, grad_student, grad_student_stride,
                             grad_projection, grad_projection_stride);
}

optima_status optima_kl(const optima_context *ctx, const optima_tensor *student_logits,
                        const optima_tensor *teacher_logits, double temperature,
                        const uint8_t *mask, double *loss, float *grad, size_t grad_stride)
{
    static const char fn[] = "optima_kl";
    OPT_CHECK_NOT_NULL(NULL, fn, ctx);
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_FORWARD_IF_ERROR(opt_check_view(NULL, fn, "student_logits", student_logits));
    OPT_FORWARD_IF_ERROR(opt_check_view(NULL, fn, "teacher_logits", teacher_logits));
    OPT_RETURN_ERROR_IF(teacher_logits->rows != student_logits->rows ||
                            teacher_logits->cols != student_logits->cols,
                        NULL, OPTIMA_ESHAPE,
                        "%s: argument 'teacher_logits' is %zu × %zu, 'student_logits' %zu × %zu",
                        fn, teacher_logits->rows, teacher_logits->cols, student_logits->rows,
                        student_logits->cols);
    OPT_FORWARD_IF_ERROR(opt_check_temperature(NULL, fn, temperature));
    OPT_FORWARD_IF_ERROR(opt_check_output(NULL, fn, "grad", grad, grad_stride,
                                          student_logits->rows, student_logits->cols));
    /* Before writing, one read-only pass takes the rows' maxima, which the kernel then
     * reuses instead of taking them itself, and proves every input finite and every
     * zt − zs within range; when it cannot, the value is taken first, without writing. */
    optima_status status = OPTIMA_OK;
    const size_t rows = student_logits->rows, cols = student_logits->cols;
    const size_t work = opt_row_loss_scratch(ctx->threads, rows, cols);
    float *scratch = opt_scratch(ctx, fn, 1, work + (grad != NULL ? 2 * rows : 0), &status);
    if (scratch == NULL) return status;
    const size_t n = opt_mask_count(mask, rows);
    const double inv = n > 0 ? 1.0 / (double)n : 0.0;
    opt_row_job job = {OPTIMA_LOSS_KL, student_logits, teacher_logits, mask,
                       (float)(temperature * inv), NULL, 0, temperature, scratch, NULL};
    double sum = 0.0;
    if (grad != NULL) {
        opt_row_job scan = job;
        scan.kind = OPT_ROW_KL_SCAN;
        scan.maxima = scratch + work;
        if (isfinite(opt_row_loss(&scan, ctx))) job.maxima = scan.maxima;
        else sum = opt_row_loss(&job, ctx);
        job.g = grad;
        job.gs = grad_stride;
    }
    if (isfinite(sum)) sum = opt_row_loss(&job, ctx);
    opt_free(ctx, scratch);
    if (!isfinite(sum))
        return opt_fail_nonfinite(fn, student_logits, "student_logits", teacher_logits,
                                  "teacher_logits", NULL, NULL);
    *loss = temperature * temperature * sum * inv;
    return OPTIMA_OK;
}
