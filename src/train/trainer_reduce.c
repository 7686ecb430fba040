/* Data-parallel training (optima_trainer_set_reduction): each rank's trainer sums, through
 * the host's engine, what must be the same on every rank.
 *
 * Each rank hands the mean losses over its own rows, so a rank's values are weighted by
 * its row count w before the sum: Σ w·x / Σ w is the mean over the global batch. The
 * projections' gradients of a rank's mean loss are scaled by w / Σ w, so their sum is the
 * gradient of the global batch's mean. The alignment's sums ⟨g_task, g_layer⟩ and norms
 * are of gradients of means: over the concatenated batch a rank's gradients are w / Σ w
 * times its own, so its sums are weighted by w² (the common 1 / (Σ w)² cancels in the
 * cosine). The evaluation losses have no row count: equal weights.
 *
 * The sums stand in for the step's values while the step's fallible parts run, the local
 * values kept aside; a failure puts them back, so the step may be ended again. */
#include <math.h>
#include <string.h>

#include "trainer_impl.h"

optima_status optima_trainer_set_reduction(optima_trainer *t, optima_reduce_fn fn_, void *user)
{
    static const char fn[] = "optima_trainer_set_reduction";
    OPT_CHECK_TRAINER(fn, t);
    OPT_FORWARD_IF_ERROR(opt_trainer_require_configuring(t, fn));
    t->reduce.fn = fn_;
    t->reduce.user = user;
    return OPTIMA_OK;
}

optima_status optima_trainer_get_reduction(const optima_trainer *t, optima_reduce_fn *fn_,
                                           void **user)
{
    static const char fn[] = "optima_trainer_get_reduction";
    OPT_CHECK_TRAINER(fn, t);
    OPT_RETURN_ERROR_IF(fn_ == NULL, &t->error, OPTIMA_EINVAL, "%s: argument 'fn' is NULL", fn);
    OPT_CHECK_NOT_NULL(&t->error, fn, user);
    *fn_ = t->reduce.fn;
    *user = t->reduce.user;
    return OPTIMA_OK;
}

optima_status optima_trainer_set_agreement_interval(optima_trainer *t, uint32_t rounds)
{
    OPT_CHECK_TRAINER("optima_trainer_set_agreement_interval", t);
    t->reduce.agreement_interval = rounds;
    return OPTIMA_OK;
}

optima_status optima_trainer_get_agreement_interval(const optima_trainer *t, uint32_t *rounds)
{
    static const char fn[] = "optima_trainer_get_agreement_interval";
    OPT_CHECK_TRAINER(fn, t);
    OPT_CHECK_NOT_NULL(&t->error, fn, rounds);
    *rounds = t->reduce.agreement_interval;
    return OPTIMA_OK;
}

void opt_reduce_release(optima_trainer *t)
{
    opt_free(t->ctx, t->reduce.grads);
    t->reduce.grads = NULL;
    t->reduce.grads_capacity = 0;
}

static optima_status opt_call(optima_trainer *t, int32_t what, int32_t dtype, void *data,
                              size_t count, const char *fn)
{
    const int code = t->reduce.fn(t->reduce.user, what, dtype, data, count);
    if (code == 0) return OPTIMA_OK;
    t->callback_code = code;
    static const char *const names[] = {"step statistics", "projection gradients", "agreement"};
    return opt_fail(&t->error, OPTIMA_ECALLBACK,
                    "%s: the reduction callback returned %d for the %s (%zu values)", fn, code,
                    names[what], count);
}

/* ---- agreement ---------------------------------------------------------------------------- */

/* FNV-1a, 64 bits, over the scheduler's saved state. */
static int opt_hash_write(void *user, const void *data, size_t size)
{
    uint64_t *h = user;
    const unsigned char *b = data;
    for (size_t i = 0; i < size; ++i) *h = (*h ^ b[i]) * 0x100000001b3ull;
    return 0;
}

