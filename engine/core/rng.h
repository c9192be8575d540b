/* Random streams and distributions.
 *
 * One master seed gives every component (each workload task, each policy,
 * the engine) its own independent stream: the stream's state is derived by
 * mixing (master seed, component name hash, index) with a 64-bit finaliser
 * (fmix64 / splitmix64), so adding a policy never shifts a workload's draws
 * (common random numbers across stacks).  The generator is xoshiro256**.
 * Distributions are our own code (SimGrid's lesson: std/libc distributions
 * differ between implementations); they use only IEEE arithmetic and log/exp
 * from libm.
 */
#ifndef FS_RNG_H
#define FS_RNG_H

#include <stdint.h>

typedef struct {
  uint64_t s[4];
} FsiRng;

uint64_t fsi_mix64(uint64_t x); /* MurmurHash3 fmix64 finaliser */
uint64_t fsi_hash_str(const char *s); /* FNV-1a 64 of a component name */
/* Seed stream (component, index) of master seed. Never yields the all-zero state. */
void fsi_rng_seed(FsiRng *r, uint64_t master_seed, const char *component, uint64_t index);
uint64_t fsi_rng_u64(FsiRng *r);
double fsi_rng_double(FsiRng *r);                 /* uniform [0,1), 53 bits */
uint64_t fsi_rng_below(FsiRng *r, uint64_t n);    /* uniform [0,n), unbiased (Lemire); n>0 */
double fsi_rng_exponential(FsiRng *r, double mean);
double fsi_rng_normal(FsiRng *r);                 /* standard normal, Box-Muller without caching */
double fsi_rng_lognormal(FsiRng *r, double mu, double sigma);
double fsi_rng_pareto(FsiRng *r, double xm, double alpha); /* scale xm>0, shape alpha>0 */
/* Index into weights[0..n) with probability weights[i]/sum; weights >= 0, sum > 0. */
uint32_t fsi_rng_weighted(FsiRng *r, const double *weights, uint32_t n);

#endif
