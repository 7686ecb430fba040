/* The getters 1.1 added so that every trainer setter has one: the step's inputs (views,
 * logits, masks, task gradients) read back as a compute would use them, the callbacks with
 * their user data, the round log; each refusal with its status and message. */
#include <unistd.h>

#include "trainer_host.h"

static const uint8_t mask6[HOST_ROWS] = {1, 1, 0, 1, 0, 1};

static void hidden_views_read_back_until_compute_forgets_them(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    optima_tensor got = {NULL, 0, 0, 0};
    assert_fails_naming(t, optima_trainer_get_hidden(t, OPTIMA_SIDE_STUDENT, 0, 0, &got),
                        OPTIMA_ESTATE, "no step has begun");
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    host_forward(&f->h);
    assert_fails_naming(t, optima_trainer_get_hidden(t, OPTIMA_SIDE_TEACHER, 1, 1, &got),
                        OPTIMA_ESTATE, "set_hidden");
    assert_null(got.data); /* untouched on failure */
    assert_int_equal(host_give(&f->h, t, 1), OPTIMA_OK);
    const optima_tensor want = host_hidden_view(&f->h, OPTIMA_SIDE_TEACHER, 1, 1);
    assert_int_equal(optima_trainer_get_hidden(t, OPTIMA_SIDE_TEACHER, 1, 1, &got), OPTIMA_OK);
    assert_ptr_equal(got.data, want.data);
    assert_int_equal(got.rows, want.rows);
    assert_int_equal(got.cols, want.cols);
    assert_int_equal(got.row_stride, want.row_stride);

    assert_fails_naming(t, optima_trainer_get_hidden(t, OPTIMA_SIDE_STUDENT, 0, 7, &got),
                        OPTIMA_ENOTFOUND, "'layer'");
    assert_fails_naming(t, optima_trainer_get_hidden(t, 5, 0, 0, &got), OPTIMA_EINVAL, "'side'");
    assert_fails_naming(t, optima_trainer_get_hidden(t, OPTIMA_SIDE_STUDENT, 0, 0, NULL),
                        OPTIMA_EINVAL, "'view'");
    assert_fails_naming_no_handle(optima_trainer_get_hidden(NULL, OPTIMA_SIDE_STUDENT, 0, 0, &got),
                                  OPTIMA_EINVAL, "'trainer'");

    assert_int_equal(optima_trainer_compute(t, NULL), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_get_hidden(t, OPTIMA_SIDE_TEACHER, 1, 1, &got),
                        OPTIMA_ESTATE, "last compute");
    optima_trainer_destroy(t);
}

static void logits_read_back_and_are_refused_when_not_needed(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    optima_tensor got;
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    host_forward(&f->h);
    assert_fails_naming(t, optima_trainer_get_logits(t, OPTIMA_SIDE_STUDENT, &got), OPTIMA_ESTATE,
                        "no student logits are held");
    assert_int_equal(host_give(&f->h, t, 1), OPTIMA_OK);
    assert_int_equal(optima_trainer_get_logits(t, OPTIMA_SIDE_STUDENT, &got), OPTIMA_OK);
    assert_ptr_equal(got.data, f->h.student_z);
    assert_int_equal(got.cols, HOST_CLASSES);
    assert_int_equal(optima_trainer_get_logits(t, OPTIMA_SIDE_TEACHER, &got), OPTIMA_OK);
    assert_ptr_equal(got.data, f->h.teacher_z);
    assert_fails_naming(t, optima_trainer_get_logits(t, -1, &got), OPTIMA_EINVAL, "'side'");
    assert_fails_naming(t, optima_trainer_get_logits(t, OPTIMA_SIDE_STUDENT, NULL), OPTIMA_EINVAL,
                        "'view'");
    assert_int_equal(optima_trainer_compute(t, NULL), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_get_logits(t, OPTIMA_SIDE_TEACHER, &got), OPTIMA_ESTATE,
                        "no teacher logits are held");
    optima_trainer_destroy(t);

    t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    assert_int_equal(optima_trainer_set_alpha_pred(t, 0.0), OPTIMA_OK);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_get_logits(t, OPTIMA_SIDE_STUDENT, &got), OPTIMA_ESTATE,
                        "alpha_pred");
    const uint8_t *mask = mask6;
    size_t rows = 9;
    assert_fails_naming(t, optima_trainer_get_logits_mask(t, &mask, &rows), OPTIMA_ESTATE,
                        "alpha_pred");
    assert_ptr_equal(mask, mask6);
    assert_int_equal(rows, 9);
    optima_trainer_destroy(t);
}

