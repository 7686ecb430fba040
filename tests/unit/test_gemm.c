/* The BLIS door: row-major products with strides and transposes, per-context threads. */
#include <math.h>

#include "blis_child.h"
#include "testutil.h"

#include "core/blis_arch.h"
#include "core/context_impl.h"
#include "core/rng.h"
#include "math/gemm.h"

static float at(const float *m, size_t ld, opt_trans t, size_t r, size_t c)
{
    return t == OPT_TRANS ? m[c * ld + r] : m[r * ld + c];
}

static void check_product(optima_context *ctx, opt_trans ta, opt_trans tb)
{
    const size_t m = 37, n = 29, k = 53, lda = 64, ldb = 61, ldc = 33;
    float *a = calloc(64 * 64, sizeof(float));
    float *b = calloc(64 * 64, sizeof(float));
    float *c = calloc(64 * 64, sizeof(float));
    opt_rng r;
    opt_rng_seed(&r, 17);
    for (size_t i = 0; i < 64 * 64; ++i) {
        a[i] = (float)opt_rng_gaussian(&r);
        b[i] = (float)opt_rng_gaussian(&r);
        c[i] = (float)opt_rng_gaussian(&r);
    }
    float *c0 = malloc(64 * 64 * sizeof(float));
    memcpy(c0, c, 64 * 64 * sizeof(float));
    opt_sgemm(ctx, ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 2.0f, c, ldc);
    for (size_t i = 0; i < m; ++i) {
        for (size_t j = 0; j < n; ++j) {
            double ref = 2.0 * c0[i * ldc + j];
            for (size_t p = 0; p < k; ++p)
                ref += 0.5 * (double)at(a, lda, ta, i, p) * (double)at(b, ldb, tb, p, j);
            assert_true(fabs(ref - c[i * ldc + j]) < 1e-4 * (1.0 + fabs(ref)));
        }
        /* entries beyond n in each row of C are padding and must be untouched */
        for (size_t j = n; j < ldc; ++j) assert_true(c[i * ldc + j] == c0[i * ldc + j]);
    }
    free(a);
    free(b);
    free(c);
    free(c0);
}

static void products_match_a_naive_reference(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    for (int threads = 1; threads <= 2; ++threads) {
        assert_int_equal(optima_context_set_threads(ctx, threads), OPTIMA_OK);
        check_product(ctx, OPT_NO_TRANS, OPT_NO_TRANS);
        check_product(ctx, OPT_TRANS, OPT_NO_TRANS);
        check_product(ctx, OPT_NO_TRANS, OPT_TRANS);
        check_product(ctx, OPT_TRANS, OPT_TRANS);
    }
    optima_context_destroy(ctx);
}

static void empty_products_touch_nothing(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    float c = 3.0f;
    opt_sgemm(ctx, OPT_NO_TRANS, OPT_NO_TRANS, 0, 1, 1, 1.0f, &c, 1, &c, 1, 0.0f, &c, 1);
    assert_true(c == 3.0f);
    optima_context_destroy(ctx);
}

static void library_memory_is_cache_line_aligned(void **state)
{
    (void)state;
    test_allocator a;
    optima_context *ctx = test_context(&a);
    for (size_t size = 1; size < 300; size += 13) {
        void *p = opt_alloc(ctx, size);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 64, 0);
        memset(p, 0xab, size);
        opt_free(ctx, p);
    }
    assert_null(opt_alloc(ctx, 0));
    assert_null(opt_alloc(ctx, SIZE_MAX - 8));
    assert_null(opt_calloc(ctx, SIZE_MAX / 2, 4));
    float *z = opt_calloc(ctx, 10, sizeof(float));
    for (int i = 0; i < 10; ++i) assert_true(z[i] == 0.0f);
    opt_free(ctx, z);
    opt_free(ctx, NULL);
    optima_context_destroy(ctx);
    assert_int_equal(a.live, 0);
}

typedef struct log_record {
    int calls;
    int32_t level;
    char message[128];
} log_record;

static void record_log(void *user, int32_t level, const char *message)
{
    log_record *r = user;
    r->calls += 1;
    r->level = level;
    snprintf(r->message, sizeof r->message, "%s", message);
}

static void log_sink_receives_admitted_levels_only(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    log_record r;
    memset(&r, 0, sizeof r);
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    opt_log(ctx, OPTIMA_LOG_ERROR, "dropped: no sink yet");
    assert_int_equal(optima_context_set_log(ctx, record_log, &r, OPTIMA_LOG_INFO), OPTIMA_OK);
    opt_log(ctx, OPTIMA_LOG_INFO, "round %d done", 3);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.level, OPTIMA_LOG_INFO);
    assert_string_equal(r.message, "round 3 done");
    opt_log(ctx, OPTIMA_LOG_DEBUG, "too detailed");
    assert_int_equal(r.calls, 1);
    optima_context_destroy(ctx);
}

