/* A small synthetic host for the trainer's tests: linear "models" whose hidden states the
 * test computes. Input X (ROWS × IN) changes every step from a seeded generator; the
 * teacher's layer states are X·V (V fixed), the student's X·W (W learned by the host's
 * SGD from the trainer's gradients); logits likewise; the task loss is the MSE of the
 * student logits against X·target. */
#ifndef OPTIMA_TRAINER_HOST_H
#define OPTIMA_TRAINER_HOST_H

#include <math.h>

#include "testutil.h"

#define HOST_ROWS 6
#define HOST_IN 3
#define HOST_MODULES 3
#define HOST_CLASSES 4
#define HOST_MAX_WIDTH 8
#define HOST_TEACHER_LAYERS 2

static const char *const host_module_names[HOST_MODULES] = {"vision", "text", "fusion"};
static const size_t host_teacher_width[HOST_MODULES] = {8, 6, 8};
static const size_t host_student_width[HOST_MODULES] = {4, 6, 5};

typedef struct host_weights {
    float m[HOST_IN * HOST_MAX_WIDTH];
} host_weights;

typedef struct host {
    optima_context *ctx;
    optima_model *teacher, *student;
    uint64_t data_seed;
    float x[HOST_ROWS * HOST_IN];
    host_weights teacher_w[HOST_MODULES][HOST_TEACHER_LAYERS];
    host_weights student_w[HOST_MODULES];
    host_weights teacher_logits_w, student_logits_w, target_w;
    float teacher_h[HOST_MODULES][HOST_TEACHER_LAYERS][HOST_ROWS * HOST_MAX_WIDTH];
    float student_h[HOST_MODULES][HOST_ROWS * HOST_MAX_WIDTH];
    float teacher_z[HOST_ROWS * HOST_CLASSES], student_z[HOST_ROWS * HOST_CLASSES];
    float logits_grad[HOST_ROWS * HOST_CLASSES];
    int fail_at_step;     /* a callback returns 7 at this step (-1: never) */
    const char *fail_in;  /* which callback fails */
    int nan_task_at_step; /* the task loss is NaN at this step (-1: never) */
    double eval_loss;
} host;

/* splitmix64-driven values in [-1, 1): independent of the library's generator. */
static inline float host_value(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (float)((double)(z >> 11) * 0x1.0p-52 - 1.0);
}

static inline void host_fill(host_weights *w, uint64_t *state, float scale)
{
    for (size_t i = 0; i < HOST_IN * HOST_MAX_WIDTH; ++i) w->m[i] = scale * host_value(state);
}

static inline void host_build_models(host *h)
{
    assert_int_equal(optima_model_create(h->ctx, "teacher", &h->teacher), OPTIMA_OK);
    assert_int_equal(optima_model_create(h->ctx, "student", &h->student), OPTIMA_OK);
    for (size_t m = 0; m < HOST_MODULES; ++m) {
        assert_int_equal(optima_model_add_module(h->teacher, host_module_names[m], NULL), OPTIMA_OK);
        assert_int_equal(optima_model_add_module(h->student, host_module_names[m], NULL), OPTIMA_OK);
        for (size_t l = 0; l < HOST_TEACHER_LAYERS; ++l)
            assert_int_equal(optima_model_add_layer(h->teacher, m, host_teacher_width[m], NULL), OPTIMA_OK);
        assert_int_equal(optima_model_add_layer(h->student, m, host_student_width[m], NULL), OPTIMA_OK);
    }
    assert_int_equal(optima_model_set_logits_width(h->teacher, HOST_CLASSES), OPTIMA_OK);
    assert_int_equal(optima_model_set_logits_width(h->student, HOST_CLASSES), OPTIMA_OK);
}