static void masks_read_back_as_given_and_default_to_none(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    const uint8_t *mask = mask6;
    size_t rows = 9;
    assert_fails_naming(t, optima_trainer_get_row_mask(t, 0, &mask, &rows), OPTIMA_ESTATE,
                        "no step has begun");
    assert_fails_naming(t, optima_trainer_get_logits_mask(t, &mask, &rows), OPTIMA_ESTATE,
                        "no step has begun");
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    assert_int_equal(optima_trainer_get_row_mask(t, 2, &mask, &rows), OPTIMA_OK);
    assert_null(mask); /* none given: every row counts */
    assert_int_equal(rows, 0);
    assert_int_equal(optima_trainer_get_logits_mask(t, &mask, &rows), OPTIMA_OK);
    assert_null(mask);
    assert_int_equal(rows, 0);

    assert_int_equal(optima_trainer_set_row_mask(t, 2, mask6, HOST_ROWS), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_logits_mask(t, mask6, HOST_ROWS), OPTIMA_OK);
    assert_int_equal(optima_trainer_get_row_mask(t, 2, &mask, &rows), OPTIMA_OK);
    assert_ptr_equal(mask, mask6);
    assert_int_equal(rows, HOST_ROWS);
    assert_int_equal(optima_trainer_get_row_mask(t, 1, &mask, &rows), OPTIMA_OK);
    assert_null(mask); /* another pair's mask is its own */
    assert_int_equal(optima_trainer_get_logits_mask(t, &mask, &rows), OPTIMA_OK);
    assert_ptr_equal(mask, mask6);
    assert_int_equal(rows, HOST_ROWS);

    assert_fails_naming(t, optima_trainer_get_row_mask(t, 3, &mask, &rows), OPTIMA_ENOTFOUND,
                        "'pair'");
    assert_fails_naming(t, optima_trainer_get_row_mask(t, 0, NULL, &rows), OPTIMA_EINVAL, "'mask'");
    assert_fails_naming(t, optima_trainer_get_row_mask(t, 0, &mask, NULL), OPTIMA_EINVAL, "'rows'");
    assert_fails_naming(t, optima_trainer_get_logits_mask(t, NULL, &rows), OPTIMA_EINVAL, "'mask'");
    assert_fails_naming(t, optima_trainer_get_logits_mask(t, &mask, NULL), OPTIMA_EINVAL, "'rows'");
    assert_fails_naming_no_handle(optima_trainer_get_row_mask(NULL, 0, &mask, &rows), OPTIMA_EINVAL,
                                  "'trainer'");
    assert_fails_naming_no_handle(optima_trainer_get_logits_mask(NULL, &mask, &rows),
                                  OPTIMA_EINVAL, "'trainer'");

    /* the compute forgets them, as it forgets the views */
    host_forward(&f->h);
    assert_int_equal(host_give(&f->h, t, 1), OPTIMA_OK);
    assert_int_equal(optima_trainer_compute(t, NULL), OPTIMA_OK);
    assert_int_equal(optima_trainer_get_row_mask(t, 2, &mask, &rows), OPTIMA_OK);
    assert_null(mask);
    assert_int_equal(rows, 0);
    assert_int_equal(optima_trainer_get_logits_mask(t, &mask, &rows), OPTIMA_OK);
    assert_null(mask);
    optima_trainer_destroy(t);
}

static void schedule_only_trainers_hold_no_step_inputs(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    assert_int_equal(optima_trainer_set_mode(t, OPTIMA_TRAINER_MODE_SCHEDULE_ONLY), OPTIMA_OK);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    optima_tensor view;
    const uint8_t *mask;
    size_t rows;
    int32_t given;
    assert_fails_naming(t, optima_trainer_get_hidden(t, OPTIMA_SIDE_STUDENT, 0, 0, &view),
                        OPTIMA_ESTATE, "schedule-only");
    assert_fails_naming(t, optima_trainer_get_logits(t, OPTIMA_SIDE_STUDENT, &view), OPTIMA_ESTATE,
                        "schedule-only");
    assert_fails_naming(t, optima_trainer_get_row_mask(t, 0, &mask, &rows), OPTIMA_ESTATE,
                        "schedule-only");
    assert_fails_naming(t, optima_trainer_get_logits_mask(t, &mask, &rows), OPTIMA_ESTATE,
                        "schedule-only");
    assert_fails_naming(t, optima_trainer_get_task_grad(t, 0, 0, &given), OPTIMA_ESTATE,
                        "schedule-only");
    optima_trainer_destroy(t);
}

