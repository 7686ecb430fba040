/* The distillation hook on liboptima's trainer (see distill.h). */
#include "distill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"

/* The evaluation reward's fixed batch, ready for one forward of the probe. */
typedef struct eval_batch {
    demo_model *probe;  /* the student's shape, max batch = count; weights copied in */
    const nn_ctx *ctx;
    float *pixels;      /* count x 784 */
    uint8_t *tokens;    /* count x VQA_LEN */
    uint8_t *answers;   /* count */
    size_t count;
    uint64_t evaluations;
    double seconds;
} eval_batch;

struct demo_distiller {
    optima_context *ctx;
    optima_model *teacher, *student; /* descriptions only: the weights stay in demo_model */
    optima_trainer *trainer;
    uint32_t mask;                   /* module mask of the last step's arm */
    demo_model *student_weights;     /* the host's student, read by the evaluation reward */
    eval_batch *eval;                /* NULL: the reward comes from the training loss */
    uint32_t round_length;
    int pending;                     /* a round's final step waits for its end_step */
    int alignment;                   /* hand the task gradients to the trainer */
    double pending_loss;             /* ... with this task loss */
    char err[1024];
};

/* Keeps a failure's message. The library's messages start with the function's name;
 * `what` names the call when no message was left (`detail` NULL: the thread's slot). */
static int failed(demo_distiller *d, optima_status s, const char *what, const char *detail)
{
    if (s == OPTIMA_OK) return 0;
    const char *msg = detail != NULL ? detail : optima_last_error();
    snprintf(d->err, sizeof d->err, "%s (%s)", *msg ? msg : what, optima_status_string(s));
    return 1;
}

void demo_arm_name(uint32_t mask, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int m = 0; m < DEMO_MODULES; ++m) {
        if (!(mask >> m & 1u)) continue;
        const int n = snprintf(buf + used, len - used, "%s%s", used ? "+" : "", demo_module_name(m));
        if (n < 0 || (size_t)n >= len - used) return;
        used += (size_t)n;
    }
}

/* The library sees a model as modules of layer widths plus a logits width: that is all a
 * demo_model has to tell it. */
static int describe(demo_distiller *d, const demo_model *m, const char *name, optima_model **out)
{
    if (failed(d, optima_model_create(d->ctx, name, out), "optima_model_create", NULL)) return -1;
    for (int k = 0; k < DEMO_MODULES; ++k) {
        size_t index = 0;
        if (failed(d, optima_model_add_module(*out, demo_module_name(k), &index),
                   "optima_model_add_module", optima_model_last_error(*out)))
            return -1;
        for (size_t l = 0; l < demo_model_layers(m, k); ++l)
            if (failed(d, optima_model_add_layer(*out, index, demo_model_width(m, k), NULL),
                       "optima_model_add_layer", optima_model_last_error(*out)))
                return -1;
    }
    return failed(d, optima_model_set_logits_width(*out, demo_model_get_config(m)->answers),
                  "optima_model_set_logits_width", optima_model_last_error(*out)) ? -1 : 0;
}

/* One MSE pair per module, each student module against the same teacher module. The
 * projections start from the run's seed so that runs differ only by their seed. */
static int add_pairs(demo_distiller *d, uint64_t seed)
{
    optima_trainer *t = d->trainer;
    for (size_t m = 0; m < DEMO_MODULES; ++m) {
        size_t pair = 0;
        optima_loss *loss = NULL;
        if (failed(d, optima_trainer_add_pair(t, m, m, OPTIMA_LOSS_MSE, &pair),
                   "optima_trainer_add_pair", optima_trainer_last_error(t)) ||
            failed(d, optima_trainer_pair_loss(t, pair, &loss), "optima_trainer_pair_loss",
                   optima_trainer_last_error(t)) ||
            failed(d, optima_loss_init_projections(loss, OPTIMA_INIT_XAVIER, seed * 16u + m),
                   "optima_loss_init_projections", optima_loss_last_error(loss)))
            return -1;
    }
    return 0;
}

