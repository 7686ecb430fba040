/* The demo's results as JSON: DIR/results.json (README, "Output"). */
#ifndef DEMO_RESULTS_JSON_H
#define DEMO_RESULTS_JSON_H

#include "experiment.h"

/* Writes <r->opt.out>/results.json through a temporary file renamed into place. 0 on
 * success, -1 after reporting the error on stderr. */
int demo_results_write_json(const demo_run *r);

#endif
