/* The trainer's life: creation, configuration, freezing and destruction. */
#include <math.h>
#include <string.h>

#include "../core/weight.h"
#include "../math/loss_lock.h"
#include "trainer_impl.h"

#define OPT_MAX_ROUND_LENGTH 1000000u
#define OPT_MAX_HISTORY 1048576u
#define OPT_DEFAULT_HISTORY 1024u

optima_status optima_trainer_create(optima_context *ctx, const optima_model *teacher,
                                    const optima_model *student, optima_trainer **out)
{
    static const char fn[] = "optima_trainer_create";
    OPT_CHECK_NOT_NULL(NULL, fn, ctx);
    OPT_CHECK_NOT_NULL(NULL, fn, teacher);
    OPT_CHECK_NOT_NULL(NULL, fn, student);
    OPT_CHECK_NOT_NULL(NULL, fn, out);
    size_t teacher_logits = 0, student_logits = 0;
    OPT_FORWARD_IF_ERROR(optima_model_get_logits_width(teacher, &teacher_logits));
    OPT_FORWARD_IF_ERROR(optima_model_get_logits_width(student, &student_logits));
    OPT_RETURN_ERROR_IF(teacher_logits != student_logits, NULL, OPTIMA_ESHAPE,
                        "%s: arguments 'teacher' and 'student' declare logits of different "
                        "widths (%zu and %zu)", fn, teacher_logits, student_logits);

    optima_trainer *t = opt_calloc(ctx, 1, sizeof *t);
    OPT_RETURN_ERROR_IF(t == NULL, NULL, OPTIMA_ENOMEM, "%s: cannot allocate the trainer", fn);
    t->ctx = ctx;
    t->teacher = teacher;
    t->student = student;
    if (student_logits > 0) {
        const optima_status s = optima_loss_create_prediction(ctx, student, teacher, &t->prediction);
        if (s != OPTIMA_OK) {
            opt_free(ctx, t);
            return opt_fail_inner(NULL, s, fn);
        }
    }
    t->logits_width = student_logits;
    t->alpha_pred = student_logits > 0 ? 1.0 : 0.0;
    t->alpha_layer = 1.0;
    t->round_length = 10;
    t->policy = OPTIMA_POLICY_OPTIMA;
    t->reward_kind = OPTIMA_REWARD_RELATIVE;
    t->reward_source = OPTIMA_REWARD_SOURCE_TRAINING;
    opt_reward_trend_init(&t->reward.trend);
    t->optimizer_kind = OPTIMA_OPTIMIZER_ADAMW;
    opt_optimizer_defaults(&t->optimizer, OPT_OPTIMIZER_ADAMW);
    t->history_capacity = OPT_DEFAULT_HISTORY;
    *out = t;
    return OPTIMA_OK;
}

static void opt_pair_release(const optima_context *ctx, opt_module_pair *p)
{
    for (size_t i = 0; p->optimizer_state != NULL && i < p->layer_pairs; ++i)
        opt_free(ctx, p->optimizer_state[i]);
    opt_free(ctx, p->optimizer_state);
    opt_free(ctx, p->projection_size);
    opt_free(ctx, p->teacher_layer);
    opt_free(ctx, p->student_layer);
    p->optimizer_state = NULL;
    p->projection_size = NULL;
    p->teacher_layer = p->student_layer = NULL;
    p->layer_pairs = 0;
}

/* Everything freezing allocates; used by destroy and by a freeze that fails midway. */
static void opt_trainer_release_frozen(optima_trainer *t)
{
    const optima_context *ctx = t->ctx;
    for (size_t i = 0; i < t->pair_count; ++i) opt_pair_release(ctx, &t->pairs[i]);
    optima_scheduler_destroy(t->scheduler);
    opt_free(ctx, t->plan);
    opt_free(ctx, t->views);
    opt_free(ctx, t->view_given);
    opt_free(ctx, t->grads);
    opt_free(ctx, t->student_args);
    opt_free(ctx, t->teacher_args);
    opt_free(ctx, t->history);
    t->scheduler = NULL;
    t->plan = NULL;
    t->views = t->grads = t->student_args = t->teacher_args = NULL;
    t->view_given = NULL;
    t->history = NULL;
    t->frozen = 0;
}

