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
 * (distill.h). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <optima/optima.h>

#include "blis_choice.h"
#include "cache.h"
#include "distill.h"
#include "fashion.h"
#include "model.h"
#include "plot.h"
#include "progress.h"
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

/* --- policies ---------------------------------------------------------------------------- */

enum { P_NONE, P_KD, P_ALL, P_OPTIMA, P_RANDOM, P_BEST_SINGLE, P_COUNT };

/* A policy is a configuration of the library's trainer (distill.h): which scheduler policy
 * picks the modules, and whether the layer term is on. NONE runs without a hook. Every
 * distilling policy shares one set of hyperparameters (options.distill). */
typedef struct policy {
    const char *name;
    const char *what;
    int distils;       /* 0: task loss only */
    int32_t scheduler; /* OPTIMA_POLICY_* */
    int layerwise;     /* 0: prediction-layer KL only */
} policy;

static const policy policies[P_COUNT] = {
    {"NONE", "no distillation (task loss only)", 0, OPTIMA_POLICY_ALL, 0},
    {"KD", "prediction-layer KD only", 1, OPTIMA_POLICY_ALL, 0},
    {"ALL", "layerwise distillation of every module", 1, OPTIMA_POLICY_ALL, 1},
    {"OPTIMA", "OPTIMA over the 7 module subsets", 1, OPTIMA_POLICY_OPTIMA, 1},
    {"RANDOM", "a random module subset each round", 1, OPTIMA_POLICY_RANDOM, 1},
    {"BEST_SINGLE", "the best single module, chosen on a validation split", 1,
     OPTIMA_POLICY_FIXED, 1},
};

/* --- options ----------------------------------------------------------------------------- */

typedef struct options {
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
} options;

/* The shared distillation hyperparameters (see the README for how they were chosen). */
static const demo_distill_settings default_distill = {1.0, 2.0, 1.0, 10, 1e-3};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: optima-demo [--out DIR] [--seeds N] [--steps N] [--policies LIST]\n"
            "                   [--threads N] [--teacher-steps N] [--alpha-pred A]\n"
            "                   [--temperature T] [--alpha-layer A] [--round-length R]\n"
            "                   [--reward train|evaluation|alignment]\n"
            "                   [--reward-kind relative|detrended] [--trend-window W]\n"
            "                   [--trend-model mean|linear] [--score test|validation]\n"
            "                   [--with-teacher] [--no-plot] [--quick] [--data DIR]\n"
            "  --out DIR          results, logs, plot and the teacher cache (default demo-out)\n"
            "  --seeds N          student runs per policy (default 3)\n"
            "  --steps N          student training steps (default %u)\n"
            "  --policies LIST    comma-separated among NONE,KD,ALL,OPTIMA,RANDOM,BEST_SINGLE\n"
            "                     (default all)\n"
            "  --threads N        BLIS threads (default 2)\n"
            "  --teacher-steps N  teacher training steps (default %u)\n"
            "  --alpha-pred A     weight of the prediction-layer KL (default %g)\n"
            "  --temperature T    KL temperature (default %g)\n"
            "  --alpha-layer A    weight of the layerwise term (default %g)\n"
            "  --round-length R   steps per scheduler round (default %u)\n"
            "  --reward SOURCE    where a round's reward comes from (default alignment):\n"
            "                     train       the task loss + alpha_pred KL of the round's\n"
            "                                 training batches (the library's default)\n"
            "                     evaluation  the student's task loss at the round's end on a\n"
            "                                 fixed batch of %u questions about the last %u\n"
            "                                 training images\n"
            "                     alignment   the cosine between the layerwise gradients and\n"
            "                                 the task loss's at the student's hidden states\n"
            "  --reward-kind K    relative (the library's default) or detrended: minus the\n"
            "                     trend of the last rounds' rewards, over every arm\n"
            "  --trend-window W   rounds of the detrended reward's trend (library default 8)\n"
            "  --trend-model M    mean (default) or linear\n"
            "  --score SPLIT      what the students are scored on (default test): test, or\n"
            "                     validation: every student trains on the training images\n"
            "                     minus the last %u and is scored on questions about those\n"
            "                     (the split BEST_SINGLE chooses on); for choosing settings\n"
            "  --with-teacher     NONE also runs the teacher forward and an idle hook (same\n"
            "                     results: measures the time distillation adds)\n"
            "  --no-plot          do not run gnuplot\n"
            "  --quick            smoke run: short teacher and student, 1 seed, %u test images\n"
            "  --data DIR         Fashion-MNIST directory (default %s)\n",
            1000u, 3000u, default_distill.alpha_pred, default_distill.temperature,
            default_distill.alpha_layer, (unsigned)default_distill.round_length,
            VQA_TYPES * EVAL_REWARD_IMAGES, EVAL_REWARD_IMAGES, VALIDATION_IMAGES,
            QUICK_TEST_IMAGES, DEMO_FASHION_DEFAULT_DIR);
}

