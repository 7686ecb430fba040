/* quickstart: the smallest complete use of liboptima's step API.
 *
 * A "student" with two modules (vision, text) learns to imitate a fixed "teacher". To stay
 * short, the student's parameters ARE its hidden states and logits (one batch, fixed), so
 * its backward pass is the identity and its optimizer is plain SGD; a real host runs its
 * network forward and backward instead (see examples/demo). Exits non-zero if the
 * distillation loss did not go down. Run: ./optima-quickstart */
#include <optima/optima.h>

#include <stdio.h>
#include <stdlib.h>

#define ROWS 8 /* batch examples: the rows of every view */
#define CHECK(call)                                                                     \
    do {                                                                                \
        optima_status s_ = (call);                                                      \
        if (s_ != OPTIMA_OK) {                                                          \
            fprintf(stderr, "%s: %s\n", optima_status_string(s_), optima_last_error()); \
            return 1;                                                                   \
        }                                                                               \
    } while (0)

static float uniform(unsigned *seed) /* a tiny LCG for the synthetic data */
{
    *seed = *seed * 1664525u + 1013904223u;
    return (float)(*seed >> 8) / 16777216.0f - 0.5f;
}

/* Describe a model to the library: module names and layer widths, and the logits width. */
static optima_status describe(optima_context *ctx, const char *name, size_t vision,
                              size_t text, optima_model **out)
{
    size_t m = 0;
    optima_status s = optima_model_create(ctx, name, out);
    if (s == OPTIMA_OK) s = optima_model_add_module(*out, "vision", &m);
    if (s == OPTIMA_OK) s = optima_model_add_layer(*out, m, vision, NULL);
    if (s == OPTIMA_OK) s = optima_model_add_module(*out, "text", &m);
    if (s == OPTIMA_OK) s = optima_model_add_layer(*out, m, text, NULL);
    if (s == OPTIMA_OK) s = optima_model_set_logits_width(*out, 3);
    return s;
}

int main(void)
{
    optima_context *ctx = NULL;
    optima_model *teacher = NULL, *student = NULL;
    optima_trainer *tr = NULL;
    CHECK(optima_context_create(&ctx));
    CHECK(describe(ctx, "teacher", 6, 5, &teacher)); /* wider than the student: */
    CHECK(describe(ctx, "student", 4, 3, &student)); /* each pair gets a projection */
    CHECK(optima_trainer_create(ctx, teacher, student, &tr));
    CHECK(optima_trainer_add_pair(tr, 0, 0, OPTIMA_LOSS_MSE, NULL)); /* vision <- vision */
    CHECK(optima_trainer_add_pair(tr, 1, 1, OPTIMA_LOSS_MSE, NULL)); /* text <- text */
    CHECK(optima_trainer_set_temperature(tr, 2.0));
    CHECK(optima_trainer_set_round_length(tr, 5));
    CHECK(optima_trainer_set_policy(tr, OPTIMA_POLICY_OPTIMA, 42)); /* arms: v, t, v+t */

    /* The host's tensors: [0] vision, [1] text, [2] logits; sw = the student's widths. */
    static const size_t sw[3] = {4, 3, 3};
    float st[3][ROWS * 6], te[3][ROWS * 6];
    unsigned seed = 1;
    for (int k = 0; k < 3; ++k)
        for (size_t i = 0; i < ROWS * 6; ++i) st[k][i] = uniform(&seed), te[k][i] = 4 * uniform(&seed);

    double first = 0.0, last = 0.0;
    for (int step = 0; step < 200; ++step) {
        uint32_t arm = 0;
        const optima_layer_ref *need = NULL;
        size_t count = 0;
        CHECK(optima_trainer_begin_step(tr, &arm)); /* 1. the round's arm and the plan */
        CHECK(optima_trainer_plan(tr, &need, &count));
        for (size_t i = 0; i < count; ++i) {        /* 2. views of the needed states */
            const int s = need[i].side == OPTIMA_SIDE_STUDENT;
            const optima_tensor v = {s ? st[need[i].module] : te[need[i].module], ROWS,
                                     need[i].width, need[i].width};
            CHECK(optima_trainer_set_hidden(tr, (int32_t)need[i].side, need[i].module,
                                            need[i].layer, &v));
        }
        const optima_tensor zs = {st[2], ROWS, 3, 3}, zt = {te[2], ROWS, 3, 3};
        CHECK(optima_trainer_set_logits(tr, OPTIMA_SIDE_STUDENT, &zs));
        CHECK(optima_trainer_set_logits(tr, OPTIMA_SIDE_TEACHER, &zt));
        double total = 0.0;
        CHECK(optima_trainer_compute(tr, &total));  /* 3. losses and gradients */
        for (size_t k = 0; k < 3; ++k) {            /* 4. the host's backward + SGD */
            optima_tensor g;
            if (k < 2) CHECK(optima_trainer_student_grad(tr, k, 0, &g));
            else CHECK(optima_trainer_logits_grad(tr, &g));
            for (size_t r = 0; g.data != NULL && r < g.rows; ++r)
                for (size_t c = 0; c < sw[k]; ++c) st[k][r * sw[k] + c] -= 0.5f * g.data[r * g.row_stride + c];
        }
        CHECK(optima_trainer_end_step(tr, 0.0, NULL)); /* 5. task loss: 0 here (no task) */
        if (step == 0) first = total;
        last = total;
        if (step % 40 == 0) printf("step %3d  arm %u  distillation loss %.4f\n", step, arm, total);
    }
    printf("distillation loss %.4f -> %.4f\n", first, last);
    optima_trainer_destroy(tr); /* before the models and the context it borrows */
    optima_model_destroy(student);
    optima_model_destroy(teacher);
    optima_context_destroy(ctx);
    return last < 0.5 * first ? 0 : 1;
}