static int configure(demo_distiller *d, const demo_distill_settings *s, const demo_distill_choice *c)
{
    optima_trainer *t = d->trainer;
#define SET(call, name) \
    if (failed(d, call, name, optima_trainer_last_error(t))) return -1
    SET(optima_trainer_set_alpha_pred(t, s->alpha_pred), "optima_trainer_set_alpha_pred");
    if (s->alpha_pred > 0.0)
        SET(optima_trainer_set_temperature(t, s->temperature), "optima_trainer_set_temperature");
    /* KD: the pairs exist (a trainer needs one to freeze) but α_layer = 0 makes every pair
     * inactive, so the plan is empty and only the prediction KL is computed. */
    SET(optima_trainer_set_alpha_layer(t, c->layerwise ? s->alpha_layer : 0.0),
        "optima_trainer_set_alpha_layer");
    SET(optima_trainer_set_round_length(t, s->round_length), "optima_trainer_set_round_length");
    SET(optima_trainer_set_optimizer(t, OPTIMA_OPTIMIZER_ADAMW, s->projection_lr),
        "optima_trainer_set_optimizer");
    SET(optima_trainer_set_policy(t, c->policy, c->seed), "optima_trainer_set_policy");
    if (c->round_log != NULL) {
        remove(c->round_log); /* the trainer appends: start each run's log afresh */
        SET(optima_trainer_set_round_log(t, c->round_log, OPTIMA_LOG_FORMAT_CSV),
            "optima_trainer_set_round_log");
    }
    const int32_t source = c->evaluation != NULL ? OPTIMA_REWARD_SOURCE_EVALUATION
                           : c->alignment        ? OPTIMA_REWARD_SOURCE_ALIGNMENT
                                                 : OPTIMA_REWARD_SOURCE_TRAINING;
    SET(optima_trainer_set_reward(t, c->reward_kind, source), "optima_trainer_set_reward");
    if (c->trend_window != 0)
        SET(optima_trainer_set_reward_trend(t, c->trend_window, c->trend_model),
            "optima_trainer_set_reward_trend");
    if (c->parallel != NULL) { /* data-parallel: every rank's trainer sums with the others */
        SET(optima_trainer_set_reduction(t, c->parallel->reduce, c->parallel->user),
            "optima_trainer_set_reduction");
        SET(optima_trainer_set_agreement_interval(t, c->parallel->agreement_interval),
            "optima_trainer_set_agreement_interval");
    }
#undef SET
    if (c->policy != OPTIMA_POLICY_FIXED) return 0;
    /* The single-module arms: arm m plays module m alone. */
    optima_scheduler *sched = NULL;
    if (failed(d, optima_trainer_get_scheduler(t, &sched), "optima_trainer_get_scheduler",
               optima_trainer_last_error(t)) ||
        failed(d, optima_scheduler_set_arm_set(sched, OPTIMA_ARMS_SINGLE_MODULES),
               "optima_scheduler_set_arm_set", optima_scheduler_last_error(sched)) ||
        failed(d, optima_scheduler_set_fixed_arm(sched, c->fixed_module),
               "optima_scheduler_set_fixed_arm", optima_scheduler_last_error(sched)))
        return -1;
    return 0;
}

static void eval_free(eval_batch *e)
{
    if (e == NULL) return;
    demo_model_destroy(e->probe);
    free(e->pixels);
    free(e->tokens);
    free(e->answers);
    free(e);
}

/* The fixed batch, its pixels and tokens laid out once, and a probe model that can take all
 * of it in one forward. */
