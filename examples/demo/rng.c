/* xoshiro256** (Blackman and Vigna) with splitmix64 seeding. */
#include "rng.h"

#include <math.h>

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void demo_rng_seed(demo_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; ++i) r->s[i] = splitmix64(&seed);
}

uint64_t demo_rng_next(demo_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double demo_rng_uniform(demo_rng *r) { return (double)(demo_rng_next(r) >> 11) * 0x1.0p-53; }

uint64_t demo_rng_below(demo_rng *r, uint64_t n)
{
    /* Reject the top partial block so every residue is equally likely. */
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = demo_rng_next(r);
    } while (x >= limit);
    return x % n;
}

double demo_rng_gaussian(demo_rng *r)
{
    const double two_pi = 6.283185307179586476925286766559;
    const double u1 = 1.0 - demo_rng_uniform(r); /* in (0, 1]: log is finite */
    const double u2 = demo_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(two_pi * u2);
}

void demo_rng_shuffle(demo_rng *r, uint32_t *v, size_t n)
{
    for (size_t i = n; i > 1; --i) {
        const size_t j = (size_t)demo_rng_below(r, i);
        const uint32_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}
