/* Montgomery multiplication (separated operand scanning: product or square, then REDC) with
 * 64-bit limbs and 128-bit products, windowed exponentiation and fixed-base tables. */
#include "mont.h"

#include <stdlib.h>
#include <string.h>

#include "limbs.h"

int limbs_use_adx = 0;

void mont_detect_cpu(void) {
#if defined(LIMBS_HAVE_ADX)
  __builtin_cpu_init();
  limbs_use_adx = __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("adx");
#endif
}

/* Hides a value from the optimiser so that masked selections stay branch-free. */
static inline uint64_t value_barrier(uint64_t x) {
#if defined(__GNUC__)
  __asm__("" : "+r"(x));
#endif
  return x;
}

/* All ones if a == b, else 0, without a branch. */
static inline uint64_t ct_eq_mask(uint64_t a, uint64_t b) {
  uint64_t x = a ^ b;
  return value_barrier(((x | (0 - x)) >> 63) - 1);
}

int limbs_cmp_vartime(const uint64_t *a, const uint64_t *b, size_t n) {
  for (size_t i = n; i-- > 0;) {
    if (a[i] != b[i]) return a[i] > b[i] ? 1 : -1;
  }
  return 0;
}

/* t[0..2s) = t * R^-1 reduced into r[0..s); t is destroyed. The final subtraction is masked. */
static void redc(const mont_ctx *ctx, uint64_t *r, uint64_t *t) {
  const size_t s = ctx->s;
  const uint64_t *m = ctx->m;
  uint64_t hi = 0;
  for (size_t i = 0; i < s; i++) {
    uint64_t q = t[i] * ctx->n0inv;
    uint64_t c = limbs_addmul_1(t + i, m, s, q);
    u128 x = (u128)t[i + s] + c + hi;
    t[i + s] = (uint64_t)x;
    hi = (uint64_t)(x >> 64);
  }
  /* The value (hi, t[s..2s)) is below 2m: subtract m once if it is at least m. */
  uint64_t borrow = limbs_sub_n(t, t + s, m, s);
  uint64_t mask = value_barrier(0 - (hi | (borrow ^ 1)));
  for (size_t j = 0; j < s; j++) r[j] = (t[j] & mask) | (t[s + j] & ~mask);
}

void mont_mul(const mont_ctx *ctx, uint64_t *r, const uint64_t *a, const uint64_t *b) {
  const size_t s = ctx->s;
  uint64_t *t = ctx->scratch;
  memset(t, 0, s * sizeof(uint64_t));
  for (size_t i = 0; i < s; i++) t[i + s] = limbs_addmul_1(t + i, a, s, b[i]);
  redc(ctx, r, t);
}

void mont_sqr(const mont_ctx *ctx, uint64_t *r, const uint64_t *a) {
  const size_t s = ctx->s;
  uint64_t *t = ctx->scratch;
  /* Off-diagonal products a[i]a[j] (i < j) once, then doubled, then the squares a[i]^2. */
  memset(t, 0, 2 * s * sizeof(uint64_t));
  for (size_t i = 0; i + 1 < s; i++) t[i + s] = limbs_addmul_1(t + 2 * i + 1, a + i + 1, s - i - 1, a[i]);
  uint64_t top = 0, c = 0;
  for (size_t i = 0; i < 2 * s; i++) {
    uint64_t x = t[i];
    t[i] = (x << 1) | top;
    top = x >> 63;
  }
  for (size_t i = 0; i < s; i++) {
    u128 p = (u128)a[i] * a[i];
    u128 x = (u128)t[2 * i] + (uint64_t)p + c;
    t[2 * i] = (uint64_t)x;
    x = (u128)t[2 * i + 1] + (uint64_t)(p >> 64) + (uint64_t)(x >> 64);
    t[2 * i + 1] = (uint64_t)x;
    c = (uint64_t)(x >> 64);
  }
  redc(ctx, r, t);
}

void mont_to(const mont_ctx *ctx, uint64_t *r, const uint64_t *a) { mont_mul(ctx, r, a, ctx->r2); }

