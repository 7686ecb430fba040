/* One run of the demo: the data, the teacher, the students of every requested policy and
 * what they scored; results_json.h writes it out, results_plot.h plots it. */
#ifndef DEMO_EXPERIMENT_H
#define DEMO_EXPERIMENT_H

#include <stddef.h>
#include <stdint.h>

#include "distill.h"
#include "fashion.h"
#include "model.h"
#include "nn.h"
#include "options.h"
#include "parallel.h"
#include "policy.h"
#include "train.h"
#include "vqa.h"

/* The seed of the test questions: fixed so every run and policy sees the same test set. */
#define TEST_QUESTION_SEED 2023u
/* The validation questions that choose BEST_SINGLE's module (another fixed set). */
#define VALIDATION_QUESTION_SEED 2024u
/* The last VALIDATION_IMAGES training images (QUICK_VALIDATION_IMAGES with --quick) are
 * held out when choosing BEST_SINGLE's module. */
#define VALIDATION_IMAGES 5000u
#define QUICK_VALIDATION_IMAGES 1000u
#define TEACHER_SEED 1u
#define STUDENT_SEED_BASE 1000u
#define BATCH 128u
#define QUICK_TEST_IMAGES 2000u
/* --reward evaluation: the reference loss of a round is the student's task loss on the
 * 4 questions (one per type, seed EVAL_REWARD_QUESTION_SEED) of each of the last
 * EVAL_REWARD_IMAGES training images: a fixed batch of 2,048 questions, never in the test
 * set. The images stay in the training set, so every policy trains on the same batches. */
#define EVAL_REWARD_IMAGES 512u
#define EVAL_REWARD_QUESTION_SEED 2025u

#define ARM_MASKS (1u << DEMO_MODULES)

typedef struct run_stats {
    double acc[100], secs[100], per_type[100][VQA_TYPES];
    double eval_secs[100]; /* --reward evaluation: seconds of the reward's evaluations */
    size_t n;
    uint64_t rounds_per_mask[ARM_MASKS]; /* rounds played per module mask, over all seeds */
} run_stats;

/* How BEST_SINGLE's module was chosen: one run per single module on seed 1's seed, trained
 * on the training images minus a held-out validation split, scored on that split. */
typedef struct selection {
    int done;
    uint32_t module;
    double accuracy[DEMO_MODULES];
    size_t images, questions;
    double seconds;
} selection;

typedef struct teacher_report {
    demo_accuracy acc;
    double train_seconds, eval_seconds;
    int cached;
    size_t steps, params;
} teacher_report;

typedef struct demo_run {
    demo_options opt;
    nn_ctx ctx;
    demo_fashion data;
    demo_split fit;           /* what students train on: the training images, or with
                               * --score validation those before the validation split */
    demo_split test;          /* the scored images: the test split, or the validation split */
    vqa_question *questions;  /* 4 per scored image */
    const char *scored;       /* "test" or "validation" */
    demo_split reward_images; /* --reward evaluation: the last training images ... */
    vqa_question *reward_questions; /* ... and the fixed questions about them */
    demo_distill_eval reward_eval;
    size_t nq;
    demo_model *teacher;
    teacher_report teacher_rep;
    run_stats runs[P_COUNT];
    selection best;
    size_t student_params;
    const demo_parallel *par; /* optima-demo-mpi: this rank (parallel.h); NULL: one process */
    char logdir[4096];        /* the students' logs: --out, or with ranks --out/rank<r> */
} demo_run;

/* Runs the experiment r->opt describes (r->par: this rank, or NULL); prints its progress,
 * writes the logs, results.json and the plot. 0 on success, -1 after reporting an error on
 * stderr. The caller frees r's teacher, questions and data. */
int demo_experiment_run(demo_run *r);

#endif
