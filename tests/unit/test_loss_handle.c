/* The loss handle: weighted value and gradients agree with the stateless functions, no
 * allocation in the steady state, projections, settings and refusals. */
#include "losstest.h"

typedef struct world {
    test_allocator a;
    optima_context *ctx;
    optima_model *student, *teacher;
} world;

/* student module "enc": widths 4, 6, 4; teacher module "enc": six layers of width 6;
 * both predict 5 classes. */
static int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    w->ctx = test_context(&w->a);
    assert_int_equal(optima_model_create(w->ctx, "student", &w->student), OPTIMA_OK);
    assert_int_equal(optima_model_create(w->ctx, "teacher", &w->teacher), OPTIMA_OK);
    assert_int_equal(optima_model_add_module(w->student, "enc", NULL), OPTIMA_OK);
    assert_int_equal(optima_model_add_module(w->teacher, "enc", NULL), OPTIMA_OK);
    const size_t sw[] = {4, 6, 4};
    for (int l = 0; l < 3; ++l) assert_int_equal(optima_model_add_layer(w->student, 0, sw[l], NULL), OPTIMA_OK);
    for (int l = 0; l < 6; ++l) assert_int_equal(optima_model_add_layer(w->teacher, 0, 6, NULL), OPTIMA_OK);
    assert_int_equal(optima_model_set_logits_width(w->student, 5), OPTIMA_OK);
    assert_int_equal(optima_model_set_logits_width(w->teacher, 5), OPTIMA_OK);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    optima_model_destroy(w->student);
    optima_model_destroy(w->teacher);
    optima_context_destroy(w->ctx);
    assert_int_equal(w->a.live, 0);
    free(w);
    return 0;
}

typedef struct batch {
    host_matrix s[3], t[3];
    optima_tensor sv[3], tv[3];
} batch;

static batch make_batch(optima_loss *loss, size_t rows, uint64_t seed)
{
    batch b;
    size_t pairs = 0;
    assert_int_equal(optima_loss_pair_count(loss, &pairs), OPTIMA_OK);
    for (size_t p = 0; p < pairs; ++p) {
        size_t ds, dt;
        assert_int_equal(optima_loss_pair(loss, p, NULL, NULL, &ds, &dt), OPTIMA_OK);
        b.s[p] = host_random(rows, ds, p, seed + 2 * p, 1.0);
        b.t[p] = host_random(rows, dt, 1, seed + 2 * p + 1, 1.0);
        b.sv[p] = host_view(&b.s[p]);
        b.tv[p] = host_view(&b.t[p]);
    }
    return b;
}

static void free_batch(batch *b, size_t pairs)
{
    for (size_t p = 0; p < pairs; ++p) {
        free(b->s[p].data);
        free(b->t[p].data);
    }
}

