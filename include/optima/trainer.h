/**
 * @file trainer.h
 * @brief The trainer: rounds of distillation steps, rewards, the scheduler's choices and
 *        checkpoints, driven step by step by the host or by callbacks.
 *
 * A trainer ties a teacher model, a student model, one layerwise loss per distilled
 * student module (a *pair*), the prediction-layer KL and a scheduler together. The host
 * keeps its models, data and optimizer; the trainer says which hidden states it needs,
 * computes the distillation losses and their gradients, trains the projections, and at
 * every round's end turns the decrease of the reference loss into the scheduler's reward.
 *
 * The objective the host minimises at each step is
 * `L = L_task + α_pred · KL + α_layer · (1/|A|) Σ_{m ∈ A} w_m · D_m`, where A is the set of
 * pairs the current arm activates (pairs with w_m = 0 count as inactive), D_m is the
 * pair's loss (the mean over its layer pairs, optima_loss_compute() with weight 1) and
 * w_m the pair's weight.
 *
 * **Life of a trainer.** Configure it (pairs, settings), then train. The first call that
 * needs the scheduler (optima_trainer_begin_step(), optima_trainer_run(),
 * optima_trainer_get_scheduler(), a checkpoint) *freezes* the configuration: the
 * scheduler is created over the pairs (one scheduler module per pair, in pair order) and
 * every buffer of a step is allocated; setters marked "before freezing" then return
 * `OPTIMA_ESTATE`, their message naming the call that froze it (reading the scheduler
 * freezes too: configure first).
 *
 * **Step API** (the host keeps its loop):
 * 1. optima_trainer_begin_step() → the arm; optima_trainer_plan() → the hidden states
 *    needed (only the active pairs' layers);
 * 2. optima_trainer_set_hidden() for each, optima_trainer_set_logits() for both models
 *    when α_pred > 0;
 * 3. optima_trainer_compute() → the loss breakdown; optima_trainer_student_grad() and
 *    optima_trainer_logits_grad() give the gradients to add to the host's backward pass;
 * 4. the host backpropagates and steps its own optimizer;
 * 5. optima_trainer_end_step() with the task loss → projection update, round bookkeeping,
 *    and at a round's end the reward and the scheduler's update.
 *
 * Since 1.1 each pair has its own row count (token-level text beside pooled image
 * states) and may get a row mask (optima_trainer_set_row_mask(),
 * optima_trainer_set_logits_mask()); and a host that computes the losses itself (on a
 * GPU) uses ::OPTIMA_TRAINER_MODE_SCHEDULE_ONLY: steps 2–4 become reports of the losses'
 * values (optima_trainer_report_pair_loss()), and the trainer only schedules.
 *
 * **Reward.** The reference loss of a step is `L_task + α_pred · KL` (or, with
 * ::OPTIMA_REWARD_SOURCE_EVALUATION, the host's evaluation loss). L̄_t is its mean over
 * round t. The reward of round t is
 * `(L̄_{t−1} − L̄_t) / max(|L̄_{t−1}|, OPTIMA_REWARD_MIN_DENOMINATOR)` (relative, the
 * default) or `L̄_{t−1} − L̄_t` (absolute), clipped to
 * ±::OPTIMA_SCHEDULER_MAX_ABS_REWARD: every finite loss gives a reward the scheduler takes,
 * so no finite loss can keep a round from ending. For the first round, L̄_0 is the
 * reference loss of the first step (training source) or the evaluation submitted before
 * the first step begins (evaluation source).
 * Since 1.1, ::OPTIMA_REWARD_DETRENDED subtracts the common trend of the last rounds'
 * rewards (optima_trainer_set_reward_trend()), and ::OPTIMA_REWARD_SOURCE_ALIGNMENT rewards
 * the cosine between the layerwise gradients and the task loss's gradients that the host
 * hands in (optima_trainer_set_task_grad()).
 *
 * **Data-parallel training** can plug in later: the only values that would need a
 * reduction across processes are the task loss given to optima_trainer_end_step(), the
 * views' losses and the projection gradients; the arm choice depends only on the seed
 * and the rewards, so it is identical across processes that see the same rewards.
 *
 * **Thread safety.** One trainer must not be used from two threads at once; distinct
 * trainers may. Callbacks run on the thread that called optima_trainer_run() and must not
 * call functions of the same trainer: everything a callback needs comes in its arguments.
 */
#ifndef OPTIMA_TRAINER_H
#define OPTIMA_TRAINER_H

#include "common.h"
#include "context.h"
#include "io.h"
#include "loss.h"
#include "model.h"
#include "scheduler.h"
#include "status.h"
#include "tensor.h"

OPTIMA_EXTERN_C_BEGIN

/**
 * @brief The floor on the relative reward's denominator: the reward of round t is
 *        `(L̄_{t−1} − L̄_t) / max(|L̄_{t−1}|, OPTIMA_REWARD_MIN_DENOMINATOR)`.
 *
 * A previous mean reference loss below a millionth in magnitude (0 included) counts as a
 * millionth, so a near-zero loss followed by an ordinary one gives a large but finite
 * reward instead of one no scheduler can take.
 */
#define OPTIMA_REWARD_MIN_DENOMINATOR 1e-6

/**
 * @brief The largest magnitude of a step's reference loss (`L_task + α_pred · KL`) that
 *        optima_trainer_end_step() accepts, so that the sum over the longest round
 *        (10⁶ steps) stays finite.
 */
#define OPTIMA_TRAINER_MAX_ABS_REFERENCE 1e300

/** @brief Opaque trainer handle. */
typedef struct optima_trainer optima_trainer;

/** @brief Which model a hidden state or logits view belongs to. */
enum optima_side {
    OPTIMA_SIDE_STUDENT = 0, /**< The student being trained. */
    OPTIMA_SIDE_TEACHER = 1  /**< The frozen teacher. */
};

/** @brief How a round's reward is computed from the reference loss. */
enum optima_reward_kind {
    OPTIMA_REWARD_RELATIVE = 0, /**< (L̄_{t−1} − L̄_t) / |L̄_{t−1}| (default). */
    OPTIMA_REWARD_ABSOLUTE = 1, /**< L̄_{t−1} − L̄_t. */
    /**
     * The base reward minus what the common trend predicts for this round (since 1.1):
     * the base is the relative decrement (or, with ::OPTIMA_REWARD_SOURCE_ALIGNMENT, the
     * round's mean alignment), the trend is estimated from the base rewards of the last
     * rounds, whatever arm played them (optima_trainer_set_reward_trend()). The first
     * round's reward is 0.
     */
    OPTIMA_REWARD_DETRENDED = 2
};

/** @brief How ::OPTIMA_REWARD_DETRENDED predicts a round's base reward (since 1.1). */
enum optima_reward_trend {
    /** The mean of the last W rounds' base rewards (default). */
    OPTIMA_REWARD_TREND_MEAN = 0,
    /**
     * The least-squares line through the last W rounds' base rewards against the round
     * index, one round ahead; the mean while fewer than 3 rounds are kept.
     */
    OPTIMA_REWARD_TREND_LINEAR = 1
};

/** @brief Where a round's reference loss comes from. */
enum optima_reward_source {
    OPTIMA_REWARD_SOURCE_TRAINING = 0,  /**< Task loss + α_pred·KL of the round's steps (default). */
    OPTIMA_REWARD_SOURCE_EVALUATION = 1, /**< The host's evaluation loss at the round's end. */
    /**
     * The alignment of the layerwise gradients with the task loss's (since 1.1): the mean
     * over the round's steps of the mean over active pairs of the cosine between the task
     * gradients the host hands with optima_trainer_set_task_grad() (or, in
     * optima_trainer_run(), through the `task_grad` callback) and the layerwise gradients
     * at the pair's student layers. With ::OPTIMA_REWARD_RELATIVE or
     * ::OPTIMA_REWARD_ABSOLUTE the reward is that mean itself, in [−1, 1].
     */
    OPTIMA_REWARD_SOURCE_ALIGNMENT = 2
};

