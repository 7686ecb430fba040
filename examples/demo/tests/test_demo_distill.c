/* The distillation hook on liboptima's trainer: gradients reach exactly the modules of the
 * arm being played, KD touches only the logits, the values are the library's, the round
 * log tells the same story as the gradients, and failures carry the library's message. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "distill.h"
#include "synthetic.h"
#include "train.h"

#define BATCH 32u
#define MAX_STEPS 64u

typedef struct fixture {
    nn_ctx ctx;
    demo_split train;
    demo_model *teacher, *student;
    char log[64];
    char err[1024];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    nn_ctx_init(&f->ctx, 1);
    synthetic_split(&f->train, 256, 3);
    const demo_model_config tc = synthetic_config(16, 3), sc = synthetic_config(8, 2);
    f->teacher = demo_model_create(&tc, BATCH, 1, f->err, sizeof f->err);
    f->student = demo_model_create(&sc, BATCH, 2, f->err, sizeof f->err);
    snprintf(f->log, sizeof f->log, "/tmp/demo-distill-XXXXXX");
    const int fd = mkstemp(f->log);
    if (fd >= 0) close(fd);
    *state = f;
    return f->teacher && f->student && fd >= 0 ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    remove(f->log);
    demo_model_destroy(f->teacher);
    demo_model_destroy(f->student);
    synthetic_free(&f->train);
    free(f);
    return 0;
}

static const demo_distill_settings settings = {1.0, 2.0, 1.0, 3, 1e-3};

static demo_distiller *distiller(fixture *f, int32_t policy, int layerwise, uint32_t module)
{
    const demo_distill_choice c = {policy, layerwise, module, 7, 1, f->log, NULL,
                                   OPTIMA_REWARD_RELATIVE, 0, 0, 0, NULL};
    demo_distiller *d = demo_distiller_create(f->teacher, f->student, &settings, &c, f->err,
                                              sizeof f->err);
    assert_non_null(d);
    return d;
}

/* What the hook left in the step's gradient buffers, step by step. */
typedef struct watch {
    demo_distiller *d;
    size_t steps;
    uint32_t modules[MAX_STEPS]; /* modules with a non-zero hidden-state gradient */
    uint32_t reported[MAX_STEPS];/* demo_distiller_last_mask() */
    int partial;                 /* a module had some layers with gradients, not all */
    int logits[MAX_STEPS];       /* the logits gradient is non-zero */
} watch;

static int any_nonzero(const float *g, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        if (g[i] != 0.0f) return 1;
    return 0;
}

static int watch_hook(void *user, demo_distill_step *st)
{
    watch *w = user;
    const int rc = demo_distiller_hook(w->d, st);
    if (rc != 0 || w->steps == MAX_STEPS) return rc ? rc : 1;
    uint32_t mask = 0;
    for (int m = 0; m < DEMO_MODULES; ++m) {
        size_t with = 0;
        for (size_t l = 0; l < st->student_layers[m]; ++l)
            with += (size_t)any_nonzero(st->student_hidden_grad[m][l],
                                        st->batch * st->student_hidden[m][l].cols);
        if (with > 0) mask |= 1u << m;
        if (with > 0 && with < st->student_layers[m]) w->partial = 1;
    }
    w->modules[w->steps] = mask;
    w->reported[w->steps] = demo_distiller_last_mask(w->d);
    w->logits[w->steps] = any_nonzero(st->student_logits_grad, st->batch * VQA_ANSWERS);
    w->steps += 1;
    return 0;
}

static void train_hooked(fixture *f, demo_distill_fn hook, void *user, size_t steps,
                         int task_grads)
{
    const demo_train_config c = {steps, BATCH, 3e-3f, 0.1f, 0.01f, 5, 0, task_grads, NULL};
    demo_train_result res;
    assert_int_equal(demo_train(f->student, f->teacher, &f->train, &c, &f->ctx, hook, user,
                                NULL, NULL, &res, f->err, sizeof f->err), 0);
}

static void train_watched(fixture *f, watch *w, size_t steps)
{
    train_hooked(f, watch_hook, w, steps, 0);
    assert_int_equal(w->steps, steps);
    assert_false(w->partial);
}