static int parse_count(const char *flag, const char *s, size_t lo, size_t hi, size_t *out)
{
    char *end = NULL;
    errno = 0;
    const unsigned long long v = s ? strtoull(s, &end, 10) : 0;
    if (s == NULL || *s == '\0' || *end != '\0' || errno || *s == '-' || v < lo || v > hi) {
        fprintf(stderr, "optima-demo: %s expects an integer in [%zu, %zu], got '%s'\n", flag,
                lo, hi, s ? s : "");
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

static int parse_real(const char *flag, const char *s, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    const double v = s ? strtod(s, &end) : 0.0;
    if (s == NULL || *s == '\0' || *end != '\0' || errno || !(v >= lo && v <= hi)) {
        fprintf(stderr, "optima-demo: %s expects a number in [%g, %g], got '%s'\n", flag, lo,
                hi, s ? s : "");
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_policies(const char *list, int *wanted)
{
    memset(wanted, 0, P_COUNT * sizeof *wanted);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list ? list : "");
    int any = 0;
    for (char *tok = strtok(buf, ","); tok != NULL; tok = strtok(NULL, ",")) {
        int found = 0;
        for (int p = 0; p < P_COUNT; ++p)
            if (strcmp(tok, policies[p].name) == 0) wanted[p] = found = any = 1;
        if (!found) {
            fprintf(stderr, "optima-demo: unknown policy '%s' (known: NONE, KD, ALL, OPTIMA, "
                            "RANDOM, BEST_SINGLE)\n", tok);
            return -1;
        }
    }
    if (!any) fprintf(stderr, "optima-demo: --policies needs at least one name\n");
    return any ? 0 : -1;
}

/* The hyperparameter flags; returns 1 when `a` is not one of them. */
static int parse_distill_flag(const char *a, const char *v, demo_distill_settings *d)
{
    size_t round = 0;
    if (strcmp(a, "--alpha-pred") == 0) return parse_real(a, v, 0.0, 1e3, &d->alpha_pred);
    if (strcmp(a, "--temperature") == 0) return parse_real(a, v, 0.05, 100.0, &d->temperature);
    if (strcmp(a, "--alpha-layer") == 0) return parse_real(a, v, 0.0, 1e3, &d->alpha_layer);
    if (strcmp(a, "--round-length") != 0) return 1;
    if (parse_count(a, v, 1, 100000, &round) != 0) return -1;
    d->round_length = (uint32_t)round;
    return 0;
}

static int parse_score(const char *v, int *validation)
{
    if (v != NULL && (strcmp(v, "test") == 0 || strcmp(v, "validation") == 0)) {
        *validation = strcmp(v, "validation") == 0;
        return 0;
    }
    fprintf(stderr, "optima-demo: --score expects 'test' or 'validation', got '%s'\n",
            v ? v : "");
    return -1;
}

static int parse_reward(const char *v, options *o)
{
    if (v != NULL && (strcmp(v, "train") == 0 || strcmp(v, "evaluation") == 0 ||
                      strcmp(v, "alignment") == 0)) {
        o->eval_reward = strcmp(v, "evaluation") == 0;
        o->align_reward = strcmp(v, "alignment") == 0;
        return 0;
    }
    fprintf(stderr, "optima-demo: --reward expects 'train', 'evaluation' or 'alignment', got "
            "'%s'\n", v ? v : "");
    return -1;
}

/* Maps v to values[i] for names[i]; -1 with a message naming the flag otherwise. */
static int parse_name(const char *flag, const char *v, const char *const names[2],
                      const int32_t values[2], int32_t *out)
{
    for (int i = 0; i < 2; ++i)
        if (v != NULL && strcmp(v, names[i]) == 0) return *out = values[i], 0;
    fprintf(stderr, "optima-demo: %s expects '%s' or '%s', got '%s'\n", flag, names[0], names[1],
            v ? v : "");
    return -1;
}

static int parse_reward_kind(const char *v, int32_t *kind)
{
    static const char *const names[2] = {"relative", "detrended"};
    static const int32_t values[2] = {OPTIMA_REWARD_RELATIVE, OPTIMA_REWARD_DETRENDED};
    return parse_name("--reward-kind", v, names, values, kind);
}

static int parse_trend_model(const char *v, int32_t *model)
{
    static const char *const names[2] = {"mean", "linear"};
    static const int32_t values[2] = {OPTIMA_REWARD_TREND_MEAN, OPTIMA_REWARD_TREND_LINEAR};
    return parse_name("--trend-model", v, names, values, model);
}

/* Returns 0 to run, 1 to exit successfully (--help), -1 on a usage error. */
static int parse_args(int argc, char **argv, options *o)
{
    size_t threads = 2, seeds_set = 0, steps_set = 0, teacher_set = 0;
    /* the alignment reward by default: chosen on the validation split (README) */
    *o = (options){.out = "demo-out", .data = DEMO_FASHION_DEFAULT_DIR, .seeds = 3,
                   .steps = 1000, .teacher_steps = 3000, .threads = 2, .plot = 1,
                   .align_reward = 1, .reward_kind = OPTIMA_REWARD_RELATIVE,
                   .trend_model = OPTIMA_REWARD_TREND_MEAN, .distill = default_distill};
    for (int p = 0; p < P_COUNT; ++p) o->wanted[p] = 1;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int used = 1, rc = parse_distill_flag(a, v, &o->distill);
        if (rc != 1) {
            if (rc != 0) return -1;
            i += used;
            continue;
        }
        rc = 0;
        if (strcmp(a, "--out") == 0 && v) o->out = v;
        else if (strcmp(a, "--data") == 0 && v) o->data = v;
        else if (strcmp(a, "--seeds") == 0) rc = parse_count(a, v, 1, 100, &o->seeds), seeds_set = 1;
        else if (strcmp(a, "--steps") == 0) rc = parse_count(a, v, 1, 10000000, &o->steps), steps_set = 1;
        else if (strcmp(a, "--teacher-steps") == 0)
            rc = parse_count(a, v, 1, 10000000, &o->teacher_steps), teacher_set = 1;
        else if (strcmp(a, "--threads") == 0) rc = parse_count(a, v, 1, 256, &threads);
        else if (strcmp(a, "--policies") == 0) rc = parse_policies(v, o->wanted);
        else if (strcmp(a, "--reward") == 0) rc = parse_reward(v, o);
        else if (strcmp(a, "--reward-kind") == 0) rc = parse_reward_kind(v, &o->reward_kind);
        else if (strcmp(a, "--trend-window") == 0) rc = parse_count(a, v, 1, 256, &o->trend_window);
        else if (strcmp(a, "--trend-model") == 0) rc = parse_trend_model(v, &o->trend_model);
        else if (strcmp(a, "--score") == 0) rc = parse_score(v, &o->score_validation);
        else if (strcmp(a, "--quick") == 0) o->quick = 1, used = 0;
        else if (strcmp(a, "--with-teacher") == 0) o->with_teacher = 1, used = 0;
        else if (strcmp(a, "--no-plot") == 0) o->plot = 0, used = 0;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) return usage(stdout), 1;
        else {
            fprintf(stderr, "optima-demo: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return -1;
        }
        if (rc != 0) return -1;
        i += used;
    }
    o->threads = (int)threads;
    if (o->quick) {
        if (!seeds_set) o->seeds = 1;
        if (!steps_set) o->steps = 100;
        if (!teacher_set) o->teacher_steps = 200;
    }
    return 0;
}

/* --- models ------------------------------------------------------------------------------ */

static demo_model_config config_of(uint32_t li, uint32_t wi, uint32_t lq, uint32_t wq,
                                   uint32_t lf, uint32_t wf)
{
    const demo_model_config c = {{li, lq, lf}, {wi, wq, wf}, DEMO_FASHION_PIXELS, VQA_VOCAB,
                                 VQA_LEN, VQA_PAD, VQA_ANSWERS};
    return c;
}

static demo_train_config teacher_recipe(size_t steps)
{
    const demo_train_config t = {steps, BATCH, 1e-3f, 0.05f, 0.01f, TEACHER_SEED, 50, 0, NULL};
    return t;
}

/* task_grads: the hook also gets the task gradient at the hidden states (alignment). */
static demo_train_config student_recipe(size_t steps, uint64_t seed, int task_grads)
{
    const demo_train_config t = {steps, BATCH, 2e-3f, 0.05f, 0.01f, seed, 50, task_grads, NULL};
    return t;
}

/* --- results ----------------------------------------------------------------------------- */

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
    options opt;
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

static double mean_of(const double *v, size_t n, size_t stride)
{
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) s += v[i * stride];
    return n ? s / (double)n : 0.0;
}

/* Sample standard deviation (n - 1), 0 for a single run. */
static double std_of(const double *v, size_t n)
{
    if (n < 2) return 0.0;
    const double m = mean_of(v, n, 1);
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) s += (v[i] - m) * (v[i] - m);
    return sqrt(s / (double)(n - 1));
}