/**
 * @brief What the trainer computes (since 1.1; optima_trainer_set_mode()).
 */
enum optima_trainer_mode {
    /** The trainer takes views, computes the losses and gradients, trains projections (default). */
    OPTIMA_TRAINER_MODE_FULL = 0,
    /**
     * The host computes the losses (on any device) and reports their values with
     * optima_trainer_report_pair_loss() and optima_trainer_report_kl(); the trainer
     * schedules: arms, rewards, round records, logs and checkpoints, as in full mode.
     */
    OPTIMA_TRAINER_MODE_SCHEDULE_ONLY = 1
};

/** @brief The optimizer that trains the projections. */
enum optima_optimizer_kind {
    OPTIMA_OPTIMIZER_SGD = 0,   /**< SGD with momentum: buf = μ·buf + g + λ·p; p −= lr·buf. */
    OPTIMA_OPTIMIZER_ADAMW = 1, /**< AdamW with bias correction and decoupled decay (default). */
    OPTIMA_OPTIMIZER_HOST = 2   /**< The host's callback set with optima_trainer_set_projection_callback(). */
};

/** @brief Format of the round log file. */
enum optima_log_format {
    OPTIMA_LOG_FORMAT_CSV = 0,  /**< One header line, then one comma-separated line per round. */
    OPTIMA_LOG_FORMAT_JSONL = 1 /**< One JSON object per round and line, with per-arm statistics. */
};

/**
 * @brief One hidden state the current step needs: which model, module and layer, and its
 *        width. Frozen layout (16 bytes).
 */
typedef struct optima_layer_ref {
    uint32_t side;   /**< One of ::optima_side. */
    uint32_t module; /**< Module index in that model. */
    uint32_t layer;  /**< Layer index in that module. */
    uint32_t width;  /**< The layer's hidden width: the view's `cols`. */
} optima_layer_ref;

/** @cond OPTIMA_INTERNAL */
OPTIMA_STATIC_ASSERT(sizeof(optima_layer_ref) == 16, "optima_layer_ref layout is frozen");
OPTIMA_STATIC_ASSERT(offsetof(optima_layer_ref, width) == 12, "optima_layer_ref layout is frozen");
/** @endcond */

/**
 * @brief The host's projection optimizer (::OPTIMA_OPTIMIZER_HOST): update @p param in place
 *        from @p grad.
 * @param user the user data given to optima_trainer_set_projection_callback().
 * @param pair the trainer pair the projection belongs to.
 * @param layer_pair the layer pair inside that pair's loss.
 * @param param the ds × dt projection (row stride dt), owned by the library.
 * @param grad its gradient, already scaled into the objective.
 * @param rows ds.
 * @param cols dt.
 * @return 0 to go on; non-zero stops optima_trainer_end_step() with `OPTIMA_ECALLBACK`.
 */
typedef int (*optima_projection_fn)(void *user, uint32_t pair, uint32_t layer_pair, float *param,
                                    const float *grad, size_t rows, size_t cols);

/**
 * @brief The host's callbacks for optima_trainer_run().
 *
 * Frozen, size-prefixed table: set `struct_size` to `sizeof(optima_callbacks)`; members
 * past the caller's size are never read and count as NULL, so later versions only
 * append. Every callback receives the `user` pointer given to optima_trainer_run() first
 * and returns 0 to go on or non-zero to stop the run with `OPTIMA_ECALLBACK` (the value is
 * kept: optima_trainer_callback_code()). Callbacks must not call functions of the trainer.
 */
typedef struct optima_callbacks {
    uint32_t struct_size; /**< `sizeof(optima_callbacks)`. */
    uint32_t reserved;    /**< Must be 0. */
    /**
     * Required. Prepare the batch of step @p step (0-based, counted over the trainer's
     * life).
     */
    int (*next_batch)(void *user, uint64_t step);
    /**
     * Required. Run the forward passes and fill @p hidden[i] with a view of the hidden
     * state that @p needed[i] names, for i < @p count; fill @p student_logits and
     * @p teacher_logits when @p want_logits is non-zero. Views must stay valid until
     * the backward callback returns.
     */
    int (*forward)(void *user, uint64_t step, const optima_layer_ref *needed, size_t count,
                   optima_tensor *hidden, int32_t want_logits, optima_tensor *student_logits,
                   optima_tensor *teacher_logits);
    /**
     * Required. Backpropagate: @p grads[i] is the gradient of the distillation terms wrt
     * the student hidden state @p needed[i] (teacher entries get an empty view), and
     * @p logits_grad wrt the student logits (empty when α_pred = 0); add them to the task
     * gradient. Store the task loss in @p task_loss.
     */
    int (*backward)(void *user, uint64_t step, const optima_layer_ref *needed,
                    const optima_tensor *grads, size_t count, const optima_tensor *logits_grad,
                    double *task_loss);
    /** Optional. Step the host's optimizer over the student's weights. */
    int (*optimizer_step)(void *user, uint64_t step);
    /**
     * Optional, required with ::OPTIMA_REWARD_SOURCE_EVALUATION. Store the host's
     * evaluation loss in @p loss. Called before the first step and at every round's end.
     */
    int (*evaluate)(void *user, uint64_t step, double *loss);
    /**
     * Optional. A round has ended; its record is @p round (read it later with
     * optima_trainer_round_record(), outside the callback). @p arm is the arm it played,
     * @p reward its reward.
     */
    int (*round_end)(void *user, uint64_t round, uint32_t arm, double reward);
    /**
     * Optional since 1.1; required with ::OPTIMA_REWARD_SOURCE_ALIGNMENT (the run loop
     * refuses that source without it). Called after backward returned and before the
     * optimizer step: fill @p task_grads[i] with a view of the task loss's gradient wrt the
     * student hidden state @p needed[i] (the list backward received; leave teacher entries
     * empty: they are not read), of that hidden state's shape. The trainer hands each to
     * optima_trainer_set_task_grad() with its checks once the callback has returned, so a
     * bad view stops the run with that function's status; views must stay valid until the
     * run's next callback is called. Tables of 1.0's size end before this member, which
     * then counts as NULL.
     */
    int (*task_grad)(void *user, uint64_t step, const optima_layer_ref *needed, size_t count,
                     optima_tensor *task_grads);
} optima_callbacks;

/** @cond OPTIMA_INTERNAL */
OPTIMA_STATIC_ASSERT(offsetof(optima_callbacks, next_batch) == 8, "optima_callbacks layout is frozen");
OPTIMA_STATIC_ASSERT(offsetof(optima_callbacks, round_end) == 8 + 5 * sizeof(void *),
                     "optima_callbacks layout is frozen");
OPTIMA_STATIC_ASSERT(offsetof(optima_callbacks, task_grad) == 8 + 6 * sizeof(void *),
                     "optima_callbacks members are only appended");
OPTIMA_STATIC_ASSERT(sizeof(optima_callbacks) == 8 + 7 * sizeof(void *),
                     "optima_callbacks layout is frozen");
/** @endcond */

/* ---- creation and configuration ------------------------------------------------------- */

/**
 * @brief Create a trainer for distilling @p teacher into @p student.
 *
 * Defaults: no pairs; **α_pred 1 and temperature 1 when both models declare the same
 * logits width** (else α_pred 0: no prediction loss) — declaring logits turns the KL on;
 * since 1.1 freezing logs an ::OPTIMA_LOG_WARN message saying so unless
 * optima_trainer_set_alpha_pred() was called; α_layer 1; round length 10 steps; policy
 * ::OPTIMA_POLICY_OPTIMA with seed 0; relative reward from the training loss; AdamW
 * (learning rate 1e-3, betas 0.9/0.999, ε 1e-8, weight decay 0.01); history of the last
 * 1024 rounds; no round log.
 *
 * @param ctx the context; borrowed: it must outlive the trainer.
 * @param teacher the teacher; borrowed: it must outlive the trainer and not change.
 * @param student the student; borrowed: it must outlive the trainer and not change.
 * @param[out] out receives the trainer; untouched on failure.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ESHAPE` when both
 *         models declare logits of different widths; `OPTIMA_ENOMEM`.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_create(optima_context *ctx,
                                                                const optima_model *teacher,
                                                                const optima_model *student,
                                                                optima_trainer **out);

/**
 * @brief Destroy a trainer and everything it owns (losses, scheduler, buffers); closes the
 *        round log.
 * @param trainer the trainer, or NULL (then nothing happens).
 */