static void a_single_module_arm_gives_gradients_to_that_module_only(void **state)
{
    fixture *f = *state;
    for (uint32_t m = 0; m < DEMO_MODULES; ++m) {
        watch w = {distiller(f, OPTIMA_POLICY_FIXED, 1, m), 0, {0}, {0}, 0, {0}};
        train_watched(f, &w, 6);
        for (size_t s = 0; s < w.steps; ++s) {
            assert_int_equal(w.modules[s], 1u << m);
            assert_int_equal(w.reported[s], 1u << m);
            assert_true(w.logits[s]);
        }
        demo_distiller_destroy(w.d);
    }
}

static void all_gives_gradients_to_every_module(void **state)
{
    fixture *f = *state;
    watch w = {distiller(f, OPTIMA_POLICY_ALL, 1, 0), 0, {0}, {0}, 0, {0}};
    train_watched(f, &w, 6);
    for (size_t s = 0; s < w.steps; ++s) assert_int_equal(w.modules[s], 7u);
    demo_distiller_destroy(w.d);
}

static void kd_gives_gradients_to_the_logits_only(void **state)
{
    fixture *f = *state;
    watch w = {distiller(f, OPTIMA_POLICY_ALL, 0, 0), 0, {0}, {0}, 0, {0}};
    train_watched(f, &w, 6);
    for (size_t s = 0; s < w.steps; ++s) {
        assert_int_equal(w.modules[s], 0u);
        assert_int_equal(w.reported[s], 0u);
        assert_true(w.logits[s]);
    }
    demo_distiller_destroy(w.d);
}

static uint32_t mask_of_arm_name(char *name)
{
    uint32_t mask = 0;
    for (char *tok = strtok(name, "+"); tok != NULL; tok = strtok(NULL, "+"))
        for (int m = 0; m < DEMO_MODULES; ++m)
            if (strcmp(tok, demo_module_name(m)) == 0) mask |= 1u << m;
    return mask;
}

/* Reads the trainer's CSV round log: per round, its first step and its arm's mask. */
static size_t read_round_log(const char *path, size_t *first, uint32_t *mask, size_t max)
{
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    char line[512];
    assert_non_null(fgets(line, sizeof line, in));
    assert_int_equal(strncmp(line, "round,first_step,arm,arm_name,", 30), 0);
    size_t n = 0;
    while (n < max && fgets(line, sizeof line, in) != NULL) {
        unsigned long long round = 0, step = 0;
        unsigned arm = 0;
        char name[128];
        assert_int_equal(sscanf(line, "%llu,%llu,%u,%127[^,]", &round, &step, &arm, name), 4);
        assert_int_equal(round, n);
        first[n] = (size_t)step;
        mask[n] = mask_of_arm_name(name);
        n += 1;
    }
    fclose(in);
    return n;
}

static void optima_gradients_follow_the_arm_the_round_log_records(void **state)
{
    fixture *f = *state;
    watch w = {distiller(f, OPTIMA_POLICY_OPTIMA, 1, 0), 0, {0}, {0}, 0, {0}};
    train_watched(f, &w, 30);
    demo_distiller_destroy(w.d); /* closes the log */
    size_t first[16];
    uint32_t mask[16];
    assert_int_equal(read_round_log(f->log, first, mask, 16), 10); /* 30 steps, rounds of 3 */
    uint32_t seen = 0;
    for (size_t r = 0; r < 10; ++r) {
        assert_int_equal(first[r], 3 * r);
        for (size_t s = first[r]; s < first[r] + 3; ++s) assert_int_equal(w.modules[s], mask[r]);
        seen |= 1u << mask[r];
    }
    /* the first 7 rounds play each of the 7 arms once */
    assert_int_equal(seen, 0xFEu);
}

