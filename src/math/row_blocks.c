/* See row_blocks.h. The threads are the context's workers (src/core/pool.h), woken per
 * pass; a pass that finds them busy with another host thread's pass on the same context
 * starts POSIX threads of its own instead (tens of microseconds each), as every pass did
 * before the context kept workers. */
#include "row_blocks.h"

#include <pthread.h>
#include <stdatomic.h>

#include "../core/context_impl.h"
#include "../core/pool.h"

/* Work below this much per thread (row_blocks.h's cost: floats of a memory-bound pass)
 * stays on one thread. Waking a worker and waiting for its last block costs 10–20 µs on a
 * busy 2-core virtual machine; a stateless MSE of 256 × 768 (2^17.6 floats, a pass of
 * about 60 µs) ran slower on two threads than on one with 2^16 here. */
#define OPT_COST_PER_THREAD ((size_t)1 << 17)

/* What every thread of one call shares: blocks are claimed one at a time from `next`, so
 * a thread the scheduler starts late (the machine may be busy) leaves its blocks to the
 * others instead of holding them up. Which thread takes a block does not change its sum,
 * and the sums are added in block order: the bits do not depend on the claiming. */
typedef struct opt_share {
    opt_row_block_fn fn;
    const void *job;
    size_t rows, blocks;
    atomic_size_t next; /* the next unclaimed block */
    double *sums;       /* one per block */
} opt_share;

typedef struct opt_worker {
    opt_share *share;
    size_t worker;
} opt_worker;

static size_t opt_block_start(size_t b, size_t rows, size_t blocks)
{
    return (size_t)((unsigned long long)b * rows / blocks);
}

/* One thread's part of a pass: blocks until none is left (opt_pool_fn). */
static void opt_run_share(void *arg, size_t worker)
{
    opt_share *s = arg;
    for (size_t b; (b = atomic_fetch_add(&s->next, 1)) < s->blocks;)
        s->sums[b] = s->fn(s->job, opt_block_start(b, s->rows, s->blocks),
                           opt_block_start(b + 1, s->rows, s->blocks), worker);
}

static void *opt_run_started(void *arg)
{
    const opt_worker *w = arg;
    opt_run_share(w->share, w->worker);
    return NULL;
}

/* The pass on @p used threads started for it: when the context's workers are busy. */
static void opt_run_own_threads(opt_share *share, size_t used)
{
    opt_worker workers[OPT_ROW_BLOCKS];
    pthread_t ids[OPT_ROW_BLOCKS];
    int started[OPT_ROW_BLOCKS] = {0};
    for (size_t t = 1; t < used; ++t) {
        workers[t].share = share;
        workers[t].worker = t;
        started[t] = pthread_create(&ids[t], NULL, opt_run_started, &workers[t]) == 0;
    }
    opt_run_share(share, 0);
    for (size_t t = 1; t < used; ++t)
        if (started[t]) pthread_join(ids[t], NULL);
}

int32_t opt_row_blocks_threads(int32_t threads, size_t rows, size_t row_cost)
{
    const size_t blocks = rows < OPT_ROW_BLOCKS ? rows : OPT_ROW_BLOCKS;
    const size_t work = rows * row_cost;
    size_t useful = work / OPT_COST_PER_THREAD;
    if (useful < 1) useful = 1;
    if (useful > blocks) useful = blocks;
    return threads < 1 ? 1 : (size_t)threads < useful ? threads : (int32_t)useful;
}

double opt_row_blocks_sum(const optima_context *ctx, size_t rows, size_t row_cost,
                          opt_row_block_fn fn, const void *job)
{
    const size_t blocks = rows < OPT_ROW_BLOCKS ? rows : OPT_ROW_BLOCKS;
    const size_t used = (size_t)opt_row_blocks_threads(ctx->threads, rows, row_cost);
    double sums[OPT_ROW_BLOCKS];
    opt_share share = {fn, job, rows, blocks, 0, sums};
    atomic_init(&share.next, 0);
    if (used == 1) opt_run_share(&share, 0);
    else if (!opt_pool_run(ctx, used, opt_run_share, &share)) opt_run_own_threads(&share, used);
    double total = 0.0;
    for (size_t b = 0; b < blocks; ++b) total += sums[b];
    return total;
}