OPTIMA_API void optima_trainer_destroy(optima_trainer *trainer);

/**
 * @brief The message of the last call that failed on this trainer.
 * @param trainer the trainer, or NULL.
 * @return a NUL-terminated string owned by the trainer; `""` if none failed or @p trainer
 *         is NULL. Never NULL.
 */
OPTIMA_API const char *optima_trainer_last_error(const optima_trainer *trainer);

/**
 * @brief Distil student module @p student_module from teacher module @p teacher_module
 *        with a layerwise loss of kind @p kind. Before freezing.
 *
 * Pairs are numbered in the order they are added; they are the scheduler's modules, and
 * the arms' names are built from the student modules' names. Each student module may be
 * paired once.
 * @param trainer the trainer.
 * @param student_module a student module index.
 * @param teacher_module a teacher module index.
 * @param kind ::OPTIMA_LOSS_MSE or ::OPTIMA_LOSS_COSINE.
 * @param[out] pair receives the pair index; may be NULL.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer, a module already paired, or
 *         more than ::OPTIMA_SCHEDULER_MAX_MODULES pairs; the errors of
 *         optima_loss_create(); `OPTIMA_ESTATE` after freezing.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_add_pair(optima_trainer *trainer,
                                                                  size_t student_module,
                                                                  size_t teacher_module,
                                                                  int32_t kind, size_t *pair);

/**
 * @brief Number of pairs added.
 * @param trainer the trainer.
 * @param[out] count receives the count.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_pair_count(const optima_trainer *trainer,
                                                                    size_t *count);

/**
 * @brief The layerwise loss of pair @p pair, to choose its mapping, layer weights and
 *        projection initialisation (optima_loss_set_mapping() and friends) before
 *        freezing.
 *
 * The trainer owns the loss and sets its weight before every compute (to
 * α_layer · w_m / |A|): use optima_trainer_set_pair_weight() instead of
 * optima_loss_set_weight(). Once the configuration is frozen the loss is locked:
 * optima_loss_set_mapping(), optima_loss_set_projection_mode() and
 * optima_loss_init_projections() return `OPTIMA_ESTATE` (layer weights may still change).
 * @param trainer the trainer.
 * @param pair a pair index.
 * @param[out] loss receives the loss, owned by the trainer.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ENOTFOUND` for a pair
 *         out of range.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_pair_loss(optima_trainer *trainer,
                                                                   size_t pair,
                                                                   optima_loss **loss);

/**
 * @brief Set the weight w_m of pair @p pair in the layer term. Default 1; 0 makes the
 *        pair inactive whatever the arm.
 * @param trainer the trainer.
 * @param pair a pair index.
 * @param weight finite, ≥ 0.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer or a weight out of range;
 *         `OPTIMA_ENOTFOUND` for a pair out of range.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_pair_weight(optima_trainer *trainer,
                                                                         size_t pair,
                                                                         double weight);

/**
 * @brief Read the weight w_m of pair @p pair (since 1.1). Before and after freezing.
 * @param trainer the trainer.
 * @param pair a pair index.
 * @param[out] weight receives w_m, as set with optima_trainer_set_pair_weight() (default 1).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ENOTFOUND` for a pair
 *         out of range.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_pair_weight(
    const optima_trainer *trainer, size_t pair, double *weight);

/**
 * @brief Set α_pred, the weight of the prediction-layer KL. Default 1 when both models
 *        declare logits, else 0.
 * @param trainer the trainer.
 * @param alpha finite, ≥ 0; > 0 needs both models to declare the same logits width.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer or a value out of range;
 *         `OPTIMA_ESTATE` for a positive value without logits.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_alpha_pred(optima_trainer *trainer,
                                                                        double alpha);

/**
 * @brief Read α_pred.
 * @param trainer the trainer.
 * @param[out] alpha receives α_pred.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_alpha_pred(
    const optima_trainer *trainer, double *alpha);

/**
 * @brief Set the KL temperature T. Default 1.
 * @param trainer the trainer.
 * @param temperature as optima_loss_set_temperature() accepts.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer or a value out of range;
 *         `OPTIMA_ESTATE` when the models declare no logits.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_temperature(optima_trainer *trainer,
                                                                         double temperature);

/**
 * @brief Read the KL temperature T (since 1.1). Before and after freezing.
 * @param trainer the trainer.
 * @param[out] temperature receives T (default 1; 1 when the models declare no logits).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_temperature(
    const optima_trainer *trainer, double *temperature);

/**
 * @brief Set α_layer, the weight of the layer term. Default 1.
 * @param trainer the trainer.
 * @param alpha finite, ≥ 0.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer or a value out of range.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_alpha_layer(optima_trainer *trainer,
                                                                         double alpha);

/**
 * @brief Read α_layer.
 * @param trainer the trainer.
 * @param[out] alpha receives α_layer.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_alpha_layer(
    const optima_trainer *trainer, double *alpha);

/**
 * @brief Set the round length R in steps. Default 10. Before freezing.
 * @param trainer the trainer.
 * @param steps 1 to 1000000.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer or a length out of range;
 *         `OPTIMA_ESTATE` after freezing.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_round_length(optima_trainer *trainer,
                                                                          uint32_t steps);

/**
 * @brief Read the round length.
 * @param trainer the trainer.
 * @param[out] steps receives R.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_round_length(
    const optima_trainer *trainer, uint32_t *steps);

/**
 * @brief Choose the scheduler's policy and seed. Default ::OPTIMA_POLICY_OPTIMA, seed 0.
 *        Before freezing; tune the policy's hyperparameters afterwards through
 *        optima_trainer_get_scheduler().
 * @param trainer the trainer.
 * @param policy one of ::optima_policy.
 * @param seed the scheduler's seed.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer or an unknown policy;
 *         `OPTIMA_ESTATE` after freezing.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_policy(optima_trainer *trainer,
                                                                    int32_t policy,
                                                                    uint64_t seed);

/**
 * @brief Read the scheduler's policy and seed as set with optima_trainer_set_policy()
 *        (since 1.1). Before and after freezing.
 * @param trainer the trainer.
 * @param[out] policy receives one of ::optima_policy.
 * @param[out] seed receives the seed.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_policy(const optima_trainer *trainer,
                                                                    int32_t *policy,
                                                                    uint64_t *seed);

/**
 * @brief The trainer's scheduler, to set its arm set and hyperparameters (before the
 *        first step) or read its statistics. Freezes the configuration: call it after the
 *        trainer's own setters (those marked "before freezing" then refuse, naming this
 *        call).
 * @param trainer the trainer.
 * @param[out] scheduler receives the scheduler, owned by the trainer.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ESTATE` when there
 *         are no pairs; `OPTIMA_ENOMEM`.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_scheduler(optima_trainer *trainer,
                                                                       optima_scheduler **scheduler);

/**
 * @brief Choose what the trainer computes (since 1.1). Default ::OPTIMA_TRAINER_MODE_FULL.
 *        Before freezing.
 *
 * In ::OPTIMA_TRAINER_MODE_SCHEDULE_ONLY, for hosts whose tensors live on a GPU, the
 * trainer takes no views, computes no loss and trains no projection (its pairs' losses
 * only give the plan its layers; their projections stay as initialised and get no
 * optimizer moments). A step is: optima_trainer_begin_step(); optima_trainer_plan() (the
 * active pairs' layers, so the host knows what to compute); the host computes each active
 * pair's loss D_m and, when α_pred > 0, the KL, and reports them
 * (optima_trainer_report_pair_loss(), optima_trainer_report_kl()); then
 * optima_trainer_end_step(task loss) does the rewards, round records, logs and
 * checkpoints exactly as in full mode: fed the same values, both modes give the same
 * arms, rewards and round records, bit for bit. optima_trainer_set_hidden(),
 * optima_trainer_set_logits(), the masks, optima_trainer_compute(), the gradient getters,
 * optima_trainer_set_task_grad() and optima_trainer_run() return `OPTIMA_ESTATE` in this
 * mode; so does optima_trainer_begin_step() with ::OPTIMA_REWARD_SOURCE_ALIGNMENT. The
 * checkpoint stores the mode: a checkpoint loads only into a trainer of the same mode.
 * @param trainer the trainer.
 * @param mode one of ::optima_trainer_mode.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer or an unknown mode;
 *         `OPTIMA_ESTATE` after freezing.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_mode(optima_trainer *trainer,
                                                                  int32_t mode);

/**
 * @brief Read the trainer's mode (since 1.1).
 * @param trainer the trainer.
 * @param[out] mode receives one of ::optima_trainer_mode.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_mode(const optima_trainer *trainer,
                                                                  int32_t *mode);

/**
 * @brief Choose how rewards are computed. Defaults ::OPTIMA_REWARD_RELATIVE and
 *        ::OPTIMA_REWARD_SOURCE_TRAINING. Before freezing.
 * @param trainer the trainer.
 * @param kind one of ::optima_reward_kind.
 * @param source one of ::optima_reward_source.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer or an unknown value;
 *         `OPTIMA_ESTATE` after freezing.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_reward(optima_trainer *trainer,
                                                                    int32_t kind,
                                                                    int32_t source);

/**
 * @brief Read how rewards are computed (since 1.1). Before and after freezing.
 * @param trainer the trainer.
 * @param[out] kind receives one of ::optima_reward_kind.
 * @param[out] source receives one of ::optima_reward_source.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_reward(const optima_trainer *trainer,
                                                                    int32_t *kind,
                                                                    int32_t *source);

/**
 * @brief Choose the trend model of ::OPTIMA_REWARD_DETRENDED (since 1.1). Default
 *        ::OPTIMA_REWARD_TREND_MEAN over 8 rounds. Before freezing.
 *
 * The trend keeps the base rewards of the last @p window completed rounds, whatever arm
 * played them; the reward of round t is its base reward minus the trend's prediction for
 * round t, made from rounds before t only (0 for the first round). The kept rewards are
 * part of the checkpoint. Ignored by the other reward kinds.
 * @param trainer the trainer.
 * @param window W, the rounds kept: 1 to 256.
 * @param model one of ::optima_reward_trend.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer, a window out of range or an
 *         unknown model; `OPTIMA_ESTATE` after freezing.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_reward_trend(optima_trainer *trainer,
                                                                          uint32_t window,
                                                                          int32_t model);

/**
 * @brief Read the trend model of ::OPTIMA_REWARD_DETRENDED (since 1.1).
 * @param trainer the trainer.
 * @param[out] window receives W.
 * @param[out] model receives one of ::optima_reward_trend.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_reward_trend(
    const optima_trainer *trainer, uint32_t *window, int32_t *model);

/**
 * @brief Choose the projection optimizer and its learning rate. Default AdamW, 1e-3.
 *        Other hyperparameters keep their values (defaults: momentum 0.9; betas 0.9,
 *        0.999; ε 1e-8; weight decay 0.01). Before freezing.
 * @param trainer the trainer.
 * @param kind one of ::optima_optimizer_kind; ::OPTIMA_OPTIMIZER_HOST needs
 *        optima_trainer_set_projection_callback().
 * @param learning_rate finite, > 0 (ignored for ::OPTIMA_OPTIMIZER_HOST).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer, an unknown kind or a rate out
 *         of range; `OPTIMA_ESTATE` after freezing.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_optimizer(optima_trainer *trainer,
                                                                       int32_t kind,
                                                                       double learning_rate);

/**
 * @brief Read the projection optimizer and its learning rate (since 1.1). Before and after
 *        freezing.
 * @param trainer the trainer.
 * @param[out] kind receives one of ::optima_optimizer_kind.
 * @param[out] learning_rate receives the built-in optimizers' learning rate as stored, in
 *             float32 (1e-3 reads as 0.0010000000474974513); after choosing
 *             ::OPTIMA_OPTIMIZER_HOST, the rate of the last built-in choice.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_optimizer(
    const optima_trainer *trainer, int32_t *kind, double *learning_rate);

/**
 * @brief Set the built-in optimizers' hyperparameters. Before freezing.
 * @param trainer the trainer.
 * @param momentum SGD momentum μ, in [0, 1).
 * @param beta1 AdamW β1, in [0, 1).
 * @param beta2 AdamW β2, in [0, 1).
 * @param weight_decay λ, finite and ≥ 0 (decoupled for AdamW, added to the gradient for SGD).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` naming the value out of range; `OPTIMA_ESTATE`
 *         after freezing.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_optimizer_params(
    optima_trainer *trainer, double momentum, double beta1, double beta2, double weight_decay);

/**
 * @brief Read the built-in optimizers' hyperparameters (since 1.1), as stored, in float32.
 *        Before and after freezing.
 * @param trainer the trainer.
 * @param[out] momentum receives the SGD momentum μ (default 0.9).
 * @param[out] beta1 receives AdamW's β1 (default 0.9).
 * @param[out] beta2 receives AdamW's β2 (default 0.999).
 * @param[out] weight_decay receives λ (default 0.01).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` naming the NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_optimizer_params(
    const optima_trainer *trainer, double *momentum, double *beta1, double *beta2,
    double *weight_decay);

/**
 * @brief Set the host's projection optimizer, used with ::OPTIMA_OPTIMIZER_HOST.
 * @param trainer the trainer.
 * @param fn the callback, or NULL to unset it.
 * @param user passed first to @p fn.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_projection_callback(
    optima_trainer *trainer, optima_projection_fn fn, void *user);

/**
 * @brief Read the host's projection optimizer callback and its user data, as set with
 *        optima_trainer_set_projection_callback() (since 1.1). Any time.
 * @param trainer the trainer.
 * @param[out] fn receives the callback, or NULL when none is set (the default).
 * @param[out] user receives the user data given with it (NULL by default).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument (then nothing is written).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_projection_callback(
    const optima_trainer *trainer, optima_projection_fn *fn, void **user);

/**
 * @brief Keep the records of the last @p rounds rounds. Default 1024. Before freezing.
 * @param trainer the trainer.
 * @param rounds 1 to 1048576.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer or a count out of range;
 *         `OPTIMA_ESTATE` after freezing.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_history(optima_trainer *trainer,
                                                                     uint32_t rounds);

/**
 * @brief Read how many rounds' records are kept (since 1.1). Before and after freezing.
 * @param trainer the trainer.
 * @param[out] rounds receives the count (default 1024).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_history(const optima_trainer *trainer,
                                                                     uint32_t *rounds);

/**
 * @brief Append every finished round to a log file (created, or appended to if it
 *        exists), flushed at each round.
 * @param trainer the trainer.
 * @param path the file, or NULL to stop logging.
 * @param format one of ::optima_log_format.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer or an unknown format;
 *         `OPTIMA_EIO` naming the path when it cannot be opened.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_round_log(optima_trainer *trainer,
                                                                       const char *path,
                                                                       int32_t format);

/**
 * @brief Read where finished rounds are logged, as set with optima_trainer_set_round_log()
 *        (since 1.1). Any time.
 * @param trainer the trainer.
 * @param[out] path receives the trainer's copy of the path given (NUL-terminated, valid
 *             until the next optima_trainer_set_round_log() or the trainer's
 *             destruction), or NULL when no log file is set (the default).
 * @param[out] format receives one of ::optima_log_format: the last one set (default
 *             ::OPTIMA_LOG_FORMAT_CSV), also when @p path receives NULL.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument (then nothing is written).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_round_log(
    const optima_trainer *trainer, const char **path, int32_t *format);

/* ---- the step API --------------------------------------------------------------------- */

