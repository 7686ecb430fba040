/**
 * @file scheduler.h
 * @brief The scheduler: a bandit that picks, round by round, which student modules get
 *        their layerwise loss (OPTIMA and baseline policies).
 *
 * An arm is a set of modules, given as a bit mask (bit m = module m). A scheduler for K
 * modules (1 to 16) offers one of three arm sets: every non-empty subset (the default,
 * 2^K - 1 arms in increasing mask order, so arm i has mask i + 1 and the full set is the
 * last arm), each module alone (K arms, arm i has mask 1 << i), or an explicit list.
 *
 * Use: optima_scheduler_select() gives the arm for the next round; the host runs the round
 * and reports its reward with optima_scheduler_update() for that same arm. Rewards are
 * "larger is better" (OPTIMA's reward is the relative decrement of the reference loss).
 * The scheduler is usable alone: any host can feed it rewards.
 *
 * Configuration (arm set and every hyperparameter) may change only before the first
 * select; afterwards the setters return `OPTIMA_ESTATE`, because a policy whose meaning
 * changes mid-run would mix statistics of two different algorithms. Module names may be
 * set at any time (they only affect printed arm names). A setter for a hyperparameter the
 * policy does not use returns `OPTIMA_EUNSUPPORTED`.
 *
 * Cost: select is O(|A|) (one draw per arm for the Thompson policies), update is O(1)
 * amortised (O(|A|) once every stride rewards of an arm with the change detector), and
 * neither allocates: every table is allocated at creation for the largest arm set K
 * allows (about 100 bytes per arm, 356 with the change detector: 6.3 or 22 MiB at K = 16,
 * where all subsets are 65535 arms); optima_scheduler_set_window() reallocates the reward
 * ring and optima_scheduler_set_history() may allocate the detector's tables.
 *
 * Determinism: the same seed, configuration and rewards give the same arms on every run.
 * The algorithms, their defaults and the order of the random draws are in
 * docs/scheduler.md.
 *
 * Thread safety: one scheduler must not be used from two threads at once; distinct
 * schedulers are independent. optima_scheduler_policy_name() is reentrant.
 */
#ifndef OPTIMA_SCHEDULER_H
#define OPTIMA_SCHEDULER_H

#include "common.h"
#include "context.h"
#include "io.h"
#include "status.h"

OPTIMA_EXTERN_C_BEGIN

/** @brief Opaque scheduler handle. */
typedef struct optima_scheduler optima_scheduler;

/** @brief The decision rule of a scheduler, passed as `int32_t`. Values are fixed forever. */
enum optima_policy {
    OPTIMA_POLICY_OPTIMA = 0,              /**< Thompson sampling over the rewards since the last change-point restart (default), a recent window or a discount (the paper's scheduler). */
    OPTIMA_POLICY_ALL = 1,                 /**< Always the full set of modules: classic layerwise distillation. */
    OPTIMA_POLICY_RANDOM = 2,              /**< A uniformly random arm each round. */
    OPTIMA_POLICY_ROUND_ROBIN = 3,         /**< Arms in index order, cyclically. */
    OPTIMA_POLICY_FIXED = 4,               /**< Always the arm set with optima_scheduler_set_fixed_arm(). */
    OPTIMA_POLICY_UCB1 = 5,                /**< UCB1 (Auer et al. 2002) over all rewards. */
    OPTIMA_POLICY_THOMPSON = 6,            /**< Stationary Gaussian Thompson sampling (Agrawal & Goyal 2013). */
    OPTIMA_POLICY_DISCOUNTED_THOMPSON = 7, /**< Gaussian Thompson sampling over discounted statistics. */
    OPTIMA_POLICY_SLIDING_WINDOW_UCB = 8,  /**< SW-UCB (Garivier & Moulines 2011). */
    OPTIMA_POLICY_EXP3 = 9,                /**< EXP3 (Auer et al. 2002), rewards clipped to [0, 1]. */
    OPTIMA_POLICY_GLR_UCB = 10             /**< UCB with change-point restarts and forced exploration (GLR-UCB, Besson et al. 2020). Since 1.1. */
};

