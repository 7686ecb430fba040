/* Layer mapping rules: which teacher layer each student layer of a module matches. */
#include <optima/mapping.h>

#include "../core/error.h"

optima_status optima_layer_mapping(int32_t style, size_t student_layers, size_t teacher_layers,
                                   const size_t *table, size_t *teacher_of)
{
    static const char fn[] = "optima_layer_mapping";
    OPT_RETURN_ERROR_IF(style < OPTIMA_MAPPING_UNIFORM || style > OPTIMA_MAPPING_EXPLICIT, NULL,
                        OPTIMA_EINVAL, "%s: argument 'style' is %d, not a mapping style", fn,
                        (int)style);
    OPT_RETURN_ERROR_IF(student_layers == 0, NULL, OPTIMA_EINVAL,
                        "%s: argument 'student_layers' must be at least 1", fn);
    OPT_RETURN_ERROR_IF(teacher_layers == 0, NULL, OPTIMA_EINVAL,
                        "%s: argument 'teacher_layers' must be at least 1", fn);
    OPT_CHECK_NOT_NULL(NULL, fn, teacher_of);
    const size_t ls = student_layers, lt = teacher_layers;
    if (style == OPTIMA_MAPPING_EXPLICIT) {
        OPT_CHECK_NOT_NULL(NULL, fn, table);
        for (size_t l = 0; l < ls; ++l)
            OPT_RETURN_ERROR_IF(table[l] >= lt, NULL, OPTIMA_EINVAL,
                                "%s: argument 'table[%zu]' is %zu, the teacher module has %zu "
                                "layers", fn, l, table[l], lt);
        for (size_t l = 0; l < ls; ++l) teacher_of[l] = table[l];
        return OPTIMA_OK;
    }
    if (style == OPTIMA_MAPPING_LAST) {
        OPT_RETURN_ERROR_IF(ls > lt, NULL, OPTIMA_ESHAPE,
                            "%s: argument 'student_layers' is %zu, more than the %zu teacher "
                            "layers the LAST mapping can use", fn, ls, lt);
        for (size_t l = 0; l < ls; ++l) teacher_of[l] = lt - ls + l;
        return OPTIMA_OK;
    }
    /* ceil((l+1)·Lt/Ls) − 1 = floor(((l+1)·Lt − 1)/Ls), in integers; the largest product
     * is Ls·Lt, checked before anything is written. */
    size_t largest;
    OPT_RETURN_ERROR_IF(__builtin_mul_overflow(ls, lt, &largest), NULL, OPTIMA_EOVERFLOW,
                        "%s: arguments 'student_layers' and 'teacher_layers' are too large", fn);
    for (size_t l = 0; l < ls; ++l) teacher_of[l] = ((l + 1) * lt - 1) / ls;
    return OPTIMA_OK;
}
