/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — deterministic random numbers: xoshiro256** (Blackman & Vigna),
 * seeded through splitmix64, so a seed gives the same stream everywhere. */
#include <math.h>

#include "ordo/util.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void ordo_rng_seed(ordo_rng_t *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

uint64_t ordo_rng_next(ordo_rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double ordo_rng_uniform(ordo_rng_t *r)
{
    return (double)(ordo_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t ordo_rng_below(ordo_rng_t *r, uint64_t n)
{
    if (n == 0)
        return 0;
    uint64_t limit = UINT64_MAX - UINT64_MAX % n; /* reject the biased tail */
    uint64_t x;
    do {
        x = ordo_rng_next(r);
    } while (x >= limit);
    return x % n;
}

double ordo_rng_normal(ordo_rng_t *r)
{
    /* Box–Muller; one value per call keeps the stream simple to reproduce. */
    double u1, u2;
    do {
        u1 = ordo_rng_uniform(r);
    } while (u1 <= 0.0);
    u2 = ordo_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double ordo_rng_lognormal(ordo_rng_t *r, double mu, double sigma)
{
    return exp(mu + sigma * ordo_rng_normal(r));
}

double ordo_rng_exponential(ordo_rng_t *r, double rate)
{
    double u;
    do {
        u = ordo_rng_uniform(r);
    } while (u <= 0.0);
    return -log(u) / rate;
}

uint64_t ordo_rng_poisson(ordo_rng_t *r, double mean)
{
    if (mean <= 0)
        return 0;
    if (mean > 60) { /* normal approximation, rounded and clamped */
        double x = mean + sqrt(mean) * ordo_rng_normal(r) + 0.5;
        return x < 0 ? 0 : (uint64_t)x;
    }
    double l = exp(-mean), p = 1.0;
    uint64_t k = 0;
    do {
        k++;
        p *= ordo_rng_uniform(r);
    } while (p > l);
    return k - 1;
}

size_t ordo_rng_pick_cumulative(ordo_rng_t *rng, const double *cum, size_t n)
{
    double u = ordo_rng_uniform(rng) * cum[n - 1];
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cum[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}