static void layerwise_value_and_gradients_match_the_stateless_math(void **state)
{
    world *w = *state;
    for (int kind = OPTIMA_LOSS_MSE; kind <= OPTIMA_LOSS_COSINE; ++kind) {
        optima_loss *loss = NULL;
        assert_int_equal(optima_loss_create(w->ctx, kind, w->student, 0, w->teacher, 0, &loss), OPTIMA_OK);
        size_t pairs = 0, tl[3];
        assert_int_equal(optima_loss_pair_count(loss, &pairs), OPTIMA_OK);
        assert_int_equal(pairs, 3);
        for (size_t p = 0; p < 3; ++p) assert_int_equal(optima_loss_pair(loss, p, NULL, &tl[p], NULL, NULL), OPTIMA_OK);
        assert_int_equal(tl[0], 1);
        assert_int_equal(tl[1], 3);
        assert_int_equal(tl[2], 5);
        assert_int_equal(optima_loss_set_weight(loss, 0.5), OPTIMA_OK);
        assert_int_equal(optima_loss_set_layer_weight(loss, 2, 3.0), OPTIMA_OK);
        const uint8_t mask[7] = {1, 1, 0, 1, 1, 1, 0};
        batch b = make_batch(loss, 7, 100);
        double value = 0.0;
        assert_int_equal(optima_loss_compute(loss, b.sv, b.tv, 3, mask, &value), OPTIMA_OK);
        double want = 0.0;
        const double lw[3] = {1.0, 1.0, 3.0};
        for (size_t p = 0; p < 3; ++p) {
            float *proj = NULL;
            size_t pr = 0, pc = 0;
            assert_int_equal(optima_loss_projection(loss, p, &proj, &pr, &pc), OPTIMA_OK);
            assert_true((proj != NULL) == (p != 1)); /* pair 1 is 6 → 6: no projection */
            const optima_tensor pv = {proj, pr, pc, pc};
            float gs[7 * 6], gp[6 * 6];
            double d = 0.0;
            optima_status s = kind == OPTIMA_LOSS_MSE
                ? optima_mse(w->ctx, &b.sv[p], &b.tv[p], proj ? &pv : NULL, mask, &d, gs, b.sv[p].cols, proj ? gp : NULL, pc)
                : optima_cosine(w->ctx, &b.sv[p], &b.tv[p], proj ? &pv : NULL, mask, &d, gs, b.sv[p].cols, proj ? gp : NULL, pc);
            assert_int_equal(s, OPTIMA_OK);
            double dp = 0.0;
            assert_int_equal(optima_loss_pair_value(loss, p, &dp), OPTIMA_OK);
            assert_true(fabs(dp - d) <= 1e-6 * fabs(d));
            want += lw[p] * d;
            const double scale = 0.5 * lw[p] / 3.0;
            optima_tensor g;
            assert_int_equal(optima_loss_student_grad(loss, p, &g), OPTIMA_OK);
            assert_int_equal(g.rows, 7);
            assert_int_equal(g.cols, b.sv[p].cols);
            for (size_t r = 0; r < 7; ++r)
                for (size_t c = 0; c < g.cols; ++c)
                    assert_true(fabs(g.data[r * g.row_stride + c] - scale * gs[r * g.cols + c]) <= 1e-6);
            const float *gpl = NULL;
            size_t gr = 99, gc = 99;
            assert_int_equal(optima_loss_projection_grad(loss, p, &gpl, &gr, &gc), OPTIMA_OK);
            assert_true((gpl != NULL) == (proj != NULL));
            assert_int_equal(gr, proj != NULL ? pr : 0);
            assert_int_equal(gc, proj != NULL ? pc : 0);
            for (size_t i = 0; proj != NULL && i < pr * pc; ++i) assert_true(fabs(gpl[i] - scale * gp[i]) <= 1e-6);
        }
        assert_true(fabs(value - 0.5 * want / 3.0) <= 1e-6 * want);
        free_batch(&b, 3);
        optima_loss_destroy(loss);
    }
}

static void prediction_loss_matches_optima_kl(void **state)
{
    world *w = *state;
    optima_loss *loss = NULL;
    assert_int_equal(optima_loss_create_prediction(w->ctx, w->student, w->teacher, &loss), OPTIMA_OK);
    assert_int_equal(optima_loss_set_temperature(loss, 2.0), OPTIMA_OK);
    assert_int_equal(optima_loss_set_weight(loss, 0.25), OPTIMA_OK);
    batch b = make_batch(loss, 9, 7);
    double value = 0.0, want = 0.0, t = 0.0;
    assert_int_equal(optima_loss_get_temperature(loss, &t), OPTIMA_OK);
    assert_true(t == 2.0);
    assert_int_equal(optima_loss_compute(loss, b.sv, b.tv, 1, NULL, &value), OPTIMA_OK);
    float g[9 * 5];
    assert_int_equal(optima_kl(w->ctx, &b.sv[0], &b.tv[0], 2.0, NULL, &want, g, 5), OPTIMA_OK);
    assert_true(fabs(value - 0.25 * want) <= 1e-7);
    optima_tensor gv;
    assert_int_equal(optima_loss_student_grad(loss, 0, &gv), OPTIMA_OK);
    for (size_t i = 0; i < 9 * 5; ++i) assert_true(fabs(gv.data[i] - 0.25 * g[i]) <= 1e-7);
    free_batch(&b, 1);
    optima_loss_destroy(loss);
}

