/* optima-demo: FashionVQA, a multimodal teacher distilled into a small student.
 *
 *   optima-demo [--out DIR] [--seeds N] [--steps N] [--policies LIST] [--threads N]
 *               [--teacher-steps N] [--with-teacher] [--quick] [--data DIR]
 *
 * Loads Fashion-MNIST, trains the teacher (or loads it from DIR/teacher-<steps>.bin),
 * reports its test accuracy, then trains the student under each requested policy with
 * the same seeds and steps and writes DIR/results.json. The distillation policies plug in
 * through the hook of demo_train (train.h); until the library's trainer exists only NONE
 * (task loss only) runs. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <optima/optima.h>

#include "cache.h"
#include "fashion.h"
#include "model.h"
#include "progress.h"
#include "train.h"
#include "vqa.h"

/* The seed of the test questions: fixed so every run and policy sees the same test set. */
#define TEST_QUESTION_SEED 2023u
#define TEACHER_SEED 1u
#define STUDENT_SEED_BASE 1000u
#define BATCH 128u
#define QUICK_TEST_IMAGES 2000u

/* --- policies ---------------------------------------------------------------------------- */

enum { P_NONE, P_KD, P_ALL, P_OPTIMA, P_RANDOM, P_BEST_SINGLE, P_COUNT };

/* A policy is a distillation hook with its per-run state: `setup` (may be NULL) builds the
 * hook's user data for one student run (e.g. the library's trainer for this teacher,
 * student and seed) and `teardown` frees it. NONE has no hook. The library-backed
 * policies (KD, ALL, OPTIMA, RANDOM, BEST_SINGLE) plug in here once the trainer exists. */
typedef struct policy {
    const char *name;
    const char *what;
    demo_distill_fn hook;
    int (*setup)(demo_model *teacher, demo_model *student, uint64_t seed, const char *log_dir,
                 void **user);
    void (*teardown)(void *user);
    int available;
} policy;

static const policy policies[P_COUNT] = {
    {"NONE", "no distillation (task loss only)", NULL, NULL, NULL, 1},
    {"KD", "prediction-layer KD only", NULL, NULL, NULL, 0},
    {"ALL", "layerwise distillation of every module", NULL, NULL, NULL, 0},
    {"OPTIMA", "OPTIMA module selection", NULL, NULL, NULL, 0},
    {"RANDOM", "a random module set each round", NULL, NULL, NULL, 0},
    {"BEST_SINGLE", "the best single module", NULL, NULL, NULL, 0},
};

/* --- options ----------------------------------------------------------------------------- */

typedef struct options {
    const char *out, *data;
    size_t seeds, steps, teacher_steps;
    int threads, quick, with_teacher;
    int wanted[P_COUNT];
} options;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: optima-demo [--out DIR] [--seeds N] [--steps N] [--policies LIST]\n"
            "                   [--threads N] [--teacher-steps N] [--with-teacher] [--quick]\n"
            "                   [--data DIR]\n"
            "  --out DIR          results, logs and the teacher cache (default demo-out)\n"
            "  --seeds N          student runs per policy (default 3)\n"
            "  --steps N          student training steps (default %u)\n"
            "  --policies LIST    comma-separated among NONE,KD,ALL,OPTIMA,RANDOM,BEST_SINGLE\n"
            "                     (default all; only NONE is available until the trainer lands)\n"
            "  --threads N        BLIS threads (default 2)\n"
            "  --teacher-steps N  teacher training steps (default %u)\n"
            "  --with-teacher     NONE also runs the teacher forward and an idle hook (same\n"
            "                     results: measures the time distillation will add)\n"
            "  --quick            smoke run: short teacher and student, 1 seed, %u test images\n"
            "  --data DIR         Fashion-MNIST directory (default %s)\n",
            1000u, 3000u, QUICK_TEST_IMAGES, DEMO_FASHION_DEFAULT_DIR);
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

