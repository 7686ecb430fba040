/* Data-parallel training of the demo (optima-demo-mpi): what the host code needs from a
 * communication engine, without naming one. The demo's own code sees only this table; the
 * MPI program (mpi_main.c) fills it with MPI_Allreduce and MPI_Barrier.
 *
 * Every rank draws the same global batch (the same seeds) and works on its share of it:
 * rows [first, first + rows) of demo_parallel_share(). Each rank's gradients are of the
 * mean loss over its own rows; scaled by rows / batch and summed over the ranks they are
 * the gradient of the global batch's mean, so every rank's AdamW takes the same step. */
#ifndef DEMO_PARALLEL_H
#define DEMO_PARALLEL_H

#include <stddef.h>

#include <optima/optima.h>

typedef struct nn_params nn_params;

typedef struct demo_parallel {
    int rank, ranks;
    /* Sum `count` floats in place across the ranks; 0 on success. */
    int (*sum_f32)(void *user, float *data, size_t count);
    /* Wait for every rank; 0 on success. */
    int (*barrier)(void *user);
    /* The trainer's reduction callback (optima_trainer_set_reduction). */
    optima_reduce_fn reduce;
    void *user;
    /* Rounds between the trainer's agreement checks (0: none). */
    uint32_t agreement_interval;
} demo_parallel;

/* This rank's rows of a global batch of `batch` rows: the first `batch % ranks` ranks get
 * one row more. */
static inline void demo_parallel_share(const demo_parallel *p, size_t batch, size_t *first,
                                       size_t *rows)
{
    const size_t r = (size_t)p->rank, n = (size_t)p->ranks, base = batch / n, extra = batch % n;
    *rows = base + (r < extra);
    *first = r * base + (r < extra ? r : extra);
}

/* Scale every gradient by rows / batch and sum them across the ranks, packed into `pack`
 * (params->total floats, the caller's). */
int demo_parallel_average_grads(const demo_parallel *p, nn_params *params, size_t rows,
                                size_t batch, float *pack);

/* The demo's program (main.c) on this rank; par NULL: one process. */
int demo_main(int argc, char **argv, const demo_parallel *par);

#endif