static void the_hook_adds_the_librarys_kl_gradient(void **state)
{
    fixture *f = *state;
    demo_distiller *d = distiller(f, OPTIMA_POLICY_ALL, 0, 0);
    float pixels[BATCH * DEMO_FASHION_PIXELS];
    uint8_t tokens[BATCH * VQA_LEN];
    uint32_t index[BATCH];
    for (uint32_t i = 0; i < BATCH; ++i) index[i] = i;
    demo_fashion_pixels(&f->train, index, BATCH, pixels);
    for (size_t i = 0; i < sizeof tokens; ++i) tokens[i] = (uint8_t)(1 + i % 5);
    demo_model_forward(f->teacher, &f->ctx, pixels, tokens, BATCH);
    demo_model_forward(f->student, &f->ctx, pixels, tokens, BATCH);
    demo_distill_step st;
    memset(&st, 0, sizeof st);
    st.batch = BATCH;
    st.task_loss = 1.0f;
    st.student_logits = (optima_tensor){demo_model_logits(f->student), BATCH, VQA_ANSWERS, VQA_ANSWERS};
    st.teacher_logits = (optima_tensor){demo_model_logits(f->teacher), BATCH, VQA_ANSWERS, VQA_ANSWERS};
    float grad[BATCH * VQA_ANSWERS], expected[BATCH * VQA_ANSWERS];
    for (size_t i = 0; i < BATCH * VQA_ANSWERS; ++i) grad[i] = 0.25f;
    st.student_logits_grad = grad;
    assert_int_equal(demo_distiller_hook(d, &st), 0);
    optima_context *ctx = NULL;
    double kl = 0.0;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    assert_int_equal(optima_kl(ctx, &st.student_logits, &st.teacher_logits, settings.temperature,
                               NULL, &kl, expected, VQA_ANSWERS), OPTIMA_OK);
    for (size_t i = 0; i < BATCH * VQA_ANSWERS; ++i)
        assert_float_equal(grad[i], 0.25f + (float)settings.alpha_pred * expected[i], 1e-6f);
    assert_float_equal(st.distill_loss, settings.alpha_pred * kl, 1e-5);
    optima_context_destroy(ctx);
    demo_distiller_destroy(d);
}

/* A second student with the fixture's student's configuration and seed. */
static demo_model *twin_student(fixture *f)
{
    const demo_model_config sc = synthetic_config(8, 2);
    demo_model *m = demo_model_create(&sc, BATCH, 2, f->err, sizeof f->err);
    assert_non_null(m);
    return m;
}

/* Puts the fixture's first student back and destroys the twin that replaced it. */
static void restore_student(fixture *f, demo_model *first)
{
    demo_model_destroy(f->student);
    f->student = first;
}

static void assert_same_weights(demo_model *a, demo_model *b)
{
    const nn_params *pa = demo_model_params(a), *pb = demo_model_params(b);
    assert_int_equal(pa->count, pb->count);
    for (size_t t = 0; t < pa->count; ++t)
        assert_memory_equal(pa->items[t].value, pb->items[t].value,
                            pa->items[t].size * sizeof(float));
}

static void distillation_is_deterministic_for_a_seed(void **state)
{
    fixture *f = *state;
    demo_model *again = twin_student(f);
    watch a = {distiller(f, OPTIMA_POLICY_OPTIMA, 1, 0), 0, {0}, {0}, 0, {0}};
    train_watched(f, &a, 12);
    demo_model *const first = f->student;
    f->student = again;
    watch b = {distiller(f, OPTIMA_POLICY_OPTIMA, 1, 0), 0, {0}, {0}, 0, {0}};
    train_watched(f, &b, 12);
    assert_memory_equal(a.modules, b.modules, sizeof a.modules);
    assert_same_weights(first, again);
    demo_distiller_destroy(a.d);
    demo_distiller_destroy(b.d);
    restore_student(f, first);
}

