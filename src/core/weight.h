/* Private header: what the library accepts as a weight (a loss's and its layers', a
 * trainer pair's, α_pred, α_layer, AdamW's weight decay): one rule for every setter. */
#ifndef OPT_CORE_WEIGHT_H
#define OPT_CORE_WEIGHT_H

#include <math.h>

/* Finite and non-negative: zero switches a term off, a negative weight would reward the
 * student for moving away from the teacher. */
static inline int opt_is_weight(double w)
{
    return isfinite(w) && w >= 0.0;
}

#endif /* OPT_CORE_WEIGHT_H */