void mont_from(const mont_ctx *ctx, uint64_t *r, const uint64_t *a) {
  const size_t s = ctx->s;
  uint64_t *t = ctx->scratch;
  memcpy(t, a, s * sizeof(uint64_t));
  memset(t + s, 0, s * sizeof(uint64_t));
  redc(ctx, r, t);
}

/* x = 2x mod m for x < m (public values only: setup of R mod m and R^2 mod m). */
static void double_mod_vartime(uint64_t *x, const uint64_t *m, size_t s) {
  uint64_t top = 0;
  for (size_t i = 0; i < s; i++) {
    uint64_t v = x[i];
    x[i] = (v << 1) | top;
    top = v >> 63;
  }
  if (top || limbs_cmp_vartime(x, m, s) >= 0) limbs_sub_n(x, x, m, s);
}

int mont_init(mont_ctx *ctx, const uint64_t *m, size_t s) {
  memset(ctx, 0, sizeof(*ctx));
  ctx->s = s;
  ctx->m = malloc(s * sizeof(uint64_t));
  ctx->one = malloc(s * sizeof(uint64_t));
  ctx->r2 = malloc(s * sizeof(uint64_t));
  ctx->scratch = malloc((2 * s + 2) * sizeof(uint64_t));
  if (!ctx->m || !ctx->one || !ctx->r2 || !ctx->scratch) {
    mont_free(ctx);
    return -1;
  }
  memcpy(ctx->m, m, s * sizeof(uint64_t));
  /* Newton's iteration for m0^-1 mod 2^64: m0 is its own inverse mod 8; each step doubles the bits. */
  uint64_t inv = m[0];
  for (int k = 0; k < 5; k++) inv *= 2 - m[0] * inv;
  ctx->n0inv = 0 - inv;
  /* R mod m and R^2 mod m by doubling 1 (m > 1, so 1 is reduced). */
  memset(ctx->one, 0, s * sizeof(uint64_t));
  ctx->one[0] = 1;
  for (size_t k = 0; k < 64 * s; k++) double_mod_vartime(ctx->one, m, s);
  memcpy(ctx->r2, ctx->one, s * sizeof(uint64_t));
  for (size_t k = 0; k < 64 * s; k++) double_mod_vartime(ctx->r2, m, s);
  return 0;
}

void mont_free(mont_ctx *ctx) {
  free(ctx->m);
  free(ctx->one);
  free(ctx->r2);
  free(ctx->scratch);
  memset(ctx, 0, sizeof(*ctx));
}

/* Bit i of e (0 above its limbs). */
static inline unsigned bit_at(const uint64_t *e, size_t elimbs, size_t i) {
  size_t w = i / 64;
  return w < elimbs ? (unsigned)((e[w] >> (i % 64)) & 1) : 0;
}

/* `width` (<= 16) bits of e from bit `pos` (0 above its limbs). Positions are public. */
static inline unsigned bits_at(const uint64_t *e, size_t elimbs, size_t pos, unsigned width) {
  size_t w = pos / 64;
  unsigned off = pos % 64;
  uint64_t lo = w < elimbs ? e[w] >> off : 0;
  if (off + width > 64 && w + 1 < elimbs) lo |= e[w + 1] << (64 - off);
  return (unsigned)(lo & ((1u << width) - 1));
}

static size_t bit_length(const uint64_t *e, size_t elimbs) {
  while (elimbs > 0 && e[elimbs - 1] == 0) elimbs--;
  if (elimbs == 0) return 0;
  return 64 * elimbs - (size_t)__builtin_clzll(e[elimbs - 1]);
}

static void set_one_normal(uint64_t *r, size_t s) {
  memset(r, 0, s * sizeof(uint64_t));
  r[0] = 1; /* m >= 3, so 1 is reduced */
}

