/* Data-parallel training (optima_trainer_set_reduction) against a fake in-process engine:
 * N trainers, one thread each, whose reduction callback sums across them through shared
 * slots between two barriers, always in rank order (so every run gives the same bits).
 * Each rank takes its rows of the synthetic host's global batch; N ranks must train like
 * one trainer on the whole batch, for every reward source, and agree bit for bit. */
#include <pthread.h>

#include "reward_testutil.h"

#define MAX_RANKS 3
#define ROUND 3u
#define STEPS 24u
#define SCRATCH 4096

typedef struct engine {
    size_t ranks;
    pthread_barrier_t barrier;
    const void *slot[MAX_RANKS];
    size_t count[MAX_RANKS];
    int fail_call; /* every rank's callback returns 5 at this call (0-based; -1: never) */
} engine;

/* One rank: its host (models and data), trainer, rows of the global batch, and results. */
typedef struct rank {
    engine *e;
    size_t index, first_row, rows;
    test_allocator alloc;
    host h;
    optima_trainer *t;
    int32_t source;
    int calls;
    uint64_t from, to; /* steps to run */
    optima_status status;      /* the first failure */
    char message[512];
    int callback_failures;     /* end_step refused with OPTIMA_ECALLBACK, then retried */
    long allocations_after_first_step;
    double sum[SCRATCH];
} rank;

static int engine_sum(void *user, int32_t what, int32_t dtype, void *data, size_t count)
{
    (void)what;
    rank *r = user;
    engine *e = r->e;
    if (r->calls++ == e->fail_call) return 5;
    if (count > SCRATCH) return 6;
    e->slot[r->index] = data;
    e->count[r->index] = count;
    pthread_barrier_wait(&e->barrier);
    int same = 1; /* ranks that disagree may send different counts: every rank refuses */
    for (size_t k = 0; k < e->ranks; ++k) same &= e->count[k] == count;
    if (!same) {
        pthread_barrier_wait(&e->barrier);
        return 7;
    }
    for (size_t i = 0; i < count; ++i) {
        double acc = 0.0;
        for (size_t k = 0; k < e->ranks; ++k)
            acc += dtype == OPTIMA_DTYPE_F32 ? (double)((const float *)e->slot[k])[i]
                                             : ((const double *)e->slot[k])[i];
        r->sum[i] = acc;
    }
    pthread_barrier_wait(&e->barrier); /* every rank has read every slot */
    for (size_t i = 0; i < count; ++i) {
        if (dtype == OPTIMA_DTYPE_F32)
            ((float *)data)[i] = (float)r->sum[i];
        else
            ((double *)data)[i] = r->sum[i];
    }
    return 0;
}

/* A view of rows [first, first + rows) of a host buffer of `cols` columns. */
static optima_tensor slice(const float *data, size_t cols, size_t first, size_t rows)
{
    optima_tensor v = {data + first * cols, rows, cols, cols};
    return v;
}

/* The evaluation: a function of the first pair's projection, which every rank holds. */
static double projection_evaluation(optima_trainer *t)
{
    optima_loss *loss = NULL;
    float *p = NULL;
    size_t rows = 0, cols = 0;
    if (optima_trainer_pair_loss(t, 0, &loss) != OPTIMA_OK ||
        optima_loss_projection(loss, 0, &p, &rows, &cols) != OPTIMA_OK)
        return NAN;
    double s = 0.0;
    for (size_t i = 0; i < rows * cols; ++i) s += (double)p[i] * p[i];
    return 1.0 + s / (double)(rows * cols);
}

/* The task gradient at a student layer: the hidden state over the process's rows (a
 * per-row function divided by the rows, as the gradient of a mean is). */
static optima_status hand_task_grads(rank *r)
{
    const optima_layer_ref *plan = NULL;
    size_t count = 0;
    optima_status s = optima_trainer_plan(r->t, &plan, &count);
    for (size_t i = 0; s == OPTIMA_OK && i < count; ++i) {
        if (plan[i].side != OPTIMA_SIDE_STUDENT) continue;
        const size_t cols = plan[i].width;
        float g[HOST_ROWS * HOST_MAX_WIDTH];
        const float *hs = r->h.student_h[plan[i].module] + r->first_row * cols;
        for (size_t k = 0; k < r->rows * cols; ++k)
            g[k] = (hs[k] - 0.25f * (float)((r->first_row * cols + k) % 3)) / (float)r->rows;
        const optima_tensor v = slice(g, cols, 0, r->rows);
        s = optima_trainer_set_task_grad(r->t, plan[i].module, plan[i].layer, &v);
    }
    return s;
}

