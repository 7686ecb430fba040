/* The trainer's step API: plans follow arms, losses and gradients follow the objective,
 * rewards follow the formula, bad views and non-finite losses are refused. */
#include "trainer_host.h"

static void plan_lists_only_the_active_modules_layers(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 2);
    optima_scheduler *s = NULL;
    assert_int_equal(optima_trainer_get_scheduler(t, &s), OPTIMA_OK);
    for (uint64_t step = 0; step < 30; ++step) {
        uint32_t arm = 0, mask = 0;
        assert_int_equal(optima_trainer_begin_step(t, &arm), OPTIMA_OK);
        assert_int_equal(optima_scheduler_get_arm_mask(s, arm, &mask), OPTIMA_OK);
        const optima_layer_ref *plan = NULL;
        size_t count = 0;
        assert_int_equal(optima_trainer_plan(t, &plan, &count), OPTIMA_OK);
        size_t students = 0, teachers = 0;
        for (size_t i = 0; i < count; ++i) {
            assert_true(mask >> plan[i].module & 1u);
            if (plan[i].side == OPTIMA_SIDE_STUDENT) {
                ++students;
                assert_int_equal(plan[i].layer, 0);
                assert_int_equal(plan[i].width, host_student_width[plan[i].module]);
            } else {
                ++teachers;
                assert_int_equal(plan[i].layer, 1); /* UNIFORM: student 0 of 1 -> teacher 1 of 2 */
                assert_int_equal(plan[i].width, host_teacher_width[plan[i].module]);
            }
        }
        assert_int_equal(students, (size_t)__builtin_popcount(mask));
        assert_int_equal(teachers, students);
        assert_int_equal(host_step(&f->h, t, step, NULL), OPTIMA_OK);
    }
    optima_trainer_destroy(t);
}

static void total_and_gradients_follow_the_objective(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 3);
    assert_int_equal(optima_trainer_set_alpha_layer(t, 0.5), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_alpha_pred(t, 2.0), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_pair_weight(t, 1, 3.0), OPTIMA_OK);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    host_next_batch(&f->h, 0);
    host_forward(&f->h);
    for (size_t m = 0; m < HOST_MODULES; ++m) {
        optima_tensor s = host_hidden_view(&f->h, OPTIMA_SIDE_STUDENT, m, 0);
        optima_tensor te = host_hidden_view(&f->h, OPTIMA_SIDE_TEACHER, m, 1);
        assert_int_equal(optima_trainer_set_hidden(t, OPTIMA_SIDE_STUDENT, m, 0, &s), OPTIMA_OK);
        assert_int_equal(optima_trainer_set_hidden(t, OPTIMA_SIDE_TEACHER, m, 1, &te), OPTIMA_OK);
    }
    optima_tensor zs = host_view(f->h.student_z, HOST_CLASSES), zt = host_view(f->h.teacher_z, HOST_CLASSES);
    assert_int_equal(optima_trainer_set_logits(t, OPTIMA_SIDE_STUDENT, &zs), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_logits(t, OPTIMA_SIDE_TEACHER, &zt), OPTIMA_OK);
    double total = 0, kl = 0, layer = 0;
    assert_int_equal(optima_trainer_compute(t, &total), OPTIMA_OK);
    assert_int_equal(optima_trainer_losses(t, &kl, &layer), OPTIMA_OK);

    /* The same terms from the stateless math. */
    double expected_kl = 0;
    assert_int_equal(optima_kl(f->ctx, &zs, &zt, 1.0, NULL, &expected_kl, NULL, 0), OPTIMA_OK);
    assert_true(fabs(kl - expected_kl) < 1e-6 * (1 + expected_kl));
    const double weights[HOST_MODULES] = {1.0, 3.0, 1.0};
    double expected_layer = 0;
    for (size_t m = 0; m < HOST_MODULES; ++m) {
        optima_loss *loss = NULL;
        assert_int_equal(optima_trainer_pair_loss(t, m, &loss), OPTIMA_OK);
        float *proj = NULL;
        size_t rows = 0, cols = 0;
        assert_int_equal(optima_loss_projection(loss, 0, &proj, &rows, &cols), OPTIMA_OK);
        const optima_tensor p = {proj, rows, cols, cols};
        optima_tensor s = host_hidden_view(&f->h, OPTIMA_SIDE_STUDENT, m, 0);
        optima_tensor te = host_hidden_view(&f->h, OPTIMA_SIDE_TEACHER, m, 1);
        double d = 0;
        float g[HOST_ROWS * HOST_MAX_WIDTH];
        assert_int_equal(optima_mse(f->ctx, &s, &te, proj ? &p : NULL, NULL, &d, g, s.cols, NULL, 0),
                         OPTIMA_OK);
        double value = 0;
        int32_t active = 0;
        assert_int_equal(optima_trainer_pair_loss_value(t, m, &value, &active), OPTIMA_OK);
        assert_int_equal(active, 1);
        assert_true(fabs(value - d) < 1e-5 * (1 + d));
        expected_layer += weights[m] * d / 3.0;
        /* the trainer's gradient is the stateless one scaled by alpha_layer * w / |A| */
        optima_tensor grad;
        assert_int_equal(optima_trainer_student_grad(t, m, 0, &grad), OPTIMA_OK);
        assert_int_equal(grad.rows, HOST_ROWS);
        const double scale = 0.5 * weights[m] / 3.0;
        for (size_t r = 0; r < HOST_ROWS; ++r)
            for (size_t j = 0; j < s.cols; ++j)
                assert_true(fabs(grad.data[r * grad.row_stride + j] - scale * g[r * s.cols + j]) <
                            1e-5);
    }
    assert_true(fabs(layer - expected_layer) < 1e-5 * (1 + expected_layer));
    assert_true(fabs(total - (2.0 * kl + 0.5 * layer)) < 1e-9 * (1 + total));
    optima_tensor lg;
    assert_int_equal(optima_trainer_logits_grad(t, &lg), OPTIMA_OK);
    assert_int_equal(lg.rows, HOST_ROWS);
    assert_int_equal(lg.cols, HOST_CLASSES);
    optima_trainer_destroy(t);
}