static int eval_create(demo_distiller *d, const demo_model *student, const demo_distill_eval *src)
{
    eval_batch *e = calloc(1, sizeof *e);
    if (e == NULL || src->count == 0 || src->images == NULL || src->questions == NULL ||
        src->ctx == NULL) {
        free(e);
        snprintf(d->err, sizeof d->err, "evaluation reward: %s",
                 e == NULL ? "out of memory" : "an empty evaluation set");
        return -1;
    }
    d->eval = e;
    e->ctx = src->ctx;
    e->count = src->count;
    e->probe = demo_model_create(demo_model_get_config(student), src->count, 0, d->err,
                                 sizeof d->err);
    e->pixels = malloc(src->count * DEMO_FASHION_PIXELS * sizeof *e->pixels);
    e->tokens = malloc(src->count * VQA_LEN);
    e->answers = malloc(src->count);
    uint32_t *index = malloc(src->count * sizeof *index);
    const int ok = e->probe && e->pixels && e->tokens && e->answers && index;
    if (ok) {
        for (size_t i = 0; i < src->count; ++i) {
            index[i] = (uint32_t)(i / VQA_TYPES);
            memcpy(e->tokens + i * VQA_LEN, src->questions[i].tokens, VQA_LEN);
            e->answers[i] = src->questions[i].answer;
        }
        demo_fashion_pixels(src->images, index, src->count, e->pixels);
    }
    free(index);
    if (!ok && e->probe != NULL) snprintf(d->err, sizeof d->err, "evaluation reward: out of memory");
    return ok ? 0 : -1;
}

/* The student's task loss on the fixed batch, through the probe (the student's own buffers
 * hold the training step's activations, which its backward still needs). */
static double eval_loss(demo_distiller *d)
{
    eval_batch *e = d->eval;
    const double t0 = demo_now();
    const nn_params *from = demo_model_params(d->student_weights);
    nn_params *to = demo_model_params(e->probe);
    for (size_t t = 0; t < from->count; ++t)
        memcpy(to->items[t].value, from->items[t].value, from->items[t].size * sizeof(float));
    const float *logits = demo_model_forward(e->probe, e->ctx, e->pixels, e->tokens, e->count);
    const double loss = nn_softmax_xent(logits, e->answers, e->count,
                                        demo_model_get_config(e->probe)->answers, NULL);
    e->evaluations += 1;
    e->seconds += demo_now() - t0;
    return loss;
}

/* Evaluation reward: evaluate the current weights and hand the loss to the trainer. */
static int submit_evaluation(demo_distiller *d)
{
    return failed(d, optima_trainer_submit_evaluation(d->trainer, eval_loss(d)),
                  "optima_trainer_submit_evaluation", optima_trainer_last_error(d->trainer));
}

demo_distiller *demo_distiller_create(const demo_model *teacher, demo_model *student,
                                      const demo_distill_settings *settings,
                                      const demo_distill_choice *choice, char *err,
                                      size_t errlen)
{
    demo_distiller *d = calloc(1, sizeof *d);
    if (d == NULL) {
        snprintf(err, errlen, "distiller: out of memory");
        return NULL;
    }
    d->student_weights = student;
    d->round_length = settings->round_length;
    d->alignment = choice->alignment;
    int ok = !failed(d, optima_context_create(&d->ctx), "optima_context_create", NULL) &&
             !failed(d, optima_context_set_threads(d->ctx, choice->threads),
                     "optima_context_set_threads", NULL) &&
             describe(d, teacher, "teacher", &d->teacher) == 0 &&
             describe(d, student, "student", &d->student) == 0 &&
             !failed(d, optima_trainer_create(d->ctx, d->teacher, d->student, &d->trainer),
                     "optima_trainer_create", NULL) &&
             add_pairs(d, choice->seed) == 0 && configure(d, settings, choice) == 0 &&
             (choice->evaluation == NULL || eval_create(d, student, choice->evaluation) == 0);
    if (ok) return d;
    snprintf(err, errlen, "distiller: %s", d->err);
    demo_distiller_destroy(d);
    return NULL;
}

