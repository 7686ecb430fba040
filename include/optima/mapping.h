/**
 * @file mapping.h
 * @brief Layer mapping: which teacher layer each student layer of a module learns from.
 *
 * Student layer l (0-based, of Ls) is matched to teacher layer g(l) (of Lt):
 * - ::OPTIMA_MAPPING_UNIFORM: g(l) = ⌈(l+1)·Lt/Ls⌉ − 1, the usual skip mapping (the last
 *   student layer always meets the last teacher layer). When Ls > Lt several student
 *   layers share a teacher layer.
 * - ::OPTIMA_MAPPING_LAST: g(l) = Lt − Ls + l, the last Ls teacher layers; needs Ls ≤ Lt.
 * - ::OPTIMA_MAPPING_EXPLICIT: g(l) = table[l], every entry below Lt.
 */
#ifndef OPTIMA_MAPPING_H
#define OPTIMA_MAPPING_H

#include "common.h"
#include "status.h"

OPTIMA_EXTERN_C_BEGIN

/** @brief Mapping styles. Values are fixed forever. */
enum optima_mapping_style {
    OPTIMA_MAPPING_UNIFORM = 1,  /**< g(l) = ⌈(l+1)·Lt/Ls⌉ − 1. */
    OPTIMA_MAPPING_LAST = 2,     /**< The last Ls teacher layers, in order. */
    OPTIMA_MAPPING_EXPLICIT = 3  /**< A table given by the host. */
};

/**
 * @brief Compute a layer mapping.
 *
 * Stateless and reentrant; it has no handle, so failures are recorded in the calling
 * thread's slot only (status.h's error rule).
 *
 * @param style one of ::optima_mapping_style.
 * @param student_layers Ls, at least 1.
 * @param teacher_layers Lt, at least 1.
 * @param table for ::OPTIMA_MAPPING_EXPLICIT, Ls teacher layer indices; ignored (may be
 *        NULL) for the other styles.
 * @param[out] teacher_of receives Ls entries: teacher_of[l] = g(l). Untouched on failure.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for an unknown style, a zero layer count, a NULL
 *         @p teacher_of, a NULL table for ::OPTIMA_MAPPING_EXPLICIT or a table entry not
 *         below Lt (the message names the entry); `OPTIMA_ESHAPE` for
 *         ::OPTIMA_MAPPING_LAST with Ls > Lt.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_layer_mapping(int32_t style,
                                                               size_t student_layers,
                                                               size_t teacher_layers,
                                                               const size_t *table,
                                                               size_t *teacher_of);

OPTIMA_EXTERN_C_END

#endif /* OPTIMA_MAPPING_H */
