/* Row primitives on little-endian 64-bit limbs: the inner loops of every product. Plain C with
 * 128-bit products; GCC turns them into mul/add/adc chains. Time depends on n only. */
#ifndef TALLYMESH_LIMBS_H
#define TALLYMESH_LIMBS_H

#include <stddef.h>
#include <stdint.h>

typedef unsigned __int128 u128;

/* r[0..n) = a[0..n) * b; returns the carry limb. */
static inline uint64_t limbs_mul_1(uint64_t *r, const uint64_t *a, size_t n, uint64_t b) {
  uint64_t c = 0;
  for (size_t i = 0; i < n; i++) {
    u128 t = (u128)a[i] * b + c;
    r[i] = (uint64_t)t;
    c = (uint64_t)(t >> 64);
  }
  return c;
}

/* r[0..n) += a[0..n) * b; returns the carry limb. Portable C. */
static inline uint64_t limbs_addmul_1_c(uint64_t *r, const uint64_t *a, size_t n, uint64_t b, uint64_t c) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    u128 t0 = (u128)a[i] * b + r[i] + c;
    r[i] = (uint64_t)t0;
    u128 t1 = (u128)a[i + 1] * b + r[i + 1] + (uint64_t)(t0 >> 64);
    r[i + 1] = (uint64_t)t1;
    u128 t2 = (u128)a[i + 2] * b + r[i + 2] + (uint64_t)(t1 >> 64);
    r[i + 2] = (uint64_t)t2;
    u128 t3 = (u128)a[i + 3] * b + r[i + 3] + (uint64_t)(t2 >> 64);
    r[i + 3] = (uint64_t)t3;
    c = (uint64_t)(t3 >> 64);
  }
  for (; i < n; i++) {
    u128 t = (u128)a[i] * b + r[i] + c;
    r[i] = (uint64_t)t;
    c = (uint64_t)(t >> 64);
  }
  return c;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define LIMBS_HAVE_ADX 1
/* r[0..4 blocks) += a * b with MULX and two independent carry chains (ADCX for the product
 * halves, ADOX for r): about twice the throughput of MUL/ADC. Needs BMI2 and ADX, which the caller
 * checks at run time (no -m flags: the assembler accepts the instructions anyway). blocks >= 1. */
static inline uint64_t limbs_addmul_4k_adx(uint64_t *r, const uint64_t *a, size_t blocks, uint64_t b) {
  uint64_t carry;
#define TM_STEP(off, prev, next)                 \
  "mulx " off "(%[a]), %%r9, %%" next "\n\t"   \
  "adcx %%" prev ", %%r9\n\t"                  \
  "adox " off "(%[r]), %%r9\n\t"               \
  "mov %%r9, " off "(%[r])\n\t"
  __asm__ volatile(
      "test $1, %%rcx\n\t"
      "jz 3f\n\t"
      /* an odd number of 4-limb blocks: one block first, then the 8-limb loop with the flags live */
      "xor %%r8d, %%r8d\n\t" /* previous high half = 0; clears CF and OF */
      TM_STEP("0", "r8", "r10") TM_STEP("8", "r10", "r8") TM_STEP("16", "r8", "r10") TM_STEP("24", "r10", "r8")
      "lea 32(%[a]), %[a]\n\t"
      "lea 32(%[r]), %[r]\n\t"
      "lea -1(%%rcx), %%rcx\n\t"
      "jrcxz 4f\n\t" /* jrcxz reaches 127 bytes only */
      "jmp 1f\n"
      "4:\n\t"
      "jmp 2f\n"
      "3:\n\t"
      "xor %%r8d, %%r8d\n"
      "1:\n\t"
      TM_STEP("0", "r8", "r10") TM_STEP("8", "r10", "r8") TM_STEP("16", "r8", "r10") TM_STEP("24", "r10", "r8")
      TM_STEP("32", "r8", "r10") TM_STEP("40", "r10", "r8") TM_STEP("48", "r8", "r10") TM_STEP("56", "r10", "r8")
      "lea 64(%[a]), %[a]\n\t" /* lea and jrcxz leave the flags alone */
      "lea 64(%[r]), %[r]\n\t"
      "lea -2(%%rcx), %%rcx\n\t"
      "jrcxz 2f\n\t"
      "jmp 1b\n"
      "2:\n\t"
      "mov $0, %%r9d\n\t"
      "adcx %%r9, %%r8\n\t"
      "adox %%r9, %%r8\n\t"
      "mov %%r8, %[carry]\n\t"
      : [a] "+r"(a), [r] "+r"(r), "+c"(blocks), [carry] "=r"(carry)
      : "d"(b)
      : "r8", "r9", "r10", "cc", "memory");
#undef TM_STEP
  return carry;
}
#endif

/* Set once at load: whether this CPU has BMI2 and ADX. */
extern int limbs_use_adx;

/* r[0..n) += a[0..n) * b; returns the carry limb. */
static inline uint64_t limbs_addmul_1(uint64_t *r, const uint64_t *a, size_t n, uint64_t b) {
#ifdef LIMBS_HAVE_ADX
  if (limbs_use_adx && n >= 4) {
    size_t blocks = n / 4;
    uint64_t c = limbs_addmul_4k_adx(r, a, blocks, b);
    return blocks * 4 == n ? c : limbs_addmul_1_c(r + 4 * blocks, a + 4 * blocks, n - 4 * blocks, b, c);
  }
#endif
  return limbs_addmul_1_c(r, a, n, b, 0);
}

/* r = a - b over n limbs; returns the borrow (0 or 1). r may alias a or b. */
static inline uint64_t limbs_sub_n(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n) {
  uint64_t borrow = 0;
  for (size_t i = 0; i < n; i++) {
    u128 d = (u128)a[i] - b[i] - borrow;
    r[i] = (uint64_t)d;
    borrow = (uint64_t)(d >> 64) & 1;
  }
  return borrow;
}

/* Zeroes limbs that held secrets, in a way the compiler may not drop. */
static inline void limbs_wipe(uint64_t *p, size_t n) {
  volatile uint64_t *v = p;
  for (size_t i = 0; i < n; i++) v[i] = 0;
}

#endif
