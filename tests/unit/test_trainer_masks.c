/* Per-pair row counts and row masks: token-level text (batch × tokens rows, padding
 * masked) beside pooled image states (batch rows) and logits with their own mask. Values
 * are the masked means of the stateless math, gradients match finite differences, padding
 * gets zero gradients, and a pair whose mask counts no row contributes nothing. */
#include <math.h>

#include "testutil.h"

#define BATCH 3
#define TOKENS 4
#define TEXT_ROWS (BATCH * TOKENS)
#define IMAGE_S 4
#define IMAGE_T 6
#define TEXT_W 5
#define CLASSES 3

typedef struct scene {
    optima_context *ctx;
    optima_model *teacher, *student;
    float image_s[BATCH * IMAGE_S], image_t[BATCH * IMAGE_T];
    float text_s[TEXT_ROWS * TEXT_W], text_t[TEXT_ROWS * TEXT_W];
    float zs[BATCH * CLASSES], zt[BATCH * CLASSES];
    uint8_t text_mask[TEXT_ROWS]; /* sequence lengths 4, 2, 3 */
    uint8_t logits_mask[BATCH];
} scene;

static float scene_value(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((double)(*state >> 40) / (double)(1ull << 24) * 2.0 - 1.0);
}

static void scene_fill(float *x, size_t n, uint64_t *state)
{
    for (size_t i = 0; i < n; ++i) x[i] = scene_value(state);
}

static int setup(void **state)
{
    scene *s = calloc(1, sizeof *s);
    assert_int_equal(optima_context_create(&s->ctx), OPTIMA_OK);
    assert_int_equal(optima_model_create(s->ctx, "teacher", &s->teacher), OPTIMA_OK);
    assert_int_equal(optima_model_create(s->ctx, "student", &s->student), OPTIMA_OK);
    optima_model *models[2] = {s->teacher, s->student};
    const size_t image_width[2] = {IMAGE_T, IMAGE_S};
    for (size_t m = 0; m < 2; ++m) {
        assert_int_equal(optima_model_add_module(models[m], "image", NULL), OPTIMA_OK);
        assert_int_equal(optima_model_add_module(models[m], "text", NULL), OPTIMA_OK);
        assert_int_equal(optima_model_add_layer(models[m], 0, image_width[m], NULL), OPTIMA_OK);
        assert_int_equal(optima_model_add_layer(models[m], 1, TEXT_W, NULL), OPTIMA_OK);
        assert_int_equal(optima_model_set_logits_width(models[m], CLASSES), OPTIMA_OK);
    }
    uint64_t rng = 99;
    scene_fill(s->image_s, sizeof s->image_s / sizeof(float), &rng);
    scene_fill(s->image_t, sizeof s->image_t / sizeof(float), &rng);
    scene_fill(s->text_s, sizeof s->text_s / sizeof(float), &rng);
    scene_fill(s->text_t, sizeof s->text_t / sizeof(float), &rng);
    scene_fill(s->zs, sizeof s->zs / sizeof(float), &rng);
    scene_fill(s->zt, sizeof s->zt / sizeof(float), &rng);
    const size_t lengths[BATCH] = {4, 2, 3};
    for (size_t b = 0; b < BATCH; ++b)
        for (size_t k = 0; k < TOKENS; ++k) s->text_mask[b * TOKENS + k] = k < lengths[b];
    memset(s->logits_mask, 1, sizeof s->logits_mask);
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    scene *s = *state;
    optima_model_destroy(s->teacher);
    optima_model_destroy(s->student);
    optima_context_destroy(s->ctx);
    free(s);
    return 0;
}

static optima_tensor view_of(const float *data, size_t rows, size_t cols)
{
    optima_tensor v = {data, rows, cols, cols};
    return v;
}

/* Pair 0 image (projected), pair 1 text; every pair active; α_pred 0.5. */
static optima_trainer *scene_trainer(scene *s)
{
    optima_trainer *t = NULL;
    assert_int_equal(optima_trainer_create(s->ctx, s->teacher, s->student, &t), OPTIMA_OK);
    assert_int_equal(optima_trainer_add_pair(t, 0, 0, OPTIMA_LOSS_MSE, NULL), OPTIMA_OK);
    assert_int_equal(optima_trainer_add_pair(t, 1, 1, OPTIMA_LOSS_COSINE, NULL), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_policy(t, OPTIMA_POLICY_ALL, 1), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_round_length(t, 2), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_alpha_pred(t, 0.5), OPTIMA_OK);
    return t;
}