/**
 * @brief Begin a training step: at a round's start, ask the scheduler for the arm.
 *
 * Freezes the configuration on first use. A step begun and not ended is discarded
 * (nothing of it counts) when the next one begins.
 * @param trainer the trainer.
 * @param[out] arm receives the arm of this step's round; may be NULL.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer; `OPTIMA_ESTATE` without
 *         pairs, or with ::OPTIMA_OPTIMIZER_HOST and no callback; `OPTIMA_ENOMEM` when
 *         freezing.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_begin_step(optima_trainer *trainer,
                                                                    uint32_t *arm);

/**
 * @brief The hidden states this step needs: the layers of the active pairs, student
 *        first then teacher, in pair and layer order.
 * @param trainer the trainer.
 * @param[out] needed receives an array owned by the trainer, valid until the next
 *             optima_trainer_begin_step().
 * @param[out] count receives its length (0 when no pair is active).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ESTATE` outside a step.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_plan(const optima_trainer *trainer,
                                                              const optima_layer_ref **needed,
                                                              size_t *count);

/**
 * @brief Whether this step needs the logits of both models (α_pred > 0).
 * @param trainer the trainer.
 * @param[out] needed receives 1 or 0.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_needs_logits(
    const optima_trainer *trainer, int32_t *needed);

/**
 * @brief Hand over a view of a hidden state this step needs. The view is not copied: the
 *        data must stay valid and unchanged until optima_trainer_compute() returns, and
 *        is never read after that: every compute, whatever it returns, forgets the views
 *        and logits handed over before it.
 * @param trainer the trainer.
 * @param side one of ::optima_side.
 * @param module the module index in that model.
 * @param layer the layer index in that module.
 * @param view rows × the layer's width. The views of one pair (its student and teacher
 *        layers) share one row count, set by the first of them or by the pair's row mask
 *        (optima_trainer_set_row_mask()); different pairs may have different row counts
 *        (token-level text, batch × tokens rows, beside pooled image states, batch rows),
 *        and the logits have their own. Since 1.1; 1.0 wanted one row count per step.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument or an unknown side, and, as in
 *         math.h, for a view whose data is NULL or whose row stride is below its width;
 *         `OPTIMA_ENOTFOUND` for a layer the plan does not list; `OPTIMA_ESHAPE` for a
 *         view without rows, a width that does not fit, or a row count other than the
 *         one its pair already has (naming the pair); `OPTIMA_EOVERFLOW`
 *         for a view whose extent does not fit in memory; `OPTIMA_ESTATE` outside a step
 *         or in ::OPTIMA_TRAINER_MODE_SCHEDULE_ONLY.
 *         Messages about the view name the module and layer.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_hidden(optima_trainer *trainer,
                                                                    int32_t side, size_t module,
                                                                    size_t layer,
                                                                    const optima_tensor *view);

/**
 * @brief Read back the view of a hidden state handed over for this step with
 *        optima_trainer_set_hidden() (since 1.1).
 *
 * A view is held from optima_trainer_set_hidden() until the next optima_trainer_compute()
 * (which forgets every view, whatever it returns) or the step's end; the trainer does
 * not own its data.
 * @param trainer the trainer.
 * @param side one of ::optima_side.
 * @param module the module index in that model.
 * @param layer the layer index in that module.
 * @param[out] view receives the view as handed over.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument or an unknown side;
 *         `OPTIMA_ENOTFOUND` for a layer the plan does not list; `OPTIMA_ESTATE` outside a
 *         step, in ::OPTIMA_TRAINER_MODE_SCHEDULE_ONLY, or when no view of that layer is
 *         held (not handed over yet, or forgotten by a compute). On failure @p view is
 *         untouched.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_hidden(
    const optima_trainer *trainer, int32_t side, size_t module, size_t layer,
    optima_tensor *view);

/**
 * @brief Hand over a view of a model's logits (needed when α_pred > 0). Not copied:
 *        valid until optima_trainer_compute() returns, which forgets it.
 * @param trainer the trainer.
 * @param side one of ::optima_side.
 * @param view rows × the logits width; the student's and the teacher's logits share one
 *        row count (which the logits mask, when given, must match), independent of the
 *        pairs' (since 1.1).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument, an unknown side, NULL data or
 *         a row stride below the width; `OPTIMA_ESHAPE` for a view without rows or a shape
 *         that does not fit; `OPTIMA_EOVERFLOW` for an extent that does not fit in memory;
 *         `OPTIMA_ESTATE` outside a step, when no logits are needed or in
 *         ::OPTIMA_TRAINER_MODE_SCHEDULE_ONLY.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_logits(optima_trainer *trainer,
                                                                    int32_t side,
                                                                    const optima_tensor *view);

/**
 * @brief Read back the view of a model's logits handed over for this step with
 *        optima_trainer_set_logits() (since 1.1). Held until the next
 *        optima_trainer_compute() or the step's end, as the hidden states' views.
 * @param trainer the trainer.
 * @param side one of ::optima_side.
 * @param[out] view receives the view as handed over.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument or an unknown side;
 *         `OPTIMA_ESTATE` outside a step, when no logits are needed (α_pred = 0), in
 *         ::OPTIMA_TRAINER_MODE_SCHEDULE_ONLY, or when no logits of that side are held.
 *         On failure @p view is untouched.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_logits(
    const optima_trainer *trainer, int32_t side, optima_tensor *view);

/**
 * @brief Give pair @p pair's row mask for this step (since 1.1): which rows of its views
 *        count (padding tokens do not).
 *
 * The pair's loss D_m is then the mean over the rows that count (the masked mean of
 * math.h); rows that do not count get zero gradients. A pair whose mask counts no row
 * contributes 0 to the layer term, with zero gradients (it still counts in |A|, and its
 * 0 enters the round's mean loss of the pair). Like the views, the mask is not copied: it
 * must stay valid and unchanged until optima_trainer_compute() returns, which forgets it
 * (give it again for a second compute in the same step). A mask for a pair the arm leaves
 * inactive is accepted and never read.
 * @param trainer the trainer.
 * @param pair a pair index.
 * @param mask NULL (every row counts, the default), or @p rows bytes, non-zero for the
 *        rows that count.
 * @param rows the pair's row count; must equal its views' (ignored when @p mask is NULL).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer; `OPTIMA_ENOTFOUND` for a pair
 *         out of range; `OPTIMA_ESHAPE` for 0 rows with a mask, or a count other than the
 *         pair's views have; `OPTIMA_ESTATE` outside a step or in
 *         ::OPTIMA_TRAINER_MODE_SCHEDULE_ONLY.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_row_mask(optima_trainer *trainer,
                                                                      size_t pair,
                                                                      const uint8_t *mask,
                                                                      size_t rows);

/**
 * @brief Read pair @p pair's row mask for this step, as given with
 *        optima_trainer_set_row_mask() (since 1.1).
 *
 * A mask is held until the next optima_trainer_compute() or the step's end, as the views.
 * @param trainer the trainer.
 * @param pair a pair index.
 * @param[out] mask receives the mask as given (the host's bytes, not a copy), or NULL
 *             when none is held: every row counts (the default).
 * @param[out] rows receives the rows the mask covers, or 0 when @p mask receives NULL.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ENOTFOUND` for a pair
 *         out of range; `OPTIMA_ESTATE` outside a step or in
 *         ::OPTIMA_TRAINER_MODE_SCHEDULE_ONLY. On failure nothing is written.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_row_mask(
    const optima_trainer *trainer, size_t pair, const uint8_t **mask, size_t *rows);

/**
 * @brief Give the row mask of the logits for this step (since 1.1): the KL is then the
 *        mean over the rows that count, the others get zero gradients; no row counting
 *        makes it 0. Not copied: valid until optima_trainer_compute() returns, which
 *        forgets it.
 * @param trainer the trainer.
 * @param mask NULL (every row counts, the default), or @p rows bytes, non-zero for the
 *        rows that count.
 * @param rows the logits' row count; must equal the logits views' (ignored when @p mask
 *        is NULL).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer; `OPTIMA_ESHAPE` for 0 rows with
 *         a mask, or a count other than the logits views have; `OPTIMA_ESTATE` outside a
 *         step, when no logits are needed (α_pred = 0) or in
 *         ::OPTIMA_TRAINER_MODE_SCHEDULE_ONLY.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_logits_mask(optima_trainer *trainer,
                                                                         const uint8_t *mask,
                                                                         size_t rows);

/**
 * @brief Read the logits' row mask for this step, as given with
 *        optima_trainer_set_logits_mask() (since 1.1). Held as the pairs' masks are.
 * @param trainer the trainer.
 * @param[out] mask receives the mask as given (the host's bytes, not a copy), or NULL
 *             when none is held: every row counts (the default).
 * @param[out] rows receives the rows the mask covers, or 0 when @p mask receives NULL.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ESTATE` outside a
 *         step, when no logits are needed (α_pred = 0) or in
 *         ::OPTIMA_TRAINER_MODE_SCHEDULE_ONLY. On failure nothing is written.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_logits_mask(
    const optima_trainer *trainer, const uint8_t **mask, size_t *rows);

/**
 * @brief Compute this step's distillation losses and gradients.
 *
 * Reads the views and logits handed over since the step began or since the last compute,
 * then forgets them, whatever the result: the host may free them as soon as this call
 * returns. Computing again in the same step (for instance the retry after
 * `OPTIMA_ENONFINITE`) needs every view and the logits handed over again; the gradients
 * of the last successful compute stay available until a view is handed over again.
 * @param trainer the trainer.
 * @param[out] total receives α_pred·KL + α_layer·(1/|A|)·Σ w_m·D_m; may be NULL.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer; `OPTIMA_ESTATE` naming the
 *         first missing view (also for a second compute without new views), outside a
 *         step or in ::OPTIMA_TRAINER_MODE_SCHEDULE_ONLY; the errors of optima_loss_compute() naming the pair; `OPTIMA_ENONFINITE`
 *         for a NaN or infinity in a view or a projection (no gradient is then available
 *         and the step cannot end: hand over finite views and compute again, or begin a
 *         new step).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_compute(optima_trainer *trainer,
                                                                 double *total);

/**
 * @brief The loss breakdown of the last successful compute.
 * @param trainer the trainer.
 * @param[out] kl receives the prediction KL (unweighted; 0 when α_pred = 0); may be NULL.
 * @param[out] layer_term receives (1/|A|)·Σ w_m·D_m, before α_layer (0 when no pair is
 *             active); may be NULL.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer; `OPTIMA_ESTATE` when this step
 *         has no successful compute.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_losses(const optima_trainer *trainer,
                                                                double *kl, double *layer_term);

/**
 * @brief The loss D_m of pair @p pair in the last successful compute (unweighted mean
 *        over its layer pairs).
 * @param trainer the trainer.
 * @param pair a pair index.
 * @param[out] loss receives D_m, or 0 when the pair is inactive this step.
 * @param[out] active receives 1 when the pair is active this step, else 0; may be NULL.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer or @p loss; `OPTIMA_ENOTFOUND`
 *         for a pair out of range; `OPTIMA_ESTATE` without a successful compute.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_pair_loss_value(
    const optima_trainer *trainer, size_t pair, double *loss, int32_t *active);

/**
 * @brief The gradient of this step's distillation terms wrt a student hidden state.
 * @param trainer the trainer.
 * @param module a student module index.
 * @param layer a layer index in that module.
 * @param[out] grad receives a view of a buffer owned by the trainer (valid until the next
 *             begin or compute), or an empty view (data NULL, 0 rows) when the layer gets
 *             no distillation gradient this step.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ENOTFOUND` for a
 *         module or layer the student does not have; `OPTIMA_ESTATE` without a successful
 *         compute (always in ::OPTIMA_TRAINER_MODE_SCHEDULE_ONLY).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_student_grad(
    const optima_trainer *trainer, size_t module, size_t layer, optima_tensor *grad);

/**
 * @brief The gradient of α_pred·KL wrt the student logits.
 * @param trainer the trainer.
 * @param[out] grad receives a view owned by the trainer (valid until the next begin or
 *             compute), or an empty view when α_pred = 0.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ESTATE` without a
 *         successful compute (always in ::OPTIMA_TRAINER_MODE_SCHEDULE_ONLY).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_logits_grad(
    const optima_trainer *trainer, optima_tensor *grad);

/**
 * @brief Give the host's evaluation loss (::OPTIMA_REWARD_SOURCE_EVALUATION): before the
 *        first step begins it is the baseline; after that, the last one given before a
 *        round's final optima_trainer_end_step() is the round's reference loss.
 * @param trainer the trainer.
 * @param loss finite.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer; `OPTIMA_ENONFINITE` for a NaN
 *         or infinite loss (nothing changes).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_submit_evaluation(
    optima_trainer *trainer, double loss);

/**
 * @brief Hand the task loss's gradient at a student hidden state this step distils, for
 *        ::OPTIMA_REWARD_SOURCE_ALIGNMENT (since 1.1).
 *
 * Call it after optima_trainer_compute() and before optima_trainer_end_step(), once for
 * every student layer the plan lists. The trainer accumulates, for the layer's pair,
 * ⟨g_task, g_layer⟩, ‖g_task‖² and ‖g_layer‖² against the layerwise gradient it computed
 * there (optima_trainer_student_grad()); the pair's cosine is taken over all its layers.
 * "Task loss" is whatever the host calls its main objective (the demo: the cross-entropy
 * alone); the gradient must not include the distillation terms. The view is read during
 * the call only and not kept. With the other sources the call is accepted and unused. A
 * new compute (after a view changed) forgets the gradients handed in.
 * @param trainer the trainer.
 * @param module a student module index.
 * @param layer a layer index in that module.
 * @param view d(task loss)/d(hidden state): the step's rows × the layer's width.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ENOTFOUND` for a layer
 *         the plan does not list; `OPTIMA_ESHAPE` for a view of another shape, with NULL
 *         data or a row stride below its columns; `OPTIMA_ESTATE` without a successful
 *         compute, or for a layer already handed in this step; `OPTIMA_ENONFINITE` for a
 *         NaN or infinity in the view (nothing changes).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_task_grad(optima_trainer *trainer,
                                                                       size_t module, size_t layer,
                                                                       const optima_tensor *view);

/**
 * @brief Whether the task loss's gradient at a student hidden state was handed in this
 *        step with optima_trainer_set_task_grad() (since 1.1).
 *
 * optima_trainer_set_task_grad() reads its view during the call and keeps nothing but the
 * sums it accumulates, so there is no view to give back: this getter answers the
 * question a host can act on, whether that layer is still to be handed in (each planned
 * student layer once per compute, for ::OPTIMA_REWARD_SOURCE_ALIGNMENT).
 * @param trainer the trainer.
 * @param module a student module index.
 * @param layer a layer index in that module.
 * @param[out] given receives 1 when the layer's task gradient was handed in since the
 *             step's last successful compute, else 0 (also before the step's first
 *             compute, and after a new compute, which forgets the gradients handed in).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ENOTFOUND` for a layer
 *         the plan does not list; `OPTIMA_ESTATE` outside a step or in
 *         ::OPTIMA_TRAINER_MODE_SCHEDULE_ONLY. On failure @p given is untouched.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_task_grad(
    const optima_trainer *trainer, size_t module, size_t layer, int32_t *given);

/**
 * @brief Report the loss D_m of active pair @p pair for this step, in
 *        ::OPTIMA_TRAINER_MODE_SCHEDULE_ONLY (since 1.1).
 *
 * D_m is what the full mode would compute: the pair's layerwise loss, unweighted (the
 * trainer applies w_m, 1/|A| and α_layer), for instance the mean over its layer pairs of
 * an MSE or cosine computed on the GPU. Reporting a pair again in the same step replaces
 * its value.
 * @param trainer the trainer.
 * @param pair a pair the current arm activates (optima_trainer_pair_loss_value() and the
 *        plan say which).
 * @param loss finite, within ±::OPTIMA_TRAINER_MAX_ABS_REFERENCE.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer or a loss beyond the bound;
 *         `OPTIMA_ENOTFOUND` for a pair out of range or not active this step;
 *         `OPTIMA_ENONFINITE` for a NaN or infinite loss; `OPTIMA_ESTATE` in full mode or
 *         outside a step. After a refusal nothing changes.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_report_pair_loss(optima_trainer *trainer,
                                                                          size_t pair,
                                                                          double loss);

/**
 * @brief Report the prediction KL of this step (unweighted: the trainer applies α_pred),
 *        in ::OPTIMA_TRAINER_MODE_SCHEDULE_ONLY when α_pred > 0 (since 1.1).
 * @param trainer the trainer.
 * @param kl finite, within ±::OPTIMA_TRAINER_MAX_ABS_REFERENCE.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer or a value beyond the bound;
 *         `OPTIMA_ENONFINITE` for a NaN or infinite value; `OPTIMA_ESTATE` in full mode,
 *         outside a step or when α_pred = 0.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_report_kl(optima_trainer *trainer,
                                                                   double kl);

/**
 * @brief End the step: train the projections, count the step in its round and, at the
 *        round's end, compute the reward and update the scheduler.
 * @param trainer the trainer.
 * @param task_loss the host's **task loss alone** for this step (for instance its
 *        cross-entropy), without any distillation term: the trainer adds α_pred · KL itself
 *        to make the reference loss, so a total passed here would count the distillation
 *        terms into the rewards. Finite, and such that the reference loss
 *        `task_loss + α_pred · KL` is within ±::OPTIMA_TRAINER_MAX_ABS_REFERENCE. A value
 *        at or below this step's distillation loss (α_pred · KL + α_layer · layer term,
 *        optima_trainer_compute()'s `total`, or the reported values' in schedule-only
 *        mode) logs an ::OPTIMA_LOG_WARN message, once per trainer: it suggests that
 *        compute's total, or part of it, was passed.
 * @param[out] round_ended receives 1 when this step ended a round, else 0; may be NULL.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer or a reference loss beyond
 *         ±::OPTIMA_TRAINER_MAX_ABS_REFERENCE; `OPTIMA_ENONFINITE` for a non-finite task
 *         loss (after either refusal neither projections nor scheduler change and the
 *         step may be ended again); `OPTIMA_ESTATE` without a successful compute, at a
 *         round's end with the evaluation source and no evaluation submitted, or with the
 *         alignment source when a planned student layer got no
 *         optima_trainer_set_task_grad(); in ::OPTIMA_TRAINER_MODE_SCHEDULE_ONLY,
 *         `OPTIMA_ESTATE` outside a step, naming the first active pair whose loss was not
 *         reported, or when α_pred > 0 and no KL was reported (no projection is trained in
 *         that mode); `OPTIMA_ECALLBACK` when the projection callback stopped. With a
 *         reduction callback (optima_trainer_set_reduction()): `OPTIMA_ECALLBACK` when it
 *         returned non-zero, `OPTIMA_ESTATE` when the ranks disagree
 *         (optima_trainer_set_agreement_interval()) or an evaluation was submitted on some
 *         ranks only; after these nothing of the step is applied and it may be ended
 *         again. `OPTIMA_ENOMEM` at the first step that sums projection gradients.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_end_step(optima_trainer *trainer,
                                                                  double task_loss,
                                                                  int32_t *round_ended);

/* ---- the run loop --------------------------------------------------------------------- */