/* The task loss: the mean over the rank's rows of a per-row value, plus the layer term
 * (a mean over the rows too), so that the rewards follow the projections' training. */
static double task_loss(rank *r)
{
    double layer = 0.0, sum = 0.0;
    const optima_status s = optima_trainer_losses(r->t, NULL, &layer);
    if (s != OPTIMA_OK) return NAN;
    for (size_t k = 0; k < r->rows; ++k) {
        const float *x = r->h.x + (r->first_row + k) * HOST_IN;
        sum += (double)x[0] * x[0] + 0.5 * x[1];
    }
    return 1.0 + sum / (double)r->rows + layer;
}

static optima_status give_views(rank *r)
{
    const optima_layer_ref *plan = NULL;
    size_t count = 0;
    optima_status s = optima_trainer_plan(r->t, &plan, &count);
    for (size_t i = 0; s == OPTIMA_OK && i < count; ++i) {
        const optima_tensor full = host_hidden_view(&r->h, plan[i].side, plan[i].module, plan[i].layer);
        const optima_tensor v = slice(full.data, full.cols, r->first_row, r->rows);
        s = optima_trainer_set_hidden(r->t, (int32_t)plan[i].side, plan[i].module, plan[i].layer, &v);
    }
    const optima_tensor zs = slice(r->h.student_z, HOST_CLASSES, r->first_row, r->rows);
    const optima_tensor zt = slice(r->h.teacher_z, HOST_CLASSES, r->first_row, r->rows);
    if (s == OPTIMA_OK) s = optima_trainer_set_logits(r->t, OPTIMA_SIDE_STUDENT, &zs);
    if (s == OPTIMA_OK) s = optima_trainer_set_logits(r->t, OPTIMA_SIDE_TEACHER, &zt);
    return s;
}

static optima_status rank_step(rank *r, uint64_t step)
{
    optima_status s = optima_trainer_begin_step(r->t, NULL);
    if (s != OPTIMA_OK) return s;
    host_next_batch(&r->h, step);
    host_forward(&r->h);
    s = give_views(r);
    if (s == OPTIMA_OK) s = optima_trainer_compute(r->t, NULL);
    if (s == OPTIMA_OK && r->source == OPTIMA_REWARD_SOURCE_ALIGNMENT) s = hand_task_grads(r);
    if (s != OPTIMA_OK) return s;
    uint64_t steps = 0;
    s = optima_trainer_progress(r->t, &steps, NULL);
    if (s == OPTIMA_OK && r->source == OPTIMA_REWARD_SOURCE_EVALUATION && (steps + 1) % ROUND == 0)
        s = optima_trainer_submit_evaluation(r->t, projection_evaluation(r->t));
    const double loss = task_loss(r);
    if (s == OPTIMA_OK) s = optima_trainer_end_step(r->t, loss, NULL);
    if (s == OPTIMA_ECALLBACK) { /* the engine failed: nothing was applied, end it again */
        r->callback_failures += 1;
        s = optima_trainer_end_step(r->t, loss, NULL);
    }
    return s;
}

static void *rank_main(void *arg)
{
    rank *r = arg;
    for (uint64_t step = r->from; step < r->to && r->status == OPTIMA_OK; ++step) {
        const long before = r->alloc.calls;
        r->status = rank_step(r, step);
        if (step > r->from) r->allocations_after_first_step += r->alloc.calls - before;
    }
    if (r->status != OPTIMA_OK) snprintf(r->message, sizeof r->message, "%s", optima_trainer_last_error(r->t));
    return NULL;
}

