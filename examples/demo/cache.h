/* The teacher cache: a trained model's parameters in a small checked file, so the next run
 * reuses the teacher instead of training it again.
 *
 * Layout (little-endian): "OPTDEMOT" | u32 version (1) | the key (model config as 11 u32,
 * u64 steps, u64 batch, u64 seed, u32 lr bits, u32 data fingerprint) | u32 training
 * milliseconds | u64 parameter count | the float32 parameters in nn_params order |
 * u32 crc32 (zlib) of every byte before it. Written to DIR/name.tmp, fsync'd, renamed. */
#ifndef DEMO_CACHE_H
#define DEMO_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* What the cached parameters depend on: any difference means "train again". */
typedef struct demo_cache_key {
    demo_model_config cfg;
    uint64_t steps, batch, seed;
    float lr;
    uint32_t fingerprint; /* of the training data */
} demo_cache_key;

int demo_cache_save(const char *path, demo_model *m, const demo_cache_key *key,
                    double train_seconds, char *err, size_t errlen);

/* Returns 0 when the file was valid for `key` and m now holds its parameters, 1 when there
 * is no file, -1 when the file is unusable (why in err; m untouched). */
int demo_cache_load(const char *path, demo_model *m, const demo_cache_key *key,
                    double *train_seconds, char *err, size_t errlen);

#endif