/**
 * @brief Run @p steps steps through the host's callbacks (the step API's stages in order:
 *        next_batch, forward, compute, backward, task_grad with the alignment reward,
 *        optimizer_step, evaluate at a round's end, end_step, round_end).
 *
 * A non-zero return from a callback stops the run with `OPTIMA_ECALLBACK`: the step in
 * flight is discarded, the round in flight is not credited (its steps are forgotten and
 * the scheduler will replay its arm), and the trainer stays usable.
 * @param trainer the trainer.
 * @param callbacks the callback table (see ::optima_callbacks); read during the call only.
 * @param user passed first to every callback.
 * @param steps how many steps to run.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument, a bad table (size, reserved,
 *         a required callback missing, no evaluate with the evaluation source, no
 *         task_grad with the alignment source); `OPTIMA_ESTATE` in
 *         ::OPTIMA_TRAINER_MODE_SCHEDULE_ONLY;
 *         `OPTIMA_ECALLBACK`; any error of the step API.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_run(optima_trainer *trainer,
                                                             const optima_callbacks *callbacks,
                                                             void *user, uint64_t steps);

/**
 * @brief The non-zero value the callback that stopped the last run returned.
 * @param trainer the trainer.
 * @param[out] code receives it (0 when no callback stopped a run).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_callback_code(
    const optima_trainer *trainer, int32_t *code);

/* ---- progress and round records ------------------------------------------------------- */

