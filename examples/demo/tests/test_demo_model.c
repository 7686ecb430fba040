/* The three-module model: gradients of every parameter match finite differences, including
 * through the extra hidden-state gradients; hidden states are exposed per layer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gradcheck.h"
#include "model.h"

enum { B = 3, IN = 10, ANS = 5, VOC = 6, LEN = 4 };

static demo_model_config tiny_config(void)
{
    const demo_model_config c = {{2, 1, 2}, {6, 5, 7}, IN, VOC, LEN, 0, ANS};
    return c;
}

typedef struct model_state {
    nn_ctx ctx;
    demo_model *m;
    float pixels[B * IN];
    uint8_t tokens[B * LEN];
    uint8_t labels[B];
    float dlogits[B * ANS];
    /* weights of the hidden-state term: loss += sum r[m][l] . h[m][l] */
    float *r[DEMO_MODULES][DEMO_MAX_LAYERS];
    int use_hidden;
} model_state;

static double model_loss(void *p)
{
    model_state *s = p;
    const float *logits = demo_model_forward(s->m, &s->ctx, s->pixels, s->tokens, B);
    double loss = nn_softmax_xent(logits, s->labels, B, ANS, NULL);
    if (!s->use_hidden) return loss;
    for (int k = 0; k < DEMO_MODULES; ++k)
        for (size_t l = 0; l < demo_model_layers(s->m, k); ++l)
            loss += gc_dot(s->r[k][l], demo_model_hidden(s->m, k, l),
                           B * demo_model_width(s->m, k));
    return loss;
}

static void state_init(model_state *s, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    nn_ctx_init(&s->ctx, 1);
    char err[256];
    const demo_model_config c = tiny_config();
    s->m = demo_model_create(&c, 8, seed, err, sizeof err);
    assert_non_null(s->m);
    demo_rng r;
    demo_rng_seed(&r, seed + 1);
    gc_fill(s->pixels, B * IN, 1.0f, &r);
    const uint8_t tokens[B * LEN] = {1, 2, 0, 0, 3, 4, 5, 1, 2, 0, 0, 0};
    memcpy(s->tokens, tokens, sizeof tokens);
    s->labels[0] = 1, s->labels[1] = 4, s->labels[2] = 0;
    for (int k = 0; k < DEMO_MODULES; ++k)
        for (size_t l = 0; l < demo_model_layers(s->m, k); ++l) {
            const size_t n = B * demo_model_width(s->m, k);
            s->r[k][l] = malloc(n * sizeof(float));
            gc_fill(s->r[k][l], n, 0.3f, &r);
        }
    /* Move the parameters off their initial values (zero biases, unit gains) so every
     * gradient path is exercised. */
    nn_params *p = demo_model_params(s->m);
    for (size_t t = 0; t < p->count; ++t)
        for (size_t i = 0; i < p->items[t].size; ++i)
            p->items[t].value[i] += 0.2f * (float)demo_rng_gaussian(&r);
}

static void state_free(model_state *s)
{
    for (int k = 0; k < DEMO_MODULES; ++k)
        for (int l = 0; l < DEMO_MAX_LAYERS; ++l) free(s->r[k][l]);
    demo_model_destroy(s->m);
}

static void backward_with(model_state *s)
{
    const float *logits = demo_model_forward(s->m, &s->ctx, s->pixels, s->tokens, B);
    nn_softmax_xent(logits, s->labels, B, ANS, s->dlogits);
    demo_model_extra extra;
    memset(&extra, 0, sizeof extra);
    for (int k = 0; k < DEMO_MODULES; ++k)
        for (int l = 0; l < DEMO_MAX_LAYERS; ++l) extra.hidden[k][l] = s->r[k][l];
    demo_model_backward(s->m, &s->ctx, s->dlogits, s->use_hidden ? &extra : NULL);
}