/* A rank's trainer: MSE pairs (two with projections), OPTIMA, the given source. */
static void rank_init(rank *r, engine *e, size_t index, size_t first_row, size_t rows,
                      int32_t source, uint64_t seed)
{
    memset(r, 0, sizeof *r);
    r->e = e;
    r->index = index;
    r->first_row = first_row;
    r->rows = rows;
    r->source = source;
    host_init(&r->h, test_context(&r->alloc));
    r->t = host_trainer(&r->h, OPTIMA_POLICY_OPTIMA, ROUND);
    assert_int_equal(optima_trainer_set_policy(r->t, OPTIMA_POLICY_OPTIMA, seed), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_reward(r->t, OPTIMA_REWARD_RELATIVE, source), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_optimizer(r->t, OPTIMA_OPTIMIZER_ADAMW, 0.05), OPTIMA_OK);
    if (e != NULL) assert_int_equal(optima_trainer_set_reduction(r->t, engine_sum, r), OPTIMA_OK);
    if (source == OPTIMA_REWARD_SOURCE_EVALUATION)
        assert_int_equal(optima_trainer_submit_evaluation(r->t, projection_evaluation(r->t)), OPTIMA_OK);
}

static void rank_free(rank *r)
{
    optima_trainer_destroy(r->t);
    host_free(&r->h);
    optima_context_destroy(r->h.ctx);
}

static void engine_init(engine *e, size_t ranks)
{
    memset(e, 0, sizeof *e);
    e->ranks = ranks;
    e->fail_call = -1;
    assert_int_equal(pthread_barrier_init(&e->barrier, NULL, (unsigned)ranks), 0);
}

/* Run steps [from, to) on every rank, one thread each. */
static void run_ranks(rank *ranks, size_t n, uint64_t from, uint64_t to)
{
    pthread_t threads[MAX_RANKS];
    for (size_t k = 0; k < n; ++k) {
        ranks[k].from = from;
        ranks[k].to = to;
        assert_int_equal(pthread_create(&threads[k], NULL, rank_main, &ranks[k]), 0);
    }
    for (size_t k = 0; k < n; ++k) assert_int_equal(pthread_join(threads[k], NULL), 0);
}

/* The splits of the 6-row global batch: uneven shares weigh by their rows. */
static const size_t split2[2] = {4, 2}, split3[3] = {2, 2, 2};

static void start_ranks(rank *ranks, engine *e, size_t n, const size_t *split, int32_t source)
{
    engine_init(e, n);
    size_t first = 0;
    for (size_t k = 0; k < n; ++k) {
        rank_init(&ranks[k], e, k, first, split[k], source, 42);
        first += split[k];
    }
}

static void stop_ranks(rank *ranks, engine *e, size_t n)
{
    for (size_t k = 0; k < n; ++k) rank_free(&ranks[k]);
    pthread_barrier_destroy(&e->barrier);
}

/* Same arms; rewards and the pairs' round losses within float32 rounding of the sums. */
static void assert_trains_like(optima_trainer *one, optima_trainer *many, uint64_t rounds)
{
    for (uint64_t round = 0; round < rounds; ++round) {
        uint32_t arm1 = 0, armn = 1;
        double r1 = 0, rn = 1, ref1 = 0, refn = 1;
        assert_int_equal(optima_trainer_round_record(one, round, NULL, &arm1, &r1, &ref1), OPTIMA_OK);
        assert_int_equal(optima_trainer_round_record(many, round, NULL, &armn, &rn, &refn), OPTIMA_OK);
        assert_int_equal(arm1, armn);
        assert_float_equal(r1, rn, 2e-5);
        assert_float_equal(ref1, refn, 2e-5 * fabs(ref1));
        for (size_t p = 0; p < HOST_MODULES; ++p) {
            double l1 = 0, ln = 0;
            int32_t a1 = 0, an = 1;
            assert_int_equal(optima_trainer_round_pair_loss(one, round, p, &l1, &a1), OPTIMA_OK);
            assert_int_equal(optima_trainer_round_pair_loss(many, round, p, &ln, &an), OPTIMA_OK);
            assert_int_equal(a1, an);
            assert_float_equal(l1, ln, 2e-5 * fmax(1.0, fabs(l1)));
        }
    }
}

static void assert_ranks_ok(const rank *ranks, size_t n)
{
    for (size_t k = 0; k < n; ++k)
        if (ranks[k].status != OPTIMA_OK)
            fail_msg("rank %zu: %s: %s", k, optima_status_string(ranks[k].status), ranks[k].message);
}

