/* Every compiled variant of the row kernels (src/math/row_variants.h) that this CPU runs
 * gives the baseline's bits: values, gradients, maxima and scan flags, on widths around
 * the 16 lanes and the KL kernel's blocks of 256, row strides above the width, masks, and
 * logits 1e3 apart (the exponential's clamp). Each variant is called directly, not
 * through the dispatch, so a variant that adds its lanes in another order fails here
 * whichever one the CPU would pick. */
#include <math.h>
#include <string.h>

#include "testutil.h"

#include "math/row_variants.h"

#define ROWS 5
#define SENTINEL 0x55 /* the bytes of every output before a kernel runs */

/* Inputs of one shape: student y (zs) and teacher t (zt), row stride above the width. */
typedef struct shape {
    size_t cols, stride, gs;
    float *y, *t;
    uint8_t mask[ROWS];
} shape;

/* Everything the kernels return or write for one shape. */
typedef struct outputs {
    double kl[2], kl_scanned[2], kl_value_only, scan, cosine, cosine_value_only, finite,
        finite_bad;
    float maxima[2 * ROWS];
    float *gkl[2], *gcos, *scratch;
} outputs;

static uint32_t next_random(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

/* Uniform in [−spread, spread), except row 1 (every third element 1e3 above the others,
 * so the rest reach the exponential's clamp at −125) and row 3 (one element 1e3 above). */
static void fill(float *p, const shape *sh, uint32_t seed, float spread)
{
    for (size_t r = 0; r < ROWS; ++r)
        for (size_t i = 0; i < sh->cols; ++i) {
            float x = spread * ((float)next_random(&seed) / 8388608.0f - 1.0f);
            if (r == 1 && i % 3 != 0) x -= 1000.0f;
            if (r == 3 && i == sh->cols / 2) x += 1000.0f;
            p[r * sh->stride + i] = x;
        }
}

static shape make_shape(size_t cols)
{
    shape sh = {cols, cols + 9, cols + 5, NULL, NULL, {1, 0, 1, 1, 0}};
    sh.y = test_malloc(ROWS * sh.stride * sizeof(float));
    sh.t = test_malloc(ROWS * sh.stride * sizeof(float));
    memset(sh.y, SENTINEL, ROWS * sh.stride * sizeof(float));
    memset(sh.t, SENTINEL, ROWS * sh.stride * sizeof(float));
    fill(sh.y, &sh, (uint32_t)cols * 7u + 1u, 6.0f);
    fill(sh.t, &sh, (uint32_t)cols * 13u + 5u, 9.0f);
    return sh;
}

static float *sentinel_floats(size_t n)
{
    float *p = test_malloc(n * sizeof(float));
    memset(p, SENTINEL, n * sizeof(float));
    return p;
}

static void outputs_init(outputs *o, const shape *sh)
{
    memset(o, SENTINEL, sizeof *o);
    for (int k = 0; k < 2; ++k) o->gkl[k] = sentinel_floats(ROWS * sh->gs);
    o->gcos = sentinel_floats(ROWS * sh->gs);
    o->scratch = sentinel_floats(4 * sh->cols);
}

static void outputs_free(outputs *o)
{
    for (int k = 0; k < 2; ++k) test_free(o->gkl[k]);
    test_free(o->gcos);
    test_free(o->scratch);
}

/* Every kernel of variant @p v over @p sh. */
static void run_variant(const opt_row_variant *v, const shape *sh, outputs *o)
{
    const optima_tensor y = {sh->y, ROWS, sh->cols, sh->stride};
    const optima_tensor t = {sh->t, ROWS, sh->cols, sh->stride};
    static const double temperatures[2] = {1.0, 2.5};
    o->scan = v->kl_scan_rows(&y, &t, o->maxima);
    for (int k = 0; k < 2; ++k) {
        o->kl[k] = v->kl_rows(&y, &t, sh->mask, temperatures[k], 0.37f, o->gkl[k], sh->gs,
                              o->scratch, NULL);
        o->kl_scanned[k] = v->kl_rows(&y, &t, NULL, temperatures[k], 1.0f, NULL, 0, o->scratch,
                                      o->maxima);
    }
    o->kl_value_only = v->kl_rows(&y, &t, sh->mask, 2.5, 0.37f, NULL, 0, o->scratch, NULL);
    o->cosine = v->cosine_rows(&y, &t, sh->mask, 0.37f, o->gcos, sh->gs);
    o->cosine_value_only = v->cosine_rows(&y, &t, NULL, 1.0f, NULL, 0);
    o->finite = v->finite_rows(&y, &t);
    /* one ∞ in the last row's last element: the lanes' sum must see it */
    float *last = sh->t + (ROWS - 1) * sh->stride + sh->cols - 1;
    const float saved = *last;
    *last = INFINITY;
    o->finite_bad = v->finite_rows(&y, &t);
    *last = saved;
}

static void assert_same_double(double a, double b, const char *what, const char *variant)
{
    if (memcmp(&a, &b, sizeof a) != 0 && !(isnan(a) && isnan(b)))
        fail_msg("%s: variant %s gives %.17g, the baseline %.17g", what, variant, a, b);
}

static void assert_same_floats(const float *a, const float *b, size_t n, const char *what,
                               const char *variant)
{
    for (size_t i = 0; i < n; ++i)
        if (memcmp(&a[i], &b[i], sizeof a[i]) != 0)
            fail_msg("%s[%zu]: variant %s gives %.9g, the baseline %.9g", what, i, variant,
                     (double)a[i], (double)b[i]);
}

static void assert_same_outputs(const outputs *a, const outputs *b, const shape *sh,
                                const char *variant)
{
    for (int k = 0; k < 2; ++k) {
        assert_same_double(a->kl[k], b->kl[k], "kl", variant);
        assert_same_double(a->kl_scanned[k], b->kl_scanned[k], "kl after the scan", variant);
        assert_same_floats(a->gkl[k], b->gkl[k], ROWS * sh->gs, "kl gradient", variant);
    }
    assert_same_double(a->kl_value_only, b->kl_value_only, "kl without gradient", variant);
    assert_same_double(a->scan, b->scan, "kl scan flag", variant);
    assert_same_floats(a->maxima, b->maxima, 2 * ROWS, "kl scan maxima", variant);
    assert_same_double(a->cosine, b->cosine, "cosine", variant);
    assert_same_double(a->cosine_value_only, b->cosine_value_only, "cosine without gradient",
                       variant);
    assert_same_floats(a->gcos, b->gcos, ROWS * sh->gs, "cosine gradient", variant);
    assert_same_double(a->finite, b->finite, "finiteness scan", variant);
    assert_same_double(a->finite_bad, b->finite_bad, "finiteness scan with an infinity",
                       variant);
}

/* The baseline's own outputs are sane, so that agreeing with it means something. */
static void assert_baseline_sane(const outputs *o, const shape *sh)
{
    for (int k = 0; k < 2; ++k) {
        assert_true(isfinite(o->kl[k]));
        assert_true(isfinite(o->kl_scanned[k]));
    }
    assert_true(o->scan == 0.0);
    assert_true(isfinite(o->cosine) && isfinite(o->cosine_value_only));
    assert_true(o->finite == 0.0);
    assert_true(isnan(o->finite_bad));
    /* gradients in the rows' widths only, zero in the rows the mask drops */
    for (size_t r = 0; r < ROWS; ++r) {
        assert_int_equal(((const uint8_t *)&o->gkl[0][r * sh->gs + sh->cols])[0], SENTINEL);
        assert_true(sh->mask[r] != 0 || o->gcos[r * sh->gs] == 0.0f);
    }
}

static void every_variant_gives_the_baselines_bits(void **state)
{
    (void)state;
    static const size_t widths[] = {1, 15, 16, 17, 250, 256, 257, 1003};
    size_t count;
    const opt_row_variant *variants = opt_row_variants(&count);
    const opt_row_variant *base = &variants[count - 1];
    assert_string_equal(base->name, "baseline");
    assert_true(base->runs());
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; ++w) {
        shape sh = make_shape(widths[w]);
        outputs want;
        outputs_init(&want, &sh);
        run_variant(base, &sh, &want);
        assert_baseline_sane(&want, &sh);
        for (size_t v = 0; v + 1 < count; ++v) {
            if (!variants[v].runs()) continue;
            outputs got;
            outputs_init(&got, &sh);
            run_variant(&variants[v], &sh, &got);
            assert_same_outputs(&got, &want, &sh, variants[v].name);
            outputs_free(&got);
        }
        outputs_free(&want);
        test_free(sh.y);
        test_free(sh.t);
    }
    for (size_t v = 0; v < count; ++v)
        print_message("row kernels, variant %s: %s\n", variants[v].name,
                      variants[v].runs() ? "compared" : "not run (this CPU lacks it)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_variant_gives_the_baselines_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