static void steady_state_steps_never_allocate(void **state)
{
    world *w = *state;
    optima_loss *loss = NULL;
    assert_int_equal(optima_loss_create(w->ctx, OPTIMA_LOSS_MSE, w->student, 0, w->teacher, 0, &loss), OPTIMA_OK);
    batch b = make_batch(loss, 16, 3);
    double value;
    assert_int_equal(optima_loss_compute(loss, b.sv, b.tv, 3, NULL, &value), OPTIMA_OK);
    const long before = w->a.calls;
    for (int step = 0; step < 5; ++step) {
        for (size_t p = 0; p < 3; ++p) b.sv[p].rows = 16 - (size_t)step, b.tv[p].rows = 16 - (size_t)step;
        assert_int_equal(optima_loss_compute(loss, b.sv, b.tv, 3, NULL, &value), OPTIMA_OK);
    }
    assert_int_equal(w->a.calls, before);
    free_batch(&b, 3);
    optima_loss_destroy(loss);
}

static void nonfinite_inputs_invalidate_the_gradients(void **state)
{
    world *w = *state;
    optima_loss *loss = NULL;
    assert_int_equal(optima_loss_create(w->ctx, OPTIMA_LOSS_COSINE, w->student, 0, w->teacher, 0, &loss), OPTIMA_OK);
    batch b = make_batch(loss, 5, 9);
    const uint8_t mask[5] = {1, 1, 1, 1, 0};
    double value = 0.0;
    assert_int_equal(optima_loss_compute(loss, b.sv, b.tv, 3, mask, &value), OPTIMA_OK);
    b.t[1].data[4 * b.t[1].stride] = NAN; /* in a masked-out row: still refused */
    double untouched = 17.0;
    assert_fails_naming(loss, optima_loss_compute(loss, b.sv, b.tv, 3, mask, &untouched), OPTIMA_ENONFINITE, "'teacher[1]'");
    assert_true(untouched == 17.0);
    optima_tensor g;
    const float *gp;
    assert_fails_naming(loss, optima_loss_student_grad(loss, 0, &g), OPTIMA_ESTATE, "'loss'");
    assert_fails_naming(loss, optima_loss_projection_grad(loss, 0, &gp, NULL, NULL), OPTIMA_ESTATE, "'loss'");
    assert_fails_naming(loss, optima_loss_pair_value(loss, 0, &value), OPTIMA_ESTATE, "'loss'");
    b.t[1].data[4 * b.t[1].stride] = 0.0f;
    assert_int_equal(optima_loss_compute(loss, b.sv, b.tv, 3, mask, &value), OPTIMA_OK);
    assert_int_equal(optima_loss_student_grad(loss, 0, &g), OPTIMA_OK);
    free_batch(&b, 3);
    optima_loss_destroy(loss);
}