static void bad_settings_are_refused_with_the_librarys_message(void **state)
{
    fixture *f = *state;
    demo_distill_settings bad = settings;
    bad.temperature = 0.0;
    const demo_distill_choice c = {OPTIMA_POLICY_ALL, 1, 0, 7, 1, NULL, NULL,
                                   OPTIMA_REWARD_RELATIVE, 0, 0, 0, NULL};
    assert_null(demo_distiller_create(f->teacher, f->student, &bad, &c, f->err, sizeof f->err));
    assert_non_null(strstr(f->err, "optima_trainer_set_temperature"));
    assert_non_null(strstr(f->err, "'temperature'"));
    bad = settings;
    bad.round_length = 0;
    assert_null(demo_distiller_create(f->teacher, f->student, &bad, &c, f->err, sizeof f->err));
    assert_non_null(strstr(f->err, "optima_trainer_set_round_length"));
    const demo_distill_choice fixed = {OPTIMA_POLICY_FIXED, 1, DEMO_MODULES, 7, 1, NULL, NULL,
                                   OPTIMA_REWARD_RELATIVE, 0, 0, 0, NULL};
    assert_null(demo_distiller_create(f->teacher, f->student, &settings, &fixed, f->err,
                                      sizeof f->err));
    assert_non_null(strstr(f->err, "optima_scheduler_set_fixed_arm"));
}

static void a_view_of_the_wrong_width_stops_the_hook_with_a_message(void **state)
{
    fixture *f = *state;
    demo_distiller *d = distiller(f, OPTIMA_POLICY_ALL, 1, 0);
    static float zeros[BATCH * 64];
    demo_distill_step st;
    memset(&st, 0, sizeof st);
    st.batch = BATCH;
    for (int m = 0; m < DEMO_MODULES; ++m) {
        st.student_layers[m] = demo_model_layers(f->student, m);
        st.teacher_layers[m] = demo_model_layers(f->teacher, m);
        for (size_t l = 0; l < DEMO_MAX_LAYERS; ++l) {
            st.student_hidden[m][l] = (optima_tensor){zeros, BATCH, demo_model_width(f->student, m),
                                                      demo_model_width(f->student, m)};
            st.teacher_hidden[m][l] = (optima_tensor){zeros, BATCH, demo_model_width(f->teacher, m),
                                                      demo_model_width(f->teacher, m)};
        }
    }
    st.student_hidden[DEMO_FUSION][1].cols += 1; /* not the declared width */
    st.student_hidden[DEMO_FUSION][1].row_stride += 1;
    assert_int_equal(demo_distiller_hook(d, &st), 1);
    assert_non_null(strstr(demo_distiller_error(d), "optima_trainer_set_hidden"));
    assert_non_null(strstr(demo_distiller_error(d), "'fusion' layer 1"));
    assert_non_null(strstr(demo_distiller_error(d), optima_status_string(OPTIMA_ESHAPE)));
    demo_distiller_destroy(d);
}

/* --- the evaluation reward --------------------------------------------------------------- */

/* A fixed evaluation batch of EVAL_IMAGES synthetic images, 4 questions each, and a probe
 * of the student's shape that the test evaluates on its own. */
#define EVAL_IMAGES 8u
#define EVAL_QUESTIONS (VQA_TYPES * EVAL_IMAGES)

typedef struct eval_fixture {
    demo_split images;
    vqa_question questions[EVAL_QUESTIONS];
    demo_distill_eval eval;
    demo_model *probe;
} eval_fixture;

static void eval_setup(fixture *f, eval_fixture *e)
{
    synthetic_split(&e->images, EVAL_IMAGES, 11);
    assert_int_equal(vqa_test_set(e->images.labels, EVAL_IMAGES, 5, e->questions), 0);
    e->eval = (demo_distill_eval){&e->images, e->questions, EVAL_QUESTIONS, &f->ctx};
    e->probe = demo_model_create(demo_model_get_config(f->student), EVAL_QUESTIONS, 0, f->err,
                                 sizeof f->err);
    assert_non_null(e->probe);
}

static void eval_teardown(eval_fixture *e)
{
    demo_model_destroy(e->probe);
    synthetic_free(&e->images);
}