/**
 * @brief Steps ended and rounds completed over the trainer's life.
 * @param trainer the trainer.
 * @param[out] steps receives the number of steps ended; may be NULL.
 * @param[out] rounds receives the number of rounds completed; may be NULL.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_progress(const optima_trainer *trainer,
                                                                  uint64_t *steps,
                                                                  uint64_t *rounds);

/**
 * @brief The record of completed round @p round (0-based).
 * @param trainer the trainer.
 * @param round a round index among the last kept ones (optima_trainer_set_history()).
 * @param[out] first_step receives the index of its first step; may be NULL.
 * @param[out] arm receives the arm it played; may be NULL.
 * @param[out] reward receives its reward; may be NULL.
 * @param[out] mean_reference receives L̄, its mean reference loss; may be NULL.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer; `OPTIMA_ENOTFOUND` for a round
 *         not completed or no longer kept.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_round_record(
    const optima_trainer *trainer, uint64_t round, uint64_t *first_step, uint32_t *arm,
    double *reward, double *mean_reference);

/**
 * @brief The mean over round @p round's steps of pair @p pair's loss D_m.
 * @param trainer the trainer.
 * @param round a kept round index.
 * @param pair a pair index.
 * @param[out] loss receives the mean, or 0 when the pair was not active in that round.
 * @param[out] active receives 1 when the pair was active, else 0; may be NULL.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer or @p loss; `OPTIMA_ENOTFOUND`
 *         for a round or pair out of range.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_round_pair_loss(
    const optima_trainer *trainer, uint64_t round, size_t pair, double *loss, int32_t *active);

/* ---- checkpoints ---------------------------------------------------------------------- */

