/* The demo's results plotted: DIR/results.png with gnuplot (plot.h). */
#ifndef DEMO_RESULTS_PLOT_H
#define DEMO_RESULTS_PLOT_H

#include "experiment.h"

/* Plots the policies' accuracies and OPTIMA's arms into <r->opt.out>/results.png; prints
 * what it did, or a warning on stderr when it could not (the run still succeeds). */
void demo_results_plot(const demo_run *r);

#endif