static size_t check_all_params(model_state *s)
{
    nn_params *p = demo_model_params(s->m);
    size_t bad = 0;
    for (size_t t = 0; t < p->count; ++t) {
        /* a snapshot: the checker's forwards do not touch gradients, but be explicit */
        float *g = malloc(p->items[t].size * sizeof(float));
        memcpy(g, p->items[t].grad, p->items[t].size * sizeof(float));
        char name[32];
        snprintf(name, sizeof name, "tensor %zu", t);
        bad += gc_check(name, p->items[t].value, g, p->items[t].size, 1, model_loss, s);
        free(g);
    }
    return bad;
}

static void check_gradients(uint64_t seed, int use_hidden)
{
    model_state s;
    state_init(&s, seed);
    s.use_hidden = use_hidden;
    backward_with(&s);
    assert_int_equal(check_all_params(&s), 0);
    state_free(&s);
}

static void model_gradients_match_finite_differences(void **state)
{
    (void)state;
    check_gradients(7, 0);
}

/* loss = task + sum r . h over every layer of every module: backward gets r as the extra
 * gradients, and every parameter's gradient must still match. */
static void extra_hidden_gradients_enter_backward(void **state)
{
    (void)state;
    check_gradients(8, 1);
}

/* The extra gradient on a layer reaches only the parameters below it: the head's gradient
 * is the same with or without an extra gradient on the image encoder. */
static void extra_gradient_reaches_only_upstream_parameters(void **state)
{
    (void)state;
    model_state s;
    state_init(&s, 9);
    nn_params *p = demo_model_params(s.m);
    backward_with(&s);
    const size_t head = p->count - 1, image_in = 0;
    float head_plain = p->items[head].grad[0], image_plain = p->items[image_in].grad[0];
    demo_model_extra extra;
    memset(&extra, 0, sizeof extra);
    extra.hidden[DEMO_IMAGE][1] = s.r[DEMO_IMAGE][1];
    demo_model_forward(s.m, &s.ctx, s.pixels, s.tokens, B);
    demo_model_backward(s.m, &s.ctx, s.dlogits, &extra);
    assert_true(p->items[head].grad[0] == head_plain);
    assert_true(p->items[image_in].grad[0] != image_plain);
    state_free(&s);
}

/* demo_model_hidden_grads captures d(task)/d(h) at each block's output: fed back alone as
 * the extra gradient of that layer (with zero dlogits), it reproduces bit for bit the task
 * backward's gradients of every parameter upstream of the layer, and leaves the others at
 * zero. A capture one layer off, or after another layer's extra, would not. */
static void hidden_gradients_are_the_task_gradient_at_each_layer(void **state)
{
    (void)state;
    model_state s;
    state_init(&s, 10);
    nn_params *p = demo_model_params(s.m);
    const float *logits = demo_model_forward(s.m, &s.ctx, s.pixels, s.tokens, B);
    nn_softmax_xent(logits, s.labels, B, ANS, s.dlogits);
    float *grads[DEMO_MODULES][DEMO_MAX_LAYERS] = {{0}};
    for (int k = 0; k < DEMO_MODULES; ++k)
        for (size_t l = 0; l < demo_model_layers(s.m, k); ++l)
            grads[k][l] = malloc(B * demo_model_width(s.m, k) * sizeof(float));
    demo_model_hidden_grads(s.m, &s.ctx, s.dlogits, grads);
    float *full = malloc(p->total * sizeof(float));
    for (size_t t = 0, at = 0; t < p->count; at += p->items[t].size, ++t)
        memcpy(full + at, p->items[t].grad, p->items[t].size * sizeof(float));
    float zero[B * ANS] = {0};
    for (int k = 0; k < DEMO_MODULES; ++k)
        for (size_t l = 0; l < demo_model_layers(s.m, k); ++l) {
            demo_model_extra extra;
            memset(&extra, 0, sizeof extra);
            extra.hidden[k][l] = grads[k][l];
            demo_model_backward(s.m, &s.ctx, zero, &extra);
            size_t upstream = 0, downstream = 0;
            for (size_t t = 0, at = 0; t < p->count; at += p->items[t].size, ++t) {
                const nn_tensor *x = &p->items[t];
                int all_zero = 1;
                for (size_t i = 0; i < x->size; ++i) all_zero &= x->grad[i] == 0.0f;
                if (all_zero) {
                    downstream += 1;
                    continue;
                }
                assert_memory_equal(x->grad, full + at, x->size * sizeof(float));
                upstream += 1;
            }
            assert_true(upstream > 0 && downstream > 0); /* the head is always downstream */
        }
    for (int k = 0; k < DEMO_MODULES; ++k)
        for (int l = 0; l < DEMO_MAX_LAYERS; ++l) free(grads[k][l]);
    free(full);
    state_free(&s);
}

