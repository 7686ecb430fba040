/* optima-bandit-sim: runs scheduler policies on simulated bandit environments and prints
 * one JSON object per (environment, policy): the cumulative regret against the dynamic
 * oracle (mean and standard deviation over seeds) and the cost of a decision.
 * The environments' formulas are in usage() below and in docs/scheduler.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <optima/optima.h>

#include "blis_choice.h"
#include "core/rng.h"

#define SIM_ARMS 7 /* every environment: 7 arms = all non-empty subsets of 3 modules */

typedef struct sim_env {
    const char *name;
    int rounds;
    double (*mean)(int arm, int t);
    double (*reward)(opt_rng *rng, int arm, int t);
} sim_env;

/* decay: mean_k(t) = c_k exp(-t / tau_k), Gaussian noise sd 0.05. */
static const double decay_c[SIM_ARMS] = {1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2};
static const double decay_tau[SIM_ARMS] = {100, 200, 400, 700, 1000, 1500, 2500};

static double decay_mean(int arm, int t)
{
    return decay_c[arm] * exp(-(double)t / decay_tau[arm]);
}

static double decay_reward(opt_rng *rng, int arm, int t)
{
    return decay_mean(arm, t) + 0.05 * opt_rng_gaussian(rng);
}

/* piecewise: Bernoulli rewards, means constant on 5 segments of 400 rounds. */
static const double piecewise_means[5][SIM_ARMS] = {
    {0.6, 0.5, 0.4, 0.3, 0.3, 0.2, 0.2},
    {0.2, 0.5, 0.4, 0.3, 0.3, 0.2, 0.8},
    {0.2, 0.5, 0.4, 0.7, 0.3, 0.2, 0.3},
    {0.6, 0.5, 0.4, 0.2, 0.3, 0.2, 0.3},
    {0.3, 0.5, 0.4, 0.2, 0.8, 0.2, 0.3},
};

static double piecewise_mean(int arm, int t)
{
    return piecewise_means[t / 400][arm];
}

static double piecewise_reward(opt_rng *rng, int arm, int t)
{
    return opt_rng_uniform(rng) < piecewise_mean(arm, t) ? 1.0 : 0.0;
}

/* stationary: fixed means, Gaussian noise sd 0.1. */
static const double stationary_means[SIM_ARMS] = {0.5, 0.45, 0.4, 0.35, 0.3, 0.6, 0.55};

static double stationary_mean(int arm, int t)
{
    (void)t;
    return stationary_means[arm];
}

static double stationary_reward(opt_rng *rng, int arm, int t)
{
    return stationary_mean(arm, t) + 0.1 * opt_rng_gaussian(rng);
}

static const sim_env envs[] = {
    {"decay", 2000, decay_mean, decay_reward},
    {"piecewise", 2000, piecewise_mean, piecewise_reward},
    {"stationary", 2000, stationary_mean, stationary_reward},
};
#define SIM_NUM_ENVS ((int)(sizeof envs / sizeof envs[0]))
#define SIM_NUM_POLICIES 10