static void rewards_follow_the_relative_decrement(void **state)
{
    fixture *f = *state;
    /* The host passes a falling task loss; each step's reference is task + alpha_pred·KL. */
    double refs[9];
    optima_trainer *t = NULL;
    t = host_trainer(&f->h, OPTIMA_POLICY_ROUND_ROBIN, 3);
    for (uint64_t step = 0; step < 9; ++step) {
        assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
        host_next_batch(&f->h, step);
        host_forward(&f->h);
        const optima_layer_ref *plan = NULL;
        size_t count = 0;
        assert_int_equal(optima_trainer_plan(t, &plan, &count), OPTIMA_OK);
        for (size_t i = 0; i < count; ++i) {
            const optima_tensor v = host_hidden_view(&f->h, plan[i].side, plan[i].module, plan[i].layer);
            assert_int_equal(optima_trainer_set_hidden(t, (int32_t)plan[i].side, plan[i].module,
                                                       plan[i].layer, &v), OPTIMA_OK);
        }
        const optima_tensor zs = host_view(f->h.student_z, HOST_CLASSES);
        const optima_tensor zt = host_view(f->h.teacher_z, HOST_CLASSES);
        assert_int_equal(optima_trainer_set_logits(t, OPTIMA_SIDE_STUDENT, &zs), OPTIMA_OK);
        assert_int_equal(optima_trainer_set_logits(t, OPTIMA_SIDE_TEACHER, &zt), OPTIMA_OK);
        assert_int_equal(optima_trainer_compute(t, NULL), OPTIMA_OK);
        double kl = 0;
        assert_int_equal(optima_trainer_losses(t, &kl, NULL), OPTIMA_OK);
        const double task = 1.0 / (double)(step + 1); /* a loss that falls */
        refs[step] = task + 1.0 * kl;
        int32_t ended = -1;
        assert_int_equal(optima_trainer_end_step(t, task, &ended), OPTIMA_OK);
        assert_int_equal(ended, (step % 3) == 2);
    }
    uint64_t steps = 0, rounds = 0;
    assert_int_equal(optima_trainer_progress(t, &steps, &rounds), OPTIMA_OK);
    assert_int_equal(steps, 9);
    assert_int_equal(rounds, 3);
    double previous = refs[0]; /* L̄_0: the first step's reference */
    for (uint64_t r = 0; r < 3; ++r) {
        const double mean = (refs[3 * r] + refs[3 * r + 1] + refs[3 * r + 2]) / 3.0;
        uint64_t first = 0;
        uint32_t arm = 99;
        double reward = 0, mean_ref = 0;
        assert_int_equal(optima_trainer_round_record(t, r, &first, &arm, &reward, &mean_ref), OPTIMA_OK);
        assert_int_equal(first, 3 * r);
        assert_int_equal(arm, (uint32_t)r); /* round robin */
        assert_true(fabs(mean_ref - mean) < 1e-12);
        assert_true(fabs(reward - (previous - mean) / fabs(previous)) < 1e-12);
        previous = mean;
    }
    optima_scheduler *s = NULL;
    assert_int_equal(optima_trainer_get_scheduler(t, &s), OPTIMA_OK);
    uint64_t plays = 0;
    assert_int_equal(optima_scheduler_get_arm_plays(s, 1, &plays), OPTIMA_OK);
    assert_int_equal(plays, 1);
    assert_int_equal(optima_trainer_round_record(t, 3, NULL, NULL, NULL, NULL), OPTIMA_ENOTFOUND);
    optima_trainer_destroy(t);
}

