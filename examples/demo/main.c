/* optima-demo: FashionVQA, a multimodal teacher distilled into a small student.
 *
 *   optima-demo [--out DIR] [--seeds N] [--steps N] [--policies LIST] [--threads N]
 *               [--teacher-steps N] [--alpha-pred A] [--temperature T] [--alpha-layer A]
 *               [--round-length R] [--reward train|evaluation] [--with-teacher]
 *               [--no-plot] [--quick] [--data DIR]
 *
 * Loads Fashion-MNIST, trains the teacher (or loads it from DIR/teacher-<steps>.bin),
 * reports its test accuracy, then trains the student under each requested policy with
 * the same seeds and steps, writes DIR/results.json and plots DIR/results.png with
 * gnuplot. The distilling policies run liboptima's trainer inside the training loop's hook
 * (distill.h).
 *
 * The program's parts: options.c (the command line), policy.c (the policies), experiment.c
 * (data, teacher, students), stats.c (means and deviations over seeds), results_json.c and
 * results_plot.c (results.json, results.png). optima-demo-mpi builds this file with
 * DEMO_MAIN_IS_MPI and its own main (mpi_main.c). */
#include <stdio.h>
#include <stdlib.h>

#include "blis_choice.h"
#include "experiment.h"

int demo_main(int argc, char **argv, const demo_parallel *par)
{
    optima_choose_blis("optima-demo");
    setvbuf(stdout, NULL, _IOLBF, 0); /* interleave with the progress lines on stderr */
    demo_run *r = calloc(1, sizeof *r);
    if (r == NULL) return 1;
    r->par = par;
    const int parsed = demo_options_parse(argc, argv, &r->opt);
    int rc = parsed < 0 ? 2 : 0;
    if (parsed == 0) rc = demo_experiment_run(r) == 0 ? 0 : 1;
    demo_model_destroy(r->teacher);
    free(r->questions);
    free(r->reward_questions);
    demo_fashion_free(&r->data);
    free(r);
    return rc;
}

#ifndef DEMO_MAIN_IS_MPI /* optima-demo-mpi has its own main (mpi_main.c) */
int main(int argc, char **argv)
{
    return demo_main(argc, argv, NULL);
}
#endif