int mont_pow_vartime(const mont_ctx *ctx, uint64_t *r, const uint64_t *base, const uint64_t *e, size_t elimbs) {
  const size_t s = ctx->s;
  const size_t bits = bit_length(e, elimbs);
  if (bits == 0) {
    set_one_normal(r, s);
    return 0;
  }
  const unsigned w = bits > 671 ? 6 : bits > 239 ? 5 : bits > 79 ? 4 : bits > 23 ? 3 : bits > 6 ? 2 : 1;
  const size_t odd = (size_t)1 << (w - 1);
  uint64_t *tbl = malloc((odd + 2) * s * sizeof(uint64_t));
  if (!tbl) return -1;
  uint64_t *acc = tbl + odd * s, *sq = acc + s;
  /* tbl[k] = base^(2k+1) in Montgomery form. */
  mont_to(ctx, tbl, base);
  if (odd > 1) {
    mont_sqr(ctx, sq, tbl);
    for (size_t k = 1; k < odd; k++) mont_mul(ctx, tbl + k * s, tbl + (k - 1) * s, sq);
  }
  int started = 0;
  for (size_t i = bits; i-- > 0;) {
    if (!bit_at(e, elimbs, i)) {
      if (started) mont_sqr(ctx, acc, acc);
      continue;
    }
    /* Longest window [j, i] of at most w bits that ends in a 1 bit. */
    size_t j = i + 1 >= w ? i + 1 - w : 0;
    while (!bit_at(e, elimbs, j)) j++;
    unsigned val = 0;
    for (size_t k = i + 1; k-- > j;) val = (val << 1) | bit_at(e, elimbs, k);
    const uint64_t *entry = tbl + (size_t)(val >> 1) * s;
    if (started) {
      for (size_t k = j; k <= i; k++) mont_sqr(ctx, acc, acc);
      mont_mul(ctx, acc, acc, entry);
    } else {
      memcpy(acc, entry, s * sizeof(uint64_t));
      started = 1;
    }
    i = j; /* the loop's i-- moves below the window */
  }
  mont_from(ctx, r, acc);
  free(tbl);
  return 0;
}

int mont_pow_many_vartime(const mont_ctx *ctx, uint64_t *const *outs, const uint64_t *base, const uint64_t *const *exps, size_t count,
                          size_t elimbs) {
  const size_t s = ctx->s;
  const unsigned w = 4;
  const size_t size = (size_t)1 << w;
  size_t bits = 0;
  for (size_t j = 0; j < count; j++) {
    size_t b = bit_length(exps[j], elimbs);
    if (b > bits) bits = b;
  }
  /* buckets[j][d] (d >= 1) with a set flag each, then y, run and acc. */
  uint64_t *mem = malloc((count * size + 3) * s * sizeof(uint64_t));
  unsigned char *set = calloc(count * size, 1);
  if (!mem || !set) {
    free(mem);
    free(set);
    return -1;
  }
  uint64_t *y = mem + count * size * s, *run = y + s, *acc = run + s;
  mont_to(ctx, y, base);
  const size_t digits = (bits + w - 1) / w;
  for (size_t k = 0; k < digits; k++) {
    for (size_t j = 0; j < count; j++) {
      const unsigned d = bits_at(exps[j], elimbs, k * w, w);
      if (!d) continue;
      uint64_t *bucket = mem + (j * size + d) * s;
      if (set[j * size + d]) mont_mul(ctx, bucket, bucket, y);
      else memcpy(bucket, y, s * sizeof(uint64_t));
      set[j * size + d] = 1;
    }
    if (k + 1 < digits)
      for (unsigned q = 0; q < w; q++) mont_sqr(ctx, y, y);
  }
  for (size_t j = 0; j < count; j++) {
    int have_run = 0, have_acc = 0;
    for (size_t d = size - 1; d >= 1; d--) {
      if (set[j * size + d]) {
        const uint64_t *bucket = mem + (j * size + d) * s;
        if (have_run) mont_mul(ctx, run, run, bucket);
        else memcpy(run, bucket, s * sizeof(uint64_t));
        have_run = 1;
      }
      if (!have_run) continue;
      if (have_acc) mont_mul(ctx, acc, acc, run);
      else memcpy(acc, run, s * sizeof(uint64_t));
      have_acc = 1;
    }
    if (have_acc) mont_from(ctx, outs[j], acc);
    else set_one_normal(outs[j], s);
  }
  free(mem);
  free(set);
  return 0;
}

