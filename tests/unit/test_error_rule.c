/* status.h's error rule, handle by handle: a failing call made on a handle records its
 * message in the handle and in the thread, const functions included; a call without a
 * handle records in the thread only; a failure inside an owned handle is forwarded under
 * the outer function's name. Before 1.1 the const functions of the model, the loss and
 * the trainer left the handle's message stale: the first test pins that down. */
#include <pthread.h>

#include "trainer_host.h"

/* The handle's message, after a refused setter, is replaced by a refused const call's. */
#define assert_const_failure_replaces(handle, setter, getter, needle)                     \
    do {                                                                                   \
        assert_int_not_equal((setter), OPTIMA_OK);                                         \
        char stale_[256];                                                                  \
        snprintf(stale_, sizeof stale_, "%s", test_handle_message(handle));               \
        assert_fails_naming(handle, (getter), OPTIMA_EINVAL, needle);                      \
        assert_string_not_equal(test_handle_message(handle), stale_);                      \
    } while (0)

static void const_failures_replace_a_stale_handle_message(void **state)
{
    fixture *f = *state;
    assert_const_failure_replaces(f->ctx, optima_context_set_threads(f->ctx, 0),
                                  optima_context_get_threads(f->ctx, NULL), "'threads'");
    assert_const_failure_replaces(f->h.student, optima_model_add_layer(f->h.student, 0, 0, NULL),
                                  optima_model_module_count(f->h.student, NULL), "'count'");
    optima_loss *loss = NULL;
    assert_int_equal(optima_loss_create(f->ctx, OPTIMA_LOSS_MSE, f->h.student, 0, f->h.teacher, 0,
                                        &loss),
                     OPTIMA_OK);
    assert_const_failure_replaces(loss, optima_loss_set_weight(loss, -1.0),
                                  optima_loss_get_weight(loss, NULL), "'weight'");
    optima_scheduler *s = NULL;
    assert_int_equal(optima_scheduler_create(f->ctx, 3, OPTIMA_POLICY_OPTIMA, 1, &s), OPTIMA_OK);
    assert_const_failure_replaces(s, optima_scheduler_set_window(s, 0),
                                  optima_scheduler_get_window(s, NULL), "'window'");
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    assert_const_failure_replaces(t, optima_trainer_set_round_length(t, 0),
                                  optima_trainer_get_round_length(t, NULL), "'steps'");
    optima_trainer_destroy(t);
    optima_scheduler_destroy(s);
    optima_loss_destroy(loss);
}

static void calls_without_a_handle_leave_every_handle_alone(void **state)
{
    fixture *f = *state;
    assert_fails_naming(f->ctx, optima_context_set_threads(f->ctx, 0), OPTIMA_EINVAL, "'threads'");
    assert_fails_naming_no_handle(optima_context_set_threads(NULL, 1), OPTIMA_EINVAL, "'ctx'");
    optima_model *m = NULL;
    assert_fails_naming_no_handle(optima_model_create(f->ctx, "", &m), OPTIMA_EINVAL, "'name'");
    size_t teacher_of[2];
    assert_fails_naming_no_handle(optima_layer_mapping(99, 2, 4, NULL, teacher_of), OPTIMA_EINVAL,
                                  "'style'");
    /* the context passed to a create function is not the handle the call is made on */
    assert_non_null(strstr(optima_context_last_error(f->ctx), "optima_context_set_threads"));
}

static void an_owned_handles_failure_is_forwarded_under_the_outer_name(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    assert_fails_naming(t, optima_trainer_set_temperature(t, 0.0), OPTIMA_EINVAL, "'temperature'");
    assert_non_null(strstr(optima_trainer_last_error(t),
                           "optima_trainer_set_temperature: optima_loss_set_temperature: "));
    optima_trainer_destroy(t);
}

/* A model's const functions may run on several threads at once, and fail there. */
typedef struct model_reader {
    const optima_model *model;
    size_t module; /* out of range: every call fails */
} model_reader;

static void *fail_on_the_model(void *arg)
{
    const model_reader *r = arg;
    size_t count = 0;
    for (int i = 0; i < 2000; ++i)
        if (optima_model_layer_count(r->model, r->module, &count) != OPTIMA_ENOTFOUND) return arg;
    return NULL;
}

static void a_shared_models_concurrent_failures_each_leave_a_whole_message(void **state)
{
    fixture *f = *state;
    model_reader readers[2] = {{f->h.student, 7}, {f->h.student, 9}};
    pthread_t threads[2];
    for (int i = 0; i < 2; ++i)
        assert_int_equal(pthread_create(&threads[i], NULL, fail_on_the_model, &readers[i]), 0);
    for (int i = 0; i < 2; ++i) {
        void *result = &readers[i];
        assert_int_equal(pthread_join(threads[i], &result), 0);
        assert_null(result);
    }
    const char *message = optima_model_last_error(f->h.student);
    if (strstr(message, "argument 'module' is 7,") == NULL)
        assert_non_null(strstr(message, "argument 'module' is 9,"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(const_failures_replace_a_stale_handle_message, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(calls_without_a_handle_leave_every_handle_alone, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(an_owned_handles_failure_is_forwarded_under_the_outer_name,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            a_shared_models_concurrent_failures_each_leave_a_whole_message, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
