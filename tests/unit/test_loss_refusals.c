/* Every kind of bad input to the stateless losses is refused with a status and a message
 * naming the argument. */
#include "losstest.h"

typedef struct fixture {
    optima_context *ctx;
    float a[64], b[64], g[64];
    optima_tensor s, t, p;
    double value;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_int_equal(optima_context_create(&f->ctx), OPTIMA_OK);
    for (int i = 0; i < 64; ++i) f->a[i] = f->b[i] = (float)i * 0.01f;
    f->s = (optima_tensor){f->a, 4, 4, 4};
    f->t = (optima_tensor){f->b, 4, 4, 4};
    f->p = (optima_tensor){f->b, 4, 4, 4};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    optima_context_destroy(f->ctx);
    free(f);
    return 0;
}

#define MSE(f, s, t, p, gs, gss, gp, gps) \
    optima_mse((f)->ctx, (s), (t), (p), NULL, &(f)->value, (gs), (gss), (gp), (gps))

static void null_arguments_are_refused(void **state)
{
    fixture *f = *state;
    assert_fails_naming_no_handle(optima_mse(NULL, &f->s, &f->t, NULL, NULL, &f->value, NULL, 0, NULL, 0),
                        OPTIMA_EINVAL, "'ctx'");
    assert_fails_naming_no_handle(MSE(f, NULL, &f->t, NULL, NULL, 0, NULL, 0), OPTIMA_EINVAL, "'student'");
    assert_fails_naming_no_handle(MSE(f, &f->s, NULL, NULL, NULL, 0, NULL, 0), OPTIMA_EINVAL, "'teacher'");
    assert_fails_naming_no_handle(optima_cosine(f->ctx, &f->s, &f->t, NULL, NULL, NULL, NULL, 0, NULL, 0),
                        OPTIMA_EINVAL, "'loss'");
    optima_tensor nodata = f->s;
    nodata.data = NULL;
    assert_fails_naming_no_handle(MSE(f, &nodata, &f->t, NULL, NULL, 0, NULL, 0), OPTIMA_EINVAL, "'student'");
    assert_fails_naming_no_handle(optima_kl(f->ctx, &f->s, NULL, 1.0, NULL, &f->value, NULL, 0),
                        OPTIMA_EINVAL, "'teacher_logits'");
    assert_fails_naming_no_handle(optima_attention_mse(f->ctx, &f->s, &f->t, 1, 1, NULL, NULL, NULL, NULL, 0),
                        OPTIMA_EINVAL, "'loss'");
}

static void bad_shapes_are_refused(void **state)
{
    fixture *f = *state;
    optima_tensor empty = f->s, fewer = f->t, wider = f->t, badp = f->p;
    empty.rows = 0;
    assert_fails_naming_no_handle(MSE(f, &empty, &f->t, NULL, NULL, 0, NULL, 0), OPTIMA_ESHAPE, "'student'");
    empty = f->s;
    empty.cols = 0;
    assert_fails_naming_no_handle(MSE(f, &f->s, &empty, NULL, NULL, 0, NULL, 0), OPTIMA_ESHAPE, "'teacher'");
    fewer.rows = 3;
    assert_fails_naming_no_handle(MSE(f, &f->s, &fewer, NULL, NULL, 0, NULL, 0), OPTIMA_ESHAPE, "'teacher'");
    wider.cols = 3; /* a narrower teacher without a projection */
    assert_fails_naming_no_handle(MSE(f, &f->s, &wider, NULL, NULL, 0, NULL, 0), OPTIMA_ESHAPE, "'projection'");
    badp.rows = 3;
    assert_fails_naming_no_handle(MSE(f, &f->s, &f->t, &badp, NULL, 0, NULL, 0), OPTIMA_ESHAPE, "'projection'");
    assert_fails_naming_no_handle(optima_kl(f->ctx, &f->s, &wider, 1.0, NULL, &f->value, NULL, 0),
                        OPTIMA_ESHAPE, "'teacher_logits'");
    assert_fails_naming_no_handle(optima_attention_mse(f->ctx, &f->s, &f->t, 3, 1, NULL, NULL, &f->value, NULL, 0),
                        OPTIMA_ESHAPE, "heads");
    assert_fails_naming_no_handle(optima_attention_mse(f->ctx, &f->s, &f->t, 0, 1, NULL, NULL, &f->value, NULL, 0),
                        OPTIMA_ESHAPE, "'heads'");
    assert_fails_naming_no_handle(optima_attention_mse(f->ctx, &f->s, &f->t, 1, 0, NULL, NULL, &f->value, NULL, 0),
                        OPTIMA_ESHAPE, "'queries'");
}