/* The task loss of `m`'s current weights on the fixed batch, computed by the test. */
static double loss_on_eval_batch(fixture *f, eval_fixture *e, demo_model *m)
{
    const nn_params *from = demo_model_params(m);
    nn_params *to = demo_model_params(e->probe);
    for (size_t t = 0; t < from->count; ++t)
        memcpy(to->items[t].value, from->items[t].value, from->items[t].size * sizeof(float));
    float pixels[EVAL_QUESTIONS * DEMO_FASHION_PIXELS];
    uint8_t tokens[EVAL_QUESTIONS * VQA_LEN], answers[EVAL_QUESTIONS];
    uint32_t index[EVAL_QUESTIONS];
    for (size_t i = 0; i < EVAL_QUESTIONS; ++i) {
        index[i] = (uint32_t)(i / VQA_TYPES);
        memcpy(tokens + i * VQA_LEN, e->questions[i].tokens, VQA_LEN);
        answers[i] = e->questions[i].answer;
    }
    demo_fashion_pixels(&e->images, index, EVAL_QUESTIONS, pixels);
    const float *logits = demo_model_forward(e->probe, &f->ctx, pixels, tokens, EVAL_QUESTIONS);
    return nn_softmax_xent(logits, answers, EVAL_QUESTIONS, VQA_ANSWERS, NULL);
}

/* Before each step's hook, the test's own evaluation of the weights so far. */
typedef struct eval_watch {
    demo_distiller *d;
    fixture *f;
    eval_fixture *e;
    size_t steps;
    double before[MAX_STEPS + 1]; /* before[s]: the loss after s updates */
} eval_watch;

static int eval_watch_hook(void *user, demo_distill_step *st)
{
    eval_watch *w = user;
    if (w->steps == MAX_STEPS) return 1;
    w->before[w->steps++] = loss_on_eval_batch(w->f, w->e, w->f->student);
    return demo_distiller_hook(w->d, st);
}

/* Per round of the CSV round log: its reward and mean reference loss. */
static size_t read_rewards(const char *path, double *reward, double *reference, size_t max)
{
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    char line[512];
    assert_non_null(fgets(line, sizeof line, in));
    size_t n = 0;
    while (n < max && fgets(line, sizeof line, in) != NULL) {
        assert_int_equal(sscanf(line, "%*u,%*u,%*u,%*[^,],%lf,%lf", &reward[n], &reference[n]), 2);
        n += 1;
    }
    fclose(in);
    return n;
}

static void the_evaluation_reward_is_the_task_loss_on_the_fixed_batch_after_each_round(void **state)
{
    fixture *f = *state;
    eval_fixture e;
    eval_setup(f, &e);
    const demo_distill_choice c = {OPTIMA_POLICY_OPTIMA, 1, 0, 7, 1, f->log, &e.eval,
                                   OPTIMA_REWARD_RELATIVE, 0, 0, 0, NULL};
    eval_watch w = {NULL, f, &e, 0, {0}};
    w.d = demo_distiller_create(f->teacher, f->student, &settings, &c, f->err, sizeof f->err);
    assert_non_null(w.d);
    const demo_train_config tc = {30, BATCH, 3e-3f, 0.1f, 0.01f, 5, 0, 0, NULL};
    demo_train_result res;
    assert_int_equal(demo_train(f->student, f->teacher, &f->train, &tc, &f->ctx, eval_watch_hook,
                                &w, NULL, NULL, &res, f->err, sizeof f->err), 0);
    assert_int_equal(demo_distiller_finish(w.d), 0);
    assert_int_equal(demo_distiller_finish(w.d), 0); /* nothing pending any more */
    w.before[30] = loss_on_eval_batch(f, &e, f->student);
    uint64_t evaluations = 0;
    double seconds = -1.0;
    demo_distiller_evaluations(w.d, &evaluations, &seconds);
    assert_int_equal(evaluations, 11); /* the baseline and one per round */
    assert_true(seconds >= 0.0);
    demo_distiller_destroy(w.d); /* closes the log */
    double reward[16], reference[16];
    assert_int_equal(read_rewards(f->log, reward, reference, 16), 10); /* rounds of 3 steps */
    for (size_t r = 0; r < 10; ++r) {
        /* round r's reference is the loss after its last update (step 3r + 2), and its
         * reward the relative decrease from the previous round's (the baseline's for r = 0) */
        const double now = w.before[3 * r + 3], prev = w.before[3 * r];
        assert_float_equal(reference[r], now, 1e-6 * now);
        assert_float_equal(reward[r], (prev - now) / prev, 1e-6);
    }
    /* the rewards really come from the batch: the loss moved over the run */
    assert_true(fabs(w.before[30] - w.before[0]) > 1e-3);
    eval_teardown(&e);
}