/** @brief Which arms a scheduler offers, passed as `int32_t`. Values are fixed forever. */
enum optima_arm_set {
    OPTIMA_ARMS_ALL_SUBSETS = 0,    /**< Every non-empty subset of the modules (default). */
    OPTIMA_ARMS_SINGLE_MODULES = 1, /**< Each module alone. */
    OPTIMA_ARMS_EXPLICIT = 2        /**< The list given to optima_scheduler_set_arm_masks(). */
};

/** @brief How OPTIMA forgets old rewards, passed as `int32_t`. Values are fixed forever. */
enum optima_history {
    OPTIMA_HISTORY_WINDOW = 0,  /**< Only the rewards of the last W rounds count (the default until 1.0). */
    OPTIMA_HISTORY_DISCOUNT = 1, /**< Every reward counts with weight gamma^(age in rounds). */
    OPTIMA_HISTORY_CHANGE_POINT = 2 /**< Every reward since the last change-point restart counts: a GLR change detector on each arm restarts the memory. The default since 1.1. */
};

/** @brief Largest number of modules a scheduler accepts. */
#define OPTIMA_SCHEDULER_MAX_MODULES 16

/** @brief Largest window accepted by optima_scheduler_set_window(). */
#define OPTIMA_SCHEDULER_MAX_WINDOW 16777216u

/** @brief Largest reward magnitude accepted by optima_scheduler_update(). */
#define OPTIMA_SCHEDULER_MAX_ABS_REWARD 1e100

/** @brief Largest stride accepted by optima_scheduler_set_detector_stride(). Since 1.1. */
#define OPTIMA_SCHEDULER_MAX_DETECTOR_STRIDE 65536u

/**
 * @brief Create a scheduler over @p num_modules modules with every non-empty subset as arms.
 *
 * The scheduler borrows @p ctx (destroy the scheduler first) and allocates every table
 * it will ever need now: later rounds allocate nothing.
 * @param ctx the context whose allocator and log are used.
 * @param num_modules K, 1 to ::OPTIMA_SCHEDULER_MAX_MODULES.
 * @param policy one of ::optima_policy.
 * @param seed seeds the scheduler's generator (any value).
 * @param[out] out receives the new scheduler; untouched on failure.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` naming the bad argument (NULL, K out of range,
 *         unknown policy); `OPTIMA_ENOMEM`.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_create(optima_context *ctx,
                                                                  int32_t num_modules,
                                                                  int32_t policy, uint64_t seed,
                                                                  optima_scheduler **out);

/**
 * @brief Destroy a scheduler.
 * @param s the scheduler, or NULL (then nothing happens).
 */
OPTIMA_API void optima_scheduler_destroy(optima_scheduler *s);

/**
 * @brief The message of the last call that failed on this scheduler.
 * @param s the scheduler, or NULL.
 * @return a NUL-terminated string owned by the scheduler, valid until its next failing
 *         call; `""` if none failed or @p s is NULL. Never NULL.
 */
OPTIMA_API const char *optima_scheduler_last_error(const optima_scheduler *s);

/**
 * @brief The name of a policy, e.g. `"OPTIMA"`, `"SLIDING_WINDOW_UCB"`.
 * @param policy any value.
 * @return a static NUL-terminated string; `"unknown"` for an unknown value. Never NULL.
 */
OPTIMA_API const char *optima_scheduler_policy_name(int32_t policy);

/* ---- configuration: arms and names ------------------------------------------------------ */

