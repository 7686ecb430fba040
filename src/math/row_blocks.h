/* Private header: a row kernel's rows split over the context's threads, with the same
 * bits for every thread count. Not installed.
 *
 * The rows are cut into a fixed number of contiguous blocks that depends only on the
 * row count (OPT_ROW_BLOCKS, fewer when there are fewer rows); each block's sum is taken
 * in row order by one thread, and the blocks' sums are added in block order by the
 * caller's thread. Which thread computes a block never changes what it computes. */
#ifndef OPT_MATH_ROW_BLOCKS_H
#define OPT_MATH_ROW_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

#include <optima/context.h>

#define OPT_ROW_BLOCKS 64

/* Σ over rows [begin, end) of the job's kernel, writing what it writes for those rows;
 * @p worker (0 … threads − 1) tells per-thread scratch apart. */
typedef double (*opt_row_block_fn)(const void *job, size_t begin, size_t end, size_t worker);

/* Σ over all @p rows of @p fn, on up to the context's thread count of threads (the
 * caller's included: the others are the context's workers, or threads started for the
 * pass when another pass holds those): fewer when the work, rows × @p row_cost, is too
 * small to pay for a thread. @p row_cost is a row's work in floats of a memory-bound pass
 * (MSE's: a row's width); an arithmetic-bound kernel counts more per float
 * (OPT_ROW_COST_KL). Threads that cannot be started leave their blocks to the
 * caller's thread. @p fn never runs a pass of its own (pool.h). */
double opt_row_blocks_sum(const optima_context *ctx, size_t rows, size_t row_cost,
                          opt_row_block_fn fn, const void *job);

/* The number of threads opt_row_blocks_sum uses for this work: what per-thread scratch
 * must be sized for. */
int32_t opt_row_blocks_threads(int32_t threads, size_t rows, size_t row_cost);

/* What a KL element costs against a float of MSE: two exponentials (about 40 vector
 * operations per 16 elements against a handful), measured as 4–5× on data in cache. */
#define OPT_ROW_COST_KL 4

#endif /* OPT_MATH_ROW_BLOCKS_H */