static inline void host_init(host *h, optima_context *ctx)
{
    memset(h, 0, sizeof *h);
    h->ctx = ctx;
    h->fail_at_step = -1;
    h->nan_task_at_step = -1;
    h->eval_loss = 10.0;
    uint64_t state = 12345;
    for (size_t m = 0; m < HOST_MODULES; ++m) {
        for (size_t l = 0; l < HOST_TEACHER_LAYERS; ++l) host_fill(&h->teacher_w[m][l], &state, 1.0f);
        host_fill(&h->student_w[m], &state, 0.5f);
    }
    host_fill(&h->teacher_logits_w, &state, 1.0f);
    host_fill(&h->student_logits_w, &state, 0.5f);
    host_fill(&h->target_w, &state, 1.0f);
    host_build_models(h);
}

static inline void host_free(host *h)
{
    optima_model_destroy(h->teacher);
    optima_model_destroy(h->student);
}

/* out (ROWS × width) = X · w */
static inline void host_project(const host *h, const host_weights *w, size_t width, float *out)
{
    for (size_t r = 0; r < HOST_ROWS; ++r)
        for (size_t j = 0; j < width; ++j) {
            float acc = 0.0f;
            for (size_t k = 0; k < HOST_IN; ++k) acc += h->x[r * HOST_IN + k] * w->m[k * width + j];
            out[r * width + j] = acc;
        }
}

static inline void host_next_batch(host *h, uint64_t step)
{
    uint64_t state = 777 + step * 1000003ull;
    for (size_t i = 0; i < HOST_ROWS * HOST_IN; ++i) h->x[i] = host_value(&state);
}

static inline void host_forward(host *h)
{
    for (size_t m = 0; m < HOST_MODULES; ++m) {
        for (size_t l = 0; l < HOST_TEACHER_LAYERS; ++l)
            host_project(h, &h->teacher_w[m][l], host_teacher_width[m], h->teacher_h[m][l]);
        host_project(h, &h->student_w[m], host_student_width[m], h->student_h[m]);
    }
    host_project(h, &h->teacher_logits_w, HOST_CLASSES, h->teacher_z);
    host_project(h, &h->student_logits_w, HOST_CLASSES, h->student_z);
}

static inline optima_tensor host_view(const float *data, size_t cols)
{
    optima_tensor v = {data, HOST_ROWS, cols, cols};
    return v;
}

static inline optima_tensor host_hidden_view(const host *h, uint32_t side, size_t module, size_t layer)
{
    if (side == OPTIMA_SIDE_STUDENT) return host_view(h->student_h[module], host_student_width[module]);
    return host_view(h->teacher_h[module][layer], host_teacher_width[module]);
}

/* SGD on a linear layer from a gradient wrt its output: W -= lr · Xᵀ·G. */
static inline void host_sgd(host *h, host_weights *w, size_t width, const optima_tensor *grad, float lr)
{
    if (grad->data == NULL) return;
    for (size_t k = 0; k < HOST_IN; ++k)
        for (size_t j = 0; j < width; ++j) {
            float acc = 0.0f;
            for (size_t r = 0; r < HOST_ROWS; ++r)
                acc += h->x[r * HOST_IN + k] * grad->data[r * grad->row_stride + j];
            w->m[k * width + j] -= lr * acc;
        }
}

/* Task loss: MSE of the student logits against X·target; its gradient goes into
 * logits_grad, to which the KL's gradient is added. */
static inline double host_task(host *h, const optima_tensor *kl_grad)
{
    float y[HOST_ROWS * HOST_CLASSES];
    host_project(h, &h->target_w, HOST_CLASSES, y);
    double loss = 0.0;
    const double n = HOST_ROWS * HOST_CLASSES;
    for (size_t i = 0; i < HOST_ROWS * HOST_CLASSES; ++i) {
        const double d = (double)h->student_z[i] - y[i];
        loss += d * d / n;
        h->logits_grad[i] = (float)(2.0 * d / n);
    }
    if (kl_grad != NULL && kl_grad->data != NULL)
        for (size_t r = 0; r < HOST_ROWS; ++r)
            for (size_t j = 0; j < HOST_CLASSES; ++j)
                h->logits_grad[r * HOST_CLASSES + j] += kl_grad->data[r * kl_grad->row_stride + j];
    return loss;
}

