/**
 * @file math.h
 * @brief The distillation losses as stateless functions: value and gradients into
 *        caller buffers. The exact formulas are in docs/losses.md.
 *
 * Common rules:
 * - Inputs are ::optima_tensor views (row-major float32, any `row_stride >= cols`); they
 *   are only read. Sums are accumulated in float64; the value is returned as a double.
 * - `mask` is NULL (every row counts) or an array of `rows` bytes: a row counts when its
 *   byte is non-zero. Means are taken over the rows that count (n = their number); a row
 *   that does not count gets a zero gradient row. When no row counts the value is 0 and
 *   every gradient is zero. Rows that do not count must still hold finite values (zeros,
 *   as padding usually is): they are read by the projection products.
 * - Gradients are overwritten, never accumulated. A gradient pointer may be NULL to skip
 *   that gradient; a non-NULL one must hold `rows` rows of `grad_..._stride` floats
 *   (stride at least the width) and must not overlap the inputs.
 * - Nothing is written unless the whole result is finite: a NaN or infinity in an input,
 *   or a result that overflows float32 (see Range), gives `OPTIMA_ENONFINITE` and leaves
 *   the value and every gradient buffer untouched.
 * - Matrix products run through BLIS with the context's thread count, and the row passes
 *   (the losses' element-wise work) split their rows over as many threads (fewer for
 *   small inputs; the context's worker threads, see context.h). Results are bit-identical for every
 *   thread count: the rows are cut into blocks that depend only on the row count, and
 *   the blocks' sums are added in a fixed order. (BLIS's products are not covered by this
 *   promise: their summation order may change with the thread count.)
 * - Errors: `OPTIMA_EINVAL` for a NULL context, view, data or output pointer, a row
 *   stride below the width or an invalid scalar; `OPTIMA_ESHAPE` for shapes that do not
 *   fit each other or zero rows or columns; `OPTIMA_EOVERFLOW` for a view whose extent
 *   does not fit in memory; `OPTIMA_ENOMEM` when scratch memory cannot be had. The
 *   message names the function and the argument.
 * - Memory: the functions that need scratch memory (those with a projection, and
 *   optima_kl(): 4 × classes floats per thread) allocate it through the context and free
 *   it before returning; use an
 *   ::optima_loss handle (loss.h) for steps that never allocate.
 * - Thread safety: reentrant. The context is only read (its allocator and thread count;
 *   its worker threads serve one call at a time and a concurrent call starts threads of
 *   its own, see context.h) and failures are recorded in the calling thread's slot only (no handle: status.h's
 *   error rule), so several threads may call these functions with one context at once
 *   (its allocator hooks must then be thread-safe, as the C library's are).
 * - Range: Y = Hs·P, the MSE and KL differences Y − Ht and zt − zs, and the gradients
 *   are float32, so inputs large enough to overflow them (beyond about 1e38 in
 *   magnitude, or products that large) give `OPTIMA_ENONFINITE` like a NaN would. A
 *   gradient is refused as overflowing when its bound (for MSE and attention, the
 *   largest factor times the root of the sum of squared differences) exceeds 1.7e38,
 *   half the float32 range. The cosine of finite inputs never overflows.
 */
#ifndef OPTIMA_MATH_H
#define OPTIMA_MATH_H

#include "common.h"
#include "context.h"
#include "status.h"
#include "tensor.h"

OPTIMA_EXTERN_C_BEGIN

/** @brief The floor applied to each vector norm by the cosine loss (see optima_cosine()). */
#define OPTIMA_COSINE_EPSILON 1e-8

/** @brief Smallest temperature optima_kl() accepts. */
#define OPTIMA_TEMPERATURE_MIN 1e-6
/** @brief Largest temperature optima_kl() accepts. */
#define OPTIMA_TEMPERATURE_MAX 1e6