static void json_per_type(FILE *f, const double *per_type, size_t n, size_t stride)
{
    fprintf(f, "{");
    for (int t = 0; t < VQA_TYPES; ++t)
        fprintf(f, "%s\"%s\": %.6f", t ? ", " : "", vqa_type_name(t),
                mean_of(per_type + t, n, stride));
    fprintf(f, "}");
}

static void json_config(FILE *f, const demo_run *r)
{
    const options *o = &r->opt;
    const demo_distill_settings *d = &o->distill;
    fprintf(f, "  \"config\": {\"ranks\": %d, ", r->par != NULL ? r->par->ranks : 1);
    fprintf(f, "\"threads\": %d, \"steps\": %zu, \"seeds\": %zu, \"batch\": %u, "
               "\"scored_on\": \"%s\", \"test_questions\": %zu, \"quick\": %s, "
               "\"with_teacher\": %s,\n"
               "    \"distill\": {\"alpha_pred\": %g, \"temperature\": %g, \"alpha_layer\": %g, "
               "\"round_length\": %u, \"projection_lr\": %g, \"layer_loss\": \"MSE\", "
               "\"reward\": \"%s\"",
            o->threads, o->steps, o->seeds, BATCH, r->scored, r->nq, o->quick ? "true" : "false",
            o->with_teacher ? "true" : "false", d->alpha_pred, d->temperature, d->alpha_layer,
            (unsigned)d->round_length, d->projection_lr,
            o->eval_reward ? "evaluation" : o->align_reward ? "alignment" : "train");
    if (o->eval_reward)
        fprintf(f, ", \"reward_evaluation\": {\"loss\": \"task cross-entropy\", \"images\": "
                   "\"the last %zu images students train on\", \"questions\": %zu, \"question_seed\": %u}",
                r->reward_images.count, r->reward_eval.count, EVAL_REWARD_QUESTION_SEED);
    fprintf(f, ", \"reward_kind\": \"%s\", \"trend_window\": %zu, \"trend_model\": \"%s\"}},\n",
            o->reward_kind == OPTIMA_REWARD_DETRENDED ? "detrended" : "relative",
            o->trend_window ? o->trend_window : 8,
            o->trend_model == OPTIMA_REWARD_TREND_LINEAR ? "linear" : "mean");
}