static void hidden_states_have_the_module_widths_and_layers(void **state)
{
    (void)state;
    model_state s;
    state_init(&s, 10);
    const demo_model_config c = tiny_config();
    for (int k = 0; k < DEMO_MODULES; ++k) {
        assert_int_equal(demo_model_layers(s.m, k), c.layers[k]);
        assert_int_equal(demo_model_width(s.m, k), c.width[k]);
    }
    model_loss(&s);
    assert_int_equal(demo_model_batch(s.m), B);
    /* layers of a stack differ (each block changes its input) */
    assert_memory_not_equal(demo_model_hidden(s.m, DEMO_IMAGE, 0),
                            demo_model_hidden(s.m, DEMO_IMAGE, 1), B * 6 * sizeof(float));
    assert_string_equal(demo_module_name(DEMO_FUSION), "fusion");
    assert_null(demo_module_name(3));
    state_free(&s);
}

static void same_seed_gives_identical_models_and_outputs(void **state)
{
    (void)state;
    model_state a, b;
    state_init(&a, 11);
    state_init(&b, 11);
    const float *la = demo_model_forward(a.m, &a.ctx, a.pixels, a.tokens, B);
    const float *lb = demo_model_forward(b.m, &b.ctx, b.pixels, b.tokens, B);
    assert_memory_equal(la, lb, B * ANS * sizeof(float));
    state_free(&a);
    state_free(&b);
}

static void bad_configs_are_refused_with_a_message(void **state)
{
    (void)state;
    char err[256];
    demo_model_config c = tiny_config();
    c.layers[DEMO_QUESTION] = 0;
    assert_null(demo_model_create(&c, 4, 1, err, sizeof err));
    assert_non_null(strstr(err, "'question'"));
    c = tiny_config();
    c.layers[DEMO_FUSION] = DEMO_MAX_LAYERS + 1;
    assert_null(demo_model_create(&c, 4, 1, err, sizeof err));
    assert_non_null(strstr(err, "'fusion'"));
    c = tiny_config();
    c.width[DEMO_IMAGE] = 0;
    assert_null(demo_model_create(&c, 4, 1, err, sizeof err));
    assert_non_null(strstr(err, "'image'"));
    c = tiny_config();
    c.pad = VOC;
    assert_null(demo_model_create(&c, 4, 1, err, sizeof err));
    c = tiny_config();
    assert_null(demo_model_create(&c, 0, 1, err, sizeof err));
    assert_non_null(strstr(err, "max_batch"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(model_gradients_match_finite_differences),
        cmocka_unit_test(extra_hidden_gradients_enter_backward),
        cmocka_unit_test(extra_gradient_reaches_only_upstream_parameters),
        cmocka_unit_test(hidden_gradients_are_the_task_gradient_at_each_layer),
        cmocka_unit_test(hidden_states_have_the_module_widths_and_layers),
        cmocka_unit_test(same_seed_gives_identical_models_and_outputs),
        cmocka_unit_test(bad_configs_are_refused_with_a_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
