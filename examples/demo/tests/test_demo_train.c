/* The training loop: deterministic, learns, and calls the distillation hook with the
 * documented views and applies the gradients it returns. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "synthetic.h"
#include "train.h"

typedef struct fixture {
    nn_ctx ctx;
    demo_split train;
    demo_model *teacher, *student;
    char err[256];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    nn_ctx_init(&f->ctx, 1);
    synthetic_split(&f->train, 512, 1);
    const demo_model_config tc = synthetic_config(16, 3), sc = synthetic_config(8, 2);
    f->teacher = demo_model_create(&tc, 32, 1, f->err, sizeof f->err);
    f->student = demo_model_create(&sc, 32, 2, f->err, sizeof f->err);
    *state = f;
    return f->teacher && f->student ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    demo_model_destroy(f->teacher);
    demo_model_destroy(f->student);
    synthetic_free(&f->train);
    free(f);
    return 0;
}

static demo_train_config recipe(size_t steps)
{
    const demo_train_config c = {steps, 32, 3e-3f, 0.1f, 0.01f, 5, 0, 0, NULL};
    return c;
}

static int train(fixture *f, demo_model *m, size_t steps, demo_distill_fn hook, void *user)
{
    const demo_train_config c = recipe(steps);
    demo_train_result res;
    return demo_train(m, hook ? f->teacher : NULL, &f->train, &c, &f->ctx, hook, user, NULL,
                      NULL, &res, f->err, sizeof f->err);
}

static demo_model *fresh_student(fixture *f)
{
    const demo_model_config sc = synthetic_config(8, 2);
    return demo_model_create(&sc, 32, 2, f->err, sizeof f->err);
}

static void assert_same_params(demo_model *a, demo_model *b)
{
    const nn_params *pa = demo_model_params(a), *pb = demo_model_params(b);
    assert_int_equal(pa->count, pb->count);
    for (size_t t = 0; t < pa->count; ++t)
        assert_memory_equal(pa->items[t].value, pb->items[t].value,
                            pa->items[t].size * sizeof(float));
}

static void training_is_deterministic_for_a_seed(void **state)
{
    fixture *f = *state;
    demo_model *other = fresh_student(f);
    assert_int_equal(train(f, f->student, 40, NULL, NULL), 0);
    assert_int_equal(train(f, other, 40, NULL, NULL), 0);
    assert_same_params(f->student, other);
    demo_model_destroy(other);
}

static void training_learns_the_synthetic_task(void **state)
{
    fixture *f = *state;
    demo_split test;
    synthetic_split(&test, 200, 9);
    vqa_question *q = malloc(4 * test.count * sizeof *q);
    assert_int_equal(vqa_test_set(test.labels, test.count, 1, q), 0);
    demo_accuracy before, after;
    assert_int_equal(demo_evaluate(f->student, &f->ctx, &test, q, 4 * test.count, &before), 0);
    assert_int_equal(train(f, f->student, 400, NULL, NULL), 0);
    assert_int_equal(demo_evaluate(f->student, &f->ctx, &test, q, 4 * test.count, &after), 0);
    assert_int_equal(after.total[VQA_WHAT], 200);
    /* the class is in the pixels: "what is this" is learnt fully; the yes/no types need
     * the image-question interaction and more steps, so only the overall gain is pinned */
    assert_true(demo_accuracy_of(&after, VQA_WHAT) > 0.9);
    assert_true(demo_accuracy_overall(&after) > demo_accuracy_overall(&before) + 0.3);
    free(q);
    synthetic_free(&test);
}

typedef struct probe {
    fixture *f;
    size_t calls;
    int stop_at;        /* stop (return 7) at this call, 0 = never */
    float logit_push;   /* added to every student logit gradient */
} probe;