static void json_teacher(FILE *f, const teacher_report *t)
{
    double tt[VQA_TYPES];
    for (int k = 0; k < VQA_TYPES; ++k) tt[k] = demo_accuracy_of(&t->acc, k);
    fprintf(f, "  \"teacher\": {\"accuracy\": %.6f, \"per_type\": ", demo_accuracy_overall(&t->acc));
    json_per_type(f, tt, 1, 1);
    fprintf(f, ", \"params\": %zu, \"steps\": %zu, \"train_seconds\": %.3f, \"cached\": %s, "
               "\"eval_seconds\": %.3f},\n",
            t->params, t->steps, t->train_seconds, t->cached ? "true" : "false", t->eval_seconds);
}

static void json_selection(FILE *f, const selection *b)
{
    if (!b->done) return;
    fprintf(f, "  \"best_single\": {\"module\": \"%s\", \"method\": \"one run per single module "
               "(seed 1, same steps) on the training images minus the last %zu, scored on the "
               "%zu questions of those held-out images\", \"validation_accuracy\": {",
            demo_module_name((int)b->module), b->images, b->questions);
    for (int m = 0; m < DEMO_MODULES; ++m)
        fprintf(f, "%s\"%s\": %.6f", m ? ", " : "", demo_module_name(m), b->accuracy[m]);
    fprintf(f, "}, \"seconds\": %.3f},\n", b->seconds);
}

static void json_arms(FILE *f, const run_stats *r)
{
    fprintf(f, ", \"rounds_per_arm\": {");
    int first = 1;
    for (uint32_t mask = 1; mask < ARM_MASKS; ++mask) {
        if (r->rounds_per_mask[mask] == 0) continue;
        char name[64];
        demo_arm_name(mask, name, sizeof name);
        fprintf(f, "%s\"%s\": %llu", first ? "" : ", ", name,
                (unsigned long long)r->rounds_per_mask[mask]);
        first = 0;
    }
    fprintf(f, "}");
}

static void json_policy(FILE *f, int p, const run_stats *r, size_t steps, int reward_eval)
{
    fprintf(f, "\n    \"%s\": {\"accuracy_mean\": %.6f, \"accuracy_std\": %.6f, \"seeds\": %zu, "
               "\"seconds_mean\": %.3f, \"steps\": %zu, \"per_type_mean\": ",
            policies[p].name, mean_of(r->acc, r->n, 1), std_of(r->acc, r->n), r->n,
            mean_of(r->secs, r->n, 1), steps);
    json_per_type(f, &r->per_type[0][0], r->n, VQA_TYPES);
    fprintf(f, ", \"accuracy_per_seed\": [");
    for (size_t i = 0; i < r->n; ++i) fprintf(f, "%s%.6f", i ? ", " : "", r->acc[i]);
    fprintf(f, "]");
    if (policies[p].distils && policies[p].layerwise) json_arms(f, r);
    if (policies[p].distils && reward_eval)
        fprintf(f, ", \"reward_evaluation_seconds_mean\": %.3f", mean_of(r->eval_secs, r->n, 1));
    fprintf(f, "}");
}