static void absolute_reward_and_evaluation_source(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_RANDOM, 2);
    assert_int_equal(optima_trainer_set_reward(t, OPTIMA_REWARD_ABSOLUTE,
                                               OPTIMA_REWARD_SOURCE_EVALUATION), OPTIMA_OK);
    /* no baseline: the first round cannot end */
    assert_int_equal(host_step(&f->h, t, 0, NULL), OPTIMA_OK);
    assert_fails_naming(t, host_step(&f->h, t, 1, NULL), OPTIMA_ESTATE, "baseline");
    optima_trainer_destroy(t);

    t = host_trainer(&f->h, OPTIMA_POLICY_RANDOM, 2);
    assert_int_equal(optima_trainer_set_reward(t, OPTIMA_REWARD_ABSOLUTE,
                                               OPTIMA_REWARD_SOURCE_EVALUATION), OPTIMA_OK);
    assert_int_equal(optima_trainer_submit_evaluation(t, 5.0), OPTIMA_OK);
    assert_int_equal(host_step(&f->h, t, 0, NULL), OPTIMA_OK);
    assert_fails_naming(t, host_step(&f->h, t, 1, NULL), OPTIMA_ESTATE, "no evaluation");
    assert_fails_naming(t, optima_trainer_submit_evaluation(t, NAN), OPTIMA_ENONFINITE, "'loss'");
    assert_int_equal(optima_trainer_submit_evaluation(t, 4.0), OPTIMA_OK);
    assert_int_equal(optima_trainer_end_step(t, 1.0, NULL), OPTIMA_OK); /* the step still computed */
    double reward = 0, mean = 0;
    assert_int_equal(optima_trainer_round_record(t, 0, NULL, NULL, &reward, &mean), OPTIMA_OK);
    assert_true(reward == 1.0);
    assert_true(mean == 4.0);
    optima_trainer_destroy(t);
}