static int probe_hook(void *user, demo_distill_step *st)
{
    probe *p = user;
    fixture *f = p->f;
    assert_int_equal(st->step, p->calls);
    assert_int_equal(st->steps, 6);
    assert_int_equal(st->batch, 32);
    assert_true(isfinite(st->task_loss) && st->task_loss > 0.0f);
    for (int m = 0; m < DEMO_MODULES; ++m) {
        assert_int_equal(st->teacher_layers[m], demo_model_layers(f->teacher, m));
        assert_int_equal(st->student_layers[m], demo_model_layers(f->student, m));
        for (size_t l = 0; l < st->teacher_layers[m]; ++l) {
            const optima_tensor *t = &st->teacher_hidden[m][l];
            assert_ptr_equal(t->data, demo_model_hidden(f->teacher, m, l));
            assert_int_equal(t->rows, 32);
            assert_int_equal(t->cols, demo_model_width(f->teacher, m));
            assert_int_equal(t->row_stride, t->cols);
        }
        for (size_t l = 0; l < st->student_layers[m]; ++l) {
            const optima_tensor *t = &st->student_hidden[m][l];
            assert_ptr_equal(t->data, demo_model_hidden(f->student, m, l));
            assert_int_equal(t->cols, demo_model_width(f->student, m));
            const float *g = st->student_hidden_grad[m][l];
            for (size_t i = 0; i < t->rows * t->cols; ++i) assert_true(g[i] == 0.0f);
        }
    }
    assert_ptr_equal(st->teacher_logits.data, demo_model_logits(f->teacher));
    assert_int_equal(st->student_logits.cols, VQA_ANSWERS);
    for (size_t i = 0; i < 32 * VQA_ANSWERS; ++i) {
        assert_true(st->student_logits_grad[i] == 0.0f);
        st->student_logits_grad[i] = p->logit_push;
    }
    st->distill_loss = 1.0f;
    p->calls += 1;
    return (int)p->calls == p->stop_at ? 7 : 0;
}

static void the_hook_sees_every_layer_of_both_models(void **state)
{
    fixture *f = *state;
    probe p = {f, 0, 0, 0.0f};
    assert_int_equal(train(f, f->student, 6, probe_hook, &p), 0);
    assert_int_equal(p.calls, 6);
}

static void an_idle_hook_leaves_training_unchanged(void **state)
{
    fixture *f = *state;
    demo_model *other = fresh_student(f);
    probe p = {f, 0, 0, 0.0f};
    assert_int_equal(train(f, f->student, 6, probe_hook, &p), 0);
    assert_int_equal(train(f, other, 6, NULL, NULL), 0);
    assert_same_params(f->student, other);
    demo_model_destroy(other);
}

static void the_hooks_gradients_are_applied(void **state)
{
    fixture *f = *state;
    demo_model *const original = f->student;
    demo_model *other = fresh_student(f);
    probe p = {f, 0, 0, 0.0f};
    p.f->student = other; /* the probe checks views against the model being trained */
    assert_int_equal(train(f, other, 6, NULL, NULL), 0);
    demo_model *pushed = fresh_student(f);
    p.f->student = pushed;
    p.logit_push = 0.5f;
    assert_int_equal(train(f, pushed, 6, probe_hook, &p), 0);
    const nn_params *a = demo_model_params(other), *b = demo_model_params(pushed);
    const size_t head_bias = a->count - 1;
    assert_memory_not_equal(a->items[head_bias].value, b->items[head_bias].value,
                            a->items[head_bias].size * sizeof(float));
    demo_model_destroy(other);
    demo_model_destroy(pushed);
    f->student = original;
}

static void a_hook_returning_non_zero_stops_the_run(void **state)
{
    fixture *f = *state;
    probe p = {f, 0, 3, 0.0f};
    assert_int_equal(train(f, f->student, 6, probe_hook, &p), -1);
    assert_int_equal(p.calls, 3);
    assert_non_null(strstr(f->err, "stopped the run with 7"));
}

static void bad_arguments_are_refused(void **state)
{
    fixture *f = *state;
    demo_train_config c = recipe(5);
    demo_train_result res;
    assert_int_equal(demo_train(f->student, NULL, &f->train, &c, &f->ctx, probe_hook, NULL, NULL,
                                NULL, &res, f->err, sizeof f->err), -1);
    assert_non_null(strstr(f->err, "needs a teacher"));
    c.batch = 33;
    assert_int_equal(demo_train(f->student, NULL, &f->train, &c, &f->ctx, NULL, NULL, NULL, NULL,
                                &res, f->err, sizeof f->err), -1);
    assert_non_null(strstr(f->err, "batch 33"));
    c = recipe(5);
    c.lr = 0.0f;
    assert_int_equal(demo_train(f->student, NULL, &f->train, &c, &f->ctx, NULL, NULL, NULL, NULL,
                                &res, f->err, sizeof f->err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(training_is_deterministic_for_a_seed, setup, teardown),
        cmocka_unit_test_setup_teardown(training_learns_the_synthetic_task, setup, teardown),
        cmocka_unit_test_setup_teardown(the_hook_sees_every_layer_of_both_models, setup, teardown),
        cmocka_unit_test_setup_teardown(an_idle_hook_leaves_training_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(the_hooks_gradients_are_applied, setup, teardown),
        cmocka_unit_test_setup_teardown(a_hook_returning_non_zero_stops_the_run, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_arguments_are_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
