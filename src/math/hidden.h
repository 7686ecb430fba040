/* Private header: the hidden-state losses (MSE, cosine) of one layer pair, with or
 * without a projection, shared by the stateless functions and the loss handle.
 * Not installed. Shapes are checked by the callers before. */
#ifndef OPT_MATH_HIDDEN_H
#define OPT_MATH_HIDDEN_H

#include <optima/context.h>
#include <optima/tensor.h>

typedef struct opt_hidden_job {
    int32_t kind;                     /* OPTIMA_LOSS_MSE or OPTIMA_LOSS_COSINE */
    const optima_tensor *student;     /* Hs, rows × ds */
    const optima_tensor *teacher;     /* Ht, rows × dt */
    const optima_tensor *projection;  /* P, ds × dt, or NULL (then ds = dt) */
    const uint8_t *mask;              /* NULL or rows bytes */
    double grad_scale;                /* multiplies every gradient (the handle's weights) */
    float *work;                      /* rows × dt floats, needed with a projection */
    float *grad_student;              /* NULL or rows × ds, stride grad_student_stride */
    size_t grad_student_stride;
    float *grad_projection;           /* NULL or ds × dt, stride grad_projection_stride */
    size_t grad_projection_stride;
    int untouched; /* the stateless promise: on failure nothing has been written */
} opt_hidden_job;

/* Compute the value (mean over counted rows, see math.h) and the gradients asked for.
 * Returns 0; -1 when an input, the projected student or a gradient is not finite in
 * float32; -2 when scratch memory for a guarded product cannot be had (only with
 * untouched set). With untouched set nothing has been written on failure; otherwise the
 * gradients are undefined then. Without untouched this never allocates. */
int opt_hidden_loss(const optima_context *ctx, const opt_hidden_job *job, double *value);

#endif /* OPT_MATH_HIDDEN_H */