/* Returns 0 to run, 1 to exit successfully (--help), -1 on a usage error. */
static int parse_args(int argc, char **argv, options *o)
{
    size_t threads = 2, seeds_set = 0, steps_set = 0, teacher_set = 0;
    *o = (options){"demo-out", DEMO_FASHION_DEFAULT_DIR, 3, 1000, 3000, 2, 0, 0, {0}};
    for (int p = 0; p < P_COUNT; ++p) o->wanted[p] = 1;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int used = 1, rc = 0;
        if (strcmp(a, "--out") == 0 && v) o->out = v;
        else if (strcmp(a, "--data") == 0 && v) o->data = v;
        else if (strcmp(a, "--seeds") == 0) rc = parse_count(a, v, 1, 100, &o->seeds), seeds_set = 1;
        else if (strcmp(a, "--steps") == 0) rc = parse_count(a, v, 1, 10000000, &o->steps), steps_set = 1;
        else if (strcmp(a, "--teacher-steps") == 0)
            rc = parse_count(a, v, 1, 10000000, &o->teacher_steps), teacher_set = 1;
        else if (strcmp(a, "--threads") == 0) rc = parse_count(a, v, 1, 256, &threads);
        else if (strcmp(a, "--policies") == 0) rc = parse_policies(v, o->wanted);
        else if (strcmp(a, "--quick") == 0) o->quick = 1, used = 0;
        else if (strcmp(a, "--with-teacher") == 0) o->with_teacher = 1, used = 0;
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
        if (!steps_set) o->steps = 150;
        if (!teacher_set) o->teacher_steps = 300;
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
    const demo_train_config t = {steps, BATCH, 1e-3f, 0.05f, 0.01f, TEACHER_SEED, 50};
    return t;
}

static demo_train_config student_recipe(size_t steps, uint64_t seed)
{
    const demo_train_config t = {steps, BATCH, 2e-3f, 0.05f, 0.01f, seed, 50};
    return t;
}

/* --- results ----------------------------------------------------------------------------- */

typedef struct run_stats {
    double acc[100], secs[100], per_type[100][VQA_TYPES];
    size_t n;
} run_stats;

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

typedef struct teacher_report {
    demo_accuracy acc;
    double train_seconds, eval_seconds;
    int cached;
    size_t steps, params;
} teacher_report;

static int write_results(const options *o, const teacher_report *t, size_t student_params,
                         size_t test_questions, const run_stats *runs)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/results.json", o->out);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "optima-demo: %s: cannot create: %s\n", tmp, strerror(errno));
        return -1;
    }
    double tt[VQA_TYPES];
    for (int k = 0; k < VQA_TYPES; ++k) tt[k] = demo_accuracy_of(&t->acc, k);
    fprintf(f, "{\n  \"liboptima\": \"%s\",\n", optima_version_string());
    fprintf(f, "  \"config\": {\"threads\": %d, \"steps\": %zu, \"seeds\": %zu, \"batch\": %u, "
               "\"test_questions\": %zu, \"quick\": %s, \"with_teacher\": %s},\n",
            o->threads, o->steps, o->seeds, BATCH, test_questions, o->quick ? "true" : "false",
            o->with_teacher ? "true" : "false");
    fprintf(f, "  \"teacher\": {\"accuracy\": %.6f, \"per_type\": ", demo_accuracy_overall(&t->acc));
    json_per_type(f, tt, 1, 1);
    fprintf(f, ", \"params\": %zu, \"steps\": %zu, \"train_seconds\": %.3f, \"cached\": %s, "
               "\"eval_seconds\": %.3f},\n",
            t->params, t->steps, t->train_seconds, t->cached ? "true" : "false", t->eval_seconds);
    fprintf(f, "  \"student\": {\"params\": %zu},\n  \"policies\": {", student_params);
    int first = 1;
    for (int p = 0; p < P_COUNT; ++p) {
        const run_stats *r = &runs[p];
        if (r->n == 0) continue;
        fprintf(f, "%s\n    \"%s\": {\"accuracy_mean\": %.6f, \"accuracy_std\": %.6f, "
                   "\"seeds\": %zu, \"seconds_mean\": %.3f, \"steps\": %zu, \"per_type_mean\": ",
                first ? "" : ",", policies[p].name, mean_of(r->acc, r->n, 1), std_of(r->acc, r->n),
                r->n, mean_of(r->secs, r->n, 1), o->steps);
        json_per_type(f, &r->per_type[0][0], r->n, VQA_TYPES);
        fprintf(f, ", \"accuracy_per_seed\": [");
        for (size_t i = 0; i < r->n; ++i) fprintf(f, "%s%.6f", i ? ", " : "", r->acc[i]);
        fprintf(f, "]}");
        first = 0;
    }
    fprintf(f, "\n  }\n}\n");
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "optima-demo: %s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* --- the runs ---------------------------------------------------------------------------- */