static void missing_and_misshaped_views_name_module_and_layer(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    host_next_batch(&f->h, 0);
    host_forward(&f->h);
    optima_tensor wrong = host_view(f->h.student_h[0], 3); /* vision is 4 wide */
    assert_fails_naming(t, optima_trainer_set_hidden(t, OPTIMA_SIDE_STUDENT, 0, 0, &wrong), OPTIMA_ESHAPE,
                        "student module 'vision' layer 0");
    optima_tensor v = host_hidden_view(&f->h, OPTIMA_SIDE_TEACHER, 2, 0);
    assert_fails_naming(t, optima_trainer_set_hidden(t, OPTIMA_SIDE_TEACHER, 2, 0, &v), OPTIMA_ENOTFOUND,
                        "teacher module 2 ('fusion') layer 0");
    assert_fails_naming(t, optima_trainer_set_hidden(t, 5, 0, 0, &v), OPTIMA_EINVAL, "'side'");
    assert_fails_naming(t, optima_trainer_set_hidden(t, 0, 0, 0, NULL), OPTIMA_EINVAL, "'view'");
    optima_tensor s0 = host_hidden_view(&f->h, OPTIMA_SIDE_STUDENT, 0, 0);
    assert_int_equal(optima_trainer_set_hidden(t, OPTIMA_SIDE_STUDENT, 0, 0, &s0), OPTIMA_OK);
    /* since 1.1 another pair may have other rows; the views of one pair may not */
    optima_tensor t0 = host_hidden_view(&f->h, OPTIMA_SIDE_TEACHER, 0, 1);
    t0.rows = 2;
    assert_fails_naming(t, optima_trainer_set_hidden(t, OPTIMA_SIDE_TEACHER, 0, 1, &t0), OPTIMA_ESHAPE,
                        "has 2 rows, pair 0 has 6");
    optima_tensor s1 = host_hidden_view(&f->h, OPTIMA_SIDE_STUDENT, 1, 0);
    s1.rows = 2;
    assert_int_equal(optima_trainer_set_hidden(t, OPTIMA_SIDE_STUDENT, 1, 0, &s1), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_compute(t, NULL), OPTIMA_ESTATE, "student module 2 ('fusion') layer 0");
    assert_fails_naming(t, optima_trainer_end_step(t, 1.0, NULL), OPTIMA_ESTATE, "compute");
    optima_tensor g;
    assert_fails_naming(t, optima_trainer_student_grad(t, 0, 0, &g), OPTIMA_ESTATE, "compute");
    assert_fails_naming(t, optima_trainer_student_grad(t, 0, 1, &g), OPTIMA_ENOTFOUND, "layer 1");
    optima_trainer_destroy(t);
}

static void non_finite_losses_change_neither_projections_nor_scheduler(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    assert_int_equal(host_step(&f->h, t, 0, NULL), OPTIMA_OK);
    float before[256], after[256];
    host_projections(t, before);
    f->h.nan_task_at_step = 1;
    assert_fails_naming(t, host_step(&f->h, t, 1, NULL), OPTIMA_ENONFINITE, "'task_loss'");
    host_projections(t, after);
    assert_memory_equal(before, after, sizeof before);
    uint64_t steps = 0, rounds = 0;
    assert_int_equal(optima_trainer_progress(t, &steps, &rounds), OPTIMA_OK);
    assert_int_equal(steps, 1);
    assert_int_equal(rounds, 0);

    /* a NaN in a hidden state: compute refuses, no gradient, the step cannot end */
    f->h.nan_task_at_step = -1;
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    host_next_batch(&f->h, 1);
    host_forward(&f->h);
    f->h.student_h[0][3] = NAN;
    const optima_layer_ref *plan = NULL;
    size_t count = 0;
    assert_int_equal(optima_trainer_plan(t, &plan, &count), OPTIMA_OK);
    for (size_t i = 0; i < count; ++i) {
        const optima_tensor v = host_hidden_view(&f->h, plan[i].side, plan[i].module, plan[i].layer);
        assert_int_equal(optima_trainer_set_hidden(t, (int32_t)plan[i].side, plan[i].module, plan[i].layer, &v),
                         OPTIMA_OK);
    }
    const optima_tensor zs = host_view(f->h.student_z, HOST_CLASSES), zt = host_view(f->h.teacher_z, HOST_CLASSES);
    assert_int_equal(optima_trainer_set_logits(t, OPTIMA_SIDE_STUDENT, &zs), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_logits(t, OPTIMA_SIDE_TEACHER, &zt), OPTIMA_OK);
    assert_int_equal(optima_trainer_compute(t, NULL), OPTIMA_ENONFINITE);
    assert_non_null(strstr(optima_trainer_last_error(t), "pair 0"));
    optima_tensor g;
    assert_int_equal(optima_trainer_student_grad(t, 0, 0, &g), OPTIMA_ESTATE);
    assert_int_equal(optima_trainer_end_step(t, 1.0, NULL), OPTIMA_ESTATE);
    host_projections(t, after);
    assert_memory_equal(before, after, sizeof before);
    /* the trainer goes on */
    assert_int_equal(host_step(&f->h, t, 2, NULL), OPTIMA_OK);
    assert_int_equal(optima_trainer_progress(t, &steps, &rounds), OPTIMA_OK);
    assert_int_equal(rounds, 1);
    optima_trainer_destroy(t);
}