static void usage(FILE *out)
{
    fprintf(out,
            "usage: optima-bandit-sim [--seeds S] [--env NAME] [--policy NAME] [--window W]\n"
            "\n"
            "Runs scheduler policies (default: all) on environments (default: all) with seeds\n"
            "0..S-1 (default S = 50) and prints one JSON object per (env, policy):\n"
            "  {\"env\", \"policy\", \"arms\", \"rounds\", \"seeds\", \"regret_mean\", \"regret_std\",\n"
            "   \"ns_per_decision\"}\n"
            "regret = sum over rounds t of (max_k mean_k(t) - mean_{a_t}(t)), the cumulative\n"
            "regret against the dynamic oracle; mean and sample standard deviation over seeds.\n"
            "ns_per_decision = wall time of select + update per round (clock read included).\n"
            "The scheduler has K = 3 modules and all 7 subsets as arms; arm k of the environment\n"
            "is scheduler arm k. Policies run with their defaults (FIXED: arm 0); --window sets\n"
            "W of OPTIMA and SLIDING_WINDOW_UCB (default 64). Seed s: scheduler seed s,\n"
            "environment generator xoshiro256** seeded with 1000003 + s.\n"
            "\n"
            "Environments (t = 0 .. T-1, T = 2000, 7 arms):\n"
            "  decay       mean_k(t) = c_k * exp(-t / tau_k), reward = mean + N(0, 0.05^2),\n"
            "              c = (1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2),\n"
            "              tau = (100, 200, 400, 700, 1000, 1500, 2500): the best arm moves\n"
            "              from 0 to 6 as the run goes, like loss decrements in distillation.\n"
            "  piecewise   Bernoulli rewards, means constant on [400j, 400j + 400), j = 0..4:\n"
            "              j=0 (0.6,0.5,0.4,0.3,0.3,0.2,0.2)  j=1 (0.2,0.5,0.4,0.3,0.3,0.2,0.8)\n"
            "              j=2 (0.2,0.5,0.4,0.7,0.3,0.2,0.3)  j=3 (0.6,0.5,0.4,0.2,0.3,0.2,0.3)\n"
            "              j=4 (0.3,0.5,0.4,0.2,0.8,0.2,0.3): an abruptly switching bandit as in\n"
            "              Garivier & Moulines 2011, \"On upper-confidence bound policies for\n"
            "              switching bandit problems\" (ALT 2011).\n"
            "  stationary  mean = (0.5, 0.45, 0.4, 0.35, 0.3, 0.6, 0.55), reward = mean + N(0, 0.1^2).\n");
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void check(optima_status status, const char *what)
{
    if (status == OPTIMA_OK) return;
    fprintf(stderr, "optima-bandit-sim: %s failed: %s\n", what, optima_last_error());
    exit(1);
}

/* One seed: returns the regret, adds the decision time to *ns. */
static double run_one(optima_context *ctx, const sim_env *env, int32_t policy, uint32_t window,
                      uint64_t seed, double *ns)
{
    optima_scheduler *s = NULL;
    check(optima_scheduler_create(ctx, 3, policy, seed, &s), "create");
    if (policy == OPTIMA_POLICY_OPTIMA || policy == OPTIMA_POLICY_SLIDING_WINDOW_UCB)
        check(optima_scheduler_set_window(s, window), "set_window");
    opt_rng rng;
    opt_rng_seed(&rng, 1000003u + seed);
    double regret = 0.0;
    for (int t = 0; t < env->rounds; ++t) {
        double best = -INFINITY;
        for (int k = 0; k < SIM_ARMS; ++k) best = fmax(best, env->mean(k, t));
        uint32_t arm = 0;
        const double t0 = now_ns();
        check(optima_scheduler_select(s, &arm), "select");
        const double r = env->reward(&rng, (int)arm, t);
        check(optima_scheduler_update(s, arm, r), "update");
        *ns += now_ns() - t0;
        regret += best - env->mean((int)arm, t);
    }
    optima_scheduler_destroy(s);
    return regret;
}

static void run_case(optima_context *ctx, const sim_env *env, int32_t policy, uint32_t window,
                     int seeds)
{
    double sum = 0.0, sum_sq = 0.0, ns = 0.0;
    for (int seed = 0; seed < seeds; ++seed) {
        const double r = run_one(ctx, env, policy, window, (uint64_t)seed, &ns);
        sum += r;
        sum_sq += r * r;
    }
    const double mean = sum / seeds;
    const double var = seeds > 1 ? (sum_sq - seeds * mean * mean) / (seeds - 1) : 0.0;
    printf("{\"env\": \"%s\", \"policy\": \"%s\", \"arms\": %d, \"rounds\": %d, \"seeds\": %d, "
           "\"regret_mean\": %.3f, \"regret_std\": %.3f, \"ns_per_decision\": %.1f}\n",
           env->name, optima_scheduler_policy_name(policy), SIM_ARMS, env->rounds, seeds, mean,
           sqrt(var > 0.0 ? var : 0.0), ns / ((double)seeds * env->rounds));
    fflush(stdout);
}

static int32_t policy_by_name(const char *name)
{
    for (int32_t p = 0; p < SIM_NUM_POLICIES; ++p) {
        if (strcmp(optima_scheduler_policy_name(p), name) == 0) return p;
    }
    return -1;
}

int main(int argc, char **argv)
{
    optima_choose_blis("optima-bandit-sim");
    int seeds = 50;
    const char *env_name = NULL;
    int32_t only_policy = -1;
    long window = 64;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        const int has_value = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--seeds") == 0 && has_value) {
            seeds = atoi(argv[++i]);
        } else if (strcmp(a, "--env") == 0 && has_value) {
            env_name = argv[++i];
        } else if (strcmp(a, "--policy") == 0 && has_value) {
            only_policy = policy_by_name(argv[++i]);
            if (only_policy < 0) {
                fprintf(stderr, "optima-bandit-sim: unknown policy '%s'\n", argv[i]);
                return 2;
            }
        } else if (strcmp(a, "--window") == 0 && has_value) {
            window = atol(argv[++i]);
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (seeds < 1 || window < 1 || window > (long)OPTIMA_SCHEDULER_MAX_WINDOW) {
        fprintf(stderr, "optima-bandit-sim: --seeds must be >= 1, --window in [1, %u]\n",
                (unsigned)OPTIMA_SCHEDULER_MAX_WINDOW);
        return 2;
    }
    int matched = 0;
    optima_context *ctx = NULL;
    check(optima_context_create(&ctx), "context");
    for (int e = 0; e < SIM_NUM_ENVS; ++e) {
        if (env_name != NULL && strcmp(env_name, envs[e].name) != 0) continue;
        matched = 1;
        for (int32_t p = 0; p < SIM_NUM_POLICIES; ++p) {
            if (only_policy >= 0 && p != only_policy) continue;
            run_case(ctx, &envs[e], p, (uint32_t)window, seeds);
        }
    }
    optima_context_destroy(ctx);
    if (!matched) {
        fprintf(stderr, "optima-bandit-sim: unknown environment '%s'\n", env_name);
        return 2;
    }
    return 0;
}
