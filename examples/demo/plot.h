/* The results plot: gnuplot, run as an external program (Debian package gnuplot-nox).
 *
 * Top panel: the arm OPTIMA played in each round, read from its round logs (the trainer's
 * CSV: round,first_step,arm,...). Bottom panel: each policy's test accuracy, mean with a
 * standard-deviation bar, and the teacher's as a line. */
#ifndef DEMO_PLOT_H
#define DEMO_PLOT_H

#include <stddef.h>

#define DEMO_PLOT_MAX_BARS 8
#define DEMO_PLOT_MAX_LOGS 16
#define DEMO_PLOT_MAX_ARMS 8

typedef struct demo_plot_bar {
    const char *name;
    double mean, std;
} demo_plot_bar;

typedef struct demo_plot_input {
    const char *dir;    /* where the logs are and where the data, script and PNG go */
    const char *png;    /* file name of the PNG inside dir */
    demo_plot_bar bars[DEMO_PLOT_MAX_BARS];
    size_t bar_count;
    size_t seeds;
    double teacher;     /* the teacher's accuracy (a horizontal line) */
    const char *arm_logs[DEMO_PLOT_MAX_LOGS]; /* OPTIMA round logs, names inside dir */
    size_t arm_log_count;                     /* 0: no arm panel */
    const char *arm_names[DEMO_PLOT_MAX_ARMS];/* y labels: arm index -> name */
    size_t arm_count;
    size_t steps;       /* student steps: the x range of the arm panel */
    size_t round_length;/* steps per round */
    size_t questions;   /* test questions behind each accuracy */
} demo_plot_input;

/* Writes dir/plot.gp and dir/accuracy.dat, then runs `gnuplot plot.gp` in dir. Returns 0
 * when the PNG was made, 1 when gnuplot is not installed (the plot is skipped), -1 when
 * something failed; msg says what happened. */
int demo_plot(const demo_plot_input *in, char *msg, size_t len);

#endif