static void bad_strides_and_overflowing_extents_are_refused(void **state)
{
    fixture *f = *state;
    optima_tensor narrow = f->s, huge = f->t;
    narrow.row_stride = 3;
    assert_fails_naming_no_handle(MSE(f, &narrow, &f->t, NULL, NULL, 0, NULL, 0), OPTIMA_EINVAL, "'student'");
    huge.row_stride = SIZE_MAX / 2;
    assert_fails_naming_no_handle(MSE(f, &f->s, &huge, NULL, NULL, 0, NULL, 0), OPTIMA_EOVERFLOW, "'teacher'");
    huge = f->t;
    huge.rows = SIZE_MAX / 4; /* rows × 4 floats × 4 bytes overflows */
    huge.cols = 4;
    optima_tensor hs = huge;
    assert_fails_naming_no_handle(MSE(f, &hs, &huge, NULL, NULL, 0, NULL, 0), OPTIMA_EOVERFLOW, "'student'");
    assert_fails_naming_no_handle(MSE(f, &f->s, &f->t, NULL, f->g, 2, NULL, 0), OPTIMA_EINVAL,
                        "'grad_student_stride'");
    assert_fails_naming_no_handle(MSE(f, &f->s, &f->t, &f->p, NULL, 0, f->g, 1), OPTIMA_EINVAL,
                        "'grad_projection_stride'");
    assert_fails_naming_no_handle(MSE(f, &f->s, &f->t, NULL, NULL, 0, f->g, 4), OPTIMA_EINVAL,
                        "'grad_projection'");
    assert_fails_naming_no_handle(optima_kl(f->ctx, &f->s, &f->t, 1.0, NULL, &f->value, f->g, 3),
                        OPTIMA_EINVAL, "'grad_stride'");
    assert_fails_naming_no_handle(optima_attention_mse(f->ctx, &f->s, &f->t, 1, 1, NULL, NULL, &f->value,
                                             f->g, SIZE_MAX / 2),
                        OPTIMA_EOVERFLOW, "'grad_stride'");
}

static void bad_temperatures_are_refused(void **state)
{
    fixture *f = *state;
    const double bad[] = {0.0, -1.0, NAN, INFINITY, 1e-9, 1e9};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i)
        assert_fails_naming_no_handle(optima_kl(f->ctx, &f->s, &f->t, bad[i], NULL, &f->value, NULL, 0),
                            OPTIMA_EINVAL, "'temperature'");
    assert_int_equal(optima_kl(f->ctx, &f->s, &f->t, OPTIMA_TEMPERATURE_MIN, NULL, &f->value, NULL, 0),
                     OPTIMA_OK);
}

static optima_status projected_mse(void *state)
{
    fixture *f = state;
    return MSE(f, &f->s, &f->t, &f->p, f->g, 4, NULL, 0);
}

static optima_status kl_with_grad(void *state)
{
    fixture *f = state;
    return optima_kl(f->ctx, &f->s, &f->t, 2.0, NULL, &f->value, f->g, 4);
}

static void scratch_allocation_failures_are_reported(void **state)
{
    fixture *f = *state;
    test_allocator a;
    optima_context *plain = f->ctx;
    f->ctx = test_context(&a);
    assert_int_equal(test_allocation_sweep(&a, projected_mse, f), 1);
    assert_int_equal(test_allocation_sweep(&a, kl_with_grad, f), 1);
    /* the unprojected losses never allocate */
    a.calls = 0;
    assert_int_equal(MSE(f, &f->s, &f->t, NULL, f->g, 4, NULL, 0), OPTIMA_OK);
    assert_int_equal(a.calls, 0);
    optima_context_destroy(f->ctx);
    f->ctx = plain;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(null_arguments_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_shapes_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_strides_and_overflowing_extents_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_temperatures_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(scratch_allocation_failures_are_reported, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
