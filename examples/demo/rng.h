/* The demo's own random generator: xoshiro256** seeded through splitmix64, the same
 * documented generator the library uses, written again here because a host never calls
 * the library's private functions. Every draw of the demo (weights, batches, questions)
 * comes from one of these, so a seed fixes a run bit for bit. */
#ifndef DEMO_RNG_H
#define DEMO_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct demo_rng {
    uint64_t s[4];
} demo_rng;

/* Seeds the four words from splitmix64(seed), so any seed (even 0) is usable. */
void demo_rng_seed(demo_rng *r, uint64_t seed);
uint64_t demo_rng_next(demo_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double demo_rng_uniform(demo_rng *r);
/* Uniform in [0, n) without modulo bias (rejection); n must be > 0. */
uint64_t demo_rng_below(demo_rng *r, uint64_t n);
/* Standard normal by Box-Muller (the cosine branch only: no cached spare, no hidden state). */
double demo_rng_gaussian(demo_rng *r);
/* Fisher-Yates shuffle of n indices. */
void demo_rng_shuffle(demo_rng *r, uint32_t *v, size_t n);

#endif
