/* xoshiro256** with splitmix64 seeding; see rng.h for the exact definition. */
#include "rng.h"

#include <math.h>

#include "bytes.h"

static uint64_t opt_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t opt_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void opt_rng_seed(opt_rng *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; ++i) rng->s[i] = opt_splitmix64(&x);
}

uint64_t opt_rng_next(opt_rng *rng)
{
    uint64_t *s = rng->s;
    const uint64_t result = opt_rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = opt_rotl(s[3], 45);
    return result;
}

double opt_rng_uniform(opt_rng *rng)
{
    return (double)(opt_rng_next(rng) >> 11) * 0x1.0p-53;
}

__extension__ typedef unsigned __int128 opt_u128; /* GCC and Clang both have it */

uint64_t opt_rng_below(opt_rng *rng, uint64_t n)
{
    /* Lemire's multiply-and-reject: exact uniformity, one multiplication in the common case. */
    opt_u128 m = (opt_u128)opt_rng_next(rng) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        const uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            m = (opt_u128)opt_rng_next(rng) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double opt_rng_gaussian(opt_rng *rng)
{
    /* 1 - u lies in (0, 1], so the logarithm is finite. */
    const double u1 = 1.0 - opt_rng_uniform(rng);
    const double u2 = opt_rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
}

void opt_rng_shuffle(opt_rng *rng, uint32_t *items, uint32_t n)
{
    for (uint32_t i = n; i > 1; --i) {
        const uint32_t j = (uint32_t)opt_rng_below(rng, i);
        const uint32_t tmp = items[i - 1];
        items[i - 1] = items[j];
        items[j] = tmp;
    }
}

void opt_rng_save(const opt_rng *rng, uint8_t out[OPT_RNG_STATE_BYTES])
{
    for (int i = 0; i < 4; ++i) opt_put_u64(out + 8 * i, rng->s[i]);
}

int opt_rng_load(opt_rng *rng, const uint8_t in[OPT_RNG_STATE_BYTES])
{
    uint64_t s[4];
    uint64_t any = 0;
    for (int i = 0; i < 4; ++i) any |= s[i] = opt_get_u64(in + 8 * i);
    if (any == 0) return -1;
    for (int i = 0; i < 4; ++i) rng->s[i] = s[i];
    return 0;
}