void optima_trainer_destroy(optima_trainer *t)
{
    if (t == NULL) return;
    opt_trainer_release_frozen(t);
    opt_reduce_release(t);
    for (size_t i = 0; i < t->pair_count; ++i) optima_loss_destroy(t->pairs[i].loss);
    optima_loss_destroy(t->prediction);
    if (t->log != NULL) fclose(t->log);
    opt_free(t->ctx, t->log_path);
    opt_free(t->ctx, t);
}

const char *optima_trainer_last_error(const optima_trainer *t)
{
    return t != NULL ? opt_errslot_message(&t->error) : "";
}

optima_status opt_trainer_require_configuring(optima_trainer *t, const char *fn)
{
    OPT_RETURN_ERROR_IF(t->frozen, &t->error, OPTIMA_ESTATE,
                        "%s: the configuration is frozen (by %s; the first step, "
                        "optima_trainer_get_scheduler and checkpoints freeze it): configure "
                        "before", fn, t->frozen_by);
    return OPTIMA_OK;
}

optima_status opt_trainer_require_full(const optima_trainer *t, const char *fn)
{
    OPT_RETURN_ERROR_IF(t->mode == OPTIMA_TRAINER_MODE_SCHEDULE_ONLY, &t->error, OPTIMA_ESTATE,
                        "%s: the trainer is in schedule-only mode (optima_trainer_set_mode): it "
                        "takes no views and computes no losses; report each active pair's loss "
                        "with optima_trainer_report_pair_loss", fn);
    return OPTIMA_OK;
}

optima_status optima_trainer_set_mode(optima_trainer *t, int32_t mode)
{
    static const char fn[] = "optima_trainer_set_mode";
    OPT_CHECK_TRAINER(fn, t);
    OPT_RETURN_ERROR_IF(mode != OPTIMA_TRAINER_MODE_FULL && mode != OPTIMA_TRAINER_MODE_SCHEDULE_ONLY,
                        &t->error, OPTIMA_EINVAL, "%s: argument 'mode' is %d, not a trainer mode",
                        fn, (int)mode);
    OPT_FORWARD_IF_ERROR(opt_trainer_require_configuring(t, fn));
    t->mode = mode;
    return OPTIMA_OK;
}

optima_status optima_trainer_get_mode(const optima_trainer *t, int32_t *mode)
{
    static const char fn[] = "optima_trainer_get_mode";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, mode);
    *mode = t->mode;
    return OPTIMA_OK;
}

/* ---- freezing --------------------------------------------------------------------------- */

static optima_status opt_pair_freeze(optima_trainer *t, opt_module_pair *p, const char *fn)
{
    const optima_context *ctx = t->ctx;
    OPT_FORWARD_INNER_IF_ERROR(optima_loss_pair_count(p->loss, &p->layer_pairs), &t->error, fn);
    const size_t n = p->layer_pairs;
    p->student_layer = opt_calloc(ctx, n, sizeof(size_t));
    p->teacher_layer = opt_calloc(ctx, n, sizeof(size_t));
    p->projection_size = opt_calloc(ctx, n, sizeof(size_t));
    p->optimizer_state = opt_calloc(ctx, n, sizeof(float *));
    OPT_RETURN_ERROR_IF(p->student_layer == NULL || p->teacher_layer == NULL ||
                            p->projection_size == NULL || p->optimizer_state == NULL,
                        &t->error, OPTIMA_ENOMEM, "%s: cannot allocate the pair tables", fn);
    const size_t per_param = opt_optimizer_state_floats(t->optimizer.kind);
    for (size_t i = 0; i < n; ++i) {
        float *proj = NULL;
        size_t rows = 0, cols = 0;
        OPT_FORWARD_INNER_IF_ERROR(optima_loss_pair(p->loss, i, &p->student_layer[i],
                                                    &p->teacher_layer[i], NULL, NULL),
                                   &t->error, fn);
        OPT_FORWARD_INNER_IF_ERROR(optima_loss_projection(p->loss, i, &proj, &rows, &cols),
                                   &t->error, fn);
        p->projection_size[i] = proj != NULL ? rows * cols : 0;
        /* schedule-only: the projections are never trained, so they get no moments */
        if (p->projection_size[i] == 0 || t->optimizer_kind == OPTIMA_OPTIMIZER_HOST ||
            t->mode == OPTIMA_TRAINER_MODE_SCHEDULE_ONLY)
            continue;
        p->optimizer_state[i] = opt_calloc(ctx, p->projection_size[i] * per_param, sizeof(float));
        OPT_RETURN_ERROR_IF(p->optimizer_state[i] == NULL, &t->error, OPTIMA_ENOMEM,
                            "%s: cannot allocate the optimizer moments", fn);
    }
    return OPTIMA_OK;
}