/**
 * @brief Offer every non-empty subset (::OPTIMA_ARMS_ALL_SUBSETS) or each module alone
 *        (::OPTIMA_ARMS_SINGLE_MODULES). Before the first select only.
 *
 * Arm order: all subsets in increasing mask order (arm i has mask i + 1); single modules
 * in module order (arm i has mask 1 << i). If the fixed arm (see
 * optima_scheduler_set_fixed_arm()) falls outside the new set, it becomes arm 0.
 * @param s the scheduler.
 * @param arm_set ::OPTIMA_ARMS_ALL_SUBSETS or ::OPTIMA_ARMS_SINGLE_MODULES; use
 *        optima_scheduler_set_arm_masks() for an explicit list.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for NULL or another value, or when the policy is
 *         ::OPTIMA_POLICY_ALL and the set lacks the full set of modules;
 *         `OPTIMA_ESTATE` after the first select.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_set_arm_set(optima_scheduler *s,
                                                                       int32_t arm_set);

/**
 * @brief Offer an explicit list of arms, in the order given. Before the first select only.
 *
 * @param s the scheduler.
 * @param masks @p count module masks; copied. Each must be non-zero, use only bits below
 *        K, and appear once.
 * @param count 1 to 2^K - 1.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` naming 'masks' or 'count' (NULL, zero, out of
 *         range, duplicate; or no full set with ::OPTIMA_POLICY_ALL); `OPTIMA_ESTATE` after
 *         the first select. On failure nothing changes.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_set_arm_masks(optima_scheduler *s,
                                                                         const uint32_t *masks,
                                                                         uint32_t count);

/**
 * @brief Which arm set the scheduler offers.
 * @param s the scheduler.
 * @param[out] arm_set receives one of ::optima_arm_set.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_arm_set(const optima_scheduler *s,
                                                                       int32_t *arm_set);

/**
 * @brief The module masks of all arms, in arm order, whatever the arm set (since 1.1).
 *        Any time.
 *
 * Call with @p masks NULL and @p capacity 0 to learn the count.
 * @param s the scheduler.
 * @param[out] masks receives one mask per arm; may be NULL when @p capacity is 0.
 * @param capacity entries at @p masks.
 * @param[out] count receives |A|, also when @p capacity is 0 or too small.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` (NULL, or @p capacity non-zero but below |A|: then
 *         @p masks is untouched).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_arm_masks(
    const optima_scheduler *s, uint32_t *masks, uint32_t capacity, uint32_t *count);

/**
 * @brief Name the modules, so that arms print as e.g. `vision+fusion`. Any time.
 *
 * Without names, module m prints as `m<m>` (arm mask 5 is `m0+m2`).
 * @param s the scheduler.
 * @param names @p count NUL-terminated names, copied; each 1 to 63 bytes, without `+`,
 *        all distinct. NULL with @p count 0 removes the names.
 * @param count K, or 0 to remove the names.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` naming the bad argument. On failure nothing changes.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_set_module_names(
    optima_scheduler *s, const char *const *names, int32_t count);

/**
 * @brief Read the module names set with optima_scheduler_set_module_names() (since 1.1).
 *        Any time.
 *
 * Call with @p names NULL and @p capacity 0 to learn the count.
 * @param s the scheduler.
 * @param[out] names receives one pointer per module, in module order, to the scheduler's
 *             copy of its name (NUL-terminated, valid until the next
 *             optima_scheduler_set_module_names() or the scheduler's destruction); may be
 *             NULL when @p capacity is 0.
 * @param capacity entries at @p names, ≥ 0.
 * @param[out] count receives K when names are set, 0 when none are (the default: module m
 *             prints as `m<m>`), also when @p capacity is 0 or too small.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` (NULL, a negative @p capacity, or @p capacity
 *         non-zero but below the count: then @p names is untouched).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_module_names(
    const optima_scheduler *s, const char **names, int32_t capacity, int32_t *count);

/* ---- configuration: hyperparameters (before the first select only) ---------------------- */

