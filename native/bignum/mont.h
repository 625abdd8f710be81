/* Montgomery arithmetic on little-endian arrays of 64-bit limbs (no N-API here).
 *
 * Every routine below runs in time independent of the limb values it reads (no branches or
 * memory addresses depend on them), except where a name says "vartime". */
#ifndef TALLYMESH_MONT_H
#define TALLYMESH_MONT_H

#include <stddef.h>
#include <stdint.h>

/* 16384-bit moduli at most: covers n^2 for 3072-bit keys (6144 bits) with room to spare. */
#define MONT_MAX_LIMBS 256

typedef struct {
  size_t s;          /* limbs of the modulus (its top limb is non-zero) */
  uint64_t *m;       /* the odd modulus */
  uint64_t n0inv;    /* -m^-1 mod 2^64 */
  uint64_t *one;     /* R mod m, R = 2^(64 s): 1 in Montgomery form */
  uint64_t *r2;      /* R^2 mod m: converts into Montgomery form */
  uint64_t *scratch; /* 2 s + 2 limbs for products */
} mont_ctx;

/* Chooses the row kernel for this CPU (MULX/ADCX/ADOX when present); call once before use. */
void mont_detect_cpu(void);

/* 0 on success, -1 if out of memory. m must be odd with m[s-1] != 0 (the caller checks). */
int mont_init(mont_ctx *ctx, const uint64_t *m, size_t s);
void mont_free(mont_ctx *ctx);

/* r = a * b * R^-1 mod m for a, b < m. r may alias a or b. */
void mont_mul(const mont_ctx *ctx, uint64_t *r, const uint64_t *a, const uint64_t *b);
/* r = a^2 * R^-1 mod m. */
void mont_sqr(const mont_ctx *ctx, uint64_t *r, const uint64_t *a);
/* Into / out of Montgomery form. */
void mont_to(const mont_ctx *ctx, uint64_t *r, const uint64_t *a);
void mont_from(const mont_ctx *ctx, uint64_t *r, const uint64_t *a);

/* -1, 0 or 1 as a <=> b over n limbs. Variable time (inputs are public or the check is on input size). */
int limbs_cmp_vartime(const uint64_t *a, const uint64_t *b, size_t n);

/* r = base^e mod m (normal form in and out), exponent of elimbs limbs. Sliding window, variable
 * time in the exponent: for public exponents only. */
int mont_pow_vartime(const mont_ctx *ctx, uint64_t *r, const uint64_t *base, const uint64_t *e, size_t elimbs);

/* outs[j] = base^exps[j] for j < count (exponents of elimbs limbs each), variable time: Yao's
 * method, one chain of squarings shared by all exponents and a bucket per window digit value. */
int mont_pow_many_vartime(const mont_ctx *ctx, uint64_t *const *outs, const uint64_t *base, const uint64_t *const *exps, size_t count,
                          size_t elimbs);

/* r = base^e mod m with a fixed window over exactly `bits` exponent bits (a public bound; e must be
 * below 2^bits) and a masked scan of the whole window table for every digit: the sequence of
 * operations and memory addresses depends only on s and bits. */
int mont_pow_consttime(const mont_ctx *ctx, uint64_t *r, const uint64_t *base, const uint64_t *e, size_t elimbs, size_t bits);

/* r1 = base^e1 and r2 = base^e2, both constant time over `bits` exponent bits (e1, e2 of elimbs
 * limbs each, below 2^bits): Yao's right-to-left method with one chain of squarings shared by both
 * exponents (~bits squarings instead of 2 bits) and buckets read and written by masked scans. */
int mont_pow2_consttime(const mont_ctx *ctx, uint64_t *r1, uint64_t *r2, const uint64_t *base, const uint64_t *e1, const uint64_t *e2,
                        size_t elimbs, size_t bits);

/* Fixed-base table: rows[i][d] = base^(d * 2^(w i)) in Montgomery form, d < 2^w. */
typedef struct {
  const mont_ctx *ctx;
  unsigned window;
  size_t rows;
  size_t max_bits;
  uint64_t *table; /* rows * 2^w * s limbs */
} fixed_base;

int fixed_base_init(fixed_base *fb, const mont_ctx *ctx, const uint64_t *base, size_t max_bits, unsigned window);
void fixed_base_free(fixed_base *fb);
/* r = base^e, e < 2^max_bits; skips zero digits (variable time: public exponents). */
void fixed_base_pow_vartime(const fixed_base *fb, uint64_t *r, const uint64_t *e, size_t elimbs);
/* r = base^e over exactly ceil(bits / w) rows (bits <= max_bits public, e < 2^bits), each digit
 * looked up in sub-windows of at most 4 bits by a masked scan of all candidate entries. */
void fixed_base_pow_consttime(const fixed_base *fb, uint64_t *r, const uint64_t *e, size_t elimbs, size_t bits);

#endif
