/* Random streams (xoshiro256**) and the distributions drawn from them.
 *
 * Every distribution here consumes a fixed, documented number of u64 draws
 * (except fsi_rng_below's rare rejection), so that results are reproducible
 * bit for bit across platforms and libcs given IEEE doubles and a correctly
 * behaving libm log/exp/pow/cos.
 */
#include "engine/core/rng.h"

#include <glib.h>
#include <math.h>

#define GOLDEN_GAMMA UINT64_C(0x9E3779B97F4A7C15)

uint64_t fsi_mix64(uint64_t x) {
  x ^= x >> 33;
  x *= UINT64_C(0xff51afd7ed558ccd);
  x ^= x >> 33;
  x *= UINT64_C(0xc4ceb9fe1a85ec53);
  x ^= x >> 33;
  return x;
}

/* A NULL name hashes like "" so that callers without a name still get a
 * well-defined stream. */
uint64_t fsi_hash_str(const char *s) {
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  if (!s) return h;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    h ^= *p;
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}

static inline uint64_t splitmix64_next(uint64_t *x) {
  uint64_t z = (*x += GOLDEN_GAMMA);
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* Stream derivation (changing it changes every result; tests pin it):
 *
 *   key  = fmix64(master ^ fmix64(fnv1a64(component) + index * GOLDEN_GAMMA))
 *   s[i] = splitmix64 outputs 1..4 of a generator whose state starts at key
 *
 * The inner fmix64 spreads (name, index) over all 64 bits before the master
 * seed is folded in, so neighbouring seeds or indices do not give related
 * keys.  The state can never be all zero: splitmix64's output function is a
 * bijection applied to four distinct counter values, so at most one of the
 * four words can be zero. */
void fsi_rng_seed(FsiRng *r, uint64_t master_seed, const char *component, uint64_t index) {
  uint64_t key = fsi_mix64(master_seed ^ fsi_mix64(fsi_hash_str(component) + index * GOLDEN_GAMMA));
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64_next(&key);
}

static inline uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

uint64_t fsi_rng_u64(FsiRng *r) {
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

/* The top 53 bits: xoshiro's low bits are its weakest, and 53 is exactly
 * what a double represents evenly spaced in [0,1). */
double fsi_rng_double(FsiRng *r) {
  return (double)(fsi_rng_u64(r) >> 11) * 0x1.0p-53;
}

/* 64x64 -> 128-bit product, split into high and low halves. */
static inline uint64_t mul_64x64(uint64_t a, uint64_t b, uint64_t *lo) {
#ifdef __SIZEOF_INT128__
  __extension__ typedef unsigned __int128 u128;
  u128 p = (u128)a * b;
  *lo = (uint64_t)p;
  return (uint64_t)(p >> 64);
#else
  uint64_t a_lo = (uint32_t)a, a_hi = a >> 32, b_lo = (uint32_t)b, b_hi = b >> 32;
  uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi, hl = a_hi * b_lo, hh = a_hi * b_hi;
  uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
  *lo = (mid << 32) | (uint32_t)ll;
  return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
#endif
}

/* Lemire, "Fast Random Integer Generation in an Interval" (2019): the high
 * word of x*n is uniform on [0,n) once the few low words that would bias it
 * are rejected; the division is only paid on the rare slow path. */
uint64_t fsi_rng_below(FsiRng *r, uint64_t n) {
  g_assert(n > 0);
  uint64_t lo;
  uint64_t hi = mul_64x64(fsi_rng_u64(r), n, &lo);
  if (G_UNLIKELY(lo < n)) {
    uint64_t threshold = -n % n; /* 2^64 mod n */
    while (lo < threshold) hi = mul_64x64(fsi_rng_u64(r), n, &lo);
  }
  return hi;
}

/* 1-u lies in (0,1], so the logarithm is always finite; log1p keeps the
 * precision of small u. */
double fsi_rng_exponential(FsiRng *r, double mean) {
  return -mean * log1p(-fsi_rng_double(r));
}

/* Box-Muller, cosine branch only.  Dropping the sine partner costs one
 * extra draw per call but keeps the generator free of hidden state, so
 * every call consumes exactly two u64 and streams stay aligned. */
double fsi_rng_normal(FsiRng *r) {
  double u1 = fsi_rng_double(r);
  double u2 = fsi_rng_double(r);
  double radius = sqrt(-2.0 * log1p(-u1));
  return radius * cos(2.0 * G_PI * u2);
}

double fsi_rng_lognormal(FsiRng *r, double mu, double sigma) {
  return exp(mu + sigma * fsi_rng_normal(r));
}

/* Inverse CDF with 1-u in (0,1]: the result is >= xm in exact arithmetic;
 * the clamp keeps that promise under libm rounding too. */
double fsi_rng_pareto(FsiRng *r, double xm, double alpha) {
  double x = xm / pow(1.0 - fsi_rng_double(r), 1.0 / alpha);
  return x < xm ? xm : x;
}

uint32_t fsi_rng_weighted(FsiRng *r, const double *weights, uint32_t n) {
  g_assert(n > 0);
  double sum = 0.0;
  uint32_t last_positive = 0;
  for (uint32_t i = 0; i < n; i++) {
    sum += weights[i];
    if (weights[i] > 0.0) last_positive = i;
  }
  g_assert(sum > 0.0);

  /* The strict comparison never picks a zero weight: its cumulative sum
   * equals its predecessor's, which target was already not below. */
  double target = fsi_rng_double(r) * sum;
  double cum = 0.0;
  for (uint32_t i = 0; i < n; i++) {
    cum += weights[i];
    if (target < cum) return i;
  }
  /* u*sum can round up to sum itself. */
  return last_positive;
}