void demo_distiller_destroy(demo_distiller *d)
{
    if (d == NULL) return;
    optima_trainer_destroy(d->trainer); /* before the models and context it borrows */
    eval_free(d->eval);
    optima_model_destroy(d->teacher);
    optima_model_destroy(d->student);
    optima_context_destroy(d->ctx);
    free(d);
}

const char *demo_distiller_error(const demo_distiller *d)
{
    return d ? d->err : "";
}

uint32_t demo_distiller_last_mask(const demo_distiller *d)
{
    return d->mask;
}

void demo_distiller_count_rounds(demo_distiller *d, uint64_t rounds_per_mask[1u << DEMO_MODULES])
{
    optima_scheduler *sched = NULL;
    uint64_t rounds = 0;
    if (optima_trainer_progress(d->trainer, NULL, &rounds) != OPTIMA_OK ||
        optima_trainer_get_scheduler(d->trainer, &sched) != OPTIMA_OK)
        return;
    for (uint64_t i = 0; i < rounds; ++i) {
        uint32_t arm = 0, mask = 0;
        if (optima_trainer_round_record(d->trainer, i, NULL, &arm, NULL, NULL) == OPTIMA_OK &&
            optima_scheduler_get_arm_mask(sched, arm, &mask) == OPTIMA_OK)
            rounds_per_mask[mask & ((1u << DEMO_MODULES) - 1u)] += 1;
    }
}

/* dst (rows x cols, packed) += src (a view with its own row stride). */
static void add_view(float *dst, const optima_tensor *src)
{
    for (size_t r = 0; r < src->rows; ++r)
        for (size_t c = 0; c < src->cols; ++c) dst[r * src->cols + c] += src->data[r * src->row_stride + c];
}

/* Hand the trainer exactly the hidden states its plan lists (the active modules only). */
static int give_views(demo_distiller *d, const demo_distill_step *st, const optima_layer_ref *need,
                      size_t count)
{
    optima_trainer *t = d->trainer;
    d->mask = 0;
    for (size_t i = 0; i < count; ++i) {
        const optima_layer_ref *r = &need[i];
        const int student = r->side == OPTIMA_SIDE_STUDENT;
        const optima_tensor *v = student ? &st->student_hidden[r->module][r->layer]
                                         : &st->teacher_hidden[r->module][r->layer];
        if (student) d->mask |= 1u << r->module;
        if (failed(d, optima_trainer_set_hidden(t, (int32_t)r->side, r->module, r->layer, v),
                   "optima_trainer_set_hidden", optima_trainer_last_error(t)))
            return -1;
    }
    int32_t logits = 0;
    if (failed(d, optima_trainer_needs_logits(t, &logits), "optima_trainer_needs_logits", NULL))
        return -1;
    if (!logits) return 0;
    if (failed(d, optima_trainer_set_logits(t, OPTIMA_SIDE_STUDENT, &st->student_logits),
               "optima_trainer_set_logits", optima_trainer_last_error(t)) ||
        failed(d, optima_trainer_set_logits(t, OPTIMA_SIDE_TEACHER, &st->teacher_logits),
               "optima_trainer_set_logits", optima_trainer_last_error(t)))
        return -1;
    return 0;
}

/* Add the trainer's gradients into the loop's buffers (student layers of the plan, then
 * the logits). */
static int take_grads(demo_distiller *d, demo_distill_step *st, const optima_layer_ref *need,
                      size_t count)
{
    optima_trainer *t = d->trainer;
    optima_tensor g;
    for (size_t i = 0; i < count; ++i) {
        if (need[i].side != OPTIMA_SIDE_STUDENT) continue;
        if (failed(d, optima_trainer_student_grad(t, need[i].module, need[i].layer, &g),
                   "optima_trainer_student_grad", optima_trainer_last_error(t)))
            return -1;
        if (g.data != NULL) add_view(st->student_hidden_grad[need[i].module][need[i].layer], &g);
    }
    if (failed(d, optima_trainer_logits_grad(t, &g), "optima_trainer_logits_grad",
               optima_trainer_last_error(t)))
        return -1;
    if (g.data != NULL) add_view(st->student_logits_grad, &g);
    return 0;
}