/**
 * @brief Window W: how many of the most recent rounds count (global round index).
 *
 * Used by ::OPTIMA_POLICY_OPTIMA (in ::OPTIMA_HISTORY_WINDOW mode) and
 * ::OPTIMA_POLICY_SLIDING_WINDOW_UCB. Default 64. Reallocates the reward ring.
 * @param s the scheduler.
 * @param window 1 to ::OPTIMA_SCHEDULER_MAX_WINDOW.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` (NULL, out of range); `OPTIMA_EUNSUPPORTED` for
 *         another policy; `OPTIMA_ESTATE` after the first select; `OPTIMA_ENOMEM` (then
 *         nothing changes).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_set_window(optima_scheduler *s,
                                                                      uint32_t window);

/**
 * @brief Read the window W.
 * @param s the scheduler.
 * @param[out] window receives W (64 unless set).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_window(const optima_scheduler *s,
                                                                      uint32_t *window);

/**
 * @brief OPTIMA's memory: a window of W rounds, a discount gamma, or every reward since
 *        the last change-point restart.
 *
 * ::OPTIMA_HISTORY_CHANGE_POINT allocates the change detector's tables (32 doubles per
 * arm of the largest arm set K allows) unless they exist.
 * @param s the scheduler.
 * A state saved with 1.0's default (::OPTIMA_HISTORY_WINDOW) loads only into a scheduler
 * set to that mode.
 * @param history one of ::optima_history. Default ::OPTIMA_HISTORY_CHANGE_POINT since 1.1
 *        (::OPTIMA_HISTORY_WINDOW in 1.0).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` (NULL, unknown value); `OPTIMA_EUNSUPPORTED` for
 *         a policy other than ::OPTIMA_POLICY_OPTIMA; `OPTIMA_ESTATE` after the first select;
 *         `OPTIMA_ENOMEM` (then nothing changes).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_set_history(optima_scheduler *s,
                                                                       int32_t history);

/**
 * @brief Read OPTIMA's memory mode.
 * @param s the scheduler.
 * @param[out] history receives one of ::optima_history.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_history(const optima_scheduler *s,
                                                                       int32_t *history);

/**
 * @brief Discount gamma: a reward s rounds old weighs gamma^s.
 *
 * Used by ::OPTIMA_POLICY_OPTIMA in ::OPTIMA_HISTORY_DISCOUNT mode and by
 * ::OPTIMA_POLICY_DISCOUNTED_THOMPSON. Default 0.98: an effective memory of
 * 1 / (1 - gamma) = 50 rounds, comparable with the default window of 64.
 * @param s the scheduler.
 * @param gamma in (0, 1].
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` (NULL, out of range, not finite);
 *         `OPTIMA_EUNSUPPORTED` for another policy; `OPTIMA_ESTATE` after the first select.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_set_discount(optima_scheduler *s,
                                                                        double gamma);

/**
 * @brief Read the discount gamma.
 * @param s the scheduler.
 * @param[out] gamma receives gamma (0.98 unless set).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_discount(const optima_scheduler *s,
                                                                        double *gamma);

/**
 * @brief Floor of the estimated reward variance sigma^2 of the Thompson policies.
 *
 * Used by ::OPTIMA_POLICY_OPTIMA, ::OPTIMA_POLICY_THOMPSON and
 * ::OPTIMA_POLICY_DISCOUNTED_THOMPSON when the variance is estimated. Default 1e-6
 * (rewards closer than about 1e-3 are treated as noise).
 * @param s the scheduler.
 * @param floor finite, > 0 and <= 1e100.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL`; `OPTIMA_EUNSUPPORTED` for another policy;
 *         `OPTIMA_ESTATE` after the first select.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_set_variance_floor(optima_scheduler *s,
                                                                              double floor);

/**
 * @brief Read the variance floor.
 * @param s the scheduler.
 * @param[out] floor receives the floor (1e-6 unless set).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_variance_floor(
    const optima_scheduler *s, double *floor);

/**
 * @brief Use a fixed reward variance sigma^2 instead of the estimate (Thompson policies).
 * @param s the scheduler.
 * @param variance 0 to estimate sigma^2 from the rewards (default: the pooled within-arm
 *        variance of the remembered rewards, floored), or a fixed value, finite, > 0 and
 *        <= 1e100.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL`; `OPTIMA_EUNSUPPORTED` for a policy other than
 *         OPTIMA, THOMPSON and DISCOUNTED_THOMPSON; `OPTIMA_ESTATE` after the first select.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_set_fixed_variance(optima_scheduler *s,
                                                                              double variance);

/**
 * @brief Read the fixed variance.
 * @param s the scheduler.
 * @param[out] variance receives it; 0 means "estimated" (the default).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_fixed_variance(
    const optima_scheduler *s, double *variance);

/**
 * @brief Exploration constant c of ::OPTIMA_POLICY_UCB1 and
 *        ::OPTIMA_POLICY_SLIDING_WINDOW_UCB: index = mean + c * sqrt(2 ln t / n).
 *
 * Default 1, the textbook value for rewards in [0, 1]; scale it with the reward range.
 * @param s the scheduler.
 * @param c finite, >= 0 and <= 1e100.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL`; `OPTIMA_EUNSUPPORTED` for another policy;
 *         `OPTIMA_ESTATE` after the first select.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_set_exploration(optima_scheduler *s,
                                                                           double c);

/**
 * @brief Read the exploration constant.
 * @param s the scheduler.
 * @param[out] c receives c (1 unless set).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_exploration(
    const optima_scheduler *s, double *c);

/**
 * @brief Mixing rate gamma of ::OPTIMA_POLICY_EXP3 (share of uniform exploration).
 * @param s the scheduler.
 * @param gamma in (0, 1]. Default 0.1.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL`; `OPTIMA_EUNSUPPORTED` for another policy;
 *         `OPTIMA_ESTATE` after the first select.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_set_exp3_gamma(optima_scheduler *s,
                                                                          double gamma);

/**
 * @brief Read EXP3's mixing rate.
 * @param s the scheduler.
 * @param[out] gamma receives it (0.1 unless set).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_exp3_gamma(
    const optima_scheduler *s, double *gamma);

/**
 * @brief The arm ::OPTIMA_POLICY_FIXED always plays.
 * @param s the scheduler.
 * @param arm an arm index below the number of arms. Default 0.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` (NULL, out of range); `OPTIMA_EUNSUPPORTED` for
 *         another policy; `OPTIMA_ESTATE` after the first select.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_set_fixed_arm(optima_scheduler *s,
                                                                         uint32_t arm);

/**
 * @brief Read the fixed arm.
 * @param s the scheduler.
 * @param[out] arm receives it (0 unless set).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_fixed_arm(
    const optima_scheduler *s, uint32_t *arm);

/**
 * @brief Forced exploration alpha: the minimum share of rounds that play every arm in turn.
 *
 * Used by ::OPTIMA_POLICY_OPTIMA (every history mode) and ::OPTIMA_POLICY_GLR_UCB.
 * Counting rounds from the last change-point restart (or the start), periods of
 * floor(|A| / alpha) rounds begin with |A| rounds that play every arm once (OPTIMA in its
 * seeded sweep order, GLR_UCB in index order), so no arm goes unplayed for longer than a
 * period and every arm's change detector keeps seeing rewards. 0 forces only the first
 * |A| rounds after the start or a restart (OPTIMA's initial sweep). Default 0 (since 1.1;
 * docs/scheduler.md has the measurements behind it).
 * @param s the scheduler.
 * @param alpha finite, in [0, 1].
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` naming 'alpha' or 's'; `OPTIMA_EUNSUPPORTED` for
 *         another policy; `OPTIMA_ESTATE` after the first select.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_set_forced_exploration(
    optima_scheduler *s, double alpha);

/**
 * @brief Read the forced exploration alpha. Since 1.1.
 * @param s the scheduler.
 * @param[out] alpha receives alpha (0 unless set).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_forced_exploration(
    const optima_scheduler *s, double *alpha);

/**
 * @brief Confidence delta of the change detector (::OPTIMA_HISTORY_CHANGE_POINT and
 *        ::OPTIMA_POLICY_GLR_UCB): an alarm when the Gaussian GLR statistic of an arm's
 *        rewards since the last restart reaches ln(3 n^(3/2) / delta), n their count.
 *
 * Smaller delta: fewer false alarms, a longer detection delay. Default 0.01. Used by
 * ::OPTIMA_POLICY_OPTIMA (in ::OPTIMA_HISTORY_CHANGE_POINT mode) and
 * ::OPTIMA_POLICY_GLR_UCB. Since 1.1.
 * @param s the scheduler.
 * @param delta finite, in (0, 1).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` naming 'delta' or 's'; `OPTIMA_EUNSUPPORTED` for
 *         another policy; `OPTIMA_ESTATE` after the first select.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_set_detector_confidence(
    optima_scheduler *s, double delta);

/**
 * @brief Read the change detector's confidence delta. Since 1.1.
 * @param s the scheduler.
 * @param[out] delta receives delta (0.01 unless set).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_detector_confidence(
    const optima_scheduler *s, double *delta);

/**
 * @brief Subsampling stride of the change detector: an arm's rewards are tested each time
 *        their count reaches a multiple of the stride, at split points every stride
 *        rewards, over the arm's last 32 blocks of stride rewards.
 *
 * A larger stride tests less often (cheaper) and looks further back (smaller changes can
 * be told apart), and adds up to stride rewards of delay. Default 4. Used by
 * ::OPTIMA_POLICY_OPTIMA and ::OPTIMA_POLICY_GLR_UCB. Since 1.1.
 * @param s the scheduler.
 * @param stride 1 to ::OPTIMA_SCHEDULER_MAX_DETECTOR_STRIDE.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` naming 'stride' or 's'; `OPTIMA_EUNSUPPORTED` for
 *         another policy; `OPTIMA_ESTATE` after the first select.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_set_detector_stride(
    optima_scheduler *s, uint32_t stride);

/**
 * @brief Read the change detector's stride. Since 1.1.
 * @param s the scheduler.
 * @param[out] stride receives the stride (4 unless set).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_detector_stride(
    const optima_scheduler *s, uint32_t *stride);

/* ---- rounds ------------------------------------------------------------------------------ */