/* out = tbl[idx * stride] for idx < count, reading every candidate entry (masked). */
static void ct_select(uint64_t *out, const uint64_t *tbl, size_t stride, size_t count, unsigned idx, size_t s) {
  memset(out, 0, s * sizeof(uint64_t));
  for (size_t d = 0; d < count; d++) {
    const uint64_t mask = ct_eq_mask(d, idx);
    const uint64_t *entry = tbl + d * stride;
    for (size_t j = 0; j < s; j++) out[j] |= entry[j] & mask;
  }
}

int mont_pow_consttime(const mont_ctx *ctx, uint64_t *r, const uint64_t *base, const uint64_t *e, size_t elimbs, size_t bits) {
  const size_t s = ctx->s;
  const unsigned w = bits > 200 ? 5 : bits > 40 ? 4 : 2;
  const size_t size = (size_t)1 << w;
  uint64_t *tbl = malloc((size + 2) * s * sizeof(uint64_t));
  if (!tbl) return -1;
  uint64_t *acc = tbl + size * s, *sel = acc + s;
  /* tbl[d] = base^d in Montgomery form, d < 2^w. */
  memcpy(tbl, ctx->one, s * sizeof(uint64_t));
  mont_to(ctx, tbl + s, base);
  for (size_t d = 2; d < size; d++) mont_mul(ctx, tbl + d * s, tbl + (d - 1) * s, tbl + s);
  memcpy(acc, ctx->one, s * sizeof(uint64_t));
  const size_t digits = (bits + w - 1) / w;
  for (size_t k = digits; k-- > 0;) {
    for (unsigned q = 0; q < w; q++) mont_sqr(ctx, acc, acc);
    ct_select(sel, tbl, s, size, bits_at(e, elimbs, k * w, w), s);
    mont_mul(ctx, acc, acc, sel);
  }
  mont_from(ctx, r, acc);
  limbs_wipe(tbl, (size + 2) * s);
  free(tbl);
  return 0;
}

/* tbl[idx * s] = v for idx < count, writing every entry (masked). */
static void ct_store(uint64_t *tbl, size_t count, unsigned idx, const uint64_t *v, size_t s) {
  for (size_t d = 0; d < count; d++) {
    const uint64_t mask = ct_eq_mask(d, idx);
    uint64_t *entry = tbl + d * s;
    for (size_t j = 0; j < s; j++) entry[j] = (v[j] & mask) | (entry[j] & ~mask);
  }
}

int mont_pow2_consttime(const mont_ctx *ctx, uint64_t *r1, uint64_t *r2, const uint64_t *base, const uint64_t *e1, const uint64_t *e2,
                        size_t elimbs, size_t bits) {
  const size_t s = ctx->s;
  const unsigned w = 5;
  const size_t size = (size_t)1 << w;
  /* Two bucket sets of 2^w entries, then y, a selected entry, and two running products. */
  uint64_t *mem = malloc((2 * size + 4) * s * sizeof(uint64_t));
  if (!mem) return -1;
  uint64_t *buckets[2] = {mem, mem + size * s};
  uint64_t *y = mem + 2 * size * s, *sel = y + s, *run = sel + s, *acc = run + s;
  const uint64_t *exps[2] = {e1, e2};
  uint64_t *outs[2] = {r1, r2};
  for (size_t d = 0; d < 2 * size; d++) memcpy(mem + d * s, ctx->one, s * sizeof(uint64_t));
  mont_to(ctx, y, base);
  /* Right to left: y = base^(2^(w k)) is shared; bucket[d] collects the y of every digit equal to d. */
  const size_t digits = (bits + w - 1) / w;
  for (size_t k = 0; k < digits; k++) {
    for (int j = 0; j < 2; j++) {
      const unsigned d = bits_at(exps[j], elimbs, k * w, w);
      ct_select(sel, buckets[j], s, size, d, s);
      mont_mul(ctx, sel, sel, y);
      ct_store(buckets[j], size, d, sel, s);
    }
    if (k + 1 < digits)
      for (unsigned q = 0; q < w; q++) mont_sqr(ctx, y, y);
  }
  /* prod_d bucket[d]^d as a product of suffix products: run = prod_{d' >= d} bucket[d']. */
  for (int j = 0; j < 2; j++) {
    memcpy(run, ctx->one, s * sizeof(uint64_t));
    memcpy(acc, ctx->one, s * sizeof(uint64_t));
    for (size_t d = size - 1; d >= 1; d--) {
      mont_mul(ctx, run, run, buckets[j] + d * s);
      mont_mul(ctx, acc, acc, run);
    }
    mont_from(ctx, outs[j], acc);
  }
  limbs_wipe(mem, (2 * size + 4) * s);
  free(mem);
  return 0;
}