static void the_evaluation_reward_leaves_all_training_bit_identical(void **state)
{
    fixture *f = *state;
    eval_fixture e;
    eval_setup(f, &e);
    demo_model *again = twin_student(f);
    watch a = {distiller(f, OPTIMA_POLICY_ALL, 1, 0), 0, {0}, {0}, 0, {0}};
    train_watched(f, &a, 12);
    demo_model *const first = f->student;
    f->student = again;
    const demo_distill_choice c = {OPTIMA_POLICY_ALL, 1, 0, 7, 1, NULL, &e.eval,
                                   OPTIMA_REWARD_RELATIVE, 0, 0, 0, NULL};
    watch b = {demo_distiller_create(f->teacher, f->student, &settings, &c, f->err,
                                     sizeof f->err), 0, {0}, {0}, 0, {0}};
    assert_non_null(b.d);
    train_watched(f, &b, 12);
    assert_int_equal(demo_distiller_finish(b.d), 0);
    uint64_t evaluations = 0;
    double seconds = 0.0;
    demo_distiller_evaluations(b.d, &evaluations, &seconds);
    assert_int_equal(evaluations, 5);
    demo_distiller_evaluations(a.d, &evaluations, &seconds);
    assert_int_equal(evaluations, 0);
    assert_same_weights(first, again);
    demo_distiller_destroy(a.d);
    demo_distiller_destroy(b.d);
    restore_student(f, first);
    eval_teardown(&e);
}

static void an_empty_evaluation_set_is_refused(void **state)
{
    fixture *f = *state;
    eval_fixture e;
    eval_setup(f, &e);
    e.eval.count = 0;
    const demo_distill_choice c = {OPTIMA_POLICY_OPTIMA, 1, 0, 7, 1, NULL, &e.eval,
                                   OPTIMA_REWARD_RELATIVE, 0, 0, 0, NULL};
    assert_null(demo_distiller_create(f->teacher, f->student, &settings, &c, f->err,
                                      sizeof f->err));
    assert_non_null(strstr(f->err, "empty evaluation set"));
    eval_teardown(&e);
}

static demo_distiller *aligned_distiller(fixture *f, int32_t policy)
{
    const demo_distill_choice c = {policy, 1, 0, 7, 1, f->log, NULL, OPTIMA_REWARD_ABSOLUTE, 1,
                                   0, 0, NULL};
    demo_distiller *d = demo_distiller_create(f->teacher, f->student, &settings, &c, f->err,
                                              sizeof f->err);
    assert_non_null(d);
    return d;
}

/* The alignment reward's extra task-only backward leaves training as it was. */
static void the_alignment_reward_leaves_all_training_bit_identical(void **state)
{
    fixture *f = *state;
    demo_model *again = twin_student(f);
    watch a = {distiller(f, OPTIMA_POLICY_ALL, 1, 0), 0, {0}, {0}, 0, {0}};
    train_watched(f, &a, 12);
    demo_model *const first = f->student;
    f->student = again;
    demo_distiller *b = aligned_distiller(f, OPTIMA_POLICY_ALL);
    train_hooked(f, demo_distiller_hook, b, 12, 1);
    assert_same_weights(first, again);
    demo_distiller_destroy(a.d);
    demo_distiller_destroy(b);
    restore_student(f, first);
}

/* Recomputes each step's alignment from the buffers the hook saw: per module with a
 * layerwise gradient, the cosine with the task gradient over its layers; their mean. */
typedef struct align_watch {
    demo_distiller *d;
    size_t steps;
    double alignment[MAX_STEPS];
} align_watch;