static optima_status opt_trainer_create_scheduler(optima_trainer *t, const char *fn)
{
    OPT_FORWARD_INNER_IF_ERROR(optima_scheduler_create(t->ctx, (int32_t)t->pair_count, t->policy,
                                                       t->seed, &t->scheduler),
                               &t->error, fn);
    const char *names[OPT_MAX_PAIRS];
    for (size_t i = 0; i < t->pair_count; ++i) {
        names[i] = "";
        opt_ignore_status(optima_model_module_name(t->student, t->pairs[i].student_module, &names[i]));
    }
    OPT_FORWARD_INNER_IF_ERROR(
        optima_scheduler_set_module_names(t->scheduler, names, t->pair_count), &t->error, fn);
    return OPTIMA_OK;
}

static optima_status opt_trainer_allocate_step(optima_trainer *t, const char *fn)
{
    const optima_context *ctx = t->ctx;
    size_t capacity = 0, widest = 0;
    for (size_t i = 0; i < t->pair_count; ++i) {
        capacity += 2 * t->pairs[i].layer_pairs;
        if (t->pairs[i].layer_pairs > widest) widest = t->pairs[i].layer_pairs;
    }
    t->plan_capacity = capacity;
    t->plan = opt_calloc(ctx, capacity, sizeof *t->plan);
    t->views = opt_calloc(ctx, capacity, sizeof *t->views);
    t->view_given = opt_calloc(ctx, capacity, 1);
    t->grads = opt_calloc(ctx, capacity, sizeof *t->grads);
    t->student_args = opt_calloc(ctx, widest, sizeof *t->student_args);
    t->teacher_args = opt_calloc(ctx, widest, sizeof *t->teacher_args);
    t->history = opt_calloc(ctx, t->history_capacity, sizeof *t->history);
    OPT_RETURN_ERROR_IF(t->plan == NULL || t->views == NULL || t->view_given == NULL ||
                            t->grads == NULL || t->student_args == NULL ||
                            t->teacher_args == NULL || t->history == NULL,
                        &t->error, OPTIMA_ENOMEM, "%s: cannot allocate the step buffers", fn);
    return OPTIMA_OK;
}

/* Declaring logits turns the KL on by default (the 1.0 behaviour, kept): say so once, at
 * freezing, unless the host chose α_pred itself. */
static void opt_log_default_kl(const optima_trainer *t)
{
    if (t->prediction == NULL || t->alpha_pred_set) return;
    double temperature = 1.0;
    opt_ignore_status(optima_loss_get_temperature(t->prediction, &temperature));
    opt_log(t->ctx, OPTIMA_LOG_WARN,
            "optima_trainer: both models declare logits (width %zu), so the prediction-layer "
            "KL is on by default with alpha_pred = %g and temperature T = %g; call "
            "optima_trainer_set_alpha_pred (0 turns it off) to choose and silence this",
            t->logits_width, t->alpha_pred, temperature);
}

