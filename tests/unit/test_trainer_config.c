/* Trainer creation and settings: defaults, refusals, freezing, allocation failures, logs. */
#include <unistd.h>

#include "trainer_host.h"

static void create_refuses_bad_arguments(void **state)
{
    fixture *f = *state;
    optima_trainer *t = NULL;
    assert_fails_naming_no_handle(optima_trainer_create(NULL, f->h.teacher, f->h.student, &t), OPTIMA_EINVAL, "'ctx'");
    assert_fails_naming_no_handle(optima_trainer_create(f->ctx, NULL, f->h.student, &t), OPTIMA_EINVAL, "'teacher'");
    assert_fails_naming_no_handle(optima_trainer_create(f->ctx, f->h.teacher, NULL, &t), OPTIMA_EINVAL, "'student'");
    assert_fails_naming_no_handle(optima_trainer_create(f->ctx, f->h.teacher, f->h.student, NULL), OPTIMA_EINVAL, "'out'");
    optima_model *odd = NULL;
    assert_int_equal(optima_model_create(f->ctx, "odd", &odd), OPTIMA_OK);
    assert_int_equal(optima_model_set_logits_width(odd, 7), OPTIMA_OK);
    assert_fails_naming_no_handle(optima_trainer_create(f->ctx, f->h.teacher, odd, &t), OPTIMA_ESHAPE, "widths");
    assert_null(t);
    optima_model_destroy(odd);
    optima_trainer_destroy(NULL);
    assert_string_equal(optima_trainer_last_error(NULL), "");
}

static void defaults_are_documented_values(void **state)
{
    fixture *f = *state;
    optima_trainer *t = NULL;
    assert_int_equal(optima_trainer_create(f->ctx, f->h.teacher, f->h.student, &t), OPTIMA_OK);
    double alpha = 0;
    uint32_t length = 0;
    size_t pairs = 9;
    assert_int_equal(optima_trainer_get_alpha_pred(t, &alpha), OPTIMA_OK);
    assert_true(alpha == 1.0);
    assert_int_equal(optima_trainer_get_alpha_layer(t, &alpha), OPTIMA_OK);
    assert_true(alpha == 1.0);
    assert_int_equal(optima_trainer_get_round_length(t, &length), OPTIMA_OK);
    assert_int_equal(length, 10);
    assert_int_equal(optima_trainer_pair_count(t, &pairs), OPTIMA_OK);
    assert_int_equal(pairs, 0);
    int32_t code = 5;
    assert_int_equal(optima_trainer_callback_code(t, &code), OPTIMA_OK);
    assert_int_equal(code, 0);
    /* no pairs: nothing to schedule */
    assert_fails_naming(t, optima_trainer_begin_step(t, NULL), OPTIMA_ESTATE, "no pairs");
    optima_scheduler *s = NULL;
    assert_fails_naming(t, optima_trainer_get_scheduler(t, &s), OPTIMA_ESTATE, "no pairs");
    optima_trainer_destroy(t);
}