/* Sum of x and of x² over the ranks equal N·x and N·x² on one rank only when every rank
 * holds the same x (the variance is then 0), so every rank reaches the same verdict. The
 * values are 16-bit integers: the sums are exact in float64 up to 2^21 ranks. */
static optima_status opt_check_agreement(optima_trainer *t, const char *fn)
{
    uint64_t hash = 0xcbf29ce484222325ull;
    opt_ignore_status(optima_scheduler_save(t->scheduler, opt_hash_write, &hash));
    opt_ignore_status(opt_hash_write(&hash, &t->steps_done, sizeof t->steps_done));
    double own[OPT_AGREEMENT_VALUES] = {(double)(t->arm & 0xffffu), (double)(t->arm >> 16)};
    for (int k = 0; k < 4; ++k) own[2 + k] = (double)(hash >> (16 * k) & 0xffffu);
    double v[1 + 2 * OPT_AGREEMENT_VALUES] = {1.0};
    for (int k = 0; k < OPT_AGREEMENT_VALUES; ++k) {
        v[1 + k] = own[k];
        v[1 + OPT_AGREEMENT_VALUES + k] = own[k] * own[k];
    }
    OPT_FORWARD_IF_ERROR(opt_call(t, OPTIMA_REDUCE_AGREEMENT, OPTIMA_DTYPE_F64, v,
                                  sizeof v / sizeof *v, fn));
    const double ranks = v[0];
    int agree = 1;
    for (int k = 0; k < OPT_AGREEMENT_VALUES; ++k)
        agree &= v[1 + k] == ranks * own[k] &&
                 v[1 + OPT_AGREEMENT_VALUES + k] == ranks * own[k] * own[k];
    OPT_RETURN_ERROR_IF(!agree, &t->error, OPTIMA_ESTATE,
                        "%s: the ranks disagree at round %llu: their arms or scheduler states "
                        "differ (this rank plays arm %u; same seed and configuration on every "
                        "rank?)", fn, (unsigned long long)t->rounds_done, (unsigned)t->arm);
    return OPTIMA_OK;
}

static int opt_agreement_due(const optima_trainer *t)
{
    return t->reduce.agreement_interval != 0 && t->round.steps == 0 &&
           t->rounds_done % t->reduce.agreement_interval == 0;
}

/* ---- the step's statistics ---------------------------------------------------------------- */

static size_t opt_stat_count(const optima_trainer *t)
{
    const int aligned = t->reward_source == OPTIMA_REWARD_SOURCE_ALIGNMENT;
    return OPT_STAT_FIXED + (aligned ? 4 : 1) * t->pair_count;
}

/* The baseline evaluation submitted before the first step: still this rank's own. */
static int opt_has_local_baseline(const optima_trainer *t)
{
    return t->reward_source == OPTIMA_REWARD_SOURCE_EVALUATION && t->has_previous &&
           t->steps_done == 0 && t->rounds_done == 0 && t->round.steps == 0;
}

static void opt_pack_stats(optima_trainer *t, double reference)
{
    opt_reduce_state *r = &t->reduce;
    const double w = r->rows;
    const size_t P = t->pair_count;
    double *s = r->stats;
    memset(s, 0, opt_stat_count(t) * sizeof *s);
    s[OPT_STAT_RANKS] = 1.0;
    s[OPT_STAT_ROWS] = w;
    s[OPT_STAT_REFERENCE] = w * reference;
    if (t->has_evaluation && opt_trainer_step_ends_round(t)) {
        s[OPT_STAT_EVALUATION] = t->evaluation;
        s[OPT_STAT_EVALUATIONS] = 1.0;
    }
    if (opt_has_local_baseline(t)) {
        s[OPT_STAT_BASELINE] = t->previous_reference;
        s[OPT_STAT_BASELINES] = 1.0;
    }
    for (size_t p = 0; p < P; ++p) s[OPT_STAT_FIXED + p] = w * t->step_pair_loss[p];
    if (t->reward_source != OPTIMA_REWARD_SOURCE_ALIGNMENT) return;
    const opt_alignment_step *a = &t->reward.step;
    for (size_t p = 0; p < P; ++p) {
        s[OPT_STAT_FIXED + P + p] = w * w * a->dot[p];
        s[OPT_STAT_FIXED + 2 * P + p] = w * w * a->task_sq[p];
        s[OPT_STAT_FIXED + 3 * P + p] = w * w * a->layer_sq[p];
    }
}

