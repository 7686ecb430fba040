/* The demo's policies (policy.h). */
#include "policy.h"

#include <optima/optima.h>

const demo_policy demo_policies[P_COUNT] = {
    {"NONE", "no distillation (task loss only)", 0, OPTIMA_POLICY_ALL, 0},
    {"KD", "prediction-layer KD only", 1, OPTIMA_POLICY_ALL, 0},
    {"ALL", "layerwise distillation of every module", 1, OPTIMA_POLICY_ALL, 1},
    {"OPTIMA", "OPTIMA over the 7 module subsets", 1, OPTIMA_POLICY_OPTIMA, 1},
    {"RANDOM", "a random module subset each round", 1, OPTIMA_POLICY_RANDOM, 1},
    {"BEST_SINGLE", "the best single module, chosen on a validation split", 1,
     OPTIMA_POLICY_FIXED, 1},
};
