/**
 * @file loss.h
 * @brief Distillation loss handles: a student module bound to a teacher module (or the
 *        two prediction layers) with a kind, a weight, a layer mapping and the learned
 *        projections of each mapped layer pair.
 *
 * A layerwise loss has one *pair* per student layer: pair p matches student layer p with
 * teacher layer g(p) of the mapping (mapping.h). A prediction loss (KL) has one pair, the
 * logits. One call to optima_loss_compute() gives the value
 *
 *     value = weight · 1/P · Σ_p w_p · D_p
 *
 * (P pairs, w_p the layer weights, D_p the stateless loss of math.h on pair p) and leaves
 * dvalue/dHs for each pair in buffers the loss owns, valid until the next compute, and
 * dvalue/dP for each projection. The first compute (and any compute with more rows than
 * before) allocates those buffers; later computes never allocate.
 *
 * A pair has a projection P (student width × teacher width) when its widths differ, or
 * for every pair when optima_loss_set_projection_mode() asks for it. Projections start
 * Xavier-initialised with seed 0 and are trained by the host or the trainer through
 * optima_loss_projection() / optima_loss_projection_grad().
 *
 * The loss copies the layer widths it needs at creation: the models may be destroyed or
 * grown afterwards. Thread safety: one loss must not be used from two threads at once.
 */
#ifndef OPTIMA_LOSS_H
#define OPTIMA_LOSS_H

#include "common.h"
#include "context.h"
#include "model.h"
#include "status.h"
#include "tensor.h"

OPTIMA_EXTERN_C_BEGIN

/** @brief Opaque loss handle. */
typedef struct optima_loss optima_loss;

/** @brief Loss kinds. Values are fixed forever. */
enum optima_loss_kind {
    OPTIMA_LOSS_MSE = 1,          /**< Mean squared error of hidden states (optima_mse()). */
    OPTIMA_LOSS_COSINE = 2,       /**< 1 − cosine similarity of hidden states (optima_cosine()). */
    OPTIMA_LOSS_KL = 3,           /**< Temperature-scaled KL of logits (optima_kl()). */
    OPTIMA_LOSS_ATTENTION_MSE = 4 /**< MSE of attention maps; stateless only in 1.0 (optima_attention_mse()). */
};

/** @brief Projection initialisers. Values are fixed forever. */
enum optima_projection_init {
    OPTIMA_INIT_XAVIER = 1,   /**< Uniform in ±√(6/(ds+dt)), from the library generator and a seed. */
    OPTIMA_INIT_IDENTITY = 2, /**< P_ij = 1 when i = j, else 0 (rectangular identity). */
    OPTIMA_INIT_ZERO = 3      /**< All zeros. */
};

/** @brief When a pair gets a projection. Values are fixed forever. */
enum optima_projection_mode {
    OPTIMA_PROJECTION_WHEN_NEEDED = 1, /**< Only pairs whose widths differ (the default). */
    OPTIMA_PROJECTION_ALWAYS = 2       /**< Every pair, even of equal widths. */
};