optima_status opt_trainer_freeze(optima_trainer *t, const char *fn)
{
    if (t->frozen) return OPTIMA_OK;
    OPT_RETURN_ERROR_IF(t->pair_count == 0, &t->error, OPTIMA_ESTATE,
                        "%s: the trainer has no pairs (optima_trainer_add_pair)", fn);
    optima_status s = OPTIMA_OK;
    for (size_t i = 0; i < t->pair_count && s == OPTIMA_OK; ++i)
        s = opt_pair_freeze(t, &t->pairs[i], fn);
    if (s == OPTIMA_OK) s = opt_trainer_create_scheduler(t, fn);
    if (s == OPTIMA_OK) s = opt_trainer_allocate_step(t, fn);
    if (s != OPTIMA_OK) {
        opt_trainer_release_frozen(t);
        return s;
    }
    for (size_t i = 0; i < t->pair_count; ++i) opt_loss_lock(t->pairs[i].loss);
    t->frozen = 1;
    t->frozen_by = fn;
    opt_log_default_kl(t);
    return OPTIMA_OK;
}

/* ---- pairs -------------------------------------------------------------------------------- */

optima_status optima_trainer_add_pair(optima_trainer *t, size_t student_module,
                                      size_t teacher_module, int32_t kind, size_t *pair)
{
    static const char fn[] = "optima_trainer_add_pair";
    OPT_CHECK_TRAINER(fn, t);
    OPT_FORWARD_IF_ERROR(opt_trainer_require_configuring(t, fn));
    OPT_RETURN_ERROR_IF(t->pair_count == OPT_MAX_PAIRS, &t->error, OPTIMA_EINVAL,
                        "%s: the trainer already has %d pairs, the most a scheduler takes", fn,
                        OPT_MAX_PAIRS);
    for (size_t i = 0; i < t->pair_count; ++i)
        OPT_RETURN_ERROR_IF(t->pairs[i].student_module == student_module, &t->error,
                            OPTIMA_EINVAL,
                            "%s: argument 'student_module' %zu is already distilled by pair %zu",
                            fn, student_module, i);
    optima_loss *loss = NULL;
    const optima_status s = optima_loss_create(t->ctx, kind, t->student, student_module,
                                               t->teacher, teacher_module, &loss);
    if (s != OPTIMA_OK) return opt_fail_inner(&t->error, s, fn);
    opt_module_pair *p = &t->pairs[t->pair_count];
    memset(p, 0, sizeof *p);
    p->loss = loss;
    p->student_module = student_module;
    p->teacher_module = teacher_module;
    p->kind = kind;
    p->weight = 1.0;
    if (pair != NULL) *pair = t->pair_count;
    t->pair_count += 1;
    return OPTIMA_OK;
}

optima_status optima_trainer_pair_count(const optima_trainer *t, size_t *count)
{
    static const char fn[] = "optima_trainer_pair_count";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, count);
    *count = t->pair_count;
    return OPTIMA_OK;
}

optima_status opt_trainer_check_pair(const optima_trainer *t, size_t pair, const char *fn)
{
    OPT_RETURN_ERROR_IF(pair >= t->pair_count, &t->error, OPTIMA_ENOTFOUND,
                        "%s: argument 'pair' is %zu, the trainer has %zu pairs", fn, pair,
                        t->pair_count);
    return OPTIMA_OK;
}

optima_status opt_trainer_check_side(const optima_trainer *t, int32_t side, const char *fn)
{
    OPT_RETURN_ERROR_IF(side != OPTIMA_SIDE_STUDENT && side != OPTIMA_SIDE_TEACHER, &t->error,
                        OPTIMA_EINVAL, "%s: argument 'side' is %d, not a side", fn, (int)side);
    return OPTIMA_OK;
}