/* Every rank or none submitted an evaluation: a round's reward would differ otherwise. */
static optima_status opt_check_counts(optima_trainer *t, const char *fn)
{
    const double *s = t->reduce.stats, ranks = s[OPT_STAT_RANKS];
    const double have[2] = {s[OPT_STAT_EVALUATIONS], s[OPT_STAT_BASELINES]};
    for (int k = 0; k < 2; ++k)
        OPT_RETURN_ERROR_IF(have[k] != 0.0 && have[k] != ranks, &t->error, OPTIMA_ESTATE,
                            "%s: %s evaluation was submitted on %.0f of %.0f ranks "
                            "(optima_trainer_submit_evaluation on every rank)", fn,
                            k ? "the baseline" : "this round's", have[k], ranks);
    OPT_RETURN_ERROR_IF(!(s[OPT_STAT_ROWS] > 0.0), &t->error, OPTIMA_ESTATE,
                        "%s: the reduced row count is %g: the reduction callback did not sum",
                        fn, s[OPT_STAT_ROWS]);
    return OPTIMA_OK;
}

/* Keep the local values aside and put the global ones in their place. */
static void opt_apply_stats(optima_trainer *t, double *reference)
{
    opt_reduce_state *r = &t->reduce;
    const double *s = r->stats, W = s[OPT_STAT_ROWS];
    const size_t P = t->pair_count;
    memcpy(r->pair_loss, t->step_pair_loss, sizeof r->pair_loss);
    r->alignment = t->reward.step;
    r->evaluation = t->evaluation;
    r->previous_reference = t->previous_reference;
    *reference = s[OPT_STAT_REFERENCE] / W;
    for (size_t p = 0; p < P; ++p) t->step_pair_loss[p] = s[OPT_STAT_FIXED + p] / W;
    if (s[OPT_STAT_EVALUATIONS] > 0.0)
        t->evaluation = s[OPT_STAT_EVALUATION] / s[OPT_STAT_EVALUATIONS];
    if (s[OPT_STAT_BASELINES] > 0.0)
        t->previous_reference = s[OPT_STAT_BASELINE] / s[OPT_STAT_BASELINES];
    if (t->reward_source == OPTIMA_REWARD_SOURCE_ALIGNMENT) {
        opt_alignment_step *a = &t->reward.step;
        for (size_t p = 0; p < P; ++p) {
            a->dot[p] = s[OPT_STAT_FIXED + P + p];
            a->task_sq[p] = s[OPT_STAT_FIXED + 2 * P + p];
            a->layer_sq[p] = s[OPT_STAT_FIXED + 3 * P + p];
        }
    }
    r->applied = 1;
}

/* ---- the projections' gradients ---------------------------------------------------------- */

static int opt_reduces_projection(const optima_trainer *t, size_t p, size_t i)
{
    return t->optimizer_kind != OPTIMA_OPTIMIZER_HOST && opt_trainer_pair_active(t, p) &&
           t->pairs[p].projection_size[i] > 0;
}

