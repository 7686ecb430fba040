/* The sliding window of the last W rounds: a ring of (arm, reward), the arms' counts and
 * sums over it, and Welford's mean and squared deviations of all its rewards.
 *
 * Adding and removing with Welford's updates keeps the variance free of the catastrophic
 * cancellation of sum(r^2) - sum(r)^2 / n, but rounding still drifts slowly over an
 * unbounded run; so every W rounds (when the ring wraps) the moments and the arms' sums
 * are recomputed exactly from the ring: O(W) every W rounds, O(1) amortised. Everything
 * depends only on the reward history, so it is deterministic. */
#include <math.h>

#include "scheduler_impl.h"

void opt_window_reset(opt_window *w)
{
    w->size = 0;
    w->head = 0;
    w->mean = 0.0;
    w->m2 = 0.0;
}

static uint32_t opt_window_oldest(const opt_window *w)
{
    return (w->head + w->capacity - w->size) % w->capacity;
}

static void opt_window_evict(opt_window *w, opt_arm *arms)
{
    const opt_ring_entry e = w->ring[opt_window_oldest(w)];
    opt_arm *a = &arms[e.arm];
    a->win_count -= 1;
    /* an arm that left the window has exactly nothing left, whatever rounding did */
    a->win_sum = a->win_count == 0 ? 0.0 : a->win_sum - e.reward;
    w->size -= 1;
    if (w->size == 0) {
        w->mean = 0.0;
        w->m2 = 0.0;
        return;
    }
    const double old_mean = w->mean;
    w->mean -= (e.reward - old_mean) / (double)w->size;
    w->m2 -= (e.reward - w->mean) * (e.reward - old_mean);
    if (w->m2 < 0.0) w->m2 = 0.0;
}

void opt_window_push(opt_window *w, opt_arm *arms, uint32_t arm, double reward)
{
    if (w->size == w->capacity) opt_window_evict(w, arms);
    w->ring[w->head].arm = arm;
    w->ring[w->head].reward = reward;
    w->ring[w->head].reserved = 0;
    w->head = (w->head + 1) % w->capacity;
    w->size += 1;
    arms[arm].win_count += 1;
    arms[arm].win_sum += reward;
    const double delta = reward - w->mean;
    w->mean += delta / (double)w->size;
    w->m2 += delta * (reward - w->mean);
    if (w->head == 0) opt_window_refresh(w, arms);
}

void opt_window_refresh(opt_window *w, opt_arm *arms)
{
    const uint32_t first = opt_window_oldest(w);
    double sum = 0.0;
    for (uint32_t i = 0; i < w->size; ++i) arms[w->ring[(first + i) % w->capacity].arm].win_sum = 0.0;
    for (uint32_t i = 0; i < w->size; ++i) {
        const opt_ring_entry *e = &w->ring[(first + i) % w->capacity];
        arms[e->arm].win_sum += e->reward;
        sum += e->reward;
    }
    w->mean = w->size > 0 ? sum / (double)w->size : 0.0;
    double m2 = 0.0;
    for (uint32_t i = 0; i < w->size; ++i) {
        const double d = w->ring[(first + i) % w->capacity].reward - w->mean;
        m2 += d * d;
    }
    w->m2 = m2;
}