static void n_ranks_train_like_one_process(int32_t source, size_t n, const size_t *split)
{
    rank one;
    rank_init(&one, NULL, 0, 0, HOST_ROWS, source, 42);
    one.from = 0;
    one.to = STEPS;
    rank_main(&one);
    assert_ranks_ok(&one, 1);

    engine e;
    rank ranks[MAX_RANKS];
    start_ranks(ranks, &e, n, split, source);
    run_ranks(ranks, n, 0, STEPS);
    assert_ranks_ok(ranks, n);
    const uint64_t rounds = STEPS / ROUND;
    assert_trains_like(one.t, ranks[0].t, rounds);
    for (size_t k = 1; k < n; ++k) assert_same_rounds(ranks[0].t, ranks[k].t, rounds);
    /* the arms changed: the comparison is not of one arm played throughout */
    uint32_t first = 0, other = 0;
    int changed = 0;
    assert_int_equal(optima_trainer_round_record(one.t, 0, NULL, &first, NULL, NULL), OPTIMA_OK);
    for (uint64_t round = 1; round < rounds; ++round) {
        assert_int_equal(optima_trainer_round_record(one.t, round, NULL, &other, NULL, NULL), OPTIMA_OK);
        changed |= other != first;
    }
    assert_true(changed);
    for (size_t k = 0; k < n; ++k) assert_int_equal(ranks[k].allocations_after_first_step, 0);
    stop_ranks(ranks, &e, n);
    rank_free(&one);
}

static void training_source_two_uneven_ranks(void **state)
{
    (void)state;
    n_ranks_train_like_one_process(OPTIMA_REWARD_SOURCE_TRAINING, 2, split2);
}

static void training_source_three_ranks(void **state)
{
    (void)state;
    n_ranks_train_like_one_process(OPTIMA_REWARD_SOURCE_TRAINING, 3, split3);
}

static void evaluation_source_two_ranks(void **state)
{
    (void)state;
    n_ranks_train_like_one_process(OPTIMA_REWARD_SOURCE_EVALUATION, 2, split2);
}

static void alignment_source_two_uneven_ranks(void **state)
{
    (void)state;
    n_ranks_train_like_one_process(OPTIMA_REWARD_SOURCE_ALIGNMENT, 2, split2);
}

static void alignment_source_three_ranks(void **state)
{
    (void)state;
    n_ranks_train_like_one_process(OPTIMA_REWARD_SOURCE_ALIGNMENT, 3, split3);
}

/* Rank 0 writes a checkpoint mid-round; fresh ranks all load it and finish the run: the
 * same records and projections as the uninterrupted ranks, bit for bit. */
static void a_resumed_run_equals_an_uninterrupted_one(void **state)
{
    (void)state;
    engine e1, e2;
    rank whole[2], resumed[2];
    start_ranks(whole, &e1, 2, split2, OPTIMA_REWARD_SOURCE_TRAINING);
    run_ranks(whole, 2, 0, STEPS);
    assert_ranks_ok(whole, 2);

    start_ranks(resumed, &e2, 2, split2, OPTIMA_REWARD_SOURCE_TRAINING);
    run_ranks(resumed, 2, 0, 7);
    assert_ranks_ok(resumed, 2);
    blob saved = blob_of_trainer(resumed[0].t);
    stop_ranks(resumed, &e2, 2);
    start_ranks(resumed, &e2, 2, split2, OPTIMA_REWARD_SOURCE_TRAINING);
    for (size_t k = 0; k < 2; ++k) assert_int_equal(load_trainer_bytes(resumed[k].t, saved.data, saved.size), OPTIMA_OK);
    free(saved.data);
    run_ranks(resumed, 2, 7, STEPS);
    assert_ranks_ok(resumed, 2);
    for (size_t k = 0; k < 2; ++k) {
        assert_same_rounds(whole[k].t, resumed[k].t, STEPS / ROUND);
        blob a = blob_of_trainer(whole[k].t), b = blob_of_trainer(resumed[k].t);
        assert_int_equal(a.size, b.size);
        assert_memory_equal(a.data, b.data, a.size);
        free(a.data);
        free(b.data);
    }
    stop_ranks(whole, &e1, 2);
    stop_ranks(resumed, &e2, 2);
}

/* A rank with another seed: with the check every 2 rounds, round 0's first step reports it
 * on every rank, before anything is applied. */