static void projections_initialise_deterministically(void **state)
{
    world *w = *state;
    optima_loss *a = NULL, *b = NULL;
    assert_int_equal(optima_loss_create(w->ctx, OPTIMA_LOSS_MSE, w->student, 0, w->teacher, 0, &a), OPTIMA_OK);
    assert_int_equal(optima_loss_create(w->ctx, OPTIMA_LOSS_MSE, w->student, 0, w->teacher, 0, &b), OPTIMA_OK);
    float *pa, *pb;
    size_t rows, cols;
    assert_int_equal(optima_loss_projection(a, 0, &pa, &rows, &cols), OPTIMA_OK);
    assert_int_equal(optima_loss_projection(b, 0, &pb, NULL, NULL), OPTIMA_OK);
    assert_int_equal(rows, 4);
    assert_int_equal(cols, 6);
    assert_memory_equal(pa, pb, rows * cols * sizeof(float));
    const float bound = (float)sqrt(6.0 / 10.0);
    for (size_t i = 0; i < rows * cols; ++i) assert_true(fabsf(pa[i]) <= bound && pa[i] != 0.0f);
    assert_int_equal(optima_loss_init_projections(b, OPTIMA_INIT_XAVIER, 1), OPTIMA_OK);
    assert_true(memcmp(pa, pb, rows * cols * sizeof(float)) != 0);
    assert_int_equal(optima_loss_init_projections(a, OPTIMA_INIT_IDENTITY, 0), OPTIMA_OK);
    for (size_t i = 0; i < rows; ++i)
        for (size_t j = 0; j < cols; ++j) assert_true(pa[i * cols + j] == (i == j ? 1.0f : 0.0f));
    assert_int_equal(optima_loss_init_projections(a, OPTIMA_INIT_ZERO, 0), OPTIMA_OK);
    for (size_t i = 0; i < rows * cols; ++i) assert_true(pa[i] == 0.0f);
    /* ALWAYS gives the equal-width pair a projection too; it starts as initialised last */
    assert_int_equal(optima_loss_set_projection_mode(a, OPTIMA_PROJECTION_ALWAYS), OPTIMA_OK);
    assert_int_equal(optima_loss_projection(a, 1, &pa, &rows, &cols), OPTIMA_OK);
    assert_non_null(pa);
    assert_int_equal(rows, 6);
    assert_int_equal(optima_loss_set_mapping(a, OPTIMA_MAPPING_LAST, NULL, 0), OPTIMA_OK);
    size_t tl;
    assert_int_equal(optima_loss_pair(a, 0, NULL, &tl, NULL, NULL), OPTIMA_OK);
    assert_int_equal(tl, 3);
    const size_t table[] = {0, 0, 2};
    assert_int_equal(optima_loss_set_mapping(a, OPTIMA_MAPPING_EXPLICIT, table, 3), OPTIMA_OK);
    assert_int_equal(optima_loss_pair(a, 2, NULL, &tl, NULL, NULL), OPTIMA_OK);
    assert_int_equal(tl, 2);
    optima_loss_destroy(a);
    optima_loss_destroy(b);
}