/**
 * @brief Pick the arm for the next round.
 *
 * If an earlier selected arm still waits for its update, the same arm is returned again
 * and nothing is drawn (a round interrupted before its reward is simply retried).
 * Allocates nothing; O(number of arms).
 * @param s the scheduler.
 * @param[out] arm receives the arm index.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_select(optima_scheduler *s,
                                                                  uint32_t *arm);

/**
 * @brief Report the reward of the round played with @p arm.
 *
 * Must follow a select that returned @p arm. Allocates nothing; O(1) amortised.
 * @param s the scheduler.
 * @param arm the arm the last select returned.
 * @param reward larger is better; finite, |reward| <= ::OPTIMA_SCHEDULER_MAX_ABS_REWARD.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` (NULL, arm out of range, reward too large);
 *         `OPTIMA_ENONFINITE` for a NaN or infinite reward; `OPTIMA_ESTATE` when no select
 *         is pending or it returned another arm. On failure nothing changes.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_update(optima_scheduler *s,
                                                                  uint32_t arm, double reward);

/* ---- reading the state ------------------------------------------------------------------- */

/**
 * @brief Number of modules K.
 * @param s the scheduler.
 * @param[out] num_modules receives K.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_num_modules(
    const optima_scheduler *s, int32_t *num_modules);

/**
 * @brief The scheduler's policy.
 * @param s the scheduler.
 * @param[out] policy receives one of ::optima_policy.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_policy(const optima_scheduler *s,
                                                                      int32_t *policy);

/**
 * @brief Number of arms |A|.
 * @param s the scheduler.
 * @param[out] num_arms receives |A|.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_num_arms(const optima_scheduler *s,
                                                                        uint32_t *num_arms);

/**
 * @brief Number of completed rounds (successful updates).
 * @param s the scheduler.
 * @param[out] rounds receives the count.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_rounds(const optima_scheduler *s,
                                                                      uint64_t *rounds);

/**
 * @brief How many times the change detector restarted the memory (every arm's
 *        statistics) since the start. Since 1.1.
 *
 * Always 0 for a policy without a change detector.
 * @param s the scheduler.
 * @param[out] restarts receives the count.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_restarts(const optima_scheduler *s,
                                                                        uint64_t *restarts);

/**
 * @brief The module mask of an arm.
 * @param s the scheduler.
 * @param arm an arm index.
 * @param[out] mask receives the mask (bit m = module m).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` (NULL, arm out of range).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_arm_mask(const optima_scheduler *s,
                                                                        uint32_t arm,
                                                                        uint32_t *mask);

/**
 * @brief The arm whose mask is @p mask.
 * @param s the scheduler.
 * @param mask a module mask.
 * @param[out] arm receives the arm index.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL; `OPTIMA_ENOTFOUND` when no
 *         arm has this mask.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_find_arm(const optima_scheduler *s,
                                                                    uint32_t mask, uint32_t *arm);

/**
 * @brief The printable name of an arm: its modules' names in module order joined by `+`.
 *
 * Call with @p buffer NULL and @p capacity 0 to learn the length.
 * @param s the scheduler.
 * @param arm an arm index.
 * @param[out] buffer receives the NUL-terminated name; may be NULL when @p capacity is 0.
 * @param capacity bytes at @p buffer.
 * @param[out] length receives the name's length without the NUL, also when @p capacity
 *        is too small.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` (NULL, arm out of range, or @p capacity non-zero
 *         but not above the length: then @p buffer is untouched).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_arm_name(const optima_scheduler *s,
                                                                        uint32_t arm,
                                                                        char *buffer,
                                                                        size_t capacity,
                                                                        size_t *length);

/**
 * @brief How many rewards of an arm the policy currently remembers.
 *
 * Window policies: rewards in the last W rounds; discount policies: the discounted count
 * sum of gamma^age; others: all rewards.
 * @param s the scheduler.
 * @param arm an arm index.
 * @param[out] count receives the count.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` (NULL, arm out of range).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_arm_count(
    const optima_scheduler *s, uint32_t arm, double *count);

/**
 * @brief Mean of the rewards of an arm the policy remembers (see
 *        optima_scheduler_get_arm_count()).
 * @param s the scheduler.
 * @param arm an arm index.
 * @param[out] mean receives the mean; NaN when the count is 0.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` (NULL, arm out of range).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_arm_mean(
    const optima_scheduler *s, uint32_t arm, double *mean);

/**
 * @brief The last Thompson sample theta drawn for an arm.
 * @param s the scheduler.
 * @param arm an arm index.
 * @param[out] theta receives it; NaN before the first draw and for policies that draw none.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` (NULL, arm out of range).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_arm_sample(
    const optima_scheduler *s, uint32_t arm, double *theta);

/**
 * @brief How many rounds an arm has been played (updates credited to it), ever.
 * @param s the scheduler.
 * @param arm an arm index.
 * @param[out] plays receives the count.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` (NULL, arm out of range).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_get_arm_plays(
    const optima_scheduler *s, uint32_t arm, uint64_t *plays);

/* ---- saving and restoring ---------------------------------------------------------------- */

