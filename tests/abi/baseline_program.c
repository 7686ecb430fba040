/* A host compiled against the 1.0.0 headers (tests/abi/baseline-headers), run against the
 * library of the current build: it must still work. It crosses every frozen struct the
 * way an old host does (allocator and callback tables sized by the old headers, tensor
 * views, layer references) and touches each family of functions. Prints one line per
 * check; exits non-zero on the first failure. */
#include <optima/optima.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROWS 4
#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "baseline host: %s failed at line %d: %s\n", #cond, __LINE__, \
                    optima_last_error());                                                  \
            exit(1);                                                                       \
        }                                                                                  \
    } while (0)

static size_t allocations;

static void *count_alloc(void *user, size_t size)
{
    (void)user;
    ++allocations;
    return malloc(size);
}

static void count_free(void *user, void *ptr)
{
    (void)user;
    free(ptr);
}

/* The host's "models": every hidden state and logit is a fixed pattern. */
typedef struct host {
    float data[ROWS * 16];
    int rounds_seen;
} host;

static optima_tensor view_of(const host *h, size_t cols)
{
    optima_tensor t = {h->data, ROWS, cols, 16};
    return t;
}

static int next_batch(void *user, uint64_t step)
{
    host *h = user;
    for (size_t i = 0; i < ROWS * 16; ++i) h->data[i] = (float)((i * 7 + step * 3) % 11) / 11.0f;
    return 0;
}

static int forward(void *user, uint64_t step, const optima_layer_ref *needed, size_t count,
                   optima_tensor *hidden, int32_t want_logits, optima_tensor *student_logits,
                   optima_tensor *teacher_logits)
{
    const host *h = user;
    (void)step;
    for (size_t i = 0; i < count; ++i) hidden[i] = view_of(h, needed[i].width);
    if (want_logits) {
        *student_logits = view_of(h, 3);
        *teacher_logits = view_of(h, 3);
    }
    return 0;
}

static int backward(void *user, uint64_t step, const optima_layer_ref *needed,
                    const optima_tensor *grads, size_t count, const optima_tensor *logits_grad,
                    double *task_loss)
{
    (void)user, (void)needed, (void)grads, (void)count, (void)logits_grad;
    *task_loss = 1.0 / (double)(step + 1);
    return 0;
}

static int round_end(void *user, uint64_t round, uint32_t arm, double reward)
{
    host *h = user;
    (void)round, (void)arm, (void)reward;
    ++h->rounds_seen;
    return 0;
}

int main(void)
{
    CHECK(optima_version_number() / 10000 == OPTIMA_VERSION_MAJOR);
    CHECK(optima_version_number() >= OPTIMA_VERSION_NUMBER);

    optima_allocator alloc = {sizeof(optima_allocator), 0, NULL, count_alloc, count_free};
    optima_context *ctx = NULL;
    CHECK(optima_context_create_with_allocator(&alloc, &ctx) == OPTIMA_OK);
    CHECK(optima_context_set_threads(ctx, 0) == OPTIMA_EINVAL);
    CHECK(strstr(optima_context_last_error(ctx), "'threads'") != NULL);

    /* Stateless math on views with padded rows. */
    host h;
    CHECK(next_batch(&h, 0) == 0);
    const optima_tensor a = view_of(&h, 5);
    double loss = -1.0;
    float grad[ROWS * 5];
    CHECK(optima_mse(ctx, &a, &a, NULL, NULL, &loss, grad, 5, NULL, 0) == OPTIMA_OK);
    CHECK(loss == 0.0);
    CHECK(optima_kl(ctx, &a, &a, 2.0, NULL, &loss, grad, 5) == OPTIMA_OK);
    CHECK(fabs(loss) < 1e-9);
    printf("stateless math: ok\n");

    /* Models, a scheduler, a trainer run through the 1.0.0 callback table. */
    optima_model *teacher = NULL, *student = NULL;
    CHECK(optima_model_create(ctx, "teacher", &teacher) == OPTIMA_OK);
    CHECK(optima_model_create(ctx, "student", &student) == OPTIMA_OK);
    const char *names[2] = {"vision", "text"};
    for (size_t m = 0; m < 2; ++m) {
        CHECK(optima_model_add_module(teacher, names[m], NULL) == OPTIMA_OK);
        CHECK(optima_model_add_module(student, names[m], NULL) == OPTIMA_OK);
        CHECK(optima_model_add_layer(teacher, m, 8, NULL) == OPTIMA_OK);
        CHECK(optima_model_add_layer(teacher, m, 8, NULL) == OPTIMA_OK);
        CHECK(optima_model_add_layer(student, m, 4 + m, NULL) == OPTIMA_OK);
    }
    CHECK(optima_model_set_logits_width(teacher, 3) == OPTIMA_OK);
    CHECK(optima_model_set_logits_width(student, 3) == OPTIMA_OK);

    optima_scheduler *sched = NULL;
    CHECK(optima_scheduler_create(ctx, 2, OPTIMA_POLICY_OPTIMA, 5, &sched) == OPTIMA_OK);
    uint32_t arm = 0;
    CHECK(optima_scheduler_select(sched, &arm) == OPTIMA_OK);
    CHECK(optima_scheduler_update(sched, arm, 0.25) == OPTIMA_OK);
    optima_scheduler_destroy(sched);
    printf("scheduler: ok\n");

    optima_trainer *trainer = NULL;
    CHECK(optima_trainer_create(ctx, teacher, student, &trainer) == OPTIMA_OK);
    CHECK(optima_trainer_add_pair(trainer, 0, 0, OPTIMA_LOSS_MSE, NULL) == OPTIMA_OK);
    CHECK(optima_trainer_add_pair(trainer, 1, 1, OPTIMA_LOSS_COSINE, NULL) == OPTIMA_OK);
    CHECK(optima_trainer_set_round_length(trainer, 2) == OPTIMA_OK);
    optima_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.struct_size = sizeof(optima_callbacks);
    cb.next_batch = next_batch;
    cb.forward = forward;
    cb.backward = backward;
    cb.round_end = round_end;
    h.rounds_seen = 0;
    CHECK(optima_trainer_run(trainer, &cb, &h, 6) == OPTIMA_OK);
    uint64_t steps = 0, rounds = 0;
    CHECK(optima_trainer_progress(trainer, &steps, &rounds) == OPTIMA_OK);
    CHECK(steps == 6 && rounds == 3 && h.rounds_seen == 3);
    double reward = 0.0;
    CHECK(optima_trainer_round_record(trainer, 1, NULL, NULL, &reward, NULL) == OPTIMA_OK);
    CHECK(reward > 0.0);
    printf("trainer run: ok\n");

    optima_trainer_destroy(trainer);
    optima_model_destroy(student);
    optima_model_destroy(teacher);
    optima_context_destroy(ctx);
    CHECK(allocations > 0);
    printf("liboptima %s runs a host built against the 1.0.0 headers\n", optima_version_string());
    return 0;
}