/**
 * @brief Mean squared error between the (projected) student and the teacher.
 *
 * With Y = Hs·P (or Y = Hs without projection):
 * value = 1/(n·dt) · Σ_{rows that count} Σ_j (Y_rj − Ht_rj)². Gradients:
 * G = 2/(n·dt)·(Y − Ht) on counted rows, 0 elsewhere; dHs = G·Pᵀ (or G); dP = Hsᵀ·G.
 *
 * @param ctx the context (allocator, threads); only read.
 * @param student Hs, rows × ds.
 * @param teacher Ht, rows × dt.
 * @param projection P, ds × dt, or NULL for none (then ds must equal dt).
 * @param mask NULL or `rows` bytes (see the file's rules).
 * @param[out] loss receives the value.
 * @param[out] grad_student NULL, or rows × ds floats receiving dvalue/dHs.
 * @param grad_student_stride row stride of @p grad_student, at least ds; ignored when it
 *        is NULL.
 * @param[out] grad_projection NULL, or ds × dt floats receiving dvalue/dP; must be NULL
 *        when @p projection is.
 * @param grad_projection_stride row stride of @p grad_projection, at least dt; ignored
 *        when it is NULL.
 * @return `OPTIMA_OK` or an error listed in the file's rules.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_mse(
    const optima_context *ctx, const optima_tensor *student, const optima_tensor *teacher,
    const optima_tensor *projection, const uint8_t *mask, double *loss, float *grad_student,
    size_t grad_student_stride, float *grad_projection, size_t grad_projection_stride);

/**
 * @brief Mean over rows of one minus the cosine similarity of the (projected) student and
 *        the teacher.
 *
 * With Y = Hs·P (or Hs), per counted row r: c_r = (y·t) / (max(‖y‖, ε)·max(‖t‖, ε)),
 * ε = ::OPTIMA_COSINE_EPSILON; value = 1/n · Σ_r (1 − c_r). The gradient is that of
 * this formula (a row whose norm is below ε is treated as if its norm were ε).
 * Same parameters, projection rules and errors as optima_mse().
 *
 * @param ctx the context; only read.
 * @param student Hs, rows × ds.
 * @param teacher Ht, rows × dt.
 * @param projection P, ds × dt, or NULL (then ds must equal dt).
 * @param mask NULL or `rows` bytes.
 * @param[out] loss receives the value.
 * @param[out] grad_student NULL or rows × ds floats.
 * @param grad_student_stride row stride of @p grad_student.
 * @param[out] grad_projection NULL or ds × dt floats; NULL when @p projection is.
 * @param grad_projection_stride row stride of @p grad_projection.
 * @return `OPTIMA_OK` or an error listed in the file's rules.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_cosine(
    const optima_context *ctx, const optima_tensor *student, const optima_tensor *teacher,
    const optima_tensor *projection, const uint8_t *mask, double *loss, float *grad_student,
    size_t grad_student_stride, float *grad_projection, size_t grad_projection_stride);

/**
 * @brief Temperature-scaled KL divergence between teacher and student predictions.
 *
 * value = T² · 1/n · Σ_{rows that count} KL(softmax(zt/T) ‖ softmax(zs/T)), computed
 * with stable log-softmax; gradient dvalue/dzs = T/n · (softmax(zs/T) − softmax(zt/T)).
 * Allocates 4 × classes floats of scratch per thread (two rows of exponentials) through the context.
 *
 * @param ctx the context; only read.
 * @param student_logits zs, rows × classes.
 * @param teacher_logits zt, rows × classes.
 * @param temperature T, finite, in [::OPTIMA_TEMPERATURE_MIN, ::OPTIMA_TEMPERATURE_MAX].
 * @param mask NULL or `rows` bytes.
 * @param[out] loss receives the value.
 * @param[out] grad NULL or rows × classes floats receiving dvalue/dzs.
 * @param grad_stride row stride of @p grad, at least classes; ignored when it is NULL.
 * @return `OPTIMA_OK` or an error listed in the file's rules.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_kl(const optima_context *ctx,
                                                    const optima_tensor *student_logits,
                                                    const optima_tensor *teacher_logits,
                                                    double temperature, const uint8_t *mask,
                                                    double *loss, float *grad,
                                                    size_t grad_stride);

/**
 * @brief Mean squared error between attention-score maps (TinyBERT style).
 *
 * Each view holds examples × heads × queries rows of `keys` columns: row
 * (e·heads + h)·queries + q is head h, query q of example e. Element (e, h, q, k) counts
 * when `query_mask[e·queries + q]` and `key_mask[e·keys + k]` are non-zero (a NULL mask
 * counts everything). value = 1/N · Σ_{counted} (S − T)², N the number of counted
 * elements; gradient 2/N·(S − T) on counted elements, 0 elsewhere. Elements that do not
 * count are never read, so they may hold anything (such as −∞ from masking).
 * Never allocates.
 *
 * @param ctx the context; only read.
 * @param student S, rows × keys.
 * @param teacher T, rows × keys.
 * @param heads heads per example, at least 1.
 * @param queries queries per head, at least 1; rows must be a multiple of heads × queries.
 * @param query_mask NULL or examples × queries bytes.
 * @param key_mask NULL or examples × keys bytes.
 * @param[out] loss receives the value.
 * @param[out] grad NULL or rows × keys floats receiving dvalue/dS.
 * @param grad_stride row stride of @p grad, at least keys; ignored when it is NULL.
 * @return `OPTIMA_OK` or an error listed in the file's rules (`OPTIMA_ESHAPE` also when
 *         rows is not a multiple of heads × queries).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_attention_mse(
    const optima_context *ctx, const optima_tensor *student, const optima_tensor *teacher,
    size_t heads, size_t queries, const uint8_t *query_mask, const uint8_t *key_mask,
    double *loss, float *grad, size_t grad_stride);

OPTIMA_EXTERN_C_END

#endif /* OPTIMA_MATH_H */