/* Hands the student layer's own layerwise gradient as its task gradient. */
static void hand_task_grad(optima_trainer *t, size_t module)
{
    optima_tensor g;
    assert_int_equal(optima_trainer_student_grad(t, module, 0, &g), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_task_grad(t, module, 0, &g), OPTIMA_OK);
}

static void task_grads_say_whether_they_were_handed_in(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    assert_int_equal(optima_trainer_set_reward(t, OPTIMA_REWARD_RELATIVE,
                                               OPTIMA_REWARD_SOURCE_ALIGNMENT),
                     OPTIMA_OK);
    int32_t given = 7;
    assert_fails_naming(t, optima_trainer_get_task_grad(t, 0, 0, &given), OPTIMA_ESTATE,
                        "no step has begun");
    assert_int_equal(given, 7);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    assert_int_equal(optima_trainer_get_task_grad(t, 1, 0, &given), OPTIMA_OK);
    assert_int_equal(given, 0); /* before the compute: nothing can have been handed in */
    host_forward(&f->h);
    assert_int_equal(host_give(&f->h, t, 1), OPTIMA_OK);
    assert_int_equal(optima_trainer_compute(t, NULL), OPTIMA_OK);
    hand_task_grad(t, 1);
    assert_int_equal(optima_trainer_get_task_grad(t, 1, 0, &given), OPTIMA_OK);
    assert_int_equal(given, 1);
    assert_int_equal(optima_trainer_get_task_grad(t, 0, 0, &given), OPTIMA_OK);
    assert_int_equal(given, 0);

    assert_fails_naming(t, optima_trainer_get_task_grad(t, 0, 5, &given), OPTIMA_ENOTFOUND,
                        "'layer'");
    assert_fails_naming(t, optima_trainer_get_task_grad(t, 9, 0, &given), OPTIMA_ENOTFOUND,
                        "'module'");
    assert_fails_naming(t, optima_trainer_get_task_grad(t, 0, 0, NULL), OPTIMA_EINVAL, "'given'");
    assert_fails_naming_no_handle(optima_trainer_get_task_grad(NULL, 0, 0, &given), OPTIMA_EINVAL,
                                  "'trainer'");

    /* a new compute forgets the gradients handed in */
    assert_int_equal(host_give(&f->h, t, 1), OPTIMA_OK);
    assert_int_equal(optima_trainer_compute(t, NULL), OPTIMA_OK);
    assert_int_equal(optima_trainer_get_task_grad(t, 1, 0, &given), OPTIMA_OK);
    assert_int_equal(given, 0);
    optima_trainer_destroy(t);
}

static int project_nothing(void *user, uint32_t pair, uint32_t layer_pair, float *param,
                           const float *grad, size_t rows, size_t cols)
{
    (void)user, (void)pair, (void)layer_pair, (void)param, (void)grad, (void)rows, (void)cols;
    return 0;
}

static int reduce_nothing(void *user, int32_t what, int32_t dtype, void *data, size_t count)
{
    (void)user, (void)what, (void)dtype, (void)data, (void)count;
    return 0;
}

