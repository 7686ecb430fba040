/* The change-point memory: every arm's rewards since the last restart, and a change
 * detector on each arm's stream that restarts the memory when it fires.
 *
 * The detector is the Gaussian generalised likelihood ratio (GLR) test of Besson,
 * Kaufmann, Maillard & Seznec (2020, "Efficient change-point detection for tackling
 * piecewise-stationary bandits"): for the n rewards of an arm since the last restart,
 * split after s of them; with sigma^2 the reward noise,
 *     GLR(s) = s (n - s) / n * (mean(1..s) - mean(s+1..n))^2 / (2 sigma^2),
 * and an alarm when max_s GLR(s) >= beta(n, delta) = ln(3 n^(3/2) / delta), the
 * threshold the paper uses in its experiments. As the paper suggests for speed, the test
 * is subsampled: it runs when an arm's count reaches a multiple of the stride, over split
 * points every stride rewards. Memory is bounded (nothing is allocated after
 * configuration): each arm keeps the sums of its last OPT_SCHED_DETECTOR_BLOCKS closed
 * blocks of stride rewards in a ring, so the split points cover the last
 * stride * OPT_SCHED_DETECTOR_BLOCKS rewards. An older change would have fired earlier,
 * when it was recent. A test costs O(blocks) once per stride rewards of an arm, plus the
 * O(|A|) sigma^2 estimate.
 *
 * A restart is global (every arm's statistics start afresh, the detector's included), as
 * in GLR-klUCB with global restarts: a change in one arm can change which arm is best, and
 * the arms the policy neglects would otherwise keep their stale means. The pooled
 * within-arm variance of the segment that ended is kept as sigma^2's prior, because a
 * change moves means, not the noise, and a memory of single rewards has no variance. */
#include <math.h>

#include "core/context_impl.h"
#include "scheduler_impl.h"

optima_status opt_cp_allocate(optima_scheduler *s, const char *fn)
{
    if (s->cp.blocks != NULL) return OPTIMA_OK;
    s->cp.blocks = opt_calloc(s->ctx, (size_t)s->max_arms * OPT_SCHED_DETECTOR_BLOCKS,
                              sizeof *s->cp.blocks);
    OPT_RETURN_ERROR_IF(s->cp.blocks == NULL, &s->error, OPTIMA_ENOMEM,
                        "%s: cannot allocate the change detector's blocks for %u arms", fn,
                        (unsigned)s->max_arms);
    return OPTIMA_OK;
}

static void opt_cp_clear_arms(optima_scheduler *s)
{
    for (uint32_t i = 0; i < s->max_arms; ++i) {
        opt_arm *a = &s->arms[i];
        a->cp_count = 0;
        a->cp_mean = 0.0;
        a->cp_m2 = 0.0;
        a->cp_block = 0.0;
    }
}

void opt_cp_reset(optima_scheduler *s)
{
    opt_cp_clear_arms(s);
    s->cp.restarts = 0;
    s->cp.restart_round = 0;
    s->cp.retired_m2 = 0.0;
    s->cp.retired_count = 0.0;
}

uint32_t opt_cp_kept(uint64_t count, uint32_t stride)
{
    const uint64_t closed = count / stride;
    return closed < OPT_SCHED_DETECTOR_BLOCKS ? (uint32_t)closed : OPT_SCHED_DETECTOR_BLOCKS;
}

/* Closed block i (i = 0 the first since the restart) lives in slot i mod the ring size. */
uint32_t opt_cp_slot(uint64_t count, uint32_t stride, uint32_t b)
{
    const uint64_t index = count / stride - opt_cp_kept(count, stride) + b;
    return (uint32_t)(index % OPT_SCHED_DETECTOR_BLOCKS);
}

uint32_t opt_cp_kept_blocks(const optima_scheduler *s, uint32_t arm)
{
    return opt_cp_kept(s->arms[arm].cp_count, s->detector_stride);
}

double *opt_cp_block(const optima_scheduler *s, uint32_t arm, uint32_t b)
{
    return &s->cp.blocks[(size_t)arm * OPT_SCHED_DETECTOR_BLOCKS +
                         opt_cp_slot(s->arms[arm].cp_count, s->detector_stride, b)];
}

double opt_cp_glr_ratio(const optima_scheduler *s, uint32_t arm, double variance)
{
    const opt_arm *a = &s->arms[arm];
    const double n = (double)a->cp_count;
    if (a->cp_count < 2) return 0.0;
    const double total = a->cp_mean * n;
    const uint32_t kept = opt_cp_kept_blocks(s, arm);
    double post_sum = 0.0, best = 0.0;
    for (uint32_t j = 1; j <= kept; ++j) {
        post_sum += *opt_cp_block(s, arm, kept - j);
        const double post_n = (double)j * (double)s->detector_stride;
        const double pre_n = n - post_n;
        if (pre_n < 1.0) break;
        const double diff = (total - post_sum) / pre_n - post_sum / post_n;
        const double glr = pre_n * post_n / n * diff * diff / (2.0 * variance);
        if (glr > best) best = glr;
    }
    const double beta = log(3.0 * n * sqrt(n) / s->detector_confidence);
    return best / beta;
}

/* Every arm starts afresh; the ended segment's pooled within-arm variance stays as the
 * prior of sigma^2. Plays, the window, the decay and the generator are not touched. */
static void opt_cp_restart(optima_scheduler *s)
{
    double m2 = 0.0, count = 0.0;
    for (uint32_t i = 0; i < s->num_arms; ++i) {
        m2 += s->arms[i].cp_m2;
        count += (double)s->arms[i].cp_count;
    }
    s->cp.retired_m2 = m2;
    s->cp.retired_count = count;
    opt_cp_clear_arms(s);
    s->cp.restarts += 1;
    s->cp.restart_round = s->rounds;
}

void opt_cp_push(optima_scheduler *s, uint32_t arm, double reward)
{
    opt_arm *a = &s->arms[arm];
    a->cp_count += 1;
    const double delta = reward - a->cp_mean;
    a->cp_mean += delta / (double)a->cp_count;
    a->cp_m2 += delta * (reward - a->cp_mean);
    a->cp_block += reward;
    if (a->cp_count % s->detector_stride != 0) return;
    *opt_cp_block(s, arm, opt_cp_kept_blocks(s, arm) - 1) = a->cp_block;
    a->cp_block = 0.0;
    double mean, variance;
    opt_sched_memory_moments(s, &mean, &variance);
    if (opt_cp_glr_ratio(s, arm, variance) >= 1.0) opt_cp_restart(s);
}