static void a_rank_with_another_seed_is_detected_at_the_first_check(void **state)
{
    (void)state;
    engine e;
    rank ranks[2];
    start_ranks(ranks, &e, 2, split2, OPTIMA_REWARD_SOURCE_TRAINING);
    assert_int_equal(optima_trainer_set_policy(ranks[1].t, OPTIMA_POLICY_OPTIMA, 43), OPTIMA_OK);
    for (size_t k = 0; k < 2; ++k) {
        assert_int_equal(optima_trainer_set_agreement_interval(ranks[k].t, 2), OPTIMA_OK);
        uint32_t rounds = 0;
        assert_int_equal(optima_trainer_get_agreement_interval(ranks[k].t, &rounds), OPTIMA_OK);
        assert_int_equal(rounds, 2);
    }
    run_ranks(ranks, 2, 0, STEPS);
    for (size_t k = 0; k < 2; ++k) {
        assert_int_equal(ranks[k].status, OPTIMA_ESTATE);
        assert_non_null(strstr(ranks[k].message, "disagree at round 0"));
        uint64_t steps = 9;
        assert_int_equal(optima_trainer_progress(ranks[k].t, &steps, NULL), OPTIMA_OK);
        assert_int_equal(steps, 0);
    }
    stop_ranks(ranks, &e, 2);
}

/* A divergence mid-run: at round 5 rank 1's scheduler goes back to its state after round 1
 * (a rank resumed from a stale state). With the check every round, round 5's first step
 * reports it on both ranks, before anything of that step is applied. */
static void a_divergence_mid_run_is_detected_in_its_round(void **state)
{
    (void)state;
    engine e;
    rank ranks[2];
    start_ranks(ranks, &e, 2, split2, OPTIMA_REWARD_SOURCE_TRAINING);
    for (size_t k = 0; k < 2; ++k)
        assert_int_equal(optima_trainer_set_agreement_interval(ranks[k].t, 1), OPTIMA_OK);
    run_ranks(ranks, 2, 0, 2 * ROUND);
    assert_ranks_ok(ranks, 2);
    optima_scheduler *s = NULL;
    assert_int_equal(optima_trainer_get_scheduler(ranks[1].t, &s), OPTIMA_OK);
    size_t size = 0;
    assert_int_equal(optima_scheduler_save_to_buffer(s, NULL, 0, &size), OPTIMA_OK);
    uint8_t *stale = malloc(size);
    assert_int_equal(optima_scheduler_save_to_buffer(s, stale, size, &size), OPTIMA_OK);
    run_ranks(ranks, 2, 2 * ROUND, 5 * ROUND);
    assert_ranks_ok(ranks, 2);
    assert_int_equal(optima_scheduler_load_from_buffer(s, stale, size), OPTIMA_OK);
    free(stale);
    run_ranks(ranks, 2, 5 * ROUND, STEPS);
    for (size_t k = 0; k < 2; ++k) {
        assert_int_equal(ranks[k].status, OPTIMA_ESTATE);
        assert_non_null(strstr(ranks[k].message, "disagree at round 5"));
        uint64_t steps = 0;
        assert_int_equal(optima_trainer_progress(ranks[k].t, &steps, NULL), OPTIMA_OK);
        assert_int_equal(steps, 5 * ROUND);
    }
    stop_ranks(ranks, &e, 2);
}

/* Ranks that agree pass every check (one every round) and train as without checks. */
static void agreeing_ranks_pass_every_check(void **state)
{
    (void)state;
    engine e1, e2;
    rank checked[2], plain[2];
    start_ranks(checked, &e1, 2, split2, OPTIMA_REWARD_SOURCE_TRAINING);
    start_ranks(plain, &e2, 2, split2, OPTIMA_REWARD_SOURCE_TRAINING);
    for (size_t k = 0; k < 2; ++k)
        assert_int_equal(optima_trainer_set_agreement_interval(checked[k].t, 1), OPTIMA_OK);
    run_ranks(checked, 2, 0, STEPS);
    run_ranks(plain, 2, 0, STEPS);
    assert_ranks_ok(checked, 2);
    assert_ranks_ok(plain, 2);
    /* one agreement call per round beside the step's two */
    assert_int_equal(checked[0].calls, plain[0].calls + (int)(STEPS / ROUND));
    assert_same_rounds(checked[0].t, plain[0].t, STEPS / ROUND);
    stop_ranks(checked, &e1, 2);
    stop_ranks(plain, &e2, 2);
}