/* Alignment reward: the task loss's own gradient at every student layer of the plan. */
static int give_task_grads(demo_distiller *d, const demo_distill_step *st,
                           const optima_layer_ref *need, size_t count)
{
    optima_trainer *t = d->trainer;
    for (size_t i = 0; d->alignment && i < count; ++i) {
        if (need[i].side != OPTIMA_SIDE_STUDENT) continue;
        const optima_tensor *g = &st->task_hidden_grad[need[i].module][need[i].layer];
        if (g->data == NULL) {
            snprintf(d->err, sizeof d->err, "the alignment reward needs the loop's task gradients "
                     "(demo_train_config.task_hidden_grads)");
            return -1;
        }
        if (failed(d, optima_trainer_set_task_grad(t, need[i].module, need[i].layer, g),
                   "optima_trainer_set_task_grad", optima_trainer_last_error(t)))
            return -1;
    }
    return 0;
}

/* Evaluation reward: before the first step, the baseline; before a new round's first step,
 * the end of the round deferred by the previous call, now that the host has applied its
 * last update. */
static int settle(demo_distiller *d)
{
    optima_trainer *t = d->trainer;
    uint64_t steps = 0;
    if (d->eval == NULL ||
        failed(d, optima_trainer_progress(t, &steps, NULL), "optima_trainer_progress", NULL))
        return d->eval == NULL ? 0 : -1;
    if (!d->pending && steps > 0) return 0;
    if (submit_evaluation(d)) return -1;
    if (!d->pending) return 0;
    d->pending = 0;
    return failed(d, optima_trainer_end_step(t, d->pending_loss, NULL), "optima_trainer_end_step",
                  optima_trainer_last_error(t)) ? -1 : 0;
}

/* End the step now, or, when it is a round's last under the evaluation reward, after the
 * host's update (settle). */
static int end_or_defer(demo_distiller *d, double task_loss)
{
    optima_trainer *t = d->trainer;
    uint64_t steps = 0;
    if (d->eval != NULL) {
        if (failed(d, optima_trainer_progress(t, &steps, NULL), "optima_trainer_progress", NULL))
            return -1;
        if ((steps + 1) % d->round_length == 0) {
            d->pending = 1;
            d->pending_loss = task_loss;
            return 0;
        }
    }
    return failed(d, optima_trainer_end_step(t, task_loss, NULL), "optima_trainer_end_step",
                  optima_trainer_last_error(t)) ? -1 : 0;
}

int demo_distiller_hook(void *user, demo_distill_step *st)
{
    demo_distiller *d = user;
    optima_trainer *t = d->trainer;
    const optima_layer_ref *need = NULL;
    size_t count = 0;
    double total = 0.0;
    if (settle(d) != 0 ||
        failed(d, optima_trainer_begin_step(t, NULL), "optima_trainer_begin_step",
               optima_trainer_last_error(t)) ||
        failed(d, optima_trainer_plan(t, &need, &count), "optima_trainer_plan", NULL) ||
        give_views(d, st, need, count) != 0 ||
        failed(d, optima_trainer_compute(t, &total), "optima_trainer_compute",
               optima_trainer_last_error(t)) ||
        take_grads(d, st, need, count) != 0 || give_task_grads(d, st, need, count) != 0 ||
        end_or_defer(d, (double)st->task_loss) != 0)
        return 1;
    st->distill_loss = (float)total;
    return 0;
}

int demo_distiller_finish(demo_distiller *d)
{
    return d->pending && settle(d) != 0 ? 1 : 0;
}

void demo_distiller_evaluations(const demo_distiller *d, uint64_t *count, double *seconds)
{
    *count = d->eval ? d->eval->evaluations : 0;
    *seconds = d->eval ? d->eval->seconds : 0.0;
}
