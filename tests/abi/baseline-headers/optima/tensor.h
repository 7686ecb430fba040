/**
 * @file tensor.h
 * @brief The tensor view: how hidden states and logits cross the boundary without copies.
 */
#ifndef OPTIMA_TENSOR_H
#define OPTIMA_TENSOR_H

#include "common.h"

OPTIMA_EXTERN_C_BEGIN

/**
 * @brief A read-only view of a row-major float32 matrix owned by the host.
 *
 * `rows` counts tokens in the batch (batch × sequence), `cols` is the hidden width (or
 * the number of classes for logits). Element (r, c) is `data[r * row_stride + c]`, so
 * `row_stride >= cols`; a padded or sliced host buffer is passed as is.
 *
 * The library never keeps a view beyond the call (or step) it was given to, and never
 * writes through it. Frozen layout: it will never change.
 */
typedef struct optima_tensor {
    const float *data; /**< First element; must be non-NULL for a non-empty view. */
    size_t rows;       /**< Number of rows. */
    size_t cols;       /**< Number of columns. */
    size_t row_stride; /**< Distance in elements between starts of consecutive rows. */
} optima_tensor;

/** @cond OPTIMA_INTERNAL */
OPTIMA_STATIC_ASSERT(offsetof(optima_tensor, data) == 0, "optima_tensor layout is frozen");
OPTIMA_STATIC_ASSERT(offsetof(optima_tensor, rows) == sizeof(void *),
                     "optima_tensor layout is frozen");
OPTIMA_STATIC_ASSERT(offsetof(optima_tensor, cols) == sizeof(void *) + sizeof(size_t),
                     "optima_tensor layout is frozen");
OPTIMA_STATIC_ASSERT(offsetof(optima_tensor, row_stride) == sizeof(void *) + 2 * sizeof(size_t),
                     "optima_tensor layout is frozen");
OPTIMA_STATIC_ASSERT(sizeof(optima_tensor) == sizeof(void *) + 3 * sizeof(size_t),
                     "optima_tensor layout is frozen");
/** @endcond */

OPTIMA_EXTERN_C_END

#endif /* OPTIMA_TENSOR_H */
