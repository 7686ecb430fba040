/* The replay environment of optima-bandit-sim: logged rounds of uniformly random arms
 * (Li, Chu, Langford & Wang 2011, "Unbiased offline evaluation of contextual-bandit-based
 * news article recommendation algorithms"). docs/scheduler.md describes the trace file and
 * the regret. */
#ifndef OPTIMA_SIM_REPLAY_H
#define OPTIMA_SIM_REPLAY_H

#include <stddef.h>

#define REPLAY_ARMS 7
#define REPLAY_BLOCK 100 /* rounds per block of the oracle's estimated means */

typedef struct replay_event {
    int arm;
    double reward;
} replay_event;

typedef struct replay_log {
    replay_event *events; /* traces one after the other, each `rounds` long */
    int traces;
    int rounds;
    int blocks;
    double *block_mean; /* blocks * REPLAY_ARMS: mean reward of an arm in a block, all traces */
} replay_log;

/* Read a CSV `trace,round,arm,reward` (header line first; rounds 0..R-1 of every trace, the
 * same R for all, traces numbered from 0). Returns 0, or prints why and returns -1. */
int replay_load(const char *path, replay_log *log);
void replay_free(replay_log *log);

/* Oracle regret of playing @p arm at logged round @p round: the best estimated block mean
 * minus the arm's. */
double replay_regret(const replay_log *log, int round, int arm);

#endif
