/* optima-demo-mpi: the FashionVQA demo trained data-parallel over MPI ranks.
 *
 *   mpirun -np 2 optima-demo-mpi --policies OPTIMA --seeds 1 --steps 200 --out DIR
 *
 * Takes optima-demo's arguments. Every rank draws the same global batches and trains on
 * its share of each (parallel.h); the student's gradients are averaged with MPI_Allreduce,
 * and so are the trainer's sums (optima_trainer_set_reduction), so every rank holds the
 * same student, projections and arms. Rank r writes its logs into DIR/rank<r>/ (the round
 * logs <POLICY>-seed<k>-rounds.csv, identical on every rank); rank 0 trains and caches the
 * teacher, prints, and writes DIR/results.json. No plot. */
#include <mpi.h>
#include <stdio.h>

#include "parallel.h"

static int sum_f32(void *user, float *data, size_t count)
{
    (void)user;
    if (count > (size_t)INT32_MAX) return 1;
    return MPI_Allreduce(MPI_IN_PLACE, data, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD) !=
           MPI_SUCCESS;
}

static int barrier(void *user)
{
    (void)user;
    return MPI_Barrier(MPI_COMM_WORLD) != MPI_SUCCESS;
}

/* The trainer's reduction callback: an in-place all-reduce with the sum. */
static int reduce(void *user, int32_t what, int32_t dtype, void *data, size_t count)
{
    (void)user;
    (void)what;
    if (count > (size_t)INT32_MAX) return 1;
    const MPI_Datatype type = dtype == OPTIMA_DTYPE_F32 ? MPI_FLOAT : MPI_DOUBLE;
    return MPI_Allreduce(MPI_IN_PLACE, data, (int)count, type, MPI_SUM, MPI_COMM_WORLD) !=
           MPI_SUCCESS;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    demo_parallel par = {0, 1, sum_f32, barrier, reduce, NULL, 10};
    MPI_Comm_rank(MPI_COMM_WORLD, &par.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &par.ranks);
    if (par.rank != 0 && freopen("/dev/null", "w", stdout) == NULL) /* rank 0 reports */
        MPI_Abort(MPI_COMM_WORLD, 1);
    const int rc = demo_main(argc, argv, &par);
    if (rc != 0) MPI_Abort(MPI_COMM_WORLD, rc); /* the other ranks may wait in a sum */
    MPI_Finalize();
    return 0;
}