static void settings_refuse_values_out_of_range(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    assert_fails_naming(t, optima_trainer_add_pair(t, 0, 0, OPTIMA_LOSS_MSE, NULL), OPTIMA_EINVAL, "already");
    assert_int_equal(optima_trainer_add_pair(t, 7, 0, OPTIMA_LOSS_MSE, NULL), OPTIMA_ENOTFOUND);
    assert_fails_naming(t, optima_trainer_set_pair_weight(t, 0, -1.0), OPTIMA_EINVAL, "'weight'");
    assert_fails_naming(t, optima_trainer_set_pair_weight(t, 0, NAN), OPTIMA_EINVAL, "'weight'");
    assert_fails_naming(t, optima_trainer_set_pair_weight(t, 3, 1.0), OPTIMA_ENOTFOUND, "'pair'");
    optima_loss *loss = NULL;
    assert_fails_naming(t, optima_trainer_pair_loss(t, 3, &loss), OPTIMA_ENOTFOUND, "'pair'");
    assert_fails_naming(t, optima_trainer_pair_loss(t, 0, NULL), OPTIMA_EINVAL, "'loss'");
    assert_fails_naming(t, optima_trainer_set_alpha_pred(t, -0.5), OPTIMA_EINVAL, "'alpha'");
    assert_fails_naming(t, optima_trainer_set_alpha_pred(t, INFINITY), OPTIMA_EINVAL, "'alpha'");
    assert_fails_naming(t, optima_trainer_set_alpha_layer(t, NAN), OPTIMA_EINVAL, "'alpha'");
    assert_int_equal(optima_trainer_set_temperature(t, 0.0), OPTIMA_EINVAL);
    assert_int_equal(optima_trainer_set_temperature(t, 2.0), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_set_round_length(t, 0), OPTIMA_EINVAL, "'steps'");
    assert_fails_naming(t, optima_trainer_set_round_length(t, 2000000), OPTIMA_EINVAL, "'steps'");
    assert_fails_naming(t, optima_trainer_set_policy(t, 11, 0), OPTIMA_EINVAL, "'policy'");
    assert_int_equal(optima_trainer_set_policy(t, OPTIMA_POLICY_GLR_UCB, 0), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_set_policy(t, -1, 0), OPTIMA_EINVAL, "'policy'");
    assert_fails_naming(t, optima_trainer_set_reward(t, 3, 0), OPTIMA_EINVAL, "'kind'");
    assert_fails_naming(t, optima_trainer_set_reward(t, 0, 3), OPTIMA_EINVAL, "'source'");
    assert_fails_naming(t, optima_trainer_set_optimizer(t, 3, 0.1), OPTIMA_EINVAL, "'kind'");
    assert_fails_naming(t, optima_trainer_set_optimizer(t, OPTIMA_OPTIMIZER_SGD, 0.0), OPTIMA_EINVAL,
                        "'learning_rate'");
    assert_fails_naming(t, optima_trainer_set_optimizer(t, OPTIMA_OPTIMIZER_SGD, NAN), OPTIMA_EINVAL,
                        "'learning_rate'");
    assert_fails_naming(t, optima_trainer_set_optimizer_params(t, 1.0, 0.9, 0.99, 0), OPTIMA_EINVAL, "'momentum'");
    assert_fails_naming(t, optima_trainer_set_optimizer_params(t, 0.9, -0.1, 0.99, 0), OPTIMA_EINVAL, "'beta1'");
    assert_fails_naming(t, optima_trainer_set_optimizer_params(t, 0.9, 0.9, 1.0, 0), OPTIMA_EINVAL, "'beta2'");
    assert_fails_naming(t, optima_trainer_set_optimizer_params(t, 0.9, 0.9, 0.99, -1), OPTIMA_EINVAL,
                        "'weight_decay'");
    assert_fails_naming(t, optima_trainer_set_history(t, 0), OPTIMA_EINVAL, "'rounds'");
    assert_fails_naming(t, optima_trainer_set_round_log(t, "/tmp/x", 2), OPTIMA_EINVAL, "'format'");
    assert_fails_naming(t, optima_trainer_set_round_log(t, "/no/such/dir/log.csv", 0), OPTIMA_EIO, "'path'");
    assert_fails_naming_no_handle(optima_trainer_set_alpha_pred(NULL, 1.0), OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming_no_handle(optima_trainer_add_pair(NULL, 0, 0, OPTIMA_LOSS_MSE, NULL), OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming_no_handle(optima_trainer_set_projection_callback(NULL, NULL, NULL), OPTIMA_EINVAL, "'trainer'");
    uint64_t steps = 0;
    assert_fails_naming_no_handle(optima_trainer_progress(NULL, &steps, NULL), OPTIMA_EINVAL, "'trainer'");
    const optima_layer_ref *plan = NULL;
    size_t count = 0;
    assert_fails_naming(t, optima_trainer_plan(t, &plan, &count), OPTIMA_ESTATE, "begin_step");
    optima_trainer_destroy(t);
}

/* Every policy of scheduler.h, the 1.1 ones included, drives a trainer. */
static void every_policy_trains(void **state)
{
    fixture *f = *state;
    for (int32_t policy = OPTIMA_POLICY_OPTIMA; policy <= OPTIMA_POLICY_GLR_UCB; ++policy) {
        optima_trainer *t = host_trainer(&f->h, policy, 2);
        for (uint64_t s = 0; s < 6; ++s) assert_int_equal(host_step(&f->h, t, s, NULL), OPTIMA_OK);
        uint64_t rounds = 0;
        assert_int_equal(optima_trainer_progress(t, NULL, &rounds), OPTIMA_OK);
        assert_int_equal(rounds, 3);
        optima_trainer_destroy(t);
    }
}

static void configuration_freezes_at_the_first_step(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    assert_int_equal(host_step(&f->h, t, 0, NULL), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_add_pair(t, 0, 1, OPTIMA_LOSS_MSE, NULL), OPTIMA_ESTATE, "frozen");
    assert_fails_naming(t, optima_trainer_set_round_length(t, 4), OPTIMA_ESTATE, "frozen");
    assert_fails_naming(t, optima_trainer_set_policy(t, OPTIMA_POLICY_ALL, 1), OPTIMA_ESTATE, "frozen");
    assert_fails_naming(t, optima_trainer_set_reward(t, 0, 0), OPTIMA_ESTATE, "frozen");
    assert_fails_naming(t, optima_trainer_set_optimizer(t, 0, 0.1), OPTIMA_ESTATE, "frozen");
    assert_fails_naming(t, optima_trainer_set_history(t, 5), OPTIMA_ESTATE, "frozen");
    /* the weights of the objective may change at any time */
    assert_int_equal(optima_trainer_set_alpha_layer(t, 0.5), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_pair_weight(t, 2, 2.0), OPTIMA_OK);
    /* the pair's loss is locked: no re-mapping, no re-initialised trained projection */
    optima_loss *loss = NULL;
    assert_int_equal(optima_trainer_pair_loss(t, 0, &loss), OPTIMA_OK);
    float *proj = NULL;
    size_t rows = 0, cols = 0;
    assert_int_equal(optima_loss_projection(loss, 0, &proj, &rows, &cols), OPTIMA_OK);
    assert_non_null(proj);
    const float trained = proj[0];
    const size_t table[1] = {0};
    assert_fails_naming(loss, optima_loss_set_mapping(loss, OPTIMA_MAPPING_EXPLICIT, table, 1),
                        OPTIMA_ESTATE, "frozen");
    assert_fails_naming(loss, optima_loss_set_projection_mode(loss, OPTIMA_PROJECTION_ALWAYS),
                        OPTIMA_ESTATE, "frozen");
    assert_fails_naming(loss, optima_loss_init_projections(loss, OPTIMA_INIT_ZERO, 0), OPTIMA_ESTATE,
                        "frozen");
    assert_true(proj[0] == trained && trained != 0.0f);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    optima_trainer_destroy(t);
}

typedef struct sweep_state {
    fixture *f;
    int steps;
} sweep_state;

static optima_status create_configure_and_step(void *user)
{
    sweep_state *st = user;
    host *h = &st->f->h;
    optima_trainer *t = NULL;
    optima_status s = optima_trainer_create(h->ctx, h->teacher, h->student, &t);
    for (size_t m = 0; s == OPTIMA_OK && m < HOST_MODULES; ++m)
        s = optima_trainer_add_pair(t, m, m, OPTIMA_LOSS_MSE, NULL);
    if (s == OPTIMA_OK) s = optima_trainer_set_round_length(t, 2);
    for (int i = 0; s == OPTIMA_OK && i < st->steps; ++i) s = host_step(h, t, (uint64_t)i, NULL);
    if (s == OPTIMA_OK && st->steps > 0) {
        char path[] = "/tmp/optima-sweep-XXXXXX";
        const int fd = mkstemp(path);
        close(fd);
        s = optima_trainer_save_file(t, path);
        if (s == OPTIMA_OK) s = optima_trainer_load_file(t, path);
        unlink(path);
    }
    optima_trainer_destroy(t);
    return s;
}

static void every_allocation_failure_is_reported_and_leaks_nothing(void **state)
{
    fixture *f = *state;
    sweep_state st = {f, 0};
    assert_true(test_allocation_sweep(&f->a, create_configure_and_step, &st) > 3);
    st.steps = 3; /* freezing, the losses' first-step buffers, checkpoints */
    assert_true(test_allocation_sweep(&f->a, create_configure_and_step, &st) > 10);
}

static size_t count_lines(const char *path, char *first, size_t cap)
{
    FILE *file = fopen(path, "r");
    assert_non_null(file);
    char line[4096];
    size_t n = 0;
    while (fgets(line, sizeof line, file) != NULL) {
        if (n == 0) snprintf(first, cap, "%s", line);
        ++n;
    }
    fclose(file);
    return n;
}

static void round_logs_get_one_line_per_round(void **state)
{
    fixture *f = *state;
    char csv[] = "/tmp/optima-log-XXXXXX", jsonl[] = "/tmp/optima-jsonl-XXXXXX";
    close(mkstemp(csv));
    close(mkstemp(jsonl));
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 2);
    assert_int_equal(optima_trainer_set_round_log(t, csv, OPTIMA_LOG_FORMAT_CSV), OPTIMA_OK);
    for (uint64_t s = 0; s < 6; ++s) assert_int_equal(host_step(&f->h, t, s, NULL), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_round_log(t, jsonl, OPTIMA_LOG_FORMAT_JSONL), OPTIMA_OK);
    for (uint64_t s = 6; s < 10; ++s) assert_int_equal(host_step(&f->h, t, s, NULL), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_round_log(t, NULL, OPTIMA_LOG_FORMAT_CSV), OPTIMA_OK);
    char first[4096];
    assert_int_equal(count_lines(csv, first, sizeof first), 1 + 3);
    assert_string_equal(first, "round,first_step,arm,arm_name,reward,mean_reference,loss_vision,loss_text,"
                               "loss_fusion\n");
    assert_int_equal(count_lines(jsonl, first, sizeof first), 2);
    assert_non_null(strstr(first, "{\"round\":3,\"first_step\":6,"));
    assert_non_null(strstr(first, "\"arms\":[{\"count\":"));
    unlink(csv);
    unlink(jsonl);
    optima_trainer_destroy(t);
}

/* Every setting reads back as set, before and after freezing, without touching the
 * trainer's message; bad reads name the argument. */
static void getters_read_back_settings(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    double w = -1, temperature = -1;
    int32_t policy = -1, kind = -1, source = -1;
    uint64_t seed = 0;
    assert_int_equal(optima_trainer_get_pair_weight(t, 1, &w), OPTIMA_OK);
    assert_true(w == 1.0);
    assert_int_equal(optima_trainer_get_temperature(t, &temperature), OPTIMA_OK);
    assert_true(temperature == 1.0);
    assert_int_equal(optima_trainer_get_policy(t, &policy, &seed), OPTIMA_OK);
    assert_int_equal(policy, OPTIMA_POLICY_OPTIMA);
    assert_int_equal(seed, 42);
    assert_int_equal(optima_trainer_get_reward(t, &kind, &source), OPTIMA_OK);
    assert_int_equal(kind, OPTIMA_REWARD_RELATIVE);
    assert_int_equal(source, OPTIMA_REWARD_SOURCE_TRAINING);

    assert_int_equal(optima_trainer_set_pair_weight(t, 1, 0.25), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_temperature(t, 2.5), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_policy(t, OPTIMA_POLICY_UCB1, 7), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_reward(t, OPTIMA_REWARD_ABSOLUTE, OPTIMA_REWARD_SOURCE_EVALUATION),
                     OPTIMA_OK);
    for (int frozen = 0; frozen < 2; ++frozen) {
        assert_int_equal(optima_trainer_get_pair_weight(t, 1, &w), OPTIMA_OK);
        assert_true(w == 0.25);
        assert_int_equal(optima_trainer_get_pair_weight(t, 0, &w), OPTIMA_OK);
        assert_true(w == 1.0);
        assert_int_equal(optima_trainer_get_temperature(t, &temperature), OPTIMA_OK);
        assert_true(temperature == 2.5);
        assert_int_equal(optima_trainer_get_policy(t, &policy, &seed), OPTIMA_OK);
        assert_int_equal(policy, OPTIMA_POLICY_UCB1);
        assert_int_equal(seed, 7);
        assert_int_equal(optima_trainer_get_reward(t, &kind, &source), OPTIMA_OK);
        assert_int_equal(kind, OPTIMA_REWARD_ABSOLUTE);
        assert_int_equal(source, OPTIMA_REWARD_SOURCE_EVALUATION);
        assert_string_equal(optima_trainer_last_error(t), "");
        optima_loss *loss = NULL; /* its settings read also once it is locked */
        int32_t style = 0, mode = 0;
        double layer_weight = 0;
        assert_int_equal(optima_trainer_pair_loss(t, 0, &loss), OPTIMA_OK);
        assert_int_equal(optima_loss_get_mapping(loss, &style), OPTIMA_OK);
        assert_int_equal(style, OPTIMA_MAPPING_UNIFORM);
        assert_int_equal(optima_loss_get_projection_mode(loss, &mode), OPTIMA_OK);
        assert_int_equal(mode, OPTIMA_PROJECTION_WHEN_NEEDED);
        assert_int_equal(optima_loss_get_layer_weight(loss, 0, &layer_weight), OPTIMA_OK);
        assert_true(layer_weight == 1.0);
        optima_scheduler *s = NULL;
        assert_int_equal(optima_trainer_get_scheduler(t, &s), OPTIMA_OK); /* freezes */
    }

    assert_fails_naming_no_handle(optima_trainer_get_pair_weight(NULL, 0, &w), OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming(t, optima_trainer_get_pair_weight(t, 0, NULL), OPTIMA_EINVAL, "'weight'");
    assert_fails_naming(t, optima_trainer_get_pair_weight(t, 3, &w), OPTIMA_ENOTFOUND, "'pair'");
    assert_fails_naming_no_handle(optima_trainer_get_temperature(NULL, &temperature), OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming(t, optima_trainer_get_temperature(t, NULL), OPTIMA_EINVAL, "'temperature'");
    assert_fails_naming_no_handle(optima_trainer_get_policy(NULL, &policy, &seed), OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming(t, optima_trainer_get_policy(t, NULL, &seed), OPTIMA_EINVAL, "'policy'");
    assert_fails_naming(t, optima_trainer_get_policy(t, &policy, NULL), OPTIMA_EINVAL, "'seed'");
    assert_fails_naming_no_handle(optima_trainer_get_reward(NULL, &kind, &source), OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming(t, optima_trainer_get_reward(t, NULL, &source), OPTIMA_EINVAL, "'kind'");
    assert_fails_naming(t, optima_trainer_get_reward(t, &kind, NULL), OPTIMA_EINVAL, "'source'");
    optima_trainer_destroy(t);
}

/* The optimizer's settings and the history length read back as stored (float32 for the
 * optimizer's values), before and after freezing. */
static void optimizer_and_history_getters_read_back(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    int32_t kind = -1;
    double rate = 0, mu = -1, b1 = -1, b2 = -1, wd = -1;
    uint32_t rounds = 0;
    assert_int_equal(optima_trainer_get_optimizer(t, &kind, &rate), OPTIMA_OK);
    assert_int_equal(kind, OPTIMA_OPTIMIZER_ADAMW);
    assert_true(rate == (double)1e-3f);
    assert_int_equal(optima_trainer_get_optimizer_params(t, &mu, &b1, &b2, &wd), OPTIMA_OK);
    assert_true(mu == (double)0.9f && b1 == (double)0.9f && b2 == (double)0.999f && wd == (double)0.01f);
    assert_int_equal(optima_trainer_get_history(t, &rounds), OPTIMA_OK);
    assert_int_equal(rounds, 1024);

    assert_int_equal(optima_trainer_set_optimizer(t, OPTIMA_OPTIMIZER_SGD, 0.25), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_optimizer_params(t, 0.5, 0.75, 0.875, 0.125), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_history(t, 17), OPTIMA_OK);
    for (int frozen = 0; frozen < 2; ++frozen) {
        assert_int_equal(optima_trainer_get_optimizer(t, &kind, &rate), OPTIMA_OK);
        assert_int_equal(kind, OPTIMA_OPTIMIZER_SGD);
        assert_true(rate == 0.25);
        assert_int_equal(optima_trainer_get_optimizer_params(t, &mu, &b1, &b2, &wd), OPTIMA_OK);
        assert_true(mu == 0.5 && b1 == 0.75 && b2 == 0.875 && wd == 0.125);
        assert_int_equal(optima_trainer_get_history(t, &rounds), OPTIMA_OK);
        assert_int_equal(rounds, 17);
        assert_string_equal(optima_trainer_last_error(t), "");
        assert_int_equal(host_step(&f->h, t, 0, NULL), OPTIMA_OK); /* freezes */
    }

    assert_fails_naming_no_handle(optima_trainer_get_optimizer(NULL, &kind, &rate), OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming(t, optima_trainer_get_optimizer(t, NULL, &rate), OPTIMA_EINVAL, "'kind'");
    assert_fails_naming(t, optima_trainer_get_optimizer(t, &kind, NULL), OPTIMA_EINVAL, "'learning_rate'");
    assert_fails_naming_no_handle(optima_trainer_get_optimizer_params(NULL, &mu, &b1, &b2, &wd), OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming(t, optima_trainer_get_optimizer_params(t, NULL, &b1, &b2, &wd), OPTIMA_EINVAL, "'momentum'");
    assert_fails_naming(t, optima_trainer_get_optimizer_params(t, &mu, NULL, &b2, &wd), OPTIMA_EINVAL, "'beta1'");
    assert_fails_naming(t, optima_trainer_get_optimizer_params(t, &mu, &b1, NULL, &wd), OPTIMA_EINVAL, "'beta2'");
    assert_fails_naming(t, optima_trainer_get_optimizer_params(t, &mu, &b1, &b2, NULL), OPTIMA_EINVAL, "'weight_decay'");
    assert_fails_naming_no_handle(optima_trainer_get_history(NULL, &rounds), OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming(t, optima_trainer_get_history(t, NULL), OPTIMA_EINVAL, "'rounds'");
    optima_trainer_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(create_refuses_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(defaults_are_documented_values, setup, teardown),
        cmocka_unit_test_setup_teardown(settings_refuse_values_out_of_range, setup, teardown),
        cmocka_unit_test_setup_teardown(every_policy_trains, setup, teardown),
        cmocka_unit_test_setup_teardown(configuration_freezes_at_the_first_step, setup, teardown),
        cmocka_unit_test_setup_teardown(every_allocation_failure_is_reported_and_leaks_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(round_logs_get_one_line_per_round, setup, teardown),
        cmocka_unit_test_setup_teardown(getters_read_back_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(optimizer_and_history_getters_read_back, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