static void bad_loss_arguments_are_refused(void **state)
{
    world *w = *state;
    optima_loss *loss = NULL, *kl = NULL;
    assert_fails_naming_no_handle(optima_loss_create(w->ctx, 0, w->student, 0, w->teacher, 0, &loss), OPTIMA_EINVAL, "'kind'");
    assert_fails_naming_no_handle(optima_loss_create(w->ctx, OPTIMA_LOSS_KL, w->student, 0, w->teacher, 0, &loss), OPTIMA_EUNSUPPORTED, "'kind'");
    assert_fails_naming_no_handle(optima_loss_create(w->ctx, OPTIMA_LOSS_MSE, w->student, 1, w->teacher, 0, &loss), OPTIMA_ENOTFOUND, "'student_module'");
    assert_fails_naming_no_handle(optima_loss_create(NULL, OPTIMA_LOSS_MSE, w->student, 0, w->teacher, 0, &loss), OPTIMA_EINVAL, "'ctx'");
    assert_int_equal(optima_model_add_module(w->teacher, "empty", NULL), OPTIMA_OK);
    assert_fails_naming_no_handle(optima_loss_create(w->ctx, OPTIMA_LOSS_MSE, w->student, 0, w->teacher, 1, &loss), OPTIMA_EINVAL, "'teacher_module'");
    assert_null(loss);
    assert_int_equal(optima_model_set_logits_width(w->teacher, 6), OPTIMA_OK);
    assert_fails_naming_no_handle(optima_loss_create_prediction(w->ctx, w->student, w->teacher, &kl), OPTIMA_ESHAPE, "'teacher'");
    assert_int_equal(optima_model_set_logits_width(w->teacher, 0), OPTIMA_OK);
    assert_fails_naming_no_handle(optima_loss_create_prediction(w->ctx, w->student, w->teacher, &kl), OPTIMA_EINVAL, "'teacher'");

    assert_int_equal(optima_loss_create(w->ctx, OPTIMA_LOSS_MSE, w->student, 0, w->teacher, 0, &loss), OPTIMA_OK);
    assert_fails_naming(loss, optima_loss_set_weight(loss, -1.0), OPTIMA_EINVAL, "'weight'");
    assert_fails_naming(loss, optima_loss_set_weight(loss, NAN), OPTIMA_EINVAL, "'weight'");
    assert_fails_naming(loss, optima_loss_set_layer_weight(loss, 3, 1.0), OPTIMA_ENOTFOUND, "'pair'");
    assert_fails_naming(loss, optima_loss_set_layer_weight(loss, 0, INFINITY), OPTIMA_EINVAL, "'weight'");
    assert_fails_naming(loss, optima_loss_set_temperature(loss, 2.0), OPTIMA_ESTATE, "'loss'");
    assert_fails_naming(loss, optima_loss_set_mapping(loss, 9, NULL, 0), OPTIMA_EINVAL, "'style'");
    const size_t bad_table[] = {0, 6, 1};
    assert_fails_naming(loss, optima_loss_set_mapping(loss, OPTIMA_MAPPING_EXPLICIT, bad_table, 3), OPTIMA_EINVAL, "'table[1]'");
    assert_fails_naming(loss, optima_loss_set_mapping(loss, OPTIMA_MAPPING_EXPLICIT, bad_table, 2), OPTIMA_ESHAPE, "'table_length'");
    assert_fails_naming(loss, optima_loss_set_projection_mode(loss, 0), OPTIMA_EINVAL, "'mode'");
    assert_fails_naming(loss, optima_loss_init_projections(loss, 4, 0), OPTIMA_EINVAL, "'init'");
    assert_string_equal(optima_loss_last_error(loss), optima_last_error());
    float *p;
    assert_fails_naming(loss, optima_loss_projection(loss, 0, NULL, NULL, NULL), OPTIMA_EINVAL, "'data'");
    assert_fails_naming(loss, optima_loss_projection(loss, 5, &p, NULL, NULL), OPTIMA_ENOTFOUND, "'pair'");
    optima_tensor g;
    assert_fails_naming(loss, optima_loss_student_grad(loss, 0, &g), OPTIMA_ESTATE, "'loss'");
    batch b = make_batch(loss, 4, 1);
    assert_fails_naming(loss, optima_loss_compute(loss, b.sv, b.tv, 2, NULL, NULL), OPTIMA_ESHAPE, "'pairs'");
    assert_fails_naming(loss, optima_loss_compute(loss, NULL, b.tv, 3, NULL, NULL), OPTIMA_EINVAL, "'student'");
    b.tv[2].rows = 3;
    assert_fails_naming(loss, optima_loss_compute(loss, b.sv, b.tv, 3, NULL, NULL), OPTIMA_ESHAPE, "'teacher[2]'");
    b.tv[2].rows = 4;
    b.sv[1].cols = 4;
    assert_fails_naming(loss, optima_loss_compute(loss, b.sv, b.tv, 3, NULL, NULL), OPTIMA_ESHAPE, "'student[1]'");
    b.sv[1].cols = 6;
    b.sv[0].row_stride = 1;
    assert_fails_naming(loss, optima_loss_compute(loss, b.sv, b.tv, 3, NULL, NULL), OPTIMA_EINVAL, "'student[0]'");
    free_batch(&b, 3);
    optima_loss_destroy(loss);

    assert_int_equal(optima_model_set_logits_width(w->teacher, 5), OPTIMA_OK);
    assert_int_equal(optima_loss_create_prediction(w->ctx, w->student, w->teacher, &kl), OPTIMA_OK);
    assert_fails_naming(kl, optima_loss_set_mapping(kl, OPTIMA_MAPPING_UNIFORM, NULL, 0), OPTIMA_ESTATE, "'loss'");
    assert_fails_naming(kl, optima_loss_set_projection_mode(kl, OPTIMA_PROJECTION_ALWAYS), OPTIMA_ESTATE, "'loss'");
    assert_fails_naming(kl, optima_loss_set_temperature(kl, 0.0), OPTIMA_EINVAL, "'temperature'");
    optima_loss_destroy(kl);
    optima_loss_destroy(NULL);
    assert_string_equal(optima_loss_last_error(NULL), "");
}