static inline void host_backward(host *h, const optima_tensor *module_grads, const optima_tensor *kl_grad,
                                 double *task_loss)
{
    *task_loss = host_task(h, kl_grad);
    for (size_t m = 0; m < HOST_MODULES; ++m)
        host_sgd(h, &h->student_w[m], host_student_width[m], &module_grads[m], 0.05f);
    const optima_tensor g = host_view(h->logits_grad, HOST_CLASSES);
    host_sgd(h, &h->student_logits_w, HOST_CLASSES, &g, 0.05f);
}

/* Hand the views of every layer the plan lists (of the batch last forwarded), and both
 * logits when `logits` is non-zero. Returns the status of the first refused view. */
static inline optima_status host_give(host *h, optima_trainer *t, int logits)
{
    const optima_layer_ref *plan = NULL;
    size_t count = 0;
    assert_int_equal(optima_trainer_plan(t, &plan, &count), OPTIMA_OK);
    for (size_t i = 0; i < count; ++i) {
        const optima_tensor v = host_hidden_view(h, plan[i].side, plan[i].module, plan[i].layer);
        const optima_status s =
            optima_trainer_set_hidden(t, (int32_t)plan[i].side, plan[i].module, plan[i].layer, &v);
        if (s != OPTIMA_OK) return s;
    }
    if (logits) {
        const optima_tensor zs = host_view(h->student_z, HOST_CLASSES);
        const optima_tensor zt = host_view(h->teacher_z, HOST_CLASSES);
        assert_int_equal(optima_trainer_set_logits(t, OPTIMA_SIDE_STUDENT, &zs), OPTIMA_OK);
        assert_int_equal(optima_trainer_set_logits(t, OPTIMA_SIDE_TEACHER, &zt), OPTIMA_OK);
    }
    return OPTIMA_OK;
}

/* One whole step through the step API, calling before_end (unless NULL) after the host's
 * backward pass and before end_step. Returns the status of the first failing call. */
static inline optima_status host_step_with(host *h, optima_trainer *t, uint64_t step, uint32_t *arm,
                                           void (*before_end)(host *, optima_trainer *))
{
    optima_status s = optima_trainer_begin_step(t, arm);
    if (s != OPTIMA_OK) return s;
    host_next_batch(h, step);
    host_forward(h);
    int32_t logits = 0;
    assert_int_equal(optima_trainer_needs_logits(t, &logits), OPTIMA_OK);
    s = host_give(h, t, logits);
    if (s != OPTIMA_OK) return s;
    s = optima_trainer_compute(t, NULL);
    if (s != OPTIMA_OK) return s;
    optima_tensor grads[HOST_MODULES], kl_grad;
    for (size_t m = 0; m < HOST_MODULES; ++m)
        assert_int_equal(optima_trainer_student_grad(t, m, 0, &grads[m]), OPTIMA_OK);
    assert_int_equal(optima_trainer_logits_grad(t, &kl_grad), OPTIMA_OK);
    double task = 0.0;
    host_backward(h, grads, &kl_grad, &task);
    if ((int)step == h->nan_task_at_step) task = NAN;
    if (before_end != NULL) before_end(h, t);
    return optima_trainer_end_step(t, task, NULL);
}

/* One whole step through the step API. Returns the status of the first failing call. */
static inline optima_status host_step(host *h, optima_trainer *t, uint64_t step, uint32_t *arm)
{
    return host_step_with(h, t, step, arm, NULL);
}

/* A trainer over the host's models with one MSE pair per module. */
static inline optima_trainer *host_trainer(host *h, int32_t policy, uint32_t round_length)
{
    optima_trainer *t = NULL;
    assert_int_equal(optima_trainer_create(h->ctx, h->teacher, h->student, &t), OPTIMA_OK);
    for (size_t m = 0; m < HOST_MODULES; ++m)
        assert_int_equal(optima_trainer_add_pair(t, m, m, OPTIMA_LOSS_MSE, NULL), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_round_length(t, round_length), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_policy(t, policy, 42), OPTIMA_OK);
    return t;
}