static int align_hook(void *user, demo_distill_step *st)
{
    align_watch *w = user;
    const int rc = demo_distiller_hook(w->d, st);
    if (rc != 0 || w->steps == MAX_STEPS) return rc ? rc : 1;
    double sum = 0.0;
    int modules = 0;
    for (int m = 0; m < DEMO_MODULES; ++m) {
        double dot = 0.0, tt = 0.0, gg = 0.0;
        for (size_t l = 0; l < st->student_layers[m]; ++l) {
            const optima_tensor *task = &st->task_hidden_grad[m][l];
            const float *g = st->student_hidden_grad[m][l];
            assert_non_null(task->data);
            for (size_t i = 0; i < task->rows * task->cols; ++i) {
                dot += (double)task->data[i] * g[i];
                tt += (double)task->data[i] * task->data[i];
                gg += (double)g[i] * g[i];
            }
        }
        if (gg == 0.0) continue; /* not distilled this step */
        sum += dot / (sqrt(tt) * sqrt(gg));
        modules += 1;
    }
    w->alignment[w->steps++] = modules ? sum / modules : 0.0;
    return 0;
}

static void the_alignment_reward_is_the_rounds_mean_cosine(void **state)
{
    fixture *f = *state;
    align_watch w = {aligned_distiller(f, OPTIMA_POLICY_OPTIMA), 0, {0}};
    train_hooked(f, align_hook, &w, 15, 1);
    double reward[8], reference[8];
    assert_int_equal(read_rewards(f->log, reward, reference, 8), 5);
    int differ = 0;
    for (size_t r = 0; r < 5; ++r) {
        const double expected = (w.alignment[3 * r] + w.alignment[3 * r + 1] + w.alignment[3 * r + 2]) / 3;
        assert_float_equal(reward[r], expected, 1e-5);
        assert_true(reward[r] >= -1.0 && reward[r] <= 1.0);
        differ |= reward[r] != reward[0];
    }
    assert_true(differ);
    demo_distiller_destroy(w.d);
}

/* Without the loop's task gradients the alignment reward stops with a message. */
static void the_alignment_reward_needs_the_task_gradients(void **state)
{
    fixture *f = *state;
    demo_distiller *d = aligned_distiller(f, OPTIMA_POLICY_ALL);
    const demo_train_config c = {3, BATCH, 3e-3f, 0.1f, 0.01f, 5, 0, 0, NULL};
    demo_train_result res;
    assert_int_equal(demo_train(f->student, f->teacher, &f->train, &c, &f->ctx,
                                demo_distiller_hook, d, NULL, NULL, &res, f->err,
                                sizeof f->err), -1);
    assert_non_null(strstr(demo_distiller_error(d), "task_hidden_grads"));
    demo_distiller_destroy(d);
}

static void arms_are_named_as_the_library_names_them(void **state)
{
    (void)state;
    char name[64];
    demo_arm_name(5u, name, sizeof name);
    assert_string_equal(name, "image+fusion");
    demo_arm_name(7u, name, sizeof name);
    assert_string_equal(name, "image+question+fusion");
    demo_arm_name(2u, name, 6); /* truncated, still terminated */
    assert_true(strlen(name) < 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_single_module_arm_gives_gradients_to_that_module_only,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(all_gives_gradients_to_every_module, setup, teardown),
        cmocka_unit_test_setup_teardown(kd_gives_gradients_to_the_logits_only, setup, teardown),
        cmocka_unit_test_setup_teardown(optima_gradients_follow_the_arm_the_round_log_records,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(the_hook_adds_the_librarys_kl_gradient, setup, teardown),
        cmocka_unit_test_setup_teardown(distillation_is_deterministic_for_a_seed, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_settings_are_refused_with_the_librarys_message, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_view_of_the_wrong_width_stops_the_hook_with_a_message,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            the_evaluation_reward_is_the_task_loss_on_the_fixed_batch_after_each_round, setup,
            teardown),
        cmocka_unit_test_setup_teardown(the_evaluation_reward_leaves_all_training_bit_identical,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(the_alignment_reward_leaves_all_training_bit_identical,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(the_alignment_reward_is_the_rounds_mean_cosine, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_alignment_reward_needs_the_task_gradients, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(an_empty_evaluation_set_is_refused, setup, teardown),
        cmocka_unit_test(arms_are_named_as_the_library_names_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