/* Hand every view of the plan over from copies the test allocates; returns the copies. */
static float **give_views_from_copies(host *h, optima_trainer *t)
{
    const optima_layer_ref *plan = NULL;
    size_t count = 0;
    assert_int_equal(optima_trainer_plan(t, &plan, &count), OPTIMA_OK);
    float **copies = calloc(count + 1, sizeof *copies);
    for (size_t i = 0; i < count; ++i) {
        const optima_tensor v = host_hidden_view(h, plan[i].side, plan[i].module, plan[i].layer);
        copies[i] = malloc(v.rows * v.cols * sizeof(float));
        memcpy(copies[i], v.data, v.rows * v.cols * sizeof(float));
        const optima_tensor c = {copies[i], v.rows, v.cols, v.cols};
        assert_int_equal(optima_trainer_set_hidden(t, (int32_t)plan[i].side, plan[i].module,
                                                   plan[i].layer, &c), OPTIMA_OK);
    }
    return copies;
}

static void free_copies(float **copies)
{
    for (size_t i = 0; copies[i] != NULL; ++i) free(copies[i]);
    free(copies);
}

/* A trainer (policy ALL, no KL) with its first step begun and the host's forward done. */
static optima_trainer *begun_without_logits(fixture *f)
{
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    assert_int_equal(optima_trainer_set_alpha_pred(t, 0.0), OPTIMA_OK);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    host_next_batch(&f->h, 0);
    host_forward(&f->h);
    return t;
}

/* set_hidden promises the data need live only until compute returns: a second compute
 * must not read it (the host may have freed it), it must ask for the views again. */
static void a_second_compute_reads_no_view_the_host_may_have_freed(void **state)
{
    fixture *f = *state;
    optima_trainer *t = begun_without_logits(f);
    float **copies = give_views_from_copies(&f->h, t);
    double first = 0, second = 0;
    assert_int_equal(optima_trainer_compute(t, &first), OPTIMA_OK);
    free_copies(copies); /* allowed: compute has returned */
    assert_fails_naming(t, optima_trainer_compute(t, NULL), OPTIMA_ESTATE, "student module 0 ('vision') layer 0");
    /* the views given again: the same step computes the same total and ends */
    copies = give_views_from_copies(&f->h, t);
    assert_int_equal(optima_trainer_compute(t, &second), OPTIMA_OK);
    free_copies(copies);
    assert_true(first == second);
    assert_int_equal(optima_trainer_end_step(t, 1.0, NULL), OPTIMA_OK);
    optima_trainer_destroy(t);
}

/* The documented retry: after ENONFINITE, finite views given again make the step whole. */
static void compute_after_a_non_finite_view_retries_with_new_views(void **state)
{
    fixture *f = *state;
    optima_trainer *t = begun_without_logits(f);
    const float kept = f->h.student_h[0][0];
    f->h.student_h[0][0] = NAN;
    float **copies = give_views_from_copies(&f->h, t);
    assert_int_equal(optima_trainer_compute(t, NULL), OPTIMA_ENONFINITE);
    free_copies(copies);
    assert_fails_naming(t, optima_trainer_compute(t, NULL), OPTIMA_ESTATE, "was not given");
    f->h.student_h[0][0] = kept;
    copies = give_views_from_copies(&f->h, t);
    double total = 0;
    assert_int_equal(optima_trainer_compute(t, &total), OPTIMA_OK);
    free_copies(copies);
    assert_true(isfinite(total) && total > 0);
    int32_t ended = 0;
    assert_int_equal(optima_trainer_end_step(t, 1.0, &ended), OPTIMA_OK);
    optima_trainer_destroy(t);
}

/* One status per fault: a view the trainer refuses gets the status math.h gives the same
 * view (NULL data and a short row stride EINVAL, no rows ESHAPE, an extent beyond memory
 * EOVERFLOW), and the message names the argument. */
