/* optima-bench's trainer case: the library's own time per step beyond the loss math. */
#ifndef OPTIMA_BENCH_TRAINER_OVERHEAD_H
#define OPTIMA_BENCH_TRAINER_OVERHEAD_H

#include <optima/optima.h>

/* Print one JSON line for the case `trainer_overhead` at @p threads. */
void bench_trainer_overhead(optima_context *ctx, int threads, int repeat);

#endif