int fixed_base_init(fixed_base *fb, const mont_ctx *ctx, const uint64_t *base, size_t max_bits, unsigned window) {
  const size_t s = ctx->s;
  const size_t size = (size_t)1 << window;
  memset(fb, 0, sizeof(*fb));
  fb->ctx = ctx;
  fb->window = window;
  fb->max_bits = max_bits;
  fb->rows = (max_bits + window - 1) / window;
  if (fb->rows == 0) fb->rows = 1;
  const size_t rows = fb->rows;
  if (rows > SIZE_MAX / size / s / sizeof(uint64_t)) return -1;
  fb->table = malloc(rows * size * s * sizeof(uint64_t));
  uint64_t *row_base = malloc(s * sizeof(uint64_t));
  if (!fb->table || !row_base) {
    free(row_base);
    fixed_base_free(fb);
    return -1;
  }
  mont_to(ctx, row_base, base);
  for (size_t i = 0; i < rows; i++) {
    uint64_t *row = fb->table + i * size * s;
    memcpy(row, ctx->one, s * sizeof(uint64_t));
    for (size_t d = 1; d < size; d++) mont_mul(ctx, row + d * s, row + (d - 1) * s, row_base);
    mont_mul(ctx, row_base, row + (size - 1) * s, row_base); /* base^(2^(w (i+1))) */
  }
  free(row_base);
  return 0;
}

void fixed_base_free(fixed_base *fb) {
  free(fb->table);
  fb->table = NULL;
}

void fixed_base_pow_vartime(const fixed_base *fb, uint64_t *r, const uint64_t *e, size_t elimbs) {
  const mont_ctx *ctx = fb->ctx;
  const size_t s = ctx->s;
  const size_t size = (size_t)1 << fb->window;
  uint64_t *acc = r; /* accumulate in r, then convert in place */
  int started = 0;
  for (size_t i = 0; i < fb->rows; i++) {
    unsigned d = bits_at(e, elimbs, i * fb->window, fb->window);
    if (!d) continue;
    const uint64_t *entry = fb->table + (i * size + d) * s;
    if (started) {
      mont_mul(ctx, acc, acc, entry);
    } else {
      memcpy(acc, entry, s * sizeof(uint64_t));
      started = 1;
    }
  }
  if (!started) {
    set_one_normal(r, s);
    return;
  }
  mont_from(ctx, r, acc);
}

void fixed_base_pow_consttime(const fixed_base *fb, uint64_t *r, const uint64_t *e, size_t elimbs, size_t bits) {
  const mont_ctx *ctx = fb->ctx;
  const size_t s = ctx->s;
  const unsigned w = fb->window;
  const size_t size = (size_t)1 << w;
  const size_t rows = (bits + w - 1) / w;
  uint64_t buf[MONT_MAX_LIMBS];
  memcpy(r, ctx->one, s * sizeof(uint64_t));
  for (size_t i = 0; i < rows; i++) {
    const unsigned d = bits_at(e, elimbs, i * w, w);
    const uint64_t *row = fb->table + i * size * s;
    /* Sub-windows of at most 4 bits: entry (x << o) of the row is base^(x 2^o 2^(w i)). */
    for (unsigned o = 0; o < w; o += 4) {
      const unsigned k = w - o < 4 ? w - o : 4;
      const unsigned x = (d >> o) & ((1u << k) - 1);
      ct_select(buf, row, (size_t)s << o, (size_t)1 << k, x, s);
      mont_mul(ctx, r, r, buf);
    }
  }
  limbs_wipe(buf, s);
  mont_from(ctx, r, r);
}