/**
 * @brief Write everything the trainer owns (counters, the round in flight, the scheduler
 *        and its generator, the round records, projections and optimizer moments) as a
 *        versioned, checksummed stream. Freezes the configuration.
 * @param trainer the trainer; not changed.
 * @param write the sink.
 * @param user passed first to @p write.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument; `OPTIMA_ECALLBACK` when the
 *         sink refused; `OPTIMA_ENOMEM`; `OPTIMA_ESTATE` without pairs.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_save(optima_trainer *trainer,
                                                              optima_write_fn write, void *user);

/**
 * @brief Replace the trainer's state with a saved one. The trainer must be configured as
 *        the saved one was (same models, pairs, losses, settings, policy). All or nothing:
 *        on any failure the trainer is unchanged.
 *
 * Compared in this order, the first difference named in the message: the models, the
 * pairs (modules, loss kind, layer mapping, projection sizes), round length, policy,
 * reward kind and source, optimizer kind, history length; then α_pred, α_layer, the KL
 * temperature, the optimizer's learning rate, momentum, β1, β2, ε and weight decay, each
 * pair's weight and the policy seed (`EMISMATCH` naming, e.g., "alpha_pred" or "seed").
 * Checkpoints of format 1 (liboptima 1.0) did not store this second group: they load
 * whatever the trainer's values, which then apply.
 *
 * The stream must end where the checkpoint ends: @p read is called once more after the
 * checkpoint's last byte and must report the end (0 bytes).
 * @param trainer the trainer.
 * @param read the source.
 * @param user passed first to @p read.
 * @return `OPTIMA_OK`; `OPTIMA_EFORMAT` (not a checkpoint, truncated, bytes after its
 *         end); `OPTIMA_ECHECKSUM` (damaged); `OPTIMA_EVERSION` (a newer format);
 *         `OPTIMA_EMISMATCH` (made for other models or settings, naming what differs);
 *         `OPTIMA_ECALLBACK`; `OPTIMA_ENOMEM`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_load(optima_trainer *trainer,
                                                              optima_read_fn read, void *user);

/**
 * @brief optima_trainer_save() to a file, written atomically (temporary file, fsync,
 *        rename): after a crash the path holds the old checkpoint or the new one, whole.
 *
 * The temporary file is @p path followed by `.tmp.` and six letters or digits, in the
 * same directory. A successful save removes every such file of the same @p path: what
 * saves killed before their rename left behind (so two processes must not save to one
 * path at once: one of them would fail with `OPTIMA_EIO`, the file staying whole). A new
 * file gets mode 0666 less the umask, as `fopen` gives; a replaced file keeps its mode
 * (a read-only 0444 checkpoint stays 0444: only the directory must be writable).
 * @param trainer the trainer.
 * @param path the file.
 * @return as optima_trainer_save(); `OPTIMA_EIO` naming the path.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_save_file(optima_trainer *trainer,
                                                                   const char *path);

/**
 * @brief optima_trainer_load() from a file.
 * @param trainer the trainer.
 * @param path the file.
 * @return as optima_trainer_load(); `OPTIMA_EIO` naming the path.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_load_file(optima_trainer *trainer,
                                                                   const char *path);

/* ---- many processes (since 1.1) ------------------------------------------------------- */

