/* The training loop (batch, teacher forward, student forward, hook, backward, AdamW) and
 * the test evaluation. Everything a step touches is allocated before the first step. */
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Batches: a seeded shuffle of the training images per epoch, one question per image. */
typedef struct batcher {
    demo_rng rng;
    const demo_split *data;
    uint32_t *order;
    size_t pos;
    uint32_t *index;
    float *pixels;
    uint8_t *tokens, *answers;
} batcher;

static void batcher_free(batcher *b)
{
    free(b->order);
    free(b->index);
    free(b->pixels);
    free(b->tokens);
    free(b->answers);
}

static int batcher_init(batcher *b, const demo_split *data, size_t batch, uint64_t seed)
{
    memset(b, 0, sizeof *b);
    demo_rng_seed(&b->rng, seed);
    b->data = data;
    b->pos = data->count; /* shuffle at the first draw */
    b->order = malloc(data->count * sizeof *b->order);
    b->index = malloc(batch * sizeof *b->index);
    b->pixels = malloc(batch * DEMO_FASHION_PIXELS * sizeof *b->pixels);
    b->tokens = malloc(batch * VQA_LEN);
    b->answers = malloc(batch);
    if (b->order && b->index && b->pixels && b->tokens && b->answers) {
        for (size_t i = 0; i < data->count; ++i) b->order[i] = (uint32_t)i;
        return 0;
    }
    batcher_free(b);
    return -1;
}

static void batcher_next(batcher *b, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        if (b->pos == b->data->count) {
            demo_rng_shuffle(&b->rng, b->order, b->data->count);
            b->pos = 0;
        }
        b->index[i] = b->order[b->pos++];
        vqa_question q;
        vqa_sample(&b->rng, b->data->labels[b->index[i]], &q);
        memcpy(b->tokens + i * VQA_LEN, q.tokens, VQA_LEN);
        b->answers[i] = q.answer;
    }
    demo_fashion_pixels(b->data, b->index, n, b->pixels);
}

/* Linear warm-up, then cosine decay to zero. */
static float learning_rate(const demo_train_config *cfg, size_t step)
{
    const double warm = (double)cfg->warmup * (double)cfg->steps;
    if ((double)step < warm) return cfg->lr * (float)(((double)step + 1.0) / warm);
    const double span = (double)cfg->steps - warm;
    const double t = span > 0 ? ((double)step - warm) / span : 1.0;
    return cfg->lr * (float)(0.5 * (1.0 + cos(3.14159265358979323846 * t)));
}

static optima_tensor view(const float *data, size_t rows, size_t cols)
{
    const optima_tensor t = {data, rows, cols, cols};
    return t;
}

/* Distillation buffers: the hook's gradients wrt every student layer and the logits. */
typedef struct distill_buffers {
    float *hidden[DEMO_MODULES][DEMO_MAX_LAYERS];
    float *task[DEMO_MODULES][DEMO_MAX_LAYERS]; /* the task gradients, when asked for */
    float *logits;
    size_t size[DEMO_MODULES];
} distill_buffers;

static void distill_free(distill_buffers *d)
{
    for (int m = 0; m < DEMO_MODULES; ++m)
        for (int l = 0; l < DEMO_MAX_LAYERS; ++l) free(d->hidden[m][l]), free(d->task[m][l]);
    free(d->logits);
}

static int distill_init(distill_buffers *d, const demo_model *student, size_t batch,
                        int task_grads)
{
    memset(d, 0, sizeof *d);
    const size_t answers = demo_model_get_config(student)->answers;
    if ((d->logits = calloc(batch * answers, sizeof(float))) == NULL) return -1;
    for (int m = 0; m < DEMO_MODULES; ++m) {
        d->size[m] = batch * demo_model_width(student, m);
        for (size_t l = 0; l < demo_model_layers(student, m); ++l)
            if ((d->hidden[m][l] = calloc(d->size[m], sizeof(float))) == NULL ||
                (task_grads && (d->task[m][l] = calloc(d->size[m], sizeof(float))) == NULL))
                return -1;
    }
    return 0;
}

/* Stage 4: fill the step record, zero the output buffers, call the hook. */
static int run_hook(demo_distill_fn hook, void *user, demo_model *teacher, demo_model *student,
                    distill_buffers *d, demo_distill_step *st)
{
    const size_t n = st->batch, answers = demo_model_get_config(student)->answers;
    for (int m = 0; m < DEMO_MODULES; ++m) {
        st->teacher_layers[m] = demo_model_layers(teacher, m);
        st->student_layers[m] = demo_model_layers(student, m);
        for (size_t l = 0; l < st->teacher_layers[m]; ++l)
            st->teacher_hidden[m][l] = view(demo_model_hidden(teacher, m, l), n,
                                            demo_model_width(teacher, m));
        for (size_t l = 0; l < st->student_layers[m]; ++l) {
            st->student_hidden[m][l] = view(demo_model_hidden(student, m, l), n,
                                            demo_model_width(student, m));
            memset(d->hidden[m][l], 0, n * demo_model_width(student, m) * sizeof(float));
            st->student_hidden_grad[m][l] = d->hidden[m][l];
            if (d->task[m][l] != NULL)
                st->task_hidden_grad[m][l] = view(d->task[m][l], n, demo_model_width(student, m));
        }
    }
    memset(d->logits, 0, n * answers * sizeof(float));
    st->student_logits_grad = d->logits;
    st->distill_loss = 0.0f;
    return hook(user, st);
}