/* Hand every view and mask of the scene over and compute; returns the total. */
static double scene_compute(scene *s, optima_trainer *t)
{
    const optima_tensor is = view_of(s->image_s, BATCH, IMAGE_S), it = view_of(s->image_t, BATCH, IMAGE_T);
    const optima_tensor ts = view_of(s->text_s, TEXT_ROWS, TEXT_W), tt = view_of(s->text_t, TEXT_ROWS, TEXT_W);
    const optima_tensor zs = view_of(s->zs, BATCH, CLASSES), zt = view_of(s->zt, BATCH, CLASSES);
    assert_int_equal(optima_trainer_set_row_mask(t, 1, s->text_mask, TEXT_ROWS), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_hidden(t, OPTIMA_SIDE_STUDENT, 0, 0, &is), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_hidden(t, OPTIMA_SIDE_TEACHER, 0, 0, &it), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_hidden(t, OPTIMA_SIDE_STUDENT, 1, 0, &ts), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_hidden(t, OPTIMA_SIDE_TEACHER, 1, 0, &tt), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_logits(t, OPTIMA_SIDE_STUDENT, &zs), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_logits(t, OPTIMA_SIDE_TEACHER, &zt), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_logits_mask(t, s->logits_mask, BATCH), OPTIMA_OK);
    double total = 0;
    assert_int_equal(optima_trainer_compute(t, &total), OPTIMA_OK);
    return total;
}

static void assert_close(double got, double want, double tolerance)
{
    if (fabs(got - want) > tolerance * (1.0 + fabs(want)))
        fail_msg("got %.9g, expected %.9g (tolerance %g)", got, want, tolerance);
}

static void pair_losses_are_masked_means_of_their_own_rows(void **state)
{
    scene *s = *state;
    s->logits_mask[1] = 0;
    optima_trainer *t = scene_trainer(s);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    const double total = scene_compute(s, t);

    /* the text pair: the cosine over the 9 real tokens, gathered */
    float real_s[TEXT_ROWS * TEXT_W], real_t[TEXT_ROWS * TEXT_W];
    size_t n = 0;
    for (size_t r = 0; r < TEXT_ROWS; ++r) {
        if (!s->text_mask[r]) continue;
        memcpy(&real_s[n * TEXT_W], &s->text_s[r * TEXT_W], TEXT_W * sizeof(float));
        memcpy(&real_t[n * TEXT_W], &s->text_t[r * TEXT_W], TEXT_W * sizeof(float));
        ++n;
    }
    assert_int_equal(n, 9);
    const optima_tensor rs = view_of(real_s, n, TEXT_W), rt = view_of(real_t, n, TEXT_W);
    double text = 0, image = 0, kl = 0, got = 0;
    assert_int_equal(optima_cosine(s->ctx, &rs, &rt, NULL, NULL, &text, NULL, 0, NULL, 0), OPTIMA_OK);
    assert_int_equal(optima_trainer_pair_loss_value(t, 1, &got, NULL), OPTIMA_OK);
    assert_close(got, text, 1e-6);
    /* the image pair: its 3 pooled rows through its projection */
    optima_loss *loss = NULL;
    float *proj = NULL;
    size_t pr = 0, pc = 0;
    assert_int_equal(optima_trainer_pair_loss(t, 0, &loss), OPTIMA_OK);
    assert_int_equal(optima_loss_projection(loss, 0, &proj, &pr, &pc), OPTIMA_OK);
    assert_non_null(proj);
    const optima_tensor p = view_of(proj, pr, pc);
    const optima_tensor is = view_of(s->image_s, BATCH, IMAGE_S), it = view_of(s->image_t, BATCH, IMAGE_T);
    assert_int_equal(optima_mse(s->ctx, &is, &it, &p, NULL, &image, NULL, 0, NULL, 0), OPTIMA_OK);
    assert_int_equal(optima_trainer_pair_loss_value(t, 0, &got, NULL), OPTIMA_OK);
    assert_close(got, image, 1e-6);
    /* the KL over the logits rows that count */
    const optima_tensor zs = view_of(s->zs, BATCH, CLASSES), zt = view_of(s->zt, BATCH, CLASSES);
    assert_int_equal(optima_kl(s->ctx, &zs, &zt, 1.0, s->logits_mask, &kl, NULL, 0), OPTIMA_OK);
    assert_close(total, 0.5 * kl + 0.5 * (image + text), 1e-6);

    /* padding tokens and the masked logits row get zero gradients */
    optima_tensor g;
    assert_int_equal(optima_trainer_student_grad(t, 1, 0, &g), OPTIMA_OK);
    assert_int_equal(g.rows, TEXT_ROWS);
    for (size_t r = 0; r < TEXT_ROWS; ++r) {
        double norm = 0;
        for (size_t j = 0; j < TEXT_W; ++j) norm += fabs(g.data[r * g.row_stride + j]);
        assert_true(s->text_mask[r] ? norm > 0 : norm == 0);
    }
    assert_int_equal(optima_trainer_student_grad(t, 0, 0, &g), OPTIMA_OK);
    assert_int_equal(g.rows, BATCH);
    assert_int_equal(optima_trainer_logits_grad(t, &g), OPTIMA_OK);
    for (size_t j = 0; j < CLASSES; ++j) assert_true(g.data[1 * g.row_stride + j] == 0.0f);
    assert_int_equal(optima_trainer_end_step(t, 1.0, NULL), OPTIMA_OK);
    s->logits_mask[1] = 1;
    optima_trainer_destroy(t);
}