/**
 * @brief Create a layerwise loss between a student module and a teacher module.
 *
 * Defaults: weight 1, every layer weight 1, ::OPTIMA_MAPPING_UNIFORM,
 * ::OPTIMA_PROJECTION_WHEN_NEEDED, projections Xavier with seed 0.
 *
 * @param ctx the context; borrowed: it must outlive the loss.
 * @param kind ::OPTIMA_LOSS_MSE or ::OPTIMA_LOSS_COSINE.
 * @param student the student model; only read during the call.
 * @param student_module index of a student module with at least one layer.
 * @param teacher the teacher model; only read during the call.
 * @param teacher_module index of a teacher module with at least one layer.
 * @param[out] out receives the loss; untouched on failure.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument, an unknown kind or a module
 *         without layers; `OPTIMA_EUNSUPPORTED` for ::OPTIMA_LOSS_KL (use
 *         optima_loss_create_prediction()) or ::OPTIMA_LOSS_ATTENTION_MSE;
 *         `OPTIMA_ENOTFOUND` for a module index out of range; `OPTIMA_ENOMEM`.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_create(
    optima_context *ctx, int32_t kind, const optima_model *student, size_t student_module,
    const optima_model *teacher, size_t teacher_module, optima_loss **out);

/**
 * @brief Create the prediction-layer loss (::OPTIMA_LOSS_KL on logits, one pair).
 *
 * Defaults: weight 1, temperature 1.
 *
 * @param ctx the context; borrowed: it must outlive the loss.
 * @param student the student model; must declare its logits width.
 * @param teacher the teacher model; must declare the same logits width.
 * @param[out] out receives the loss; untouched on failure.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument or a model without logits;
 *         `OPTIMA_ESHAPE` when the widths differ; `OPTIMA_ENOMEM`.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_create_prediction(
    optima_context *ctx, const optima_model *student, const optima_model *teacher,
    optima_loss **out);

/**
 * @brief Destroy a loss and everything it owns (projections, gradients, workspaces).
 * @param loss the loss, or NULL (then nothing happens).
 */
OPTIMA_API void optima_loss_destroy(optima_loss *loss);