static int write_results(const demo_run *r)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/results.json", r->opt.out);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "optima-demo: %s: cannot create: %s\n", tmp, strerror(errno));
        return -1;
    }
    fprintf(f, "{\n  \"liboptima\": \"%s\",\n", optima_version_string());
    json_config(f, r);
    json_teacher(f, &r->teacher_rep);
    json_selection(f, &r->best);
    fprintf(f, "  \"student\": {\"params\": %zu},\n  \"policies\": {", r->student_params);
    int first = 1;
    for (int p = 0; p < P_COUNT; ++p) {
        if (r->runs[p].n == 0) continue;
        fprintf(f, "%s", first ? "" : ",");
        json_policy(f, p, &r->runs[p], r->opt.steps, r->opt.eval_reward);
        first = 0;
    }
    fprintf(f, "\n  }\n}\n");
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "optima-demo: %s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* --- the plot ---------------------------------------------------------------------------- */

static void plot_results(const demo_run *r)
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
        in.bars[in.bar_count++] = (demo_plot_bar){policies[p].name, mean_of(st->acc, st->n, 1),
                                                  std_of(st->acc, st->n)};
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

/* --- the runs ---------------------------------------------------------------------------- */

static FILE *open_log(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL) fprintf(stderr, "optima-demo: warning: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

static int evaluate_on(demo_run *r, demo_model *m, const demo_split *images,
                       const vqa_question *q, size_t nq, demo_accuracy *acc)
{
    if (demo_evaluate(m, &r->ctx, images, q, nq, acc) == 0) return 0;
    fprintf(stderr, "optima-demo: out of memory while evaluating\n");
    return -1;
}

static int evaluate(demo_run *r, demo_model *m, demo_accuracy *acc)
{
    return evaluate_on(r, m, &r->test, r->questions, r->nq, acc);
}

static void print_accuracy(const char *who, const char *scored, const demo_accuracy *a)
{
    printf("%s %s accuracy %.4f (what %.4f, is_class %.4f, footwear %.4f, upper_body %.4f)\n",
           who, scored, demo_accuracy_overall(a), demo_accuracy_of(a, VQA_WHAT),
           demo_accuracy_of(a, VQA_IS_CLASS), demo_accuracy_of(a, VQA_FOOTWEAR),
           demo_accuracy_of(a, VQA_UPPER));
}

static int train_teacher(demo_run *r, const demo_cache_key *key, const char *cache)
{
    char err[1024];
    demo_progress prog;
    demo_train_result res;
    const demo_train_config rec = teacher_recipe(r->opt.teacher_steps);
    FILE *csv = open_log(r->opt.out, "teacher.csv");
    demo_progress_begin(&prog, stderr, -1, "teacher", rec.steps);
    const int rc = demo_train(r->teacher, NULL, &r->data.train, &rec, &r->ctx, NULL, NULL, &prog,
                              csv, &res, err, sizeof err);
    if (csv) fclose(csv);
    if (rc != 0) {
        fprintf(stderr, "optima-demo: %s\n", err);
        return -1;
    }
    demo_progress_end(&prog, "trained");
    r->teacher_rep.train_seconds = res.seconds;
    if (demo_cache_save(cache, r->teacher, key, res.seconds, err, sizeof err) != 0)
        fprintf(stderr, "optima-demo: warning: teacher not cached: %s\n", err);
    return 0;
}

static int prepare_teacher(demo_run *r)
{
    char err[1024], cache[4096];
    const demo_model_config cfg = config_of(4, 256, 2, 128, 3, 256);
    r->teacher = demo_model_create(&cfg, BATCH, TEACHER_SEED, err, sizeof err);
    if (r->teacher == NULL) return fprintf(stderr, "optima-demo: teacher: %s\n", err), -1;
    const demo_train_config rec = teacher_recipe(r->opt.teacher_steps);
    const demo_cache_key key = {cfg, rec.steps, rec.batch, rec.seed, rec.lr, r->data.fingerprint};
    snprintf(cache, sizeof cache, "%s/teacher-%zu.bin", r->opt.out, rec.steps);
    r->teacher_rep.steps = rec.steps;
    r->teacher_rep.params = demo_model_params(r->teacher)->total;
    const int loaded = demo_cache_load(cache, r->teacher, &key, &r->teacher_rep.train_seconds,
                                       err, sizeof err);
    if (loaded == -1) fprintf(stderr, "optima-demo: ignoring the teacher cache: %s\n", err);
    if (loaded == 0) {
        r->teacher_rep.cached = 1;
        printf("teacher: loaded from %s (trained in %.1fs)\n", cache, r->teacher_rep.train_seconds);
    } else if (train_teacher(r, &key, cache) != 0) {
        return -1;
    }
    const double t0 = demo_now();
    if (evaluate(r, r->teacher, &r->teacher_rep.acc) != 0) return -1;
    r->teacher_rep.eval_seconds = demo_now() - t0;
    print_accuracy("teacher", r->scored, &r->teacher_rep.acc);
    return 0;
}

/* The hook of --with-teacher: takes part in every step and adds nothing. */
static int idle_hook(void *user, demo_distill_step *step)
{
    (void)user;
    (void)step;
    return 0;
}

/* What one student run trains on and where it writes: `tag` names its logs
 * (<tag>.csv, <tag>-rounds.csv), `label` its progress line. */
typedef struct student_job {
    int policy;
    size_t k;               /* seed index: the student's seed is STUDENT_SEED_BASE + k */
    uint32_t module;        /* BEST_SINGLE: the module distilled */
    const demo_split *train;
    char tag[64], label[48];
    uint64_t *rounds_per_mask; /* NULL, or where to count the rounds of each arm */
    double *eval_seconds;      /* NULL, or where to store the evaluation reward's seconds */
} student_job;

static demo_distiller *make_distiller(demo_run *r, const student_job *j, demo_model *s)
{
    char err[1100], log[4200];
    snprintf(log, sizeof log, "%s/%s-rounds.csv", r->logdir, j->tag);
    const policy *p = &policies[j->policy];
    const demo_distill_choice c = {p->scheduler, p->layerwise, j->module,
                                   STUDENT_SEED_BASE + j->k, r->opt.threads, log,
                                   r->opt.eval_reward ? &r->reward_eval : NULL,
                                   r->opt.reward_kind, r->opt.align_reward,
                                   (uint32_t)r->opt.trend_window, r->opt.trend_model, r->par};
    demo_distiller *d = demo_distiller_create(r->teacher, s, &r->opt.distill, &c, err, sizeof err);
    if (d == NULL) fprintf(stderr, "optima-demo: policy %s: %s\n", p->name, err);
    return d;
}

/* Trains one student; returns it (the caller evaluates and destroys it) or NULL. */
static demo_model *train_student(demo_run *r, const student_job *j, demo_progress *prog,
                                 demo_train_result *res)
{
    char err[1024];
    const demo_model_config cfg = config_of(2, 64, 1, 48, 2, 96);
    const uint64_t seed = STUDENT_SEED_BASE + j->k;
    demo_model *s = demo_model_create(&cfg, BATCH, seed, err, sizeof err);
    if (s == NULL) return fprintf(stderr, "optima-demo: student: %s\n", err), NULL;
    r->student_params = demo_model_params(s)->total;
    demo_train_config rec =
        student_recipe(r->opt.steps, seed, policies[j->policy].distils && r->opt.align_reward);
    rec.parallel = r->par;
    demo_distiller *d = NULL;
    demo_distill_fn hook = r->opt.with_teacher ? idle_hook : NULL;
    if (policies[j->policy].distils) {
        if ((d = make_distiller(r, j, s)) == NULL) return demo_model_destroy(s), NULL;
        hook = demo_distiller_hook;
    }
    char name[80];
    snprintf(name, sizeof name, "%s.csv", j->tag);
    FILE *csv = open_log(r->logdir, name);
    demo_progress_begin(prog, stderr, -1, j->label, rec.steps);
    int rc = demo_train(s, r->teacher, j->train, &rec, &r->ctx, hook, d, prog, csv, res, err,
                        sizeof err);
    if (csv) fclose(csv);
    if (rc == 0 && d != NULL && demo_distiller_finish(d) != 0) { /* the last round's reward */
        snprintf(err, sizeof err, "distiller: ending the last round");
        rc = -1;
    }
    if (rc != 0) {
        fprintf(stderr, "optima-demo: %s%s%s\n", err, d ? ": " : "", demo_distiller_error(d));
        demo_model_destroy(s);
        s = NULL;
    } else if (d != NULL) {
        if (j->rounds_per_mask != NULL) demo_distiller_count_rounds(d, j->rounds_per_mask);
        uint64_t evaluations = 0;
        if (j->eval_seconds != NULL) demo_distiller_evaluations(d, &evaluations, j->eval_seconds);
    }
    demo_distiller_destroy(d);
    return s;
}

static int run_student(demo_run *r, int p, size_t k)
{
    run_stats *st = &r->runs[p];
    student_job j = {p, k, r->best.module, &r->fit, "", "", st->rounds_per_mask,
                     &st->eval_secs[st->n]};
    snprintf(j.tag, sizeof j.tag, "%s-seed%zu", policies[p].name, k + 1);
    snprintf(j.label, sizeof j.label, "%s seed %zu/%zu", policies[p].name, k + 1, r->opt.seeds);
    demo_progress prog;
    demo_train_result res;
    demo_model *s = train_student(r, &j, &prog, &res);
    demo_accuracy acc;
    const int rc = s == NULL ? -1 : evaluate(r, s, &acc);
    demo_model_destroy(s);
    if (rc != 0) return -1;
    st->acc[st->n] = demo_accuracy_overall(&acc);
    st->secs[st->n] = res.seconds;
    for (int t = 0; t < VQA_TYPES; ++t) st->per_type[st->n][t] = demo_accuracy_of(&acc, t);
    st->n += 1;
    char summary[128];
    snprintf(summary, sizeof summary, "%s accuracy %.4f, loss %.4f", r->scored, st->acc[st->n - 1],
             (double)res.final_loss);
    demo_progress_end(&prog, summary);
    return 0;
}

/* BEST_SINGLE's module is chosen without looking at the test set: each single module is
 * distilled once (seed index 0, the same steps) on the training images minus the last
 * VALIDATION_IMAGES, and scored on questions about those held-out images. The best
 * validation accuracy wins (a tie goes to the lower module index). */
static int select_best_single(demo_run *r)
{
    const size_t held_out = r->opt.quick ? QUICK_VALIDATION_IMAGES : VALIDATION_IMAGES;
    const size_t fit_count = r->data.train.count - held_out;
    const demo_split fit = {fit_count, r->data.train.pixels, r->data.train.labels};
    const demo_split val = {held_out, r->data.train.pixels + fit_count * DEMO_FASHION_PIXELS,
                            r->data.train.labels + fit_count};
    const size_t nq = VQA_TYPES * held_out;
    vqa_question *q = malloc(nq * sizeof *q);
    if (q == NULL || vqa_test_set(val.labels, val.count, VALIDATION_QUESTION_SEED, q) != 0) {
        free(q);
        return fprintf(stderr, "optima-demo: out of memory\n"), -1;
    }
    const double t0 = demo_now();
    int rc = 0;
    for (uint32_t m = 0; m < DEMO_MODULES && rc == 0; ++m) {
        student_job j = {P_BEST_SINGLE, 0, m, &fit, "", "", NULL, NULL};
        snprintf(j.tag, sizeof j.tag, "BEST_SINGLE-select-%s", demo_module_name((int)m));
        snprintf(j.label, sizeof j.label, "select %s", demo_module_name((int)m));
        demo_progress prog;
        demo_train_result res;
        demo_model *s = train_student(r, &j, &prog, &res);
        demo_accuracy acc;
        rc = s == NULL ? -1 : evaluate_on(r, s, &val, q, nq, &acc);
        demo_model_destroy(s);
        if (rc != 0) break;
        r->best.accuracy[m] = demo_accuracy_overall(&acc);
        char summary[64];
        snprintf(summary, sizeof summary, "validation accuracy %.4f", r->best.accuracy[m]);
        demo_progress_end(&prog, summary);
        if (r->best.accuracy[m] > r->best.accuracy[r->best.module]) r->best.module = m;
    }
    free(q);
    if (rc != 0) return -1;
    r->best.done = 1;
    r->best.images = held_out;
    r->best.questions = nq;
    r->best.seconds = demo_now() - t0;
    printf("BEST_SINGLE: module %s chosen on %zu validation questions (image %.4f, question "
           "%.4f, fusion %.4f) in %.1fs\n",
           demo_module_name((int)r->best.module), nq, r->best.accuracy[0], r->best.accuracy[1],
           r->best.accuracy[2], r->best.seconds);
    return 0;
}

static int make_dirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; ++p) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* --reward evaluation: the fixed batch of the evaluation reward, 4 questions about each of
 * the last EVAL_REWARD_IMAGES images students train on. They stay in the training set:
 * holding them out would change every policy's batches. */
