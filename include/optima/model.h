/**
 * @file model.h
 * @brief Descriptions of networks: a model is a name and an ordered list of modules, a
 *        module a name and an ordered list of layers, each with a hidden width.
 *
 * A host describes its teacher and its student with two models. Models hold no weights:
 * they only say which hidden states exist and how wide they are, so that losses can be
 * bound to modules (see loss.h) and shapes checked.
 *
 * Modules are addressed by their index in the model (0, 1, ... in the order they were
 * added) or found by name; layers by their index in the module. Indices never change:
 * modules and layers are only appended.
 *
 * Thread safety: the const functions may run concurrently on one model; a function that
 * changes a model must not run concurrently with any other use of that model. Where
 * failures are recorded: status.h's error rule, which says how a shared model's message
 * reads under concurrent use.
 */
#ifndef OPTIMA_MODEL_H
#define OPTIMA_MODEL_H

#include "common.h"
#include "context.h"
#include "status.h"

OPTIMA_EXTERN_C_BEGIN

/** @brief Opaque description of a network (teacher or student). */
typedef struct optima_model optima_model;

/** @brief Longest model or module name accepted, in bytes, without the terminating NUL. */
#define OPTIMA_NAME_MAX 255

/** @brief Largest layer width and logits width accepted (2^24). */
#define OPTIMA_WIDTH_MAX 16777216

/**
 * @brief Create an empty model (no modules, no logits).
 *
 * @param ctx the context; borrowed: it must outlive the model.
 * @param name the model's name, 1 to ::OPTIMA_NAME_MAX bytes; copied.
 * @param[out] out receives the model; untouched on failure.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument or a name that is empty or
 *         too long; `OPTIMA_ENOMEM`.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_model_create(optima_context *ctx,
                                                              const char *name,
                                                              optima_model **out);

/**
 * @brief Destroy a model. Losses made from it keep working (they copied what they need).
 * @param model the model, or NULL (then nothing happens).
 */
OPTIMA_API void optima_model_destroy(optima_model *model);

/**
 * @brief The model's name.
 * @param model the model, or NULL.
 * @return a NUL-terminated string owned by the model, valid while the model lives;
 *         `""` for NULL. Never NULL.
 */
OPTIMA_API const char *optima_model_name(const optima_model *model);

/**
 * @brief Append a module (with no layers yet).
 *
 * @param model the model.
 * @param name 1 to ::OPTIMA_NAME_MAX bytes, unique within the model; copied.
 * @param[out] index receives the new module's index; may be NULL.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL model or name, an empty or too long
 *         name, or a name the model already has; `OPTIMA_ENOMEM` (the model is unchanged).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_model_add_module(optima_model *model,
                                                                  const char *name,
                                                                  size_t *index);

/**
 * @brief Append a layer of hidden width @p width to module @p module.
 *
 * @param model the model.
 * @param module a module index, below optima_model_module_count().
 * @param width 1 to ::OPTIMA_WIDTH_MAX.
 * @param[out] layer receives the new layer's index in the module; may be NULL.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL model or a width out of range;
 *         `OPTIMA_ENOTFOUND` for a module index out of range; `OPTIMA_ENOMEM` (the model
 *         is unchanged).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_model_add_layer(optima_model *model,
                                                                 size_t module, size_t width,
                                                                 size_t *layer);

/**
 * @brief Declare the width of the model's prediction layer (its logits: the number of
 *        classes). Default 0: no logits declared. A prediction loss needs both models to
 *        declare the same width.
 *
 * @param model the model.
 * @param classes 0 (none) or 1 to ::OPTIMA_WIDTH_MAX.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL model or a width out of range.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_model_set_logits_width(optima_model *model,
                                                                        size_t classes);

/**
 * @brief Read the width set with optima_model_set_logits_width().
 * @param model the model.
 * @param[out] classes receives the width; 0 when none was declared.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_model_get_logits_width(const optima_model *model,
                                                                        size_t *classes);

/**
 * @brief How many modules the model has.
 * @param model the model.
 * @param[out] count receives the count.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_model_module_count(const optima_model *model,
                                                                    size_t *count);

/**
 * @brief The name of module @p module.
 * @param model the model.
 * @param module a module index.
 * @param[out] name receives a NUL-terminated string owned by the model, valid while the
 *             model lives.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ENOTFOUND` for an
 *         index out of range.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_model_module_name(const optima_model *model,
                                                                   size_t module,
                                                                   const char **name);

/**
 * @brief Find a module by name (exact, case-sensitive comparison).
 * @param model the model.
 * @param name the name looked for.
 * @param[out] index receives the module's index; untouched when not found.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ENOTFOUND` when the
 *         model has no module of that name.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_model_find_module(const optima_model *model,
                                                                   const char *name,
                                                                   size_t *index);

/**
 * @brief How many layers module @p module has.
 * @param model the model.
 * @param module a module index.
 * @param[out] count receives the count (0 for a module without layers yet).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ENOTFOUND` for an
 *         index out of range.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_model_layer_count(const optima_model *model,
                                                                   size_t module, size_t *count);

/**
 * @brief The hidden width of layer @p layer of module @p module.
 * @param model the model.
 * @param module a module index.
 * @param layer a layer index within the module.
 * @param[out] width receives the width.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ENOTFOUND` for a
 *         module or layer index out of range.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_model_layer_width(const optima_model *model,
                                                                   size_t module, size_t layer,
                                                                   size_t *width);

/**
 * @brief The message of the last call that failed on this model.
 * @param model the model, or NULL.
 * @return a NUL-terminated string owned by the model; `""` if none failed or @p model is
 *         NULL. Never NULL.
 */
OPTIMA_API const char *optima_model_last_error(const optima_model *model);

OPTIMA_EXTERN_C_END

#endif /* OPTIMA_MODEL_H */