/**
 * @brief Read the loss's kind.
 * @param loss the loss.
 * @param[out] kind receives one of ::optima_loss_kind.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_get_kind(const optima_loss *loss,
                                                               int32_t *kind);

/**
 * @brief Set the loss's weight (its α in the objective). Default 1.
 * @param loss the loss.
 * @param weight finite and ≥ 0.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL loss or a weight out of range.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_set_weight(optima_loss *loss,
                                                                 double weight);

/**
 * @brief Read the weight set with optima_loss_set_weight().
 * @param loss the loss.
 * @param[out] weight receives the weight.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_get_weight(const optima_loss *loss,
                                                                 double *weight);

/**
 * @brief Set the weight w_p of pair @p pair. Default 1 for every pair; reset to 1 when
 *        the mapping changes.
 * @param loss the loss.
 * @param pair a pair index, below optima_loss_pair_count().
 * @param weight finite and ≥ 0.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL loss or a weight out of range;
 *         `OPTIMA_ENOTFOUND` for a pair out of range.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_set_layer_weight(optima_loss *loss,
                                                                       size_t pair,
                                                                       double weight);

/**
 * @brief Read the weight w_p of pair @p pair (since 1.1). Also on a loss owned by a
 *        frozen trainer.
 * @param loss the loss.
 * @param pair a pair index, below optima_loss_pair_count().
 * @param[out] weight receives w_p (1 unless set since the last mapping change).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ENOTFOUND` for a pair
 *         out of range.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_get_layer_weight(const optima_loss *loss,
                                                                       size_t pair,
                                                                       double *weight);

/**
 * @brief Set the temperature of a KL loss. Default 1.
 * @param loss a loss made by optima_loss_create_prediction().
 * @param temperature finite, in [::OPTIMA_TEMPERATURE_MIN, ::OPTIMA_TEMPERATURE_MAX].
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL loss or a temperature out of range;
 *         `OPTIMA_ESTATE` for a loss that is not a KL loss.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_set_temperature(optima_loss *loss,
                                                                      double temperature);

/**
 * @brief Read the temperature (1 for losses other than KL).
 * @param loss the loss.
 * @param[out] temperature receives the temperature.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_get_temperature(const optima_loss *loss,
                                                                      double *temperature);

/**
 * @brief Choose the layer mapping of a layerwise loss. Default ::OPTIMA_MAPPING_UNIFORM.
 *
 * The pairs' projections are rebuilt (and re-initialised as by the last
 * optima_loss_init_projections(), Xavier with seed 0 if never called), layer weights
 * reset to 1 and gradients invalidated. On failure the loss is unchanged.
 *
 * @param loss a layerwise loss.
 * @param style one of ::optima_mapping_style.
 * @param table for ::OPTIMA_MAPPING_EXPLICIT, one teacher layer per student layer;
 *        copied; ignored otherwise (may be NULL).
 * @param table_length number of entries in @p table; must equal the student layer count
 *        for ::OPTIMA_MAPPING_EXPLICIT; ignored otherwise.
 * @return `OPTIMA_OK`; the errors of optima_layer_mapping(); `OPTIMA_ESHAPE` for a table
 *         of the wrong length; `OPTIMA_ESTATE` for a KL loss or a loss owned by a trainer
 *         whose configuration is frozen; `OPTIMA_ENOMEM`.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_set_mapping(optima_loss *loss,
                                                                  int32_t style,
                                                                  const size_t *table,
                                                                  size_t table_length);

/**
 * @brief Read the style of the layer mapping (since 1.1); the table itself reads pair by
 *        pair through optima_loss_pair(). Also on a loss owned by a frozen trainer.
 * @param loss a layerwise loss.
 * @param[out] style receives one of ::optima_mapping_style (default
 *             ::OPTIMA_MAPPING_UNIFORM). optima_loss_set_projection_mode() keeps it.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ESTATE` for a KL loss.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_get_mapping(const optima_loss *loss,
                                                                  int32_t *style);

/**
 * @brief Choose which pairs get a projection. Default ::OPTIMA_PROJECTION_WHEN_NEEDED.
 *        Projections are rebuilt as by optima_loss_set_mapping().
 * @param loss a layerwise loss.
 * @param mode one of ::optima_projection_mode.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL loss or an unknown mode;
 *         `OPTIMA_ESTATE` for a KL loss or a loss owned by a frozen trainer;
 *         `OPTIMA_ENOMEM` (the loss is unchanged).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_set_projection_mode(optima_loss *loss,
                                                                          int32_t mode);

/**
 * @brief Read which pairs get a projection (since 1.1). Also on a loss owned by a frozen
 *        trainer.
 * @param loss a layerwise loss.
 * @param[out] mode receives one of ::optima_projection_mode (default
 *             ::OPTIMA_PROJECTION_WHEN_NEEDED).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ESTATE` for a KL loss.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_get_projection_mode(
    const optima_loss *loss, int32_t *mode);

/**
 * @brief Re-initialise every projection of the loss.
 *
 * Deterministic: pair p is filled from a generator seeded with @p seed + p, row by row.
 * @param loss the loss (a loss without projections accepts the call and does nothing).
 * @param init one of ::optima_projection_init.
 * @param seed used by ::OPTIMA_INIT_XAVIER; ignored otherwise.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL loss or an unknown initialiser;
 *         `OPTIMA_ESTATE` for a loss owned by a trainer whose configuration is frozen (a
 *         trained projection is never re-initialised behind the trainer's back).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_init_projections(optima_loss *loss,
                                                                       int32_t init,
                                                                       uint64_t seed);

/**
 * @brief How many pairs the loss has (student layers, or 1 for a KL loss).
 * @param loss the loss.
 * @param[out] count receives the count.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_pair_count(const optima_loss *loss,
                                                                 size_t *count);

/**
 * @brief The layers pair @p pair matches and their widths.
 * @param loss the loss.
 * @param pair a pair index.
 * @param[out] student_layer receives the student layer index (0 for KL); may be NULL.
 * @param[out] teacher_layer receives the teacher layer index (0 for KL); may be NULL.
 * @param[out] student_width receives the student width (classes for KL); may be NULL.
 * @param[out] teacher_width receives the teacher width (classes for KL); may be NULL.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL loss; `OPTIMA_ENOTFOUND` for a pair out
 *         of range.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_pair(const optima_loss *loss, size_t pair,
                                                           size_t *student_layer,
                                                           size_t *teacher_layer,
                                                           size_t *student_width,
                                                           size_t *teacher_width);

/**
 * @brief The projection of pair @p pair, for the host or an optimizer to read and write.
 *
 * @param loss the loss.
 * @param pair a pair index.
 * @param[out] data receives the ds × dt row-major matrix (row stride dt) owned by the loss,
 *             or NULL when the pair has no projection. Valid until the loss is destroyed or
 *             its mapping or projection mode changes.
 * @param[out] rows receives ds (0 without projection); may be NULL.
 * @param[out] cols receives dt (0 without projection); may be NULL.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL loss or @p data; `OPTIMA_ENOTFOUND` for
 *         a pair out of range.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_projection(optima_loss *loss, size_t pair,
                                                                 float **data, size_t *rows,
                                                                 size_t *cols);

/**
 * @brief The gradient of the last successful optima_loss_compute() wrt the projection of
 *        pair @p pair (already scaled by the weights, like the value).
 *
 * @param loss the loss.
 * @param pair a pair index.
 * @param[out] data receives the ds × dt matrix (row stride dt) owned by the loss, or NULL
 *             when the pair has no projection. Valid until the next compute.
 * @param[out] rows receives ds (0 without projection); may be NULL.
 * @param[out] cols receives dt (0 without projection); may be NULL.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL loss or @p data; `OPTIMA_ENOTFOUND` for
 *         a pair out of range; `OPTIMA_ESTATE` when no compute has succeeded since the
 *         last change (or the last compute failed).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_projection_grad(const optima_loss *loss,
                                                                      size_t pair,
                                                                      const float **data,
                                                                      size_t *rows,
                                                                      size_t *cols);

/**
 * @brief Compute the loss's value and its gradients for one batch.
 *
 * @param loss the loss.
 * @param student `pairs` views: student[p] is the hidden state of the student layer of
 *        pair p (the student logits for KL), rows × student width.
 * @param teacher `pairs` views: teacher[p] is the hidden state of the teacher layer of
 *        pair p (the teacher logits for KL), rows × teacher width.
 * @param pairs number of views in each array; must equal optima_loss_pair_count().
 * @param mask NULL or `rows` bytes, one per row, non-zero for rows that count (math.h).
 * @param[out] value receives weight · 1/P · Σ_p w_p · D_p; may be NULL.
 * @return `OPTIMA_OK`; the errors of the stateless functions (math.h), naming
 *         `student[p]` or `teacher[p]`; `OPTIMA_ESHAPE` for a wrong pair count or views
 *         whose rows differ; `OPTIMA_ENOMEM` when a batch larger than any before needs
 *         bigger buffers. On `OPTIMA_ENONFINITE` (a NaN or infinity in any input or
 *         projection) the value is untouched and the gradients are invalid until the next
 *         successful compute: the accessors refuse them with `OPTIMA_ESTATE`.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_compute(optima_loss *loss,
                                                              const optima_tensor *student,
                                                              const optima_tensor *teacher,
                                                              size_t pairs, const uint8_t *mask,
                                                              double *value);

/**
 * @brief The value D_p of pair @p pair in the last successful compute, before any weight.
 * @param loss the loss.
 * @param pair a pair index.
 * @param[out] value receives D_p.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ENOTFOUND` for a pair
 *         out of range; `OPTIMA_ESTATE` when the last compute did not succeed.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_pair_value(const optima_loss *loss,
                                                                 size_t pair, double *value);

/**
 * @brief The gradient of the last successful compute wrt the student view of pair @p pair.
 *
 * @param loss the loss.
 * @param pair a pair index.
 * @param[out] grad receives a view (rows × student width, its own row stride) of a buffer
 *             owned by the loss, valid until the next compute or the loss's destruction.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ENOTFOUND` for a pair
 *         out of range; `OPTIMA_ESTATE` when the last compute did not succeed.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_loss_student_grad(const optima_loss *loss,
                                                                   size_t pair,
                                                                   optima_tensor *grad);

/**
 * @brief The message of the last call that failed on this loss.
 * @param loss the loss, or NULL.
 * @return a NUL-terminated string owned by the loss; `""` if none failed or @p loss is
 *         NULL. Never NULL.
 */
OPTIMA_API const char *optima_loss_last_error(const optima_loss *loss);

OPTIMA_EXTERN_C_END

#endif /* OPTIMA_LOSS_H */