/* Central differences of the trainer's total against its gradients, at every element of
 * the student's views and logits (the projections do not move: no step ends). */
static void check_gradient(scene *s, optima_trainer *t, float *data, size_t count,
                           const optima_tensor *grad)
{
    const float h = 1e-2f;
    for (size_t i = 0; i < count; ++i) {
        const float keep = data[i];
        data[i] = keep + h;
        const double up = scene_compute(s, t);
        data[i] = keep - h;
        const double down = scene_compute(s, t);
        data[i] = keep;
        const double fd = (up - down) / (2.0 * (double)h);
        const size_t r = i / grad->cols, j = i % grad->cols;
        const double g = grad->data[r * grad->row_stride + j];
        if (fabs(fd - g) > 2e-3 * (1.0 + fabs(g)))
            fail_msg("element %zu: finite difference %.6g, gradient %.6g", i, fd, g);
    }
}

static void gradients_match_finite_differences(void **state)
{
    scene *s = *state;
    s->logits_mask[2] = 0;
    optima_trainer *t = scene_trainer(s);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    scene_compute(s, t);
    /* copies: the next computes overwrite the trainer's buffers */
    float gi[BATCH * IMAGE_S], gt[TEXT_ROWS * TEXT_W], gz[BATCH * CLASSES];
    optima_tensor g;
    assert_int_equal(optima_trainer_student_grad(t, 0, 0, &g), OPTIMA_OK);
    for (size_t r = 0; r < BATCH; ++r) memcpy(&gi[r * IMAGE_S], &g.data[r * g.row_stride], sizeof(float) * IMAGE_S);
    assert_int_equal(optima_trainer_student_grad(t, 1, 0, &g), OPTIMA_OK);
    for (size_t r = 0; r < TEXT_ROWS; ++r) memcpy(&gt[r * TEXT_W], &g.data[r * g.row_stride], sizeof(float) * TEXT_W);
    assert_int_equal(optima_trainer_logits_grad(t, &g), OPTIMA_OK);
    for (size_t r = 0; r < BATCH; ++r) memcpy(&gz[r * CLASSES], &g.data[r * g.row_stride], sizeof(float) * CLASSES);
    const optima_tensor vi = view_of(gi, BATCH, IMAGE_S), vt = view_of(gt, TEXT_ROWS, TEXT_W),
                        vz = view_of(gz, BATCH, CLASSES);
    check_gradient(s, t, s->image_s, BATCH * IMAGE_S, &vi);
    check_gradient(s, t, s->text_s, TEXT_ROWS * TEXT_W, &vt);
    check_gradient(s, t, s->zs, BATCH * CLASSES, &vz);
    s->logits_mask[2] = 1;
    optima_trainer_destroy(t);
}

static void a_pair_whose_mask_counts_no_row_contributes_nothing(void **state)
{
    scene *s = *state;
    uint8_t keep[TEXT_ROWS];
    memcpy(keep, s->text_mask, sizeof keep);
    memset(s->text_mask, 0, sizeof s->text_mask);
    optima_trainer *t = scene_trainer(s);
    for (int step = 0; step < 2; ++step) {
        assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
        const double total = scene_compute(s, t);
        double text = -1, image = 0, kl = 0;
        int32_t active = 0;
        assert_int_equal(optima_trainer_pair_loss_value(t, 1, &text, &active), OPTIMA_OK);
        assert_true(text == 0.0);
        assert_int_equal(active, 1);
        assert_int_equal(optima_trainer_pair_loss_value(t, 0, &image, NULL), OPTIMA_OK);
        assert_int_equal(optima_trainer_losses(t, &kl, NULL), OPTIMA_OK);
        assert_close(total, 0.5 * kl + 0.5 * image, 1e-12);
        optima_tensor g;
        assert_int_equal(optima_trainer_student_grad(t, 1, 0, &g), OPTIMA_OK);
        for (size_t i = 0; i < TEXT_ROWS * TEXT_W; ++i) assert_true(g.data[i / TEXT_W * g.row_stride + i % TEXT_W] == 0.0f);
        assert_int_equal(optima_trainer_end_step(t, 2.0 - step, NULL), OPTIMA_OK);
    }
    double reward = NAN, mean = NAN, text = -1;
    int32_t active = 0;
    assert_int_equal(optima_trainer_round_record(t, 0, NULL, NULL, &reward, &mean), OPTIMA_OK);
    assert_true(isfinite(reward) && isfinite(mean));
    assert_int_equal(optima_trainer_round_pair_loss(t, 0, 1, &text, &active), OPTIMA_OK);
    assert_true(text == 0.0);
    assert_int_equal(active, 1);
    memcpy(s->text_mask, keep, sizeof keep);
    optima_trainer_destroy(t);
}