typedef struct loop_state {
    batcher batches;
    nn_adamw opt;
    distill_buffers distill;
    float *dlogits;
    float *grad_pack; /* data-parallel: the gradients packed for one sum per step */
} loop_state;

static void loop_free(loop_state *s)
{
    batcher_free(&s->batches);
    nn_adamw_free(&s->opt);
    distill_free(&s->distill);
    free(s->dlogits);
    free(s->grad_pack);
}

static int loop_init(loop_state *s, demo_model *student, const demo_split *train,
                     const demo_train_config *cfg, int distilling)
{
    memset(s, 0, sizeof *s);
    const size_t answers = demo_model_get_config(student)->answers;
    if (batcher_init(&s->batches, train, cfg->batch, cfg->seed) != 0) return -1;
    if (nn_adamw_init(&s->opt, demo_model_params(student), cfg->weight_decay) != 0) return -1;
    if (distilling && distill_init(&s->distill, student, cfg->batch, cfg->task_hidden_grads) != 0)
        return -1;
    if (cfg->parallel != NULL &&
        (s->grad_pack = malloc(demo_model_params(student)->total * sizeof(float))) == NULL)
        return -1;
    s->dlogits = malloc(cfg->batch * answers * sizeof(float));
    return s->dlogits ? 0 : -1;
}

static int check_args(const demo_model *student, const demo_model *teacher,
                       const demo_train_config *cfg, demo_distill_fn hook, char *err,
                       size_t errlen)
{
    if (cfg->batch < 1 || cfg->batch > demo_model_max_batch(student) ||
        (teacher != NULL && cfg->batch > demo_model_max_batch(teacher))) {
        snprintf(err, errlen, "train: batch %zu exceeds the models' buffers", cfg->batch);
        return -1;
    }
    if (hook != NULL && teacher == NULL) {
        snprintf(err, errlen, "train: a distillation hook needs a teacher");
        return -1;
    }
    if (!(cfg->lr > 0.0f) || !(cfg->warmup >= 0.0f && cfg->warmup < 1.0f)) {
        snprintf(err, errlen, "train: lr must be > 0 and warmup in [0, 1)");
        return -1;
    }
    return 0;
}

static void log_row(FILE *csv, size_t step, double loss_sum, double distill_sum, size_t rows,
                    float lr, double secs)
{
    if (csv == NULL || rows == 0) return;
    fprintf(csv, "%zu,%.6f,%.6f,%.6g,%.3f\n", step, loss_sum / (double)rows,
            distill_sum / (double)rows, (double)lr, secs);
}

/* Stages 4 and 5: the hook's gradients join the task gradient, then backward and AdamW. */
static int distill_stage(demo_distill_fn hook, void *user, demo_model *teacher,
                         demo_model *student, const nn_ctx *c, loop_state *s,
                         demo_distill_step *st, demo_model_extra *extra)
{
    const size_t n = st->batch, answers = demo_model_get_config(student)->answers;
    st->teacher_logits = view(demo_model_logits(teacher), n, answers);
    st->student_logits = view(demo_model_logits(student), n, answers);
    if (s->distill.task[0][0] != NULL) /* the task's own gradient, before the hook adds its */
        demo_model_hidden_grads(student, c, s->dlogits, s->distill.task);
    const int status = run_hook(hook, user, teacher, student, &s->distill, st);
    if (status != 0) return status;
    for (size_t i = 0; i < n * answers; ++i) s->dlogits[i] += s->distill.logits[i];
    for (int m = 0; m < DEMO_MODULES; ++m)
        for (size_t l = 0; l < st->student_layers[m]; ++l)
            extra->hidden[m][l] = s->distill.hidden[m][l];
    return 0;
}