static void callbacks_read_back_with_their_user_data(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    int user = 0;
    optima_projection_fn projection = project_nothing;
    optima_reduce_fn reduce = reduce_nothing;
    void *got = &user;
    assert_int_equal(optima_trainer_get_projection_callback(t, &projection, &got), OPTIMA_OK);
    assert_null(projection); /* the defaults */
    assert_null(got);
    assert_int_equal(optima_trainer_get_reduction(t, &reduce, &got), OPTIMA_OK);
    assert_null(reduce);
    assert_null(got);

    assert_int_equal(optima_trainer_set_projection_callback(t, project_nothing, &user), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_reduction(t, reduce_nothing, f), OPTIMA_OK);
    assert_int_equal(optima_trainer_get_projection_callback(t, &projection, &got), OPTIMA_OK);
    assert_true(projection == project_nothing);
    assert_ptr_equal(got, &user);
    assert_int_equal(optima_trainer_get_reduction(t, &reduce, &got), OPTIMA_OK);
    assert_true(reduce == reduce_nothing);
    assert_ptr_equal(got, f);

    assert_fails_naming(t, optima_trainer_get_projection_callback(t, NULL, &got), OPTIMA_EINVAL,
                        "'fn'");
    assert_fails_naming(t, optima_trainer_get_projection_callback(t, &projection, NULL),
                        OPTIMA_EINVAL, "'user'");
    assert_fails_naming(t, optima_trainer_get_reduction(t, NULL, &got), OPTIMA_EINVAL, "'fn'");
    assert_fails_naming(t, optima_trainer_get_reduction(t, &reduce, NULL), OPTIMA_EINVAL, "'user'");
    assert_fails_naming_no_handle(optima_trainer_get_projection_callback(NULL, &projection, &got),
                                  OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming_no_handle(optima_trainer_get_reduction(NULL, &reduce, &got), OPTIMA_EINVAL,
                                  "'trainer'");
    optima_trainer_destroy(t);
}

static void the_round_log_reads_back_its_path_and_format(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    const char *path = "unset";
    int32_t format = -1;
    assert_int_equal(optima_trainer_get_round_log(t, &path, &format), OPTIMA_OK);
    assert_null(path);
    assert_int_equal(format, OPTIMA_LOG_FORMAT_CSV);

    char file[] = "/tmp/optima-log-XXXXXX";
    close(mkstemp(file));
    char given[sizeof file];
    memcpy(given, file, sizeof file);
    assert_int_equal(optima_trainer_set_round_log(t, given, OPTIMA_LOG_FORMAT_JSONL), OPTIMA_OK);
    memset(given, 'x', sizeof given - 1); /* the trainer keeps its own copy */
    assert_int_equal(optima_trainer_get_round_log(t, &path, &format), OPTIMA_OK);
    assert_string_equal(path, file);
    assert_int_equal(format, OPTIMA_LOG_FORMAT_JSONL);
    /* a refused change keeps the log as it was */
    assert_int_not_equal(optima_trainer_set_round_log(t, "/no/such/dir/log", 0), OPTIMA_OK);
    assert_int_equal(optima_trainer_get_round_log(t, &path, &format), OPTIMA_OK);
    assert_string_equal(path, file);
    assert_int_equal(optima_trainer_set_round_log(t, NULL, OPTIMA_LOG_FORMAT_CSV), OPTIMA_OK);
    assert_int_equal(optima_trainer_get_round_log(t, &path, &format), OPTIMA_OK);
    assert_null(path);
    assert_int_equal(format, OPTIMA_LOG_FORMAT_CSV);

    assert_fails_naming(t, optima_trainer_get_round_log(t, NULL, &format), OPTIMA_EINVAL, "'path'");
    assert_fails_naming(t, optima_trainer_get_round_log(t, &path, NULL), OPTIMA_EINVAL, "'format'");
    assert_fails_naming_no_handle(optima_trainer_get_round_log(NULL, &path, &format),
                                  OPTIMA_EINVAL, "'trainer'");
    optima_trainer_destroy(t);
    unlink(file);
}

/* Copying the path is the round log's one allocation: its failure changes nothing. */
static optima_status set_log_once(void *state)
{
    fixture *f = state;
    optima_trainer *t = NULL;
    optima_status s = optima_trainer_create(f->ctx, f->h.teacher, f->h.student, &t);
    if (s == OPTIMA_OK) s = optima_trainer_set_round_log(t, "/dev/null", OPTIMA_LOG_FORMAT_CSV);
    if (s == OPTIMA_ENOMEM && t != NULL) {
        const char *path = "unset";
        int32_t format = -1;
        assert_int_equal(optima_trainer_get_round_log(t, &path, &format), OPTIMA_OK);
        assert_null(path);
    }
    optima_trainer_destroy(t);
    return s;
}

static void a_failed_path_copy_leaves_no_log(void **state)
{
    fixture *f = *state;
    assert_true(test_allocation_sweep(&f->a, set_log_once, f) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(hidden_views_read_back_until_compute_forgets_them, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(logits_read_back_and_are_refused_when_not_needed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(masks_read_back_as_given_and_default_to_none, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(schedule_only_trainers_hold_no_step_inputs, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(task_grads_say_whether_they_were_handed_in, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(callbacks_read_back_with_their_user_data, setup, teardown),
        cmocka_unit_test_setup_teardown(the_round_log_reads_back_its_path_and_format, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_failed_path_copy_leaves_no_log, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
