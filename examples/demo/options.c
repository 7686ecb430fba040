/* The demo's command line (options.h): parsing and the usage text. */
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <optima/optima.h>

#include "experiment.h"
#include "fashion.h"
#include "vqa.h"

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
            if (strcmp(tok, demo_policies[p].name) == 0) wanted[p] = found = any = 1;
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

static int parse_reward(const char *v, demo_options *o)
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

int demo_options_parse(int argc, char **argv, demo_options *o)
{
    size_t threads = 2, seeds_set = 0, steps_set = 0, teacher_set = 0;
    /* the alignment reward by default: chosen on the validation split (README) */
    *o = (demo_options){.out = "demo-out", .data = DEMO_FASHION_DEFAULT_DIR, .seeds = 3,
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