static int reward_set(demo_run *r)
{
    const size_t images = EVAL_REWARD_IMAGES, first = r->fit.count - images;
    r->reward_images = (demo_split){images, r->fit.pixels + first * DEMO_FASHION_PIXELS,
                                    r->fit.labels + first};
    r->reward_questions = malloc(VQA_TYPES * images * sizeof *r->reward_questions);
    if (r->reward_questions == NULL ||
        vqa_test_set(r->reward_images.labels, images, EVAL_REWARD_QUESTION_SEED,
                     r->reward_questions) != 0)
        return fprintf(stderr, "optima-demo: out of memory\n"), -1;
    r->reward_eval = (demo_distill_eval){&r->reward_images, r->reward_questions,
                                         VQA_TYPES * images, &r->ctx};
    printf("reward: the student's task loss on %zu fixed questions about training images "
           "%zu-%zu, at every round's end\n", r->reward_eval.count, first, first + images - 1);
    return 0;
}

/* The split students train on and the split they are scored on. --score validation holds
 * out the last training images (the split BEST_SINGLE chooses its module on), so settings
 * are compared without looking at the test set. */
static void choose_scored_split(demo_run *r)
{
    r->fit = r->data.train;
    r->test = r->data.test;
    r->scored = "test";
    if (r->opt.quick) r->test.count = QUICK_TEST_IMAGES;
    if (!r->opt.score_validation) return;
    const size_t held_out = r->opt.quick ? QUICK_VALIDATION_IMAGES : VALIDATION_IMAGES;
    r->fit.count = r->data.train.count - held_out;
    r->test = (demo_split){held_out, r->data.train.pixels + r->fit.count * DEMO_FASHION_PIXELS,
                           r->data.train.labels + r->fit.count};
    r->scored = "validation";
}