typedef struct demo_run {
    options opt;
    nn_ctx ctx;
    demo_fashion data;
    demo_split test;          /* the evaluated part of the test split */
    vqa_question *questions;  /* 4 per test image */
    size_t nq;
    demo_model *teacher;
    teacher_report teacher_rep;
    run_stats runs[P_COUNT];
    size_t student_params;
} demo_run;

static FILE *open_log(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL) fprintf(stderr, "optima-demo: warning: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

static int evaluate(demo_run *r, demo_model *m, demo_accuracy *acc)
{
    if (demo_evaluate(m, &r->ctx, &r->test, r->questions, r->nq, acc) == 0) return 0;
    fprintf(stderr, "optima-demo: out of memory while evaluating\n");
    return -1;
}

static void print_accuracy(const char *who, const demo_accuracy *a)
{
    printf("%s test accuracy %.4f (what %.4f, is_class %.4f, footwear %.4f, upper_body %.4f)\n",
           who, demo_accuracy_overall(a), demo_accuracy_of(a, VQA_WHAT),
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
    print_accuracy("teacher", &r->teacher_rep.acc);
    return 0;
}

/* The hook of --with-teacher: takes part in every step and adds nothing. */
static int idle_hook(void *user, demo_distill_step *step)
{
    (void)user;
    (void)step;
    return 0;
}

static int run_student(demo_run *r, int p, size_t k)
{
    char err[1024], name[64];
    const demo_model_config cfg = config_of(2, 64, 1, 48, 2, 96);
    const uint64_t seed = STUDENT_SEED_BASE + k;
    demo_model *s = demo_model_create(&cfg, BATCH, seed, err, sizeof err);
    if (s == NULL) return fprintf(stderr, "optima-demo: student: %s\n", err), -1;
    r->student_params = demo_model_params(s)->total;
    const demo_train_config rec = student_recipe(r->opt.steps, seed);
    snprintf(name, sizeof name, "%s-seed%zu.csv", policies[p].name, k + 1);
    FILE *csv = open_log(r->opt.out, name);
    snprintf(name, sizeof name, "%s seed %zu/%zu", policies[p].name, k + 1, r->opt.seeds);
    demo_progress prog;
    demo_progress_begin(&prog, stderr, -1, name, rec.steps);
    demo_train_result res;
    demo_distill_fn hook = policies[p].hook;
    if (hook == NULL && r->opt.with_teacher) hook = idle_hook;
    void *user = NULL;
    int rc = 0;
    if (policies[p].setup != NULL &&
        policies[p].setup(r->teacher, s, seed, r->opt.out, &user) != 0) {
        snprintf(err, sizeof err, "policy %s: setup failed", policies[p].name);
        rc = -1;
    }
    if (rc == 0)
        rc = demo_train(s, r->teacher, &r->data.train, &rec, &r->ctx, hook, user, &prog, csv,
                        &res, err, sizeof err);
    if (policies[p].teardown != NULL) policies[p].teardown(user);
    if (csv) fclose(csv);
    demo_accuracy acc;
    if (rc != 0) fprintf(stderr, "optima-demo: %s\n", err);
    else rc = evaluate(r, s, &acc);
    demo_model_destroy(s);
    if (rc != 0) return -1;
    run_stats *st = &r->runs[p];
    st->acc[st->n] = demo_accuracy_overall(&acc);
    st->secs[st->n] = res.seconds;
    for (int t = 0; t < VQA_TYPES; ++t) st->per_type[st->n][t] = demo_accuracy_of(&acc, t);
    st->n += 1;
    char summary[128];
    snprintf(summary, sizeof summary, "test accuracy %.4f, loss %.4f", st->acc[st->n - 1],
             (double)res.final_loss);
    demo_progress_end(&prog, summary);
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

static int load_data(demo_run *r)
{
    char err[2048];
    if (demo_fashion_load(r->opt.data, &r->data, err, sizeof err) != 0)
        return fprintf(stderr, "optima-demo: %s\n", err), -1;
    r->test = r->data.test;
    if (r->opt.quick) r->test.count = QUICK_TEST_IMAGES;
    r->nq = VQA_TYPES * r->test.count;
    r->questions = malloc(r->nq * sizeof *r->questions);
    if (r->questions == NULL ||
        vqa_test_set(r->test.labels, r->test.count, TEST_QUESTION_SEED, r->questions) != 0)
        return fprintf(stderr, "optima-demo: out of memory\n"), -1;
    printf("data: %zu training images, %zu test questions (%zu images x 4 types)\n",
           r->data.train.count, r->nq, r->test.count);
    return 0;
}

static int run_policies(demo_run *r)
{
    int any = 0;
    for (int p = 0; p < P_COUNT; ++p) {
        if (!r->opt.wanted[p]) continue;
        if (!policies[p].available) {
            printf("policy %s (%s): not available yet, it needs the library's trainer; skipped\n",
                   policies[p].name, policies[p].what);
            continue;
        }
        any = 1;
        for (size_t k = 0; k < r->opt.seeds; ++k)
            if (run_student(r, p, k) != 0) return -1;
        const run_stats *st = &r->runs[p];
        printf("%-12s accuracy %.4f +- %.4f over %zu seeds, %.1fs per run\n", policies[p].name,
               mean_of(st->acc, st->n, 1), std_of(st->acc, st->n), st->n,
               mean_of(st->secs, st->n, 1));
    }
    return any ? 0 : -1;
}

static int any_available(const options *o)
{
    for (int p = 0; p < P_COUNT; ++p)
        if (o->wanted[p] && policies[p].available) return 1;
    fprintf(stderr, "optima-demo: none of the requested policies is available yet (only NONE "
                    "runs until the library's trainer lands)\n");
    return 0;
}

static int run(demo_run *r)
{
    if (!any_available(&r->opt)) return -1;
    if (make_dirs(r->opt.out) != 0)
        return fprintf(stderr, "optima-demo: cannot create %s: %s\n", r->opt.out, strerror(errno)), -1;
    printf("optima-demo (liboptima %s): %d thread(s), %zu student steps, %zu seed(s)%s\n",
           optima_version_string(), r->opt.threads, r->opt.steps, r->opt.seeds,
           r->opt.quick ? ", quick" : "");
    nn_ctx_init(&r->ctx, r->opt.threads);
    if (load_data(r) != 0 || prepare_teacher(r) != 0 || run_policies(r) != 0) return -1;
    if (write_results(&r->opt, &r->teacher_rep, r->student_params, r->nq, r->runs) != 0)
        return -1;
    printf("wrote %s/results.json\n", r->opt.out);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* interleave with the progress lines on stderr */
    demo_run *r = calloc(1, sizeof *r);
    if (r == NULL) return 1;
    const int parsed = parse_args(argc, argv, &r->opt);
    int rc = parsed < 0 ? 2 : 0;
    if (parsed == 0) rc = run(r) == 0 ? 0 : 1;
    demo_model_destroy(r->teacher);
    free(r->questions);
    demo_fashion_free(&r->data);
    free(r);
    return rc;
}