static void row_counts_are_per_pair_and_per_step(void **state)
{
    scene *s = *state;
    optima_trainer *t = scene_trainer(s);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    /* a teacher text view of the image pair's rows: not the text pair's */
    const optima_tensor ts = view_of(s->text_s, TEXT_ROWS, TEXT_W), short_t = view_of(s->text_t, BATCH, TEXT_W);
    assert_int_equal(optima_trainer_set_hidden(t, OPTIMA_SIDE_STUDENT, 1, 0, &ts), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_set_hidden(t, OPTIMA_SIDE_TEACHER, 1, 0, &short_t), OPTIMA_ESHAPE, "pair 1");
    assert_non_null(strstr(optima_trainer_last_error(t), "'view'"));
    /* a mask of another length than the pair's views */
    assert_fails_naming(t, optima_trainer_set_row_mask(t, 1, s->text_mask, BATCH), OPTIMA_ESHAPE, "'rows'");
    assert_fails_naming(t, optima_trainer_set_row_mask(t, 1, s->text_mask, 0), OPTIMA_ESHAPE, "'rows'");
    /* a mask first sets the count the views must have */
    assert_int_equal(optima_trainer_set_row_mask(t, 0, s->text_mask, BATCH), OPTIMA_OK);
    const optima_tensor wide = view_of(s->image_s, 2, IMAGE_S);
    assert_fails_naming(t, optima_trainer_set_hidden(t, OPTIMA_SIDE_STUDENT, 0, 0, &wide), OPTIMA_ESHAPE, "pair 0");
    assert_int_equal(optima_trainer_set_row_mask(t, 0, NULL, 0), OPTIMA_OK); /* cleared, count kept */
    /* the logits have their own count */
    const optima_tensor zs = view_of(s->zs, BATCH, CLASSES), z2 = view_of(s->zt, 2, CLASSES);
    assert_int_equal(optima_trainer_set_logits(t, OPTIMA_SIDE_STUDENT, &zs), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_set_logits(t, OPTIMA_SIDE_TEACHER, &z2), OPTIMA_ESHAPE, "logits");
    assert_fails_naming(t, optima_trainer_set_logits_mask(t, s->logits_mask, 2), OPTIMA_ESHAPE, "'rows'");
    /* the next step starts afresh: 5 tokens a sequence now */
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    float longer_s[BATCH * 5 * TEXT_W], longer_t[BATCH * 5 * TEXT_W];
    memset(longer_s, 0, sizeof longer_s);
    memset(longer_t, 0, sizeof longer_t);
    longer_s[0] = 1.0f;
    longer_t[1] = 1.0f;
    const optima_tensor ls = view_of(longer_s, BATCH * 5, TEXT_W), lt = view_of(longer_t, BATCH * 5, TEXT_W);
    assert_int_equal(optima_trainer_set_hidden(t, OPTIMA_SIDE_STUDENT, 1, 0, &ls), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_hidden(t, OPTIMA_SIDE_TEACHER, 1, 0, &lt), OPTIMA_OK);
    optima_trainer_destroy(t);
}

static void masks_are_refused_outside_a_step_and_without_logits(void **state)
{
    scene *s = *state;
    optima_trainer *t = scene_trainer(s);
    assert_fails_naming(t, optima_trainer_set_row_mask(t, 0, s->text_mask, BATCH), OPTIMA_ESTATE, "begin_step");
    assert_fails_naming(t, optima_trainer_set_row_mask(t, 2, s->text_mask, BATCH), OPTIMA_ENOTFOUND, "'pair'");
    assert_fails_naming_no_handle(optima_trainer_set_row_mask(NULL, 0, NULL, 0), OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming_no_handle(optima_trainer_set_logits_mask(NULL, NULL, 0), OPTIMA_EINVAL, "'trainer'");
    assert_int_equal(optima_trainer_set_alpha_pred(t, 0.0), OPTIMA_OK);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_set_logits_mask(t, s->logits_mask, BATCH), OPTIMA_ESTATE, "alpha_pred");
    optima_trainer_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pair_losses_are_masked_means_of_their_own_rows),
        cmocka_unit_test(gradients_match_finite_differences),
        cmocka_unit_test(a_pair_whose_mask_counts_no_row_contributes_nothing),
        cmocka_unit_test(row_counts_are_per_pair_and_per_step),
        cmocka_unit_test(masks_are_refused_outside_a_step_and_without_logits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