static int load_data(demo_run *r)
{
    char err[2048];
    if (demo_fashion_load(r->opt.data, &r->data, err, sizeof err) != 0)
        return fprintf(stderr, "optima-demo: %s\n", err), -1;
    choose_scored_split(r);
    r->nq = VQA_TYPES * r->test.count;
    r->questions = malloc(r->nq * sizeof *r->questions);
    const uint32_t seed = r->opt.score_validation ? VALIDATION_QUESTION_SEED : TEST_QUESTION_SEED;
    if (r->questions == NULL || vqa_test_set(r->test.labels, r->test.count, seed, r->questions) != 0)
        return fprintf(stderr, "optima-demo: out of memory\n"), -1;
    printf("data: students train on %zu images, %zu %s questions (%zu images x 4 types)\n",
           r->fit.count, r->nq, r->scored, r->test.count);
    return r->opt.eval_reward ? reward_set(r) : 0;
}

static int run_policies(demo_run *r)
{
    for (int p = 0; p < P_COUNT; ++p) {
        if (!r->opt.wanted[p]) continue;
        printf("%s: %s\n", policies[p].name, policies[p].what);
        if (p == P_BEST_SINGLE && select_best_single(r) != 0) return -1;
        for (size_t k = 0; k < r->opt.seeds; ++k)
            if (run_student(r, p, k) != 0) return -1;
        const run_stats *st = &r->runs[p];
        printf("%-12s accuracy %.4f +- %.4f over %zu seeds, %.1fs per run", policies[p].name,
               mean_of(st->acc, st->n, 1), std_of(st->acc, st->n), st->n,
               mean_of(st->secs, st->n, 1));
        if (r->opt.eval_reward && policies[p].distils)
            printf(" (%.2fs of them the reward's evaluations)", mean_of(st->eval_secs, st->n, 1));
        printf("\n");
    }
    return 0;
}

