/* optima-bandit-sim: runs scheduler policies on simulated bandit environments and on a
 * replay of logged rewards, and prints one JSON object per (environment, policy): the
 * cumulative regret against the dynamic oracle (mean and standard deviation over seeds)
 * and the cost of a decision. The environments' formulas are in usage() below and in
 * docs/scheduler.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <optima/optima.h>

#include "blis_choice.h"
#include "core/rng.h"
#include "replay.h"

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

/* decay_relative: decay's means, noise proportional to the mean (sd = half of it), like
 * relative loss decrements whose spread shrinks with the loss. */
static double decay_relative_reward(opt_rng *rng, int arm, int t)
{
    const double m = decay_mean(arm, t);
    return m + 0.5 * m * opt_rng_gaussian(rng);
}

/* piecewise_mixed: Bernoulli, 4 segments of 500 rounds; the breakpoints at 500 and 1500
 * move other arms (one neglected arm rises, still below the best) but keep the best arm,
 * the one at 1000 changes the best arm. */
static const double mixed_means[4][SIM_ARMS] = {
    {0.7, 0.5, 0.4, 0.3, 0.3, 0.2, 0.2},
    {0.7, 0.3, 0.6, 0.3, 0.1, 0.4, 0.2},
    {0.3, 0.3, 0.6, 0.3, 0.1, 0.8, 0.2},
    {0.3, 0.5, 0.6, 0.3, 0.1, 0.7, 0.4},
};

static double mixed_mean(int arm, int t)
{
    return mixed_means[t / 500][arm];
}

static double mixed_reward(opt_rng *rng, int arm, int t)
{
    return opt_rng_uniform(rng) < mixed_mean(arm, t) ? 1.0 : 0.0;
}

static const sim_env envs[] = {
    {"decay", 2000, decay_mean, decay_reward},
    {"piecewise", 2000, piecewise_mean, piecewise_reward},
    {"stationary", 2000, stationary_mean, stationary_reward},
    {"decay_relative", 2000, decay_mean, decay_relative_reward},
    {"piecewise_mixed", 2000, mixed_mean, mixed_reward},
    {"replay", 0, NULL, NULL}, /* rounds and means come from the trace (replay.c) */
};
#define SIM_NUM_ENVS ((int)(sizeof envs / sizeof envs[0]))
#define SIM_NUM_POLICIES 11