optima_status optima_trainer_pair_loss(optima_trainer *t, size_t pair, optima_loss **loss)
{
    static const char fn[] = "optima_trainer_pair_loss";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, loss);
    OPT_FORWARD_IF_ERROR(opt_trainer_check_pair(t, pair, fn));
    *loss = t->pairs[pair].loss;
    return OPTIMA_OK;
}

optima_status optima_trainer_set_pair_weight(optima_trainer *t, size_t pair, double weight)
{
    static const char fn[] = "optima_trainer_set_pair_weight";
    OPT_CHECK_TRAINER(fn, t);
    OPT_RETURN_ERROR_IF(!opt_is_weight(weight), &t->error, OPTIMA_EINVAL,
                        "%s: argument 'weight' must be finite and >= 0, got %g", fn, weight);
    OPT_FORWARD_IF_ERROR(opt_trainer_check_pair(t, pair, fn));
    t->pairs[pair].weight = weight;
    return OPTIMA_OK;
}

optima_status optima_trainer_get_pair_weight(const optima_trainer *t, size_t pair, double *weight)
{
    static const char fn[] = "optima_trainer_get_pair_weight";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, weight);
    OPT_FORWARD_IF_ERROR(opt_trainer_check_pair(t, pair, fn));
    *weight = t->pairs[pair].weight;
    return OPTIMA_OK;
}

/* ---- settings ----------------------------------------------------------------------------- */

optima_status optima_trainer_set_alpha_pred(optima_trainer *t, double alpha)
{
    static const char fn[] = "optima_trainer_set_alpha_pred";
    OPT_CHECK_TRAINER(fn, t);
    OPT_RETURN_ERROR_IF(!opt_is_weight(alpha), &t->error, OPTIMA_EINVAL,
                        "%s: argument 'alpha' must be finite and >= 0, got %g", fn, alpha);
    OPT_RETURN_ERROR_IF(alpha > 0.0 && t->prediction == NULL, &t->error, OPTIMA_ESTATE,
                        "%s: argument 'alpha' must be 0: the models declare no logits", fn);
    t->alpha_pred = alpha;
    t->alpha_pred_set = 1;
    return OPTIMA_OK;
}

optima_status optima_trainer_get_alpha_pred(const optima_trainer *t, double *alpha)
{
    static const char fn[] = "optima_trainer_get_alpha_pred";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, alpha);
    *alpha = t->alpha_pred;
    return OPTIMA_OK;
}

optima_status optima_trainer_set_temperature(optima_trainer *t, double temperature)
{
    static const char fn[] = "optima_trainer_set_temperature";
    OPT_CHECK_TRAINER(fn, t);
    OPT_RETURN_ERROR_IF(t->prediction == NULL, &t->error, OPTIMA_ESTATE,
                        "%s: the models declare no logits, so there is no KL", fn);
    OPT_FORWARD_INNER_IF_ERROR(optima_loss_set_temperature(t->prediction, temperature), &t->error,
                               fn);
    return OPTIMA_OK;
}

optima_status optima_trainer_get_temperature(const optima_trainer *t, double *temperature)
{
    static const char fn[] = "optima_trainer_get_temperature";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, temperature);
    /* Without logits there is no KL; its temperature reads as the default. */
    if (t->prediction == NULL) {
        *temperature = 1.0;
        return OPTIMA_OK;
    }
    return optima_loss_get_temperature(t->prediction, temperature);
}

optima_status optima_trainer_set_alpha_layer(optima_trainer *t, double alpha)
{
    static const char fn[] = "optima_trainer_set_alpha_layer";
    OPT_CHECK_TRAINER(fn, t);
    OPT_RETURN_ERROR_IF(!opt_is_weight(alpha), &t->error, OPTIMA_EINVAL,
                        "%s: argument 'alpha' must be finite and >= 0, got %g", fn, alpha);
    t->alpha_layer = alpha;
    return OPTIMA_OK;
}

optima_status optima_trainer_get_alpha_layer(const optima_trainer *t, double *alpha)
{
    static const char fn[] = "optima_trainer_get_alpha_layer";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, alpha);
    *alpha = t->alpha_layer;
    return OPTIMA_OK;
}

