/* The row kernels split their rows over the context's threads with a fixed partition and
 * a fixed reduction order: 1, 2 and 3 threads give the same bits, value and gradients,
 * on odd shapes and strides, with and without masks, stateless and through a handle. */
#include "losstest.h"

/* Large enough that 3 threads are used (row_blocks.c gives a thread 2^17 floats of a
 * memory-bound pass; ROWS is a multiple of HEADS × QUERIES). */
enum { ROWS = 1034, COLS = 389, PAD = 3, HEADS = 11, QUERIES = 47 };

typedef struct result {
    double value;
    float *grad; /* ROWS × COLS */
} result;

typedef struct inputs {
    host_matrix a, b;
    uint8_t mask[ROWS];
    uint8_t qmask[ROWS / (HEADS * QUERIES) * QUERIES];
    uint8_t kmask[ROWS / (HEADS * QUERIES) * COLS];
} inputs;

static void make_inputs(inputs *in)
{
    in->a = host_random(ROWS, COLS, PAD, 41, 1.5);
    in->b = host_random(ROWS, COLS, PAD, 42, 1.5);
    for (size_t r = 0; r < ROWS; ++r) in->mask[r] = (uint8_t)(r % 7 != 3);
    for (size_t i = 0; i < sizeof in->qmask; ++i) in->qmask[i] = (uint8_t)(i % 5 != 1);
    for (size_t i = 0; i < sizeof in->kmask; ++i) in->kmask[i] = (uint8_t)(i % 9 != 4);
}

/* Loss number @p which of the stateless functions on @p threads threads. */
static result run(const inputs *in, int which, int32_t threads)
{
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    assert_int_equal(optima_context_set_threads(ctx, threads), OPTIMA_OK);
    const optima_tensor s = host_view(&in->a), t = host_view(&in->b);
    const size_t gs = COLS + 5;
    result r = {0.0, calloc(ROWS * gs, sizeof(float))};
    assert_non_null(r.grad);
    const uint8_t *mask = which % 2 == 0 ? NULL : in->mask;
    optima_status st;
    switch (which / 2) {
    case 0: st = optima_mse(ctx, &s, &t, NULL, mask, &r.value, r.grad, gs, NULL, 0); break;
    case 1: st = optima_cosine(ctx, &s, &t, NULL, mask, &r.value, r.grad, gs, NULL, 0); break;
    case 2: st = optima_kl(ctx, &s, &t, 2.0, mask, &r.value, r.grad, gs); break;
    default:
        st = optima_attention_mse(ctx, &s, &t, HEADS, QUERIES, which % 2 ? in->qmask : NULL,
                                  which % 2 ? in->kmask : NULL, &r.value, r.grad, gs);
        break;
    }
    assert_int_equal(st, OPTIMA_OK);
    optima_context_destroy(ctx);
    return r;
}

static void stateless_losses_give_the_same_bits_on_1_2_3_threads(void **state)
{
    (void)state;
    inputs in;
    make_inputs(&in);
    for (int which = 0; which < 8; ++which) {
        const result one = run(&in, which, 1);
        assert_true(isfinite(one.value) && one.value > 0.0);
        for (int32_t threads = 2; threads <= 3; ++threads) {
            const result more = run(&in, which, threads);
            assert_memory_equal(&one.value, &more.value, sizeof one.value);
            assert_memory_equal(one.grad, more.grad, ROWS * (COLS + 5) * sizeof(float));
            free(more.grad);
        }
        free(one.grad);
    }
    free(in.a.data);
    free(in.b.data);
}

/* A KL handle stepped on 1 thread, then on 3 (its workspace grows per thread), then on 2. */
static void kl_handle_gives_the_same_bits_when_threads_change(void **state)
{
    (void)state;
    inputs in;
    make_inputs(&in);
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_loss *loss = kl_handle(ctx, COLS);
    const optima_tensor s = host_view(&in.a), t = host_view(&in.b);
    double first = 0.0;
    float *g0 = malloc(ROWS * COLS * sizeof(float));
    assert_non_null(g0);
    const int32_t order[3] = {1, 3, 2};
    for (int k = 0; k < 3; ++k) {
        assert_int_equal(optima_context_set_threads(ctx, order[k]), OPTIMA_OK);
        double value = 0.0;
        assert_int_equal(optima_loss_compute(loss, &s, &t, 1, in.mask, &value), OPTIMA_OK);
        optima_tensor gv;
        assert_int_equal(optima_loss_student_grad(loss, 0, &gv), OPTIMA_OK);
        assert_int_equal(gv.rows, ROWS);
        const float *g = gv.data;
        const size_t stride = gv.row_stride;
        if (k == 0) {
            first = value;
            for (size_t r = 0; r < ROWS; ++r) memcpy(g0 + r * COLS, g + r * stride, COLS * sizeof(float));
            continue;
        }
        assert_memory_equal(&first, &value, sizeof value);
        for (size_t r = 0; r < ROWS; ++r)
            assert_memory_equal(g0 + r * COLS, g + r * stride, COLS * sizeof(float));
    }
    free(g0);
    optima_loss_destroy(loss);
    optima_context_destroy(ctx);
    free(in.a.data);
    free(in.b.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stateless_losses_give_the_same_bits_on_1_2_3_threads),
        cmocka_unit_test(kl_handle_gives_the_same_bits_when_threads_change),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
