/* The demo's policies: how each one configures the library's trainer (distill.h). */
#ifndef DEMO_POLICY_H
#define DEMO_POLICY_H

#include <stdint.h>

enum { P_NONE, P_KD, P_ALL, P_OPTIMA, P_RANDOM, P_BEST_SINGLE, P_COUNT };

/* A policy is a configuration of the library's trainer (distill.h): which scheduler policy
 * picks the modules, and whether the layer term is on. NONE runs without a hook. Every
 * distilling policy shares one set of hyperparameters (demo_options.distill). */
typedef struct demo_policy {
    const char *name;
    const char *what;
    int distils;       /* 0: task loss only */
    int32_t scheduler; /* OPTIMA_POLICY_* */
    int layerwise;     /* 0: prediction-layer KL only */
} demo_policy;

/* Indexed by P_*. */
extern const demo_policy demo_policies[P_COUNT];

#endif