optima_status optima_trainer_set_round_length(optima_trainer *t, uint32_t steps)
{
    static const char fn[] = "optima_trainer_set_round_length";
    OPT_CHECK_TRAINER(fn, t);
    OPT_RETURN_ERROR_IF(steps < 1 || steps > OPT_MAX_ROUND_LENGTH, &t->error, OPTIMA_EINVAL,
                        "%s: argument 'steps' must be in [1, %u], got %u", fn,
                        OPT_MAX_ROUND_LENGTH, (unsigned)steps);
    OPT_FORWARD_IF_ERROR(opt_trainer_require_configuring(t, fn));
    t->round_length = steps;
    return OPTIMA_OK;
}

optima_status optima_trainer_get_round_length(const optima_trainer *t, uint32_t *steps)
{
    static const char fn[] = "optima_trainer_get_round_length";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, steps);
    *steps = t->round_length;
    return OPTIMA_OK;
}

optima_status optima_trainer_set_policy(optima_trainer *t, int32_t policy, uint64_t seed)
{
    static const char fn[] = "optima_trainer_set_policy";
    OPT_CHECK_TRAINER(fn, t);
    /* the scheduler's policy table is the one list of policies (GLR_UCB came in 1.1) */
    OPT_RETURN_ERROR_IF(strcmp(optima_scheduler_policy_name(policy), "unknown") == 0, &t->error,
                        OPTIMA_EINVAL, "%s: argument 'policy' is %d, not a known policy", fn,
                        (int)policy);
    OPT_FORWARD_IF_ERROR(opt_trainer_require_configuring(t, fn));
    t->policy = policy;
    t->seed = seed;
    return OPTIMA_OK;
}

optima_status optima_trainer_get_policy(const optima_trainer *t, int32_t *policy, uint64_t *seed)
{
    static const char fn[] = "optima_trainer_get_policy";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, policy);
    OPT_CHECK_NOT_NULL(&t->error, fn, seed);
    *policy = t->policy;
    *seed = t->seed;
    return OPTIMA_OK;
}

optima_status optima_trainer_get_scheduler(optima_trainer *t, optima_scheduler **scheduler)
{
    static const char fn[] = "optima_trainer_get_scheduler";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, scheduler);
    OPT_FORWARD_IF_ERROR(opt_trainer_freeze(t, fn));
    *scheduler = t->scheduler;
    return OPTIMA_OK;
}

optima_status optima_trainer_set_reward(optima_trainer *t, int32_t kind, int32_t source)
{
    static const char fn[] = "optima_trainer_set_reward";
    OPT_CHECK_TRAINER(fn, t);
    OPT_RETURN_ERROR_IF(kind != OPTIMA_REWARD_RELATIVE && kind != OPTIMA_REWARD_ABSOLUTE &&
                            kind != OPTIMA_REWARD_DETRENDED,
                        &t->error, OPTIMA_EINVAL, "%s: argument 'kind' is %d, not a reward kind",
                        fn, (int)kind);
    OPT_RETURN_ERROR_IF(source != OPTIMA_REWARD_SOURCE_TRAINING &&
                            source != OPTIMA_REWARD_SOURCE_EVALUATION &&
                            source != OPTIMA_REWARD_SOURCE_ALIGNMENT,
                        &t->error, OPTIMA_EINVAL,
                        "%s: argument 'source' is %d, not a reward source", fn, (int)source);
    OPT_FORWARD_IF_ERROR(opt_trainer_require_configuring(t, fn));
    t->reward_kind = kind;
    t->reward_source = source;
    return OPTIMA_OK;
}

optima_status optima_trainer_get_reward(const optima_trainer *t, int32_t *kind, int32_t *source)
{
    static const char fn[] = "optima_trainer_get_reward";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, kind);
    OPT_CHECK_NOT_NULL(&t->error, fn, source);
    *kind = t->reward_kind;
    *source = t->reward_source;
    return OPTIMA_OK;
}