static void view_faults_get_the_status_the_math_gives_them(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    host_forward(&f->h);
    const float *data = f->h.student_h[0];
    const optima_tensor faults[4] = {
        {NULL, HOST_ROWS, 4, 4},           /* NULL data */
        {data, HOST_ROWS, 4, 3},           /* row stride below the width */
        {data, 0, 4, 4},                   /* no rows */
        {data, 2, 4, SIZE_MAX / 2},        /* an extent beyond memory */
    };
    const optima_status expected[4] = {OPTIMA_EINVAL, OPTIMA_EINVAL, OPTIMA_ESHAPE, OPTIMA_EOVERFLOW};
    const optima_tensor ok = host_view(data, 4);
    for (size_t i = 0; i < 4; ++i) {
        double loss = 0;
        assert_int_equal(optima_mse(f->ctx, &faults[i], &ok, NULL, NULL, &loss, NULL, 0, NULL, 0),
                         expected[i]);
        assert_fails_naming(t, optima_trainer_set_hidden(t, OPTIMA_SIDE_STUDENT, 0, 0, &faults[i]),
                            expected[i], "'view'");
        assert_non_null(strstr(optima_trainer_last_error(t), "student module 'vision' layer 0"));
        const optima_tensor z = {faults[i].data, faults[i].rows, HOST_CLASSES,
                                 faults[i].row_stride == 3 ? 3 : faults[i].row_stride};
        assert_fails_naming(t, optima_trainer_set_logits(t, OPTIMA_SIDE_STUDENT, &z), expected[i], "'view'");
        assert_non_null(strstr(optima_trainer_last_error(t), "student logits"));
    }
    optima_trainer_destroy(t);
}

static void weight_zero_and_alpha_zero_deactivate_layers(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    assert_int_equal(optima_trainer_set_pair_weight(t, 1, 0.0), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_alpha_pred(t, 0.0), OPTIMA_OK);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    const optima_layer_ref *plan = NULL;
    size_t count = 0;
    assert_int_equal(optima_trainer_plan(t, &plan, &count), OPTIMA_OK);
    assert_int_equal(count, 4);
    for (size_t i = 0; i < count; ++i) assert_int_not_equal(plan[i].module, 1);
    int32_t logits = 1;
    assert_int_equal(optima_trainer_needs_logits(t, &logits), OPTIMA_OK);
    assert_int_equal(logits, 0);
    optima_tensor z = host_view(f->h.student_z, HOST_CLASSES);
    assert_int_equal(optima_trainer_set_logits(t, OPTIMA_SIDE_STUDENT, &z), OPTIMA_ESTATE);
    assert_int_equal(host_step(&f->h, t, 0, NULL), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_alpha_layer(t, 0.0), OPTIMA_OK);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    assert_int_equal(optima_trainer_plan(t, &plan, &count), OPTIMA_OK);
    assert_int_equal(count, 0);
    optima_trainer_destroy(t);
}

static void steady_state_steps_allocate_nothing(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    for (uint64_t step = 0; step < 10; ++step) assert_int_equal(host_step(&f->h, t, step, NULL), OPTIMA_OK);
    const long calls = f->a.calls;
    for (uint64_t step = 10; step < 60; ++step) assert_int_equal(host_step(&f->h, t, step, NULL), OPTIMA_OK);
    assert_int_equal(f->a.calls, calls);
    optima_trainer_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(plan_lists_only_the_active_modules_layers, setup, teardown),
        cmocka_unit_test_setup_teardown(total_and_gradients_follow_the_objective, setup, teardown),
        cmocka_unit_test_setup_teardown(rewards_follow_the_relative_decrement, setup, teardown),
        cmocka_unit_test_setup_teardown(absolute_reward_and_evaluation_source, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_and_misshaped_views_name_module_and_layer, setup, teardown),
        cmocka_unit_test_setup_teardown(non_finite_losses_change_neither_projections_nor_scheduler, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_second_compute_reads_no_view_the_host_may_have_freed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(compute_after_a_non_finite_view_retries_with_new_views, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(view_faults_get_the_status_the_math_gives_them, setup, teardown),
        cmocka_unit_test_setup_teardown(weight_zero_and_alpha_zero_deactivate_layers, setup, teardown),
        cmocka_unit_test_setup_teardown(steady_state_steps_allocate_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
