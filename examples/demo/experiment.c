/* The experiment (experiment.h): loads the data, prepares the teacher, trains and scores
 * the students of every requested policy. The distilling policies run liboptima's trainer
 * inside the training loop's hook (distill.h). */
#include "experiment.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <optima/optima.h>

#include "cache.h"
#include "progress.h"
#include "results_json.h"
#include "results_plot.h"
#include "stats.h"

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

static FILE *open_log(const char *dir, const char *name)
{
    char path[4096];
    const int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path) {
        fprintf(stderr, "optima-demo: warning: the path of %s in '%s' is too long\n", name, dir);
        return NULL;
    }
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
    const demo_policy *p = &demo_policies[j->policy];
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
        student_recipe(r->opt.steps, seed, demo_policies[j->policy].distils && r->opt.align_reward);
    rec.parallel = r->par;
    demo_distiller *d = NULL;
    demo_distill_fn hook = r->opt.with_teacher ? idle_hook : NULL;
    if (demo_policies[j->policy].distils) {
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
    snprintf(j.tag, sizeof j.tag, "%s-seed%zu", demo_policies[p].name, k + 1);
    snprintf(j.label, sizeof j.label, "%s seed %zu/%zu", demo_policies[p].name, k + 1,
             r->opt.seeds);
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
        printf("%s: %s\n", demo_policies[p].name, demo_policies[p].what);
        if (p == P_BEST_SINGLE && select_best_single(r) != 0) return -1;
        for (size_t k = 0; k < r->opt.seeds; ++k)
            if (run_student(r, p, k) != 0) return -1;
        const run_stats *st = &r->runs[p];
        printf("%-12s accuracy %.4f +- %.4f over %zu seeds, %.1fs per run", demo_policies[p].name,
               demo_mean_of(st->acc, st->n, 1), demo_std_of(st->acc, st->n), st->n,
               demo_mean_of(st->secs, st->n, 1));
        if (r->opt.eval_reward && demo_policies[p].distils)
            printf(" (%.2fs of them the reward's evaluations)",
                   demo_mean_of(st->eval_secs, st->n, 1));
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

int demo_experiment_run(demo_run *r)
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
    if (demo_results_write_json(r) != 0) return -1;
    printf("wrote %s/results.json\n", r->opt.out);
    if (r->opt.plot && r->par == NULL) demo_results_plot(r);
    printf("total %.1fs\n", demo_now() - t0);
    return 0;
}