typedef struct sweep_state {
    world *w;
    int kind;
} sweep_state;

/* Everything that allocates: creation, a mapping change, the first and a larger compute. */
static optima_status build_and_step(void *state)
{
    sweep_state *ss = state;
    world *w = ss->w;
    optima_loss *loss = NULL;
    optima_status s = ss->kind == OPTIMA_LOSS_KL
        ? optima_loss_create_prediction(w->ctx, w->student, w->teacher, &loss)
        : optima_loss_create(w->ctx, ss->kind, w->student, 0, w->teacher, 0, &loss);
    if (s != OPTIMA_OK) return s;
    if (ss->kind != OPTIMA_LOSS_KL) s = optima_loss_set_mapping(loss, OPTIMA_MAPPING_LAST, NULL, 0);
    if (s == OPTIMA_OK) s = optima_loss_set_projection_mode(loss, OPTIMA_PROJECTION_ALWAYS);
    if (ss->kind == OPTIMA_LOSS_KL && s == OPTIMA_ESTATE) s = OPTIMA_OK;
    size_t pairs = 0;
    if (s == OPTIMA_OK) s = optima_loss_pair_count(loss, &pairs);
    for (size_t rows = 3; s == OPTIMA_OK && rows <= 6; rows += 3) {
        batch b = make_batch(loss, rows, 5);
        s = optima_loss_compute(loss, b.sv, b.tv, pairs, NULL, NULL);
        free_batch(&b, pairs);
    }
    optima_loss_destroy(loss);
    return s;
}

static void every_allocation_failure_is_reported_and_leaks_nothing(void **state)
{
    world *w = *state;
    for (int kind = OPTIMA_LOSS_MSE; kind <= OPTIMA_LOSS_KL; ++kind) {
        sweep_state ss = {w, kind};
        assert_true(test_allocation_sweep(&w->a, build_and_step, &ss) >= 3);
    }
}

/* The layer weights, mapping style and projection mode read back as set; a new mapping
 * resets the weights; bad reads name the argument and leave the loss's message alone. */