/* The shapes of the forced-configuration test: odd sizes, both transposes, strides. */
enum { CHILD_M = 37, CHILD_N = 29, CHILD_K = 53, CHILD_LD = 64 };

static void child_inputs(float *a, float *b)
{
    opt_rng r;
    opt_rng_seed(&r, 29);
    for (size_t i = 0; i < CHILD_LD * CHILD_LD; ++i) {
        a[i] = (float)opt_rng_gaussian(&r);
        b[i] = (float)opt_rng_gaussian(&r);
    }
}

/* Child: print the configuration BLIS runs, then C = op(A)·op(B) for the four transpose
 * combinations, every entry as a hexadecimal float. */
static int child_products(void)
{
    optima_context *ctx = NULL;
    if (optima_context_create(&ctx) != OPTIMA_OK) return 1;
    const char *arch = NULL;
    if (optima_context_get_blis_arch(ctx, &arch) != OPTIMA_OK) return 1;
    printf("%s\n", arch);
    static float a[CHILD_LD * CHILD_LD], b[CHILD_LD * CHILD_LD], c[CHILD_M * CHILD_N];
    child_inputs(a, b);
    for (int t = 0; t < 4; ++t) {
        opt_sgemm(ctx, t & 1 ? OPT_TRANS : OPT_NO_TRANS, t & 2 ? OPT_TRANS : OPT_NO_TRANS,
                  CHILD_M, CHILD_N, CHILD_K, 1.0f, a, CHILD_LD, b, CHILD_LD, 0.0f, c, CHILD_N);
        for (size_t i = 0; i < CHILD_M * CHILD_N; ++i) printf("%a\n", (double)c[i]);
    }
    optima_context_destroy(ctx);
    return 0;
}

/* The products of a child under configuration @p arch; checks it ran that configuration. */
static float *products_under(int arch, const char *name)
{
    char *out = blis_child_output("products", arch);
    char *line = strtok(out, "\n");
    assert_non_null(line);
    assert_string_equal(line, name);
    float *c = malloc(4 * CHILD_M * CHILD_N * sizeof(float));
    for (size_t i = 0; i < 4 * CHILD_M * CHILD_N; ++i) {
        line = strtok(NULL, "\n");
        assert_non_null(line);
        c[i] = (float)strtod(line, NULL);
    }
    free(out);
    return c;
}

/* The configuration the project's programs choose for this CPU (skx here, on Zen 4 and
 * 5) computes what BLIS's reference kernels compute, within float32 rounding: each entry
 * within 2·k·ε·Σ|a||b| of a float64 reference, for both. */
static void forced_configuration_matches_generic(void **state)
{
    (void)state;
    const opt_cpu cpu = opt_cpu_detect();
    const opt_blis_arch best = opt_blis_best_arch(&cpu);
    if (best.name == NULL) skip();
    float *fast = products_under(best.value, best.name);
    float *generic = products_under((int)BLIS_ARCH_GENERIC, "generic");
    static float a[CHILD_LD * CHILD_LD], b[CHILD_LD * CHILD_LD];
    child_inputs(a, b);
    for (int t = 0; t < 4; ++t) {
        const opt_trans ta = t & 1 ? OPT_TRANS : OPT_NO_TRANS, tb = t & 2 ? OPT_TRANS : OPT_NO_TRANS;
        for (size_t i = 0; i < CHILD_M; ++i) {
            for (size_t j = 0; j < CHILD_N; ++j) {
                double ref = 0.0, mag = 0.0;
                for (size_t p = 0; p < CHILD_K; ++p) {
                    const double x = (double)at(a, CHILD_LD, ta, i, p) * at(b, CHILD_LD, tb, p, j);
                    ref += x;
                    mag += fabs(x);
                }
                const double tol = 2.0 * CHILD_K * 1.1920929e-7 * mag;
                const size_t at_c = (size_t)t * CHILD_M * CHILD_N + i * CHILD_N + j;
                assert_true(fabs(fast[at_c] - ref) <= tol);
                assert_true(fabs(generic[at_c] - ref) <= tol);
                assert_true(fabs(fast[at_c] - generic[at_c]) <= tol);
            }
        }
    }
    free(fast);
    free(generic);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--child") == 0) return child_products();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(products_match_a_naive_reference),
        cmocka_unit_test(forced_configuration_matches_generic),
        cmocka_unit_test(empty_products_touch_nothing),
        cmocka_unit_test(library_memory_is_cache_line_aligned),
        cmocka_unit_test(log_sink_receives_admitted_levels_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