optima_status optima_trainer_set_optimizer(optima_trainer *t, int32_t kind, double learning_rate)
{
    static const char fn[] = "optima_trainer_set_optimizer";
    OPT_CHECK_TRAINER(fn, t);
    OPT_RETURN_ERROR_IF(kind < OPTIMA_OPTIMIZER_SGD || kind > OPTIMA_OPTIMIZER_HOST, &t->error,
                        OPTIMA_EINVAL, "%s: argument 'kind' is %d, not an optimizer", fn,
                        (int)kind);
    OPT_RETURN_ERROR_IF(kind != OPTIMA_OPTIMIZER_HOST &&
                            !(isfinite(learning_rate) && learning_rate > 0.0 && learning_rate < 1e6),
                        &t->error, OPTIMA_EINVAL,
                        "%s: argument 'learning_rate' must be finite and in (0, 1e6), got %g", fn,
                        learning_rate);
    OPT_FORWARD_IF_ERROR(opt_trainer_require_configuring(t, fn));
    t->optimizer_kind = kind;
    if (kind != OPTIMA_OPTIMIZER_HOST) {
        t->optimizer.kind = kind;
        t->optimizer.learning_rate = (float)learning_rate;
    }
    return OPTIMA_OK;
}

optima_status optima_trainer_get_optimizer(const optima_trainer *t, int32_t *kind,
                                           double *learning_rate)
{
    static const char fn[] = "optima_trainer_get_optimizer";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, kind);
    OPT_CHECK_NOT_NULL(&t->error, fn, learning_rate);
    *kind = t->optimizer_kind;
    *learning_rate = t->optimizer.learning_rate;
    return OPTIMA_OK;
}

static int opt_is_unit_fraction(double x)
{
    return isfinite(x) && x >= 0.0 && x < 1.0;
}

optima_status optima_trainer_set_optimizer_params(optima_trainer *t, double momentum,
                                                  double beta1, double beta2,
                                                  double weight_decay)
{
    static const char fn[] = "optima_trainer_set_optimizer_params";
    OPT_CHECK_TRAINER(fn, t);
    OPT_RETURN_ERROR_IF(!opt_is_unit_fraction(momentum), &t->error, OPTIMA_EINVAL,
                        "%s: argument 'momentum' must be in [0, 1), got %g", fn, momentum);
    OPT_RETURN_ERROR_IF(!opt_is_unit_fraction(beta1), &t->error, OPTIMA_EINVAL,
                        "%s: argument 'beta1' must be in [0, 1), got %g", fn, beta1);
    OPT_RETURN_ERROR_IF(!opt_is_unit_fraction(beta2), &t->error, OPTIMA_EINVAL,
                        "%s: argument 'beta2' must be in [0, 1), got %g", fn, beta2);
    OPT_RETURN_ERROR_IF(!opt_is_weight(weight_decay), &t->error, OPTIMA_EINVAL,
                        "%s: argument 'weight_decay' must be finite and >= 0, got %g", fn,
                        weight_decay);
    OPT_FORWARD_IF_ERROR(opt_trainer_require_configuring(t, fn));
    t->optimizer.momentum = (float)momentum;
    t->optimizer.beta1 = (float)beta1;
    t->optimizer.beta2 = (float)beta2;
    t->optimizer.weight_decay = (float)weight_decay;
    return OPTIMA_OK;
}

optima_status optima_trainer_get_optimizer_params(const optima_trainer *t, double *momentum,
                                                  double *beta1, double *beta2,
                                                  double *weight_decay)
{
    static const char fn[] = "optima_trainer_get_optimizer_params";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, momentum);
    OPT_CHECK_NOT_NULL(&t->error, fn, beta1);
    OPT_CHECK_NOT_NULL(&t->error, fn, beta2);
    OPT_CHECK_NOT_NULL(&t->error, fn, weight_decay);
    *momentum = t->optimizer.momentum;
    *beta1 = t->optimizer.beta1;
    *beta2 = t->optimizer.beta2;
    *weight_decay = t->optimizer.weight_decay;
    return OPTIMA_OK;
}

