/* The common trend of the rewards and the detrended reward (reward_trend.h), with the
 * trainer's setting that chooses the trend model. */
#include <string.h>

#include "trainer_impl.h"

void opt_reward_trend_init(opt_reward_trend *trend)
{
    memset(trend, 0, sizeof *trend);
    trend->window = OPT_TREND_DEFAULT_WINDOW;
    trend->model = OPTIMA_REWARD_TREND_MEAN;
}

void opt_reward_trend_clear(opt_reward_trend *trend)
{
    trend->count = 0;
    trend->next = 0;
    memset(trend->base, 0, sizeof trend->base);
}

/* The i-th kept base reward, oldest first. */
static double opt_trend_at(const opt_reward_trend *trend, uint32_t i)
{
    const uint32_t first = (trend->next + trend->window - trend->count) % trend->window;
    return trend->base[(first + i) % trend->window];
}

static double opt_trend_mean(const opt_reward_trend *trend)
{
    double sum = 0.0;
    for (uint32_t i = 0; i < trend->count; ++i) sum += opt_trend_at(trend, i);
    return sum / (double)trend->count;
}

/* Least squares of the kept rewards against their round index 0..n−1, evaluated at n. */
static double opt_trend_line(const opt_reward_trend *trend)
{
    const double n = (double)trend->count, xbar = (n - 1.0) / 2.0, ybar = opt_trend_mean(trend);
    double sxy = 0.0, sxx = 0.0;
    for (uint32_t i = 0; i < trend->count; ++i) {
        const double dx = (double)i - xbar;
        sxy += dx * (opt_trend_at(trend, i) - ybar);
        sxx += dx * dx;
    }
    return ybar + sxy / sxx * (n - xbar);
}

double opt_reward_trend_predict(const opt_reward_trend *trend, int *known)
{
    *known = trend->count > 0;
    if (trend->count == 0) return 0.0;
    if (trend->model == OPTIMA_REWARD_TREND_LINEAR && trend->count >= 3) return opt_trend_line(trend);
    return opt_trend_mean(trend);
}

double opt_reward_trend_detrend(const opt_reward_trend *trend, double base)
{
    int known = 0;
    const double predicted = opt_reward_trend_predict(trend, &known);
    return known ? base - predicted : 0.0;
}

void opt_reward_trend_push(opt_reward_trend *trend, double base)
{
    trend->base[trend->next] = base;
    trend->next = (trend->next + 1) % trend->window;
    if (trend->count < trend->window) trend->count += 1;
}

/* ---- the public setting ------------------------------------------------------------------ */

optima_status optima_trainer_set_reward_trend(optima_trainer *trainer, uint32_t window, int32_t model)
{
    static const char fn[] = "optima_trainer_set_reward_trend";
    OPT_CHECK_TRAINER(fn, trainer);
    optima_trainer *t = trainer;
    OPT_RETURN_ERROR_IF(window < 1 || window > OPT_TREND_MAX_WINDOW, &t->error, OPTIMA_EINVAL,
                        "%s: argument 'window' is %u, not in 1..%u", fn, (unsigned)window,
                        (unsigned)OPT_TREND_MAX_WINDOW);
    OPT_RETURN_ERROR_IF(model != OPTIMA_REWARD_TREND_MEAN && model != OPTIMA_REWARD_TREND_LINEAR,
                        &t->error, OPTIMA_EINVAL, "%s: argument 'model' is %d, not a trend model",
                        fn, (int)model);
    OPT_FORWARD_IF_ERROR(opt_trainer_require_configuring(t, fn));
    t->reward.trend.window = window;
    t->reward.trend.model = model;
    opt_reward_trend_clear(&t->reward.trend);
    return OPTIMA_OK;
}

optima_status optima_trainer_get_reward_trend(const optima_trainer *trainer, uint32_t *window,
                                              int32_t *model)
{
    static const char fn[] = "optima_trainer_get_reward_trend";
    OPT_CHECK_TRAINER(fn, trainer);
    const optima_trainer *t = trainer;
    OPT_CHECK_NOT_NULL(&t->error, fn, window);
    OPT_CHECK_NOT_NULL(&t->error, fn, model);
    *window = t->reward.trend.window;
    *model = t->reward.trend.model;
    return OPTIMA_OK;
}
