/* Private header: the library's one random generator. Not installed.
 *
 * Algorithm (documented in docs/determinism.md and fixed forever for a given stream
 * format): xoshiro256** (Blackman & Vigna) seeded by expanding a 64-bit seed with
 * splitmix64. Uniform doubles take the top 53 bits. Gaussians use the Box-Muller
 * transform, one output per two uniforms, no cached spare, so the whole state is the
 * four 64-bit words and saving it is exact. */
#ifndef OPT_CORE_RNG_H
#define OPT_CORE_RNG_H

#include <stdint.h>

typedef struct opt_rng {
    uint64_t s[4];
} opt_rng;

#define OPT_RNG_STATE_BYTES 32

void opt_rng_seed(opt_rng *rng, uint64_t seed);
uint64_t opt_rng_next(opt_rng *rng);
/* Uniform in [0, 1). */
double opt_rng_uniform(opt_rng *rng);
/* Uniform integer in [0, n), n > 0, without modulo bias (Lemire's method). */
uint64_t opt_rng_below(opt_rng *rng, uint64_t n);
/* Standard normal. */
double opt_rng_gaussian(opt_rng *rng);
/* Fisher-Yates shuffle of n indices. */
void opt_rng_shuffle(opt_rng *rng, uint32_t *items, uint32_t n);

/* Little-endian serialisation of the state. Loading an all-zero state is refused
 * (xoshiro would then emit zeros forever): returns 0 on success, -1 otherwise. */
void opt_rng_save(const opt_rng *rng, uint8_t out[OPT_RNG_STATE_BYTES]);
int opt_rng_load(opt_rng *rng, const uint8_t in[OPT_RNG_STATE_BYTES]);

#endif /* OPT_CORE_RNG_H */