optima_status optima_trainer_set_projection_callback(optima_trainer *t, optima_projection_fn fn_,
                                                     void *user)
{
    OPT_CHECK_TRAINER("optima_trainer_set_projection_callback", t);
    t->projection_fn = fn_;
    t->projection_user = user;
    return OPTIMA_OK;
}

optima_status optima_trainer_get_projection_callback(const optima_trainer *t,
                                                     optima_projection_fn *fn_, void **user)
{
    static const char fn[] = "optima_trainer_get_projection_callback";
    OPT_CHECK_TRAINER(fn, t);
    OPT_RETURN_ERROR_IF(fn_ == NULL, &t->error, OPTIMA_EINVAL, "%s: argument 'fn' is NULL", fn);
    OPT_CHECK_NOT_NULL(&t->error, fn, user);
    *fn_ = t->projection_fn;
    *user = t->projection_user;
    return OPTIMA_OK;
}

optima_status optima_trainer_set_history(optima_trainer *t, uint32_t rounds)
{
    static const char fn[] = "optima_trainer_set_history";
    OPT_CHECK_TRAINER(fn, t);
    OPT_RETURN_ERROR_IF(rounds < 1 || rounds > OPT_MAX_HISTORY, &t->error, OPTIMA_EINVAL,
                        "%s: argument 'rounds' must be in [1, %u], got %u", fn, OPT_MAX_HISTORY,
                        (unsigned)rounds);
    OPT_FORWARD_IF_ERROR(opt_trainer_require_configuring(t, fn));
    t->history_capacity = rounds;
    return OPTIMA_OK;
}

optima_status optima_trainer_get_history(const optima_trainer *t, uint32_t *rounds)
{
    static const char fn[] = "optima_trainer_get_history";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, rounds);
    *rounds = t->history_capacity;
    return OPTIMA_OK;
}

optima_status optima_trainer_set_round_log(optima_trainer *t, const char *path, int32_t format)
{
    static const char fn[] = "optima_trainer_set_round_log";
    OPT_CHECK_TRAINER(fn, t);
    OPT_RETURN_ERROR_IF(format != OPTIMA_LOG_FORMAT_CSV && format != OPTIMA_LOG_FORMAT_JSONL,
                        &t->error, OPTIMA_EINVAL, "%s: argument 'format' is %d, not a log format",
                        fn, (int)format);
    FILE *log = NULL;
    char *copy = NULL;
    if (path != NULL) {
        log = fopen(path, "a");
        OPT_RETURN_ERROR_IF(log == NULL, &t->error, OPTIMA_EIO,
                            "%s: cannot open argument 'path' ('%s') for appending", fn, path);
        const size_t bytes = strlen(path) + 1;
        copy = opt_alloc(t->ctx, bytes);
        if (copy == NULL) {
            fclose(log);
            return opt_fail(&t->error, OPTIMA_ENOMEM, "%s: cannot allocate a copy of the path",
                            fn);
        }
        memcpy(copy, path, bytes);
    }
    if (t->log != NULL) fclose(t->log);
    opt_free(t->ctx, t->log_path);
    t->log = log;
    t->log_path = copy;
    t->log_format = format;
    /* A CSV header goes first, unless the file already has lines. */
    t->log_header_due = log != NULL && format == OPTIMA_LOG_FORMAT_CSV && ftell(log) == 0;
    return OPTIMA_OK;
}

optima_status optima_trainer_get_round_log(const optima_trainer *t, const char **path,
                                           int32_t *format)
{
    static const char fn[] = "optima_trainer_get_round_log";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, path);
    OPT_CHECK_NOT_NULL(&t->error, fn, format);
    *path = t->log_path;
    *format = t->log_format;
    return OPTIMA_OK;
}
