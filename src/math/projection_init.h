/* Private header: initialisers of learned projections. Not installed. */
#ifndef OPT_MATH_PROJECTION_INIT_H
#define OPT_MATH_PROJECTION_INIT_H

#include <stddef.h>
#include <stdint.h>

/* Fill a dense ds × dt matrix with one of optima_projection_init. Xavier draws
 * (2u − 1)·√(6/(ds+dt)) row by row from the library generator seeded with @p seed. */
void opt_projection_fill(float *p, size_t ds, size_t dt, int32_t init, uint64_t seed);

#endif /* OPT_MATH_PROJECTION_INIT_H */