/* optima-demo-mpi: rank 0 prepares the teacher (trains and caches it), then the others
 * load it from the cache. */
static int prepare_teacher_in_turn(demo_run *r)
{
    const demo_parallel *p = r->par;
    if (p == NULL) return prepare_teacher(r);
    if (p->rank == 0 && prepare_teacher(r) != 0) return -1;
    if (p->barrier(p->user) != 0) return -1;
    return p->rank == 0 ? 0 : prepare_teacher(r);
}

static int run(demo_run *r)
{
    snprintf(r->logdir, sizeof r->logdir, "%s", r->opt.out);
    if (r->par != NULL) snprintf(r->logdir, sizeof r->logdir, "%s/rank%d", r->opt.out, r->par->rank);
    if (make_dirs(r->logdir) != 0)
        return fprintf(stderr, "optima-demo: cannot create %s: %s\n", r->logdir, strerror(errno)), -1;
    const demo_distill_settings *d = &r->opt.distill;
    printf("optima-demo (liboptima %s): %d thread(s), %zu student steps, %zu seed(s)%s\n"
           "distillation: alpha_pred %g, temperature %g, alpha_layer %g, rounds of %u steps\n",
           optima_version_string(), r->opt.threads, r->opt.steps, r->opt.seeds,
           r->opt.quick ? ", quick" : "", d->alpha_pred, d->temperature, d->alpha_layer,
           (unsigned)d->round_length);
    nn_ctx_init(&r->ctx, r->opt.threads);
    const double t0 = demo_now();
    if (load_data(r) != 0 || prepare_teacher_in_turn(r) != 0 || run_policies(r) != 0) return -1;
    if (r->par != NULL && r->par->rank != 0) return 0; /* rank 0 reports */
    if (write_results(r) != 0) return -1;
    printf("wrote %s/results.json\n", r->opt.out);
    if (r->opt.plot && r->par == NULL) plot_results(r);
    printf("total %.1fs\n", demo_now() - t0);
    return 0;
}

int demo_main(int argc, char **argv, const demo_parallel *par)
{
    optima_choose_blis("optima-demo");
    setvbuf(stdout, NULL, _IOLBF, 0); /* interleave with the progress lines on stderr */
    demo_run *r = calloc(1, sizeof *r);
    if (r == NULL) return 1;
    r->par = par;
    const int parsed = parse_args(argc, argv, &r->opt);
    int rc = parsed < 0 ? 2 : 0;
    if (parsed == 0) rc = run(r) == 0 ? 0 : 1;
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
