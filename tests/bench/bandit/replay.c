/* Loading a replay trace and the oracle it defines (see replay.h). */
#include "replay.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int replay_fail(FILE *f, replay_log *log, const char *path, const char *why)
{
    fprintf(stderr, "optima-bandit-sim: trace %s: %s\n", path, why);
    if (f != NULL) fclose(f);
    replay_free(log);
    return -1;
}

/* Per block and arm: the mean of every logged reward of that arm in that block. */
static int replay_block_means(replay_log *log)
{
    log->blocks = (log->rounds + REPLAY_BLOCK - 1) / REPLAY_BLOCK;
    log->block_mean = calloc((size_t)log->blocks * REPLAY_ARMS, sizeof *log->block_mean);
    double *count = calloc((size_t)log->blocks * REPLAY_ARMS, sizeof *count);
    if (log->block_mean == NULL || count == NULL) {
        free(count);
        return -1;
    }
    for (int tr = 0; tr < log->traces; ++tr) {
        for (int r = 0; r < log->rounds; ++r) {
            const replay_event *e = &log->events[(size_t)tr * log->rounds + r];
            const size_t i = (size_t)(r / REPLAY_BLOCK) * REPLAY_ARMS + (size_t)e->arm;
            log->block_mean[i] += e->reward;
            count[i] += 1.0;
        }
    }
    int empty = 0;
    for (size_t i = 0; i < (size_t)log->blocks * REPLAY_ARMS; ++i) {
        if (count[i] > 0.0) log->block_mean[i] /= count[i];
        else empty = 1;
    }
    free(count);
    return empty ? -1 : 0;
}

int replay_load(const char *path, replay_log *log)
{
    memset(log, 0, sizeof *log);
    FILE *f = fopen(path, "r");
    if (f == NULL) return replay_fail(NULL, log, path, "cannot open");
    char line[256];
    if (fgets(line, sizeof line, f) == NULL || strncmp(line, "trace,round,arm,reward", 22) != 0)
        return replay_fail(f, log, path, "the first line must be trace,round,arm,reward");
    size_t n = 0, cap = 0;
    int trace, round, arm, current = -1, expect = 0;
    double reward;
    while (fscanf(f, "%d,%d,%d,%lf", &trace, &round, &arm, &reward) == 4) {
        if (round == 0 && trace == current + 1) { /* a new trace begins */
            if (current == 0) log->rounds = expect;
            if (current >= 1 && expect != log->rounds)
                return replay_fail(f, log, path, "every trace must have the same number of rounds");
            current = trace;
            expect = 0;
        }
        if (trace != current || round != expect || arm < 0 || arm >= REPLAY_ARMS ||
            !isfinite(reward))
            return replay_fail(f, log, path, "rows must be traces 0, 1, ... with rounds 0, 1, ... "
                                             "in order and arms 0..6");
        if (n == cap) {
            cap = cap ? 2 * cap : 4096;
            replay_event *grown = realloc(log->events, cap * sizeof *grown);
            if (grown == NULL) return replay_fail(f, log, path, "out of memory");
            log->events = grown;
        }
        log->events[n].arm = arm;
        log->events[n].reward = reward;
        n += 1;
        expect += 1;
    }
    if (!feof(f) || current < 0) return replay_fail(f, log, path, "unreadable row");
    if (current == 0) log->rounds = expect;
    if (expect != log->rounds)
        return replay_fail(f, log, path, "every trace must have the same number of rounds");
    log->traces = current + 1;
    fclose(f);
    if (replay_block_means(log) != 0)
        return replay_fail(NULL, log, path, "some arm has no round in some block");
    return 0;
}

void replay_free(replay_log *log)
{
    free(log->events);
    free(log->block_mean);
    memset(log, 0, sizeof *log);
}

double replay_regret(const replay_log *log, int round, int arm)
{
    const double *m = &log->block_mean[(size_t)(round / REPLAY_BLOCK) * REPLAY_ARMS];
    double best = m[0];
    for (int k = 1; k < REPLAY_ARMS; ++k) best = fmax(best, m[k]);
    return best - m[arm];
}