static void settings_read_back(void **state)
{
    world *w = *state;
    optima_loss *loss = NULL, *kl = NULL;
    assert_int_equal(optima_loss_create(w->ctx, OPTIMA_LOSS_MSE, w->student, 0, w->teacher, 0, &loss), OPTIMA_OK);
    int32_t style = 0, mode = 0;
    double weight = 0;
    assert_int_equal(optima_loss_get_mapping(loss, &style), OPTIMA_OK);
    assert_int_equal(style, OPTIMA_MAPPING_UNIFORM);
    assert_int_equal(optima_loss_get_projection_mode(loss, &mode), OPTIMA_OK);
    assert_int_equal(mode, OPTIMA_PROJECTION_WHEN_NEEDED);
    assert_int_equal(optima_loss_get_layer_weight(loss, 2, &weight), OPTIMA_OK);
    assert_true(weight == 1.0);

    assert_int_equal(optima_loss_set_layer_weight(loss, 2, 3.5), OPTIMA_OK);
    assert_int_equal(optima_loss_get_layer_weight(loss, 2, &weight), OPTIMA_OK);
    assert_true(weight == 3.5);
    assert_int_equal(optima_loss_get_layer_weight(loss, 1, &weight), OPTIMA_OK);
    assert_true(weight == 1.0);
    assert_int_equal(optima_loss_set_mapping(loss, OPTIMA_MAPPING_LAST, NULL, 0), OPTIMA_OK);
    assert_int_equal(optima_loss_get_mapping(loss, &style), OPTIMA_OK);
    assert_int_equal(style, OPTIMA_MAPPING_LAST);
    assert_int_equal(optima_loss_get_layer_weight(loss, 2, &weight), OPTIMA_OK);
    assert_true(weight == 1.0); /* reset by the new mapping */
    assert_int_equal(optima_loss_set_projection_mode(loss, OPTIMA_PROJECTION_ALWAYS), OPTIMA_OK);
    assert_int_equal(optima_loss_get_projection_mode(loss, &mode), OPTIMA_OK);
    assert_int_equal(mode, OPTIMA_PROJECTION_ALWAYS);
    assert_int_equal(optima_loss_get_mapping(loss, &style), OPTIMA_OK);
    assert_int_equal(style, OPTIMA_MAPPING_LAST); /* the mode keeps the style */
    /* a refused mapping leaves the style as it was */
    assert_int_equal(optima_loss_set_mapping(loss, 9, NULL, 0), OPTIMA_EINVAL);
    assert_int_equal(optima_loss_get_mapping(loss, &style), OPTIMA_OK);
    assert_int_equal(style, OPTIMA_MAPPING_LAST);

    assert_fails_naming_no_handle(optima_loss_get_layer_weight(NULL, 0, &weight), OPTIMA_EINVAL, "'loss'");
    assert_fails_naming(loss, optima_loss_get_layer_weight(loss, 0, NULL), OPTIMA_EINVAL, "'weight'");
    assert_fails_naming(loss, optima_loss_get_layer_weight(loss, 3, &weight), OPTIMA_ENOTFOUND, "'pair'");
    assert_fails_naming_no_handle(optima_loss_get_mapping(NULL, &style), OPTIMA_EINVAL, "'loss'");
    assert_fails_naming(loss, optima_loss_get_mapping(loss, NULL), OPTIMA_EINVAL, "'style'");
    assert_fails_naming_no_handle(optima_loss_get_projection_mode(NULL, &mode), OPTIMA_EINVAL, "'loss'");
    assert_fails_naming(loss, optima_loss_get_projection_mode(loss, NULL), OPTIMA_EINVAL, "'mode'");

    assert_int_equal(optima_loss_create_prediction(w->ctx, w->student, w->teacher, &kl), OPTIMA_OK);
    assert_fails_naming(kl, optima_loss_get_mapping(kl, &style), OPTIMA_ESTATE, "'loss'");
    assert_fails_naming(kl, optima_loss_get_projection_mode(kl, &mode), OPTIMA_ESTATE, "'loss'");
    assert_int_equal(optima_loss_get_layer_weight(kl, 0, &weight), OPTIMA_OK);
    assert_true(weight == 1.0);
    optima_loss_destroy(kl);
    optima_loss_destroy(loss);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(layerwise_value_and_gradients_match_the_stateless_math, setup, teardown),
        cmocka_unit_test_setup_teardown(prediction_loss_matches_optima_kl, setup, teardown),
        cmocka_unit_test_setup_teardown(steady_state_steps_never_allocate, setup, teardown),
        cmocka_unit_test_setup_teardown(nonfinite_inputs_invalidate_the_gradients, setup, teardown),
        cmocka_unit_test_setup_teardown(projections_initialise_deterministically, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_loss_arguments_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(settings_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(every_allocation_failure_is_reported_and_leaks_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