/* ---- the same host as run-loop callbacks ---------------------------------------------- */

static inline int host_cb_fails(host *h, uint64_t step, const char *which)
{
    return h->fail_in != NULL && (int)step == h->fail_at_step && strcmp(h->fail_in, which) == 0 ? 7 : 0;
}

static inline int host_cb_next_batch(void *user, uint64_t step)
{
    host *h = user;
    host_next_batch(h, step);
    return host_cb_fails(h, step, "next_batch");
}

static inline int host_cb_forward(void *user, uint64_t step, const optima_layer_ref *needed, size_t count,
                                  optima_tensor *hidden, int32_t want_logits, optima_tensor *zs,
                                  optima_tensor *zt)
{
    host *h = user;
    host_forward(h);
    for (size_t i = 0; i < count; ++i)
        hidden[i] = host_hidden_view(h, needed[i].side, needed[i].module, needed[i].layer);
    if (want_logits) {
        *zs = host_view(h->student_z, HOST_CLASSES);
        *zt = host_view(h->teacher_z, HOST_CLASSES);
    }
    return host_cb_fails(h, step, "forward");
}

static inline int host_cb_backward(void *user, uint64_t step, const optima_layer_ref *needed,
                                   const optima_tensor *grads, size_t count,
                                   const optima_tensor *logits_grad, double *task_loss)
{
    host *h = user;
    optima_tensor module_grads[HOST_MODULES];
    memset(module_grads, 0, sizeof module_grads);
    for (size_t i = 0; i < count; ++i)
        if (needed[i].side == OPTIMA_SIDE_STUDENT) module_grads[needed[i].module] = grads[i];
    host_backward(h, module_grads, logits_grad, task_loss);
    if ((int)step == h->nan_task_at_step) *task_loss = NAN;
    return host_cb_fails(h, step, "backward");
}

static inline int host_cb_evaluate(void *user, uint64_t step, double *loss)
{
    host *h = user;
    h->eval_loss *= 0.9;
    *loss = h->eval_loss;
    return host_cb_fails(h, step, "evaluate");
}

static inline optima_callbacks host_callbacks(void)
{
    optima_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.struct_size = sizeof cb;
    cb.next_batch = host_cb_next_batch;
    cb.forward = host_cb_forward;
    cb.backward = host_cb_backward;
    cb.evaluate = host_cb_evaluate;
    return cb;
}

/* ---- the tests' fixture: a counting allocator, a context and a host ----------------- */

typedef struct fixture {
    test_allocator a;
    optima_context *ctx;
    host h;
} fixture;

static inline int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->ctx = test_context(&f->a);
    host_init(&f->h, f->ctx);
    *state = f;
    return 0;
}

/* Also checks that everything the test made was destroyed. */
static inline int teardown(void **state)
{
    fixture *f = *state;
    host_free(&f->h);
    optima_context_destroy(f->ctx);
    assert_int_equal(f->a.live, 0);
    free(f);
    return 0;
}

/* Copy every pair's first projection into @p out (256 floats, zero-padded). */
static inline void host_projections(optima_trainer *t, float *out)
{
    memset(out, 0, 256 * sizeof *out);
    size_t used = 0;
    for (size_t p = 0; p < HOST_MODULES; ++p) {
        optima_loss *loss = NULL;
        assert_int_equal(optima_trainer_pair_loss(t, p, &loss), OPTIMA_OK);
        float *data = NULL;
        size_t rows = 0, cols = 0;
        assert_int_equal(optima_loss_projection(loss, 0, &data, &rows, &cols), OPTIMA_OK);
        assert_true(used + rows * cols <= 256);
        if (data != NULL) memcpy(out + used, data, rows * cols * sizeof(float));
        used += rows * cols;
    }
}

#endif /* OPTIMA_TRAINER_HOST_H */
