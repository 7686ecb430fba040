/* What used to surprise a new user is said: the KL that declaring logits turns on, a task
 * loss that looks like the distillation loss, and which call froze the configuration. */
#include "trainer_host.h"

typedef struct captured {
    int warnings;
    char last[1024];
} captured;

static void capture(void *user, int32_t level, const char *message)
{
    captured *c = user;
    if (level != OPTIMA_LOG_WARN) return;
    c->warnings += 1;
    snprintf(c->last, sizeof c->last, "%s", message);
}

static captured *listen(fixture *f)
{
    captured *c = calloc(1, sizeof *c);
    assert_int_equal(optima_context_set_log(f->ctx, capture, c, OPTIMA_LOG_WARN), OPTIMA_OK);
    return c;
}

static void freezing_says_the_default_kl_is_on(void **state)
{
    fixture *f = *state;
    captured *c = listen(f);
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    assert_int_equal(c->warnings, 0);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    assert_int_equal(c->warnings, 1);
    assert_non_null(strstr(c->last, "alpha_pred = 1 and temperature T = 1"));
    assert_non_null(strstr(c->last, "declare logits (width 4)"));
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK); /* once: at freezing */
    assert_int_equal(c->warnings, 1);
    optima_trainer_destroy(t);

    /* a host that chose α_pred, even 1, hears nothing */
    t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    assert_int_equal(optima_trainer_set_alpha_pred(t, 1.0), OPTIMA_OK);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    assert_int_equal(c->warnings, 1);
    optima_trainer_destroy(t);
    assert_int_equal(optima_context_set_log(f->ctx, NULL, NULL, OPTIMA_LOG_WARN), OPTIMA_OK);
    free(c);
}

static void a_task_loss_at_the_distillation_loss_is_warned_once(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    assert_int_equal(optima_trainer_set_alpha_pred(t, 1.0), OPTIMA_OK);
    captured *c = listen(f);
    for (int step = 0; step < 3; ++step) {
        assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
        host_next_batch(&f->h, (uint64_t)step);
        host_forward(&f->h);
        for (size_t m = 0; m < HOST_MODULES; ++m) {
            const optima_tensor s = host_hidden_view(&f->h, OPTIMA_SIDE_STUDENT, m, 0);
            const optima_tensor te = host_hidden_view(&f->h, OPTIMA_SIDE_TEACHER, m, 1);
            assert_int_equal(optima_trainer_set_hidden(t, OPTIMA_SIDE_STUDENT, m, 0, &s), OPTIMA_OK);
            assert_int_equal(optima_trainer_set_hidden(t, OPTIMA_SIDE_TEACHER, m, 1, &te), OPTIMA_OK);
        }
        const optima_tensor zs = host_view(f->h.student_z, HOST_CLASSES), zt = host_view(f->h.teacher_z, HOST_CLASSES);
        assert_int_equal(optima_trainer_set_logits(t, OPTIMA_SIDE_STUDENT, &zs), OPTIMA_OK);
        assert_int_equal(optima_trainer_set_logits(t, OPTIMA_SIDE_TEACHER, &zt), OPTIMA_OK);
        double total = 0;
        assert_int_equal(optima_trainer_compute(t, &total), OPTIMA_OK);
        assert_true(total > 0);
        /* step 0: a task loss above the distillation loss; then compute's total itself */
        assert_int_equal(optima_trainer_end_step(t, step == 0 ? total * 1.5 : total, NULL), OPTIMA_OK);
        assert_int_equal(c->warnings, step == 0 ? 0 : 1);
    }
    assert_non_null(strstr(c->last, "argument 'task_loss'"));
    assert_non_null(strstr(c->last, "task loss alone"));
    optima_trainer_destroy(t);
    assert_int_equal(optima_context_set_log(f->ctx, NULL, NULL, OPTIMA_LOG_WARN), OPTIMA_OK);
    free(c);
}

static void frozen_setters_name_the_call_that_froze(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    optima_scheduler *s = NULL;
    assert_int_equal(optima_trainer_get_scheduler(t, &s), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_set_round_length(t, 3), OPTIMA_ESTATE,
                        "frozen (by optima_trainer_get_scheduler");
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK); /* already frozen */
    assert_fails_naming(t, optima_trainer_set_policy(t, OPTIMA_POLICY_RANDOM, 1), OPTIMA_ESTATE,
                        "by optima_trainer_get_scheduler");
    optima_trainer_destroy(t);
    t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_set_mode(t, OPTIMA_TRAINER_MODE_SCHEDULE_ONLY), OPTIMA_ESTATE,
                        "by optima_trainer_begin_step");
    optima_trainer_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(freezing_says_the_default_kl_is_on, setup, teardown),
        cmocka_unit_test_setup_teardown(a_task_loss_at_the_distillation_loss_is_warned_once, setup, teardown),
        cmocka_unit_test_setup_teardown(frozen_setters_name_the_call_that_froze, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
