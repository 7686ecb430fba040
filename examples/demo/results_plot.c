/* DIR/results.png (results_plot.h). */
#include "results_plot.h"

#include <stdio.h>
#include <string.h>

#include "plot.h"
#include "stats.h"

void demo_results_plot(const demo_run *r)
{
    char names[ARM_MASKS - 1][64], logs[DEMO_PLOT_MAX_LOGS][64];
    demo_plot_input in;
    memset(&in, 0, sizeof in);
    in.dir = r->opt.out;
    in.png = "results.png";
    in.seeds = r->opt.seeds;
    in.steps = r->opt.steps;
    in.round_length = r->opt.distill.round_length;
    in.questions = r->nq;
    in.teacher = demo_accuracy_overall(&r->teacher_rep.acc);
    for (int p = 0; p < P_COUNT; ++p) {
        const run_stats *st = &r->runs[p];
        if (st->n == 0) continue;
        const demo_plot_bar bar = {demo_policies[p].name, demo_mean_of(st->acc, st->n, 1),
                                   demo_std_of(st->acc, st->n)};
        in.bars[in.bar_count++] = bar;
    }
    /* arm i of the all-subsets set has module mask i + 1 */
    for (uint32_t a = 0; a + 1 < ARM_MASKS; ++a) {
        demo_arm_name(a + 1, names[a], sizeof names[a]);
        in.arm_names[a] = names[a];
    }
    in.arm_count = ARM_MASKS - 1;
    for (size_t k = 0; k < r->runs[P_OPTIMA].n && k < DEMO_PLOT_MAX_LOGS; ++k) {
        snprintf(logs[k], sizeof logs[k], "OPTIMA-seed%zu-rounds.csv", k + 1);
        in.arm_logs[in.arm_log_count++] = logs[k];
    }
    char msg[4200];
    const int rc = demo_plot(&in, msg, sizeof msg);
    if (rc < 0) fprintf(stderr, "optima-demo: warning: %s\n", msg);
    else printf("%s\n", msg);
}