/* The engine fails the projection gradients' sum of step 4 (its 10th call, whichever sum that is): end_step
 * reports OPTIMA_ECALLBACK with the code kept, nothing was applied, and ending the step
 * again gives the run without the failure. */
static void an_engine_failure_applies_nothing(void **state)
{
    (void)state;
    engine e1, e2;
    rank failing[2], plain[2];
    start_ranks(failing, &e1, 2, split2, OPTIMA_REWARD_SOURCE_TRAINING);
    start_ranks(plain, &e2, 2, split2, OPTIMA_REWARD_SOURCE_TRAINING);
    e1.fail_call = 9;
    run_ranks(failing, 2, 0, STEPS);
    run_ranks(plain, 2, 0, STEPS);
    assert_ranks_ok(failing, 2);
    assert_ranks_ok(plain, 2);
    for (size_t k = 0; k < 2; ++k) {
        assert_int_equal(failing[k].callback_failures, 1);
        int32_t code = 0;
        assert_int_equal(optima_trainer_callback_code(failing[k].t, &code), OPTIMA_OK);
        assert_int_equal(code, 5);
        assert_same_rounds(failing[k].t, plain[k].t, STEPS / ROUND);
        blob a = blob_of_trainer(failing[k].t), b = blob_of_trainer(plain[k].t);
        assert_int_equal(a.size, b.size);
        assert_memory_equal(a.data, b.data, a.size);
        free(a.data);
        free(b.data);
    }
    stop_ranks(failing, &e1, 2);
    stop_ranks(plain, &e2, 2);
}

static void the_settings_and_their_refusals(void **state)
{
    (void)state;
    rank r;
    rank_init(&r, NULL, 0, 0, HOST_ROWS, OPTIMA_REWARD_SOURCE_TRAINING, 42);
    uint32_t rounds = 9;
    assert_int_equal(optima_trainer_get_agreement_interval(r.t, &rounds), OPTIMA_OK);
    assert_int_equal(rounds, 0);
    assert_int_equal(optima_trainer_set_reduction(r.t, engine_sum, &r), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_reduction(r.t, NULL, NULL), OPTIMA_OK);
    assert_fails_naming_no_handle(optima_trainer_set_reduction(NULL, engine_sum, NULL), OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming_no_handle(optima_trainer_set_agreement_interval(NULL, 1), OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming(r.t, optima_trainer_get_agreement_interval(r.t, NULL), OPTIMA_EINVAL, "'rounds'");
    assert_fails_naming_no_handle(optima_trainer_get_agreement_interval(NULL, &rounds), OPTIMA_EINVAL, "'trainer'");
    /* one process: no callback, and the interval is then without effect */
    assert_int_equal(optima_trainer_set_agreement_interval(r.t, 1), OPTIMA_OK);
    r.from = 0;
    r.to = 2;
    rank_main(&r);
    assert_int_equal(r.status, OPTIMA_OK);
    assert_fails_naming(r.t, optima_trainer_set_reduction(r.t, engine_sum, &r), OPTIMA_ESTATE, "frozen");
    assert_int_equal(optima_trainer_set_agreement_interval(r.t, 3), OPTIMA_OK);
    assert_int_equal(optima_trainer_get_agreement_interval(r.t, &rounds), OPTIMA_OK);
    assert_int_equal(rounds, 3);
    rank_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(training_source_two_uneven_ranks),
        cmocka_unit_test(training_source_three_ranks),
        cmocka_unit_test(evaluation_source_two_ranks),
        cmocka_unit_test(alignment_source_two_uneven_ranks),
        cmocka_unit_test(alignment_source_three_ranks),
        cmocka_unit_test(a_resumed_run_equals_an_uninterrupted_one),
        cmocka_unit_test(a_rank_with_another_seed_is_detected_at_the_first_check),
        cmocka_unit_test(a_divergence_mid_run_is_detected_in_its_round),
        cmocka_unit_test(agreeing_ranks_pass_every_check),
        cmocka_unit_test(an_engine_failure_applies_nothing),
        cmocka_unit_test(the_settings_and_their_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