/* Every projection at once: the first step allocates, no later one. */
static optima_status opt_reserve_grads(optima_trainer *t, const char *fn)
{
    if (t->reduce.grads != NULL) return OPTIMA_OK;
    size_t total = 0;
    for (size_t p = 0; p < t->pair_count; ++p)
        for (size_t i = 0; i < t->pairs[p].layer_pairs; ++i) total += t->pairs[p].projection_size[i];
    if (total == 0) return OPTIMA_OK;
    t->reduce.grads = opt_calloc(t->ctx, total, sizeof(float));
    OPT_RETURN_ERROR_IF(t->reduce.grads == NULL, &t->error, OPTIMA_ENOMEM,
                        "%s: out of memory for the projections' gradients (%zu floats)", fn,
                        total);
    t->reduce.grads_capacity = total;
    return OPTIMA_OK;
}

static optima_status opt_reduce_grads(optima_trainer *t, const char *fn)
{
    opt_reduce_state *r = &t->reduce;
    r->grads_count = 0;
    OPT_FORWARD_IF_ERROR(opt_reserve_grads(t, fn));
    const float share = (float)(r->rows / r->stats[OPT_STAT_ROWS]);
    size_t n = 0;
    for (size_t p = 0; p < t->pair_count; ++p)
        for (size_t i = 0; i < t->pairs[p].layer_pairs; ++i) {
            if (!opt_reduces_projection(t, p, i)) continue;
            const float *g = NULL;
            opt_ignore_status(optima_loss_projection_grad(t->pairs[p].loss, i, &g, NULL, NULL));
            for (size_t k = 0; k < t->pairs[p].projection_size[i]; ++k) r->grads[n + k] = share * g[k];
            n += t->pairs[p].projection_size[i];
        }
    if (n == 0) return OPTIMA_OK;
    OPT_FORWARD_IF_ERROR(opt_call(t, OPTIMA_REDUCE_PROJECTION_GRADS, OPTIMA_DTYPE_F32, r->grads, n, fn));
    r->grads_count = n;
    return OPTIMA_OK;
}

const float *opt_reduce_projection_grad(const optima_trainer *t, size_t pair, size_t layer_pair,
                                        const float *local)
{
    if (t->reduce.grads_count == 0) return local;
    size_t offset = 0;
    for (size_t p = 0; p < t->pair_count; ++p)
        for (size_t i = 0; i < t->pairs[p].layer_pairs; ++i) {
            if (!opt_reduces_projection(t, p, i)) continue;
            if (p == pair && i == layer_pair) return t->reduce.grads + offset;
            offset += t->pairs[p].projection_size[i];
        }
    return local;
}

/* ---- the step ------------------------------------------------------------------------------ */

void opt_reduce_undo(optima_trainer *t)
{
    opt_reduce_state *r = &t->reduce;
    r->grads_count = 0;
    if (!r->applied) return;
    memcpy(t->step_pair_loss, r->pair_loss, sizeof r->pair_loss);
    t->reward.step = r->alignment;
    t->evaluation = r->evaluation;
    t->previous_reference = r->previous_reference;
    r->applied = 0;
}

void opt_reduce_commit(optima_trainer *t)
{
    t->reduce.applied = 0;
    t->reduce.grads_count = 0;
}

optima_status opt_reduce_step(optima_trainer *t, double *reference, const char *fn)
{
    opt_reduce_state *r = &t->reduce;
    if (r->fn == NULL) return OPTIMA_OK;
    if (opt_agreement_due(t)) OPT_FORWARD_IF_ERROR(opt_check_agreement(t, fn));
    r->rows = t->step_rows > 0 ? (double)t->step_rows : 1.0;
    opt_pack_stats(t, *reference);
    OPT_FORWARD_IF_ERROR(opt_call(t, OPTIMA_REDUCE_STEP_STATS, OPTIMA_DTYPE_F64, r->stats,
                                  opt_stat_count(t), fn));
    OPT_FORWARD_IF_ERROR(opt_check_counts(t, fn));
    opt_apply_stats(t, reference);
    const optima_status s = opt_reduce_grads(t, fn);
    if (s != OPTIMA_OK) opt_reduce_undo(t);
    return s;
}