/** @brief The element type of the data a reduction callback sums (since 1.1). */
enum optima_dtype {
    OPTIMA_DTYPE_F32 = 0, /**< `float`. */
    OPTIMA_DTYPE_F64 = 1  /**< `double`. */
};

/** @brief What a reduction carries (since 1.1): the `what` argument of ::optima_reduce_fn. */
enum optima_reduce_what {
    /**
     * Float64, every step: this step's statistics (its row count, the reference loss, the
     * pairs' losses, with ::OPTIMA_REWARD_SOURCE_ALIGNMENT the gradient alignment's sums,
     * at a round's end the evaluation loss, at the first step the baseline evaluation),
     * weighted by the rank's row count. 7 + P values, 7 + 4·P with the alignment source
     * (P = the number of pairs).
     */
    OPTIMA_REDUCE_STEP_STATS = 0,
    /**
     * Float32, every step that trains a library-owned projection (not with
     * ::OPTIMA_OPTIMIZER_HOST): the gradients of the active pairs' projections, packed
     * in pair and layer-pair order, each rank's scaled by its share of the rows.
     */
    OPTIMA_REDUCE_PROJECTION_GRADS = 1,
    /**
     * Float64, at the first step of every round whose index is a multiple of the
     * agreement interval: 13 values (a count, the arm and a 64-bit checksum of the
     * scheduler's state in 16-bit parts, and their squares).
     */
    OPTIMA_REDUCE_AGREEMENT = 2
};

/**
 * @brief The host's engine: sum @p data across all ranks, in place (an all-reduce with
 *        the sum; since 1.1).
 *
 * Every rank's trainer calls it at the same points with the same @p what, @p dtype and
 * @p count, as long as the ranks agree (see optima_trainer_set_agreement_interval()).
 * With MPI: `MPI_Allreduce(MPI_IN_PLACE, data, count, dtype == OPTIMA_DTYPE_F32 ?
 * MPI_FLOAT : MPI_DOUBLE, MPI_SUM, comm)`; with torch.distributed: `dist.all_reduce`.
 * @param user the user data given to optima_trainer_set_reduction().
 * @param what one of ::optima_reduce_what (informative: the sum is the same for all).
 * @param dtype one of ::optima_dtype.
 * @param data @p count elements, owned by the trainer, valid during the call.
 * @param count the number of elements (≥ 1).
 * @return 0 when @p data holds the sum over the ranks; non-zero stops
 *         optima_trainer_end_step() with `OPTIMA_ECALLBACK` (the code is kept:
 *         optima_trainer_callback_code()) and nothing of the step is applied.
 */
typedef int (*optima_reduce_fn)(void *user, int32_t what, int32_t dtype, void *data,
                                size_t count);

/**
 * @brief Train data-parallel: each rank runs its own trainer on its share of every global
 *        batch, and @p fn sums what must agree across ranks (since 1.1). Before freezing.
 *
 * Each rank hands the views of its rows and, to optima_trainer_end_step(), the mean task
 * loss over its rows. Every step the trainer sums, through @p fn, the statistics weighted
 * by each rank's row count (the rows of the step's views; 1 for a step without views), so
 * the reference loss, the pairs' losses, the evaluation and alignment rewards are those of
 * the whole global batch; it sums the library-owned projections' gradients, each rank's
 * scaled by its share of the rows, before their optimizer step (with
 * ::OPTIMA_OPTIMIZER_HOST the host reduces them itself). N ranks then take the decisions
 * and updates one process would take on the concatenated batch (to float32 rounding of
 * the gradients' sums). The evaluation loss (::OPTIMA_REWARD_SOURCE_EVALUATION) is
 * averaged over the ranks with equal weights: each rank submits the mean over an equal
 * share of the evaluation set.
 * Every rank must use the same configuration and seed. Checkpoints hold only global
 * state: one rank writes, every rank loads the same file.
 * @param trainer the trainer.
 * @param fn the callback, or NULL for a single process (the default).
 * @param user passed first to @p fn.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer; `OPTIMA_ESTATE` after freezing.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_reduction(optima_trainer *trainer,
                                                                       optima_reduce_fn fn,
                                                                       void *user);

/**
 * @brief Read the reduction callback and its user data, as set with
 *        optima_trainer_set_reduction() (since 1.1). Before and after freezing.
 * @param trainer the trainer.
 * @param[out] fn receives the callback, or NULL for a single process (the default).
 * @param[out] user receives the user data given with it (NULL by default).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument (then nothing is written).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_reduction(
    const optima_trainer *trainer, optima_reduce_fn *fn, void **user);

/**
 * @brief Check that the ranks agree every @p rounds rounds (since 1.1).
 *
 * At the first step of every round whose index is a multiple of @p rounds, the trainer
 * sums through the reduction callback the arm this round plays and a checksum of the
 * scheduler's whole state (generator included); when they differ between ranks,
 * optima_trainer_end_step() returns `OPTIMA_ESTATE` on every rank with a message naming
 * the round, before anything of the step is applied or any gradient reduced. A
 * divergence that appears in round t is so reported by round t + @p rounds − 1 at the
 * latest. No effect without a reduction callback. May be changed at any time.
 * @param trainer the trainer.
 * @param rounds the interval in rounds; 0 turns the check off (the default).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL trainer.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_set_agreement_interval(
    optima_trainer *trainer, uint32_t rounds);

/**
 * @brief The agreement check's interval in rounds (0: off) (since 1.1).
 * @param trainer the trainer.
 * @param[out] rounds receives the interval.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_trainer_get_agreement_interval(
    const optima_trainer *trainer, uint32_t *rounds);

OPTIMA_EXTERN_C_END

#endif /* OPTIMA_TRAINER_H */
