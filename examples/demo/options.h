/* The demo's command line: what a run is told to do, its defaults and the usage text. */
#ifndef DEMO_OPTIONS_H
#define DEMO_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "distill.h"
#include "policy.h"

typedef struct demo_options {
    const char *out, *data;
    size_t seeds, steps, teacher_steps;
    int threads, quick, with_teacher, plot;
    int eval_reward; /* --reward evaluation */
    int align_reward; /* --reward alignment */
    int32_t reward_kind; /* --reward-kind: OPTIMA_REWARD_RELATIVE or _DETRENDED */
    size_t trend_window; /* --trend-window (0: the library's default) */
    int32_t trend_model; /* --trend-model */
    int score_validation; /* --score validation: train on the training images minus the
                           * validation split, report accuracy on that split */
    int wanted[P_COUNT];
    demo_distill_settings distill;
} demo_options;

/* Parses argv into o (o's strings point into argv). Returns 0 to run, 1 to exit
 * successfully (--help, the usage printed), -1 on a usage error (reported on stderr). */
int demo_options_parse(int argc, char **argv, demo_options *o);

#endif