/**
 * @brief Write the whole state (configuration, statistics, reward window, generator, a
 *        pending select) as a versioned, checksummed byte stream.
 * @param s the scheduler; not changed.
 * @param write the sink.
 * @param user passed first to @p write.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if @p s or @p write is NULL; `OPTIMA_ECALLBACK`
 *         when the sink returned non-zero.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_save(const optima_scheduler *s,
                                                                optima_write_fn write,
                                                                void *user);

/**
 * @brief Replace the state with one saved by optima_scheduler_save().
 *
 * The scheduler must have the same configuration as the saved one (K, policy, arms and
 * hyperparameters); module names are not part of it. Afterwards the scheduler continues
 * exactly where the saved one stopped. Allocates a temporary copy of the tables.
 * @param s the scheduler.
 * @param read the source.
 * @param user passed first to @p read.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if @p s or @p read is NULL; `OPTIMA_EFORMAT`
 *         (not a scheduler stream, truncated, inconsistent); `OPTIMA_ECHECKSUM`;
 *         `OPTIMA_EVERSION` (a newer format); `OPTIMA_EMISMATCH` (another configuration,
 *         named in the message); `OPTIMA_ECALLBACK`; `OPTIMA_ENOMEM`. On failure nothing
 *         changes.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_load(optima_scheduler *s,
                                                                optima_read_fn read, void *user);

/**
 * @brief optima_scheduler_save() into a caller buffer.
 *
 * Call with @p buffer NULL and @p capacity 0 to learn the size.
 * @param s the scheduler.
 * @param[out] buffer receives the stream; may be NULL when @p capacity is 0.
 * @param capacity bytes at @p buffer.
 * @param[out] size receives the stream's size, also when @p capacity is too small.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` (NULL, or @p capacity non-zero but too small).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_save_to_buffer(
    const optima_scheduler *s, void *buffer, size_t capacity, size_t *size);

/**
 * @brief optima_scheduler_load() from a buffer.
 * @param s the scheduler.
 * @param buffer the stream.
 * @param size its size in bytes.
 * @return as optima_scheduler_load(), with `OPTIMA_EFORMAT` also for trailing bytes.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_scheduler_load_from_buffer(
    optima_scheduler *s, const void *buffer, size_t size);

OPTIMA_EXTERN_C_END

#endif /* OPTIMA_SCHEDULER_H */