static void usage(FILE *out)
{
    fprintf(out,
            "usage: optima-bandit-sim [--seeds S] [--first-seed F] [--env NAME] [--policy NAME]\n"
            "                         [--window W] [--history window|discount|change_point]\n"
            "                         [--alpha A] [--delta D] [--stride N] [--trace FILE]\n"
            "                         [--restarts]\n"
            "\n"
            "Runs scheduler policies (default: all) on environments (default: all) with seeds\n"
            "F..F+S-1 (default F = 0, S = 50) and prints one JSON object per (env, policy):\n"
            "  {\"env\", \"policy\", \"arms\", \"rounds\", \"seeds\", \"regret_mean\", \"regret_std\",\n"
            "   \"ns_per_decision\"}\n"
            "regret = sum over rounds t of (max_k mean_k(t) - mean_{a_t}(t)), the cumulative\n"
            "regret against the dynamic oracle; mean and sample standard deviation over seeds.\n"
            "ns_per_decision = wall time of select + update per round (clock read included).\n"
            "The scheduler has K = 3 modules and all 7 subsets as arms; arm k of the environment\n"
            "is scheduler arm k. Policies run with the library's defaults (FIXED: arm 0) unless\n"
            "a flag sets a hyperparameter: --window (OPTIMA, SLIDING_WINDOW_UCB), --history\n"
            "(OPTIMA's memory), --alpha (forced exploration), --delta (detector confidence) and\n"
            "--stride (detector stride) for OPTIMA and GLR_UCB. Seed s: scheduler seed s,\n"
            "environment generator xoshiro256** seeded with 1000003 + s. --restarts adds\n"
            "\"restarts_mean\", the mean number of change-point restarts per run.\n"
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
            "  stationary  mean = (0.5, 0.45, 0.4, 0.35, 0.3, 0.6, 0.55), reward = mean + N(0, 0.1^2).\n"
            "  decay_relative  decay's means, reward = mean * (1 + 0.5 N(0, 1)): noise\n"
            "              proportional to the scale, like relative loss decrements.\n"
            "  piecewise_mixed  Bernoulli, means constant on [500j, 500j + 500), j = 0..3:\n"
            "              j=0 (0.7,0.5,0.4,0.3,0.3,0.2,0.2)  j=1 (0.7,0.3,0.6,0.3,0.1,0.4,0.2)\n"
            "              j=2 (0.3,0.3,0.6,0.3,0.1,0.8,0.2)  j=3 (0.3,0.5,0.6,0.3,0.1,0.7,0.4):\n"
            "              the breakpoints at 500 and 1500 move other arms but keep the best,\n"
            "              the one at 1000 changes the best arm.\n"
            "  replay      logged rounds of the demo's RANDOM policy (--trace; default the\n"
            "              committed tests/bench/bandit/demo-alignment-trace.csv, rewarded by the\n"
            "              demo's default gradient alignment; demo-decrement-trace.csv beside it\n"
            "              holds the relative loss decrement's), evaluated by the\n"
            "              replay method of Li, Chu, Langford & Wang (2011): seed s replays\n"
            "              trace s mod (number of traces); the policy's pending arm waits for the\n"
            "              next logged round that played it, whose reward it receives; logged\n"
            "              rounds of other arms are skipped. \"rounds\" is the trace's length (about\n"
            "              1/7 of it are decisions); regret uses as mean_k(t) the mean logged reward\n"
            "              of arm k over every trace in t's block of 100 logged rounds.\n");
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

/* The hyperparameters set on the command line; negative = the library's default. */
typedef struct sim_options {
    long window;
    int history;
    double alpha, delta;
    long stride;
    int restarts; /* --restarts: add the mean restart count to each line */
} sim_options;

static optima_scheduler *make_policy(optima_context *ctx, int32_t policy, uint64_t seed,
                                     const sim_options *o)
{
    optima_scheduler *s = NULL;
    check(optima_scheduler_create(ctx, 3, policy, seed, &s), "create");
    const int optima = policy == OPTIMA_POLICY_OPTIMA;
    const int detector = optima || policy == OPTIMA_POLICY_GLR_UCB;
    if (o->window > 0 && (optima || policy == OPTIMA_POLICY_SLIDING_WINDOW_UCB))
        check(optima_scheduler_set_window(s, (uint32_t)o->window), "set_window");
    if (o->history >= 0 && optima) check(optima_scheduler_set_history(s, o->history), "set_history");
    if (o->alpha >= 0.0 && detector)
        check(optima_scheduler_set_forced_exploration(s, o->alpha), "set_forced_exploration");
    if (o->delta > 0.0 && detector)
        check(optima_scheduler_set_detector_confidence(s, o->delta), "set_detector_confidence");
    if (o->stride > 0 && detector)
        check(optima_scheduler_set_detector_stride(s, (uint32_t)o->stride), "set_detector_stride");
    return s;
}

/* One seed of a simulated environment: returns the regret, adds the decision time to *ns. */
static double run_one(optima_scheduler *s, const sim_env *env, uint64_t seed, double *ns)
{
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
    return regret;
}

/* One seed of the replay: the pending arm waits for the next logged round that played it.
 * Adds the decisions to *decisions. */
static double run_replay(optima_scheduler *s, const replay_log *log, uint64_t seed, double *ns,
                         double *decisions)
{
    const replay_event *events = &log->events[(size_t)(seed % (uint64_t)log->traces) * log->rounds];
    double regret = 0.0;
    uint32_t arm = 0;
    double t0 = now_ns();
    check(optima_scheduler_select(s, &arm), "select");
    *ns += now_ns() - t0;
    for (int t = 0; t < log->rounds; ++t) {
        if (events[t].arm != (int)arm) continue;
        regret += replay_regret(log, t, (int)arm);
        t0 = now_ns();
        check(optima_scheduler_update(s, arm, events[t].reward), "update");
        check(optima_scheduler_select(s, &arm), "select");
        *ns += now_ns() - t0;
        *decisions += 1.0;
    }
    return regret;
}

static void run_case(optima_context *ctx, const sim_env *env, const replay_log *log,
                     int32_t policy, const sim_options *o, int first_seed, int seeds)
{
    double sum = 0.0, sum_sq = 0.0, ns = 0.0, decisions = 0.0, restarts = 0.0;
    for (int i = 0; i < seeds; ++i) {
        const uint64_t seed = (uint64_t)first_seed + (uint64_t)i;
        optima_scheduler *s = make_policy(ctx, policy, seed, o);
        double r;
        if (log != NULL) {
            r = run_replay(s, log, seed, &ns, &decisions);
        } else {
            r = run_one(s, env, seed, &ns);
            decisions += env->rounds;
        }
        uint64_t n = 0;
        check(optima_scheduler_get_restarts(s, &n), "get_restarts");
        restarts += (double)n;
        optima_scheduler_destroy(s);
        sum += r;
        sum_sq += r * r;
    }
    const double mean = sum / seeds;
    const double var = seeds > 1 ? (sum_sq - seeds * mean * mean) / (seeds - 1) : 0.0;
    printf("{\"env\": \"%s\", \"policy\": \"%s\", \"arms\": %d, \"rounds\": %d, \"seeds\": %d, "
           "\"regret_mean\": %.3f, \"regret_std\": %.3f, \"ns_per_decision\": %.1f",
           env->name, optima_scheduler_policy_name(policy), SIM_ARMS,
           log != NULL ? log->rounds : env->rounds, seeds, mean, sqrt(var > 0.0 ? var : 0.0),
           ns / decisions);
    if (o->restarts) printf(", \"restarts_mean\": %.3f", restarts / seeds);
    printf("}\n");
    fflush(stdout);
}

static int32_t policy_by_name(const char *name)
{
    for (int32_t p = 0; p < SIM_NUM_POLICIES; ++p) {
        if (strcmp(optima_scheduler_policy_name(p), name) == 0) return p;
    }
    return -1;
}

static int history_by_name(const char *name)
{
    static const char *const names[] = {"window", "discount", "change_point"};
    for (int h = 0; h < 3; ++h) {
        if (strcmp(names[h], name) == 0) return h;
    }
    return -2;
}

#ifndef SIM_DEFAULT_TRACE
#define SIM_DEFAULT_TRACE "demo-alignment-trace.csv"
#endif

int main(int argc, char **argv)
{
    optima_choose_blis("optima-bandit-sim");
    int seeds = 50, first_seed = 0;
    const char *env_name = NULL, *trace = SIM_DEFAULT_TRACE;
    int32_t only_policy = -1;
    sim_options o = {-1, -1, -1.0, -1.0, -1, 0};
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        const int has_value = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--seeds") == 0 && has_value) {
            seeds = atoi(argv[++i]);
        } else if (strcmp(a, "--first-seed") == 0 && has_value) {
            first_seed = atoi(argv[++i]);
        } else if (strcmp(a, "--env") == 0 && has_value) {
            env_name = argv[++i];
        } else if (strcmp(a, "--trace") == 0 && has_value) {
            trace = argv[++i];
        } else if (strcmp(a, "--policy") == 0 && has_value) {
            only_policy = policy_by_name(argv[++i]);
            if (only_policy < 0) {
                fprintf(stderr, "optima-bandit-sim: unknown policy '%s'\n", argv[i]);
                return 2;
            }
        } else if (strcmp(a, "--history") == 0 && has_value) {
            o.history = history_by_name(argv[++i]);
            if (o.history < 0) {
                fprintf(stderr, "optima-bandit-sim: unknown history '%s'\n", argv[i]);
                return 2;
            }
        } else if (strcmp(a, "--window") == 0 && has_value) {
            o.window = atol(argv[++i]);
        } else if (strcmp(a, "--alpha") == 0 && has_value) {
            o.alpha = atof(argv[++i]);
        } else if (strcmp(a, "--delta") == 0 && has_value) {
            o.delta = atof(argv[++i]);
        } else if (strcmp(a, "--restarts") == 0) {
            o.restarts = 1;
        } else if (strcmp(a, "--stride") == 0 && has_value) {
            o.stride = atol(argv[++i]);
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (seeds < 1 || first_seed < 0) {
        fprintf(stderr, "optima-bandit-sim: --seeds must be >= 1, --first-seed >= 0\n");
        return 2;
    }
    int matched = 0;
    optima_context *ctx = NULL;
    check(optima_context_create(&ctx), "context");
    for (int e = 0; e < SIM_NUM_ENVS; ++e) {
        if (env_name != NULL && strcmp(env_name, envs[e].name) != 0) continue;
        matched = 1;
        replay_log log;
        const int replay = envs[e].mean == NULL;
        if (replay && replay_load(trace, &log) != 0) return 1;
        for (int32_t p = 0; p < SIM_NUM_POLICIES; ++p) {
            if (only_policy >= 0 && p != only_policy) continue;
            run_case(ctx, &envs[e], replay ? &log : NULL, p, &o, first_seed, seeds);
        }
        if (replay) replay_free(&log);
    }
    optima_context_destroy(ctx);
    if (!matched) {
        fprintf(stderr, "optima-bandit-sim: unknown environment '%s'\n", env_name);
        return 2;
    }
    return 0;
}