int demo_train(demo_model *student, demo_model *teacher, const demo_split *train,
               const demo_train_config *cfg, const nn_ctx *c, demo_distill_fn hook,
               void *hook_user, demo_progress *progress, FILE *csv, demo_train_result *res,
               char *err, size_t errlen)
{
    if (check_args(student, teacher, cfg, hook, err, errlen) != 0) return -1;
    loop_state s;
    if (loop_init(&s, student, train, cfg, hook != NULL) != 0) {
        loop_free(&s);
        snprintf(err, errlen, "train: out of memory");
        return -1;
    }
    const size_t answers = demo_model_get_config(student)->answers;
    const double start = demo_now();
    double loss_sum = 0.0, distill_sum = 0.0, last_mean = 0.0;
    size_t rows = 0;
    int status = 0;
    if (csv != NULL) fprintf(csv, "step,task_loss,distill_loss,lr,seconds\n");
    size_t first = 0, n = cfg->batch; /* this rank's rows of the global batch */
    if (cfg->parallel != NULL) demo_parallel_share(cfg->parallel, cfg->batch, &first, &n);
    for (size_t step = 0; step < cfg->steps; ++step) {
        const float lr = learning_rate(cfg, step);
        batcher_next(&s.batches, cfg->batch);                               /* 1. batch */
        const float *pixels = s.batches.pixels + first * DEMO_FASHION_PIXELS;
        const uint8_t *tokens = s.batches.tokens + first * VQA_LEN;
        if (hook != NULL)                                                   /* 2. teacher */
            demo_model_forward(teacher, c, pixels, tokens, n);
        const float *logits =                                               /* 3. student */
            demo_model_forward(student, c, pixels, tokens, n);
        const float loss =
            nn_softmax_xent(logits, s.batches.answers + first, n, answers, s.dlogits);
        demo_model_extra extra;
        memset(&extra, 0, sizeof extra);
        demo_distill_step st;
        memset(&st, 0, sizeof st);
        if (hook != NULL) {                                                 /* 4. hook */
            st.step = step;
            st.steps = cfg->steps;
            st.batch = n;
            st.task_loss = loss;
            status = distill_stage(hook, hook_user, teacher, student, c, &s, &st, &extra);
            if (status != 0) break;
        }
        demo_model_backward(student, c, s.dlogits, hook ? &extra : NULL);   /* 5. backward */
        if (cfg->parallel != NULL &&
            demo_parallel_average_grads(cfg->parallel, demo_model_params(student), n,
                                        cfg->batch, s.grad_pack) != 0) {
            status = -2;
            break;
        }
        nn_adamw_step(&s.opt, demo_model_params(student), lr);
        loss_sum += loss;
        distill_sum += st.distill_loss;
        rows += 1;
        demo_progress_update(progress, step + 1, loss);
        if (cfg->log_every && ((step + 1) % cfg->log_every == 0 || step + 1 == cfg->steps)) {
            log_row(csv, step + 1, loss_sum, distill_sum, rows, lr, demo_now() - start);
            last_mean = loss_sum / (double)rows;
            loss_sum = distill_sum = 0.0;
            rows = 0;
        }
    }
    if (rows) last_mean = loss_sum / (double)rows;
    res->seconds = demo_now() - start;
    res->final_loss = (float)last_mean;
    res->hook_status = status;
    loop_free(&s);
    if (status != 0) {
        snprintf(err, errlen, "train: the distillation hook stopped the run with %d", status);
        return -1;
    }
    return 0;
}

double demo_accuracy_overall(const demo_accuracy *a)
{
    size_t c = 0, t = 0;
    for (int k = 0; k < VQA_TYPES; ++k) {
        c += a->correct[k];
        t += a->total[k];
    }
    return t ? (double)c / (double)t : 0.0;
}

double demo_accuracy_of(const demo_accuracy *a, int type)
{
    return a->total[type] ? (double)a->correct[type] / (double)a->total[type] : 0.0;
}

int demo_evaluate(demo_model *m, const nn_ctx *c, const demo_split *test,
                  const vqa_question *questions, size_t count, demo_accuracy *out)
{
    const size_t b = demo_model_max_batch(m), answers = demo_model_get_config(m)->answers;
    uint32_t *index = malloc(b * sizeof *index);
    float *pixels = malloc(b * DEMO_FASHION_PIXELS * sizeof *pixels);
    uint8_t *tokens = malloc(b * VQA_LEN);
    if (index == NULL || pixels == NULL || tokens == NULL) {
        free(index);
        free(pixels);
        free(tokens);
        return -1;
    }
    demo_accuracy acc;
    memset(&acc, 0, sizeof acc);
    for (size_t start = 0; start < count; start += b) {
        const size_t n = count - start < b ? count - start : b;
        for (size_t i = 0; i < n; ++i) {
            index[i] = (uint32_t)((start + i) / VQA_TYPES);
            memcpy(tokens + i * VQA_LEN, questions[start + i].tokens, VQA_LEN);
        }
        demo_fashion_pixels(test, index, n, pixels);
        const float *logits = demo_model_forward(m, c, pixels, tokens, n);
        for (size_t i = 0; i < n; ++i) {
            const vqa_question *q = &questions[start + i];
            acc.total[q->type] += 1;
            acc.correct[q->type] += nn_argmax(logits + i * answers, answers) == q->answer;
        }
    }
    free(index);
    free(pixels);
    free(tokens);
    *out = acc;
    return 0;
}
