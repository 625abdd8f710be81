/* N-API surface of the Montgomery kernel: two classes, Montgomery (a modulus) and FixedBase (a
 * table for one base under one Montgomery modulus). Values cross as BigInt: N-API copies a
 * BigInt's 64-bit words directly (napi_get_value_bigint_words / napi_create_bigint_words), which
 * is exactly the limb layout, so there is no byte or hex conversion. Error messages never
 * contain operand values (exponents may be secret). */
#include <node_api.h>
#include <stdlib.h>
#include <string.h>

#include "limbs.h"
#include "mont.h"

/* Exponents beyond this many bits are refused (far above any use; bounds the allocation). */
#define MAX_EXPONENT_BITS (1u << 20)

#define CALL(env, expr)                                               \
  do {                                                                \
    if ((expr) != napi_ok) {                                          \
      const napi_extended_error_info *info_ = NULL;                   \
      napi_get_last_error_info((env), &info_);                        \
      bool pending_ = false;                                          \
      napi_is_exception_pending((env), &pending_);                    \
      if (!pending_)                                                  \
        napi_throw_error((env), NULL,                                 \
                         info_ && info_->error_message ? info_->error_message : "N-API call failed"); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

typedef struct {
  mont_ctx ctx;
  uint64_t *tmp; /* 3 s limbs of operand buffers */
} montgomery;

typedef struct {
  fixed_base fb;
  napi_ref owner; /* keeps the Montgomery object (and its context) alive */
  int64_t bytes;  /* reported to the GC as external memory */
} fixed_base_obj;

static napi_value throw_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, "ERR_TALLYMESH_BIGNUM_RANGE", msg);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_TALLYMESH_BIGNUM_TYPE", msg);
  return NULL;
}

/* Reads a non-negative BigInt below the modulus into out[0..s). Returns 0, or -1 with an exception set. */
static int read_residue(napi_env env, napi_value v, const mont_ctx *ctx, uint64_t *out, const char *what) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_bigint) {
    throw_type(env, what);
    return -1;
  }
  size_t count = 0;
  if (napi_get_value_bigint_words(env, v, NULL, &count, NULL) != napi_ok) return -1;
  if (count > ctx->s) {
    throw_range(env, "operand must lie in [0, modulus)");
    return -1;
  }
  int sign = 0;
  memset(out, 0, ctx->s * sizeof(uint64_t));
  if (count > 0 && napi_get_value_bigint_words(env, v, &sign, &count, out) != napi_ok) return -1;
  if (sign || limbs_cmp_vartime(out, ctx->m, ctx->s) >= 0) {
    throw_range(env, "operand must lie in [0, modulus)");
    return -1;
  }
  return 0;
}

/* Reads a non-negative BigInt exponent into a new zero-padded buffer of at least min_limbs limbs
 * (free it with free_exponent). Returns NULL with an exception set on error. */
static uint64_t *read_exponent(napi_env env, napi_value v, size_t min_limbs, size_t *limbs) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_bigint) {
    throw_type(env, "exponent must be a bigint");
    return NULL;
  }
  size_t count = 0;
  if (napi_get_value_bigint_words(env, v, NULL, &count, NULL) != napi_ok) return NULL;
  if (count > MAX_EXPONENT_BITS / 64) {
    throw_range(env, "exponent is too large");
    return NULL;
  }
  size_t n = count > min_limbs ? count : min_limbs;
  if (n == 0) n = 1;
  uint64_t *e = calloc(n, sizeof(uint64_t));
  if (!e) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  int sign = 0;
  if (count > 0 && napi_get_value_bigint_words(env, v, &sign, &count, e) != napi_ok) {
    free(e);
    return NULL;
  }
  if (sign) {
    free(e);
    throw_range(env, "negative exponent");
    return NULL;
  }
  *limbs = n;
  return e;
}

static void free_exponent(uint64_t *e, size_t limbs) {
  limbs_wipe(e, limbs);
  free(e);
}

/* Is e below 2^bits (e has `limbs` limbs)? Runs over every limb. */
static int below_pow2(const uint64_t *e, size_t limbs, size_t bits) {
  uint64_t over = 0;
  for (size_t i = 0; i < limbs; i++) {
    if (64 * i >= bits) over |= e[i];
    else if (64 * (i + 1) > bits) over |= e[i] >> (bits - 64 * i);
  }
  return over == 0;
}

static int read_bits(napi_env env, napi_value v, size_t *bits, const char *what) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 1 && d <= MAX_EXPONENT_BITS) || d != (double)(size_t)d) {
    throw_range(env, what);
    return -1;
  }
  *bits = (size_t)d;
  return 0;
}

static napi_value to_bigint(napi_env env, const uint64_t *r, size_t s) {
  napi_value out;
  CALL(env, napi_create_bigint_words(env, 0, s, r, &out));
  return out;
}

/* ---------------------------------------------------------------------------------------------
 * Montgomery(modulus) */

static void montgomery_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  montgomery *mg = data;
  mont_free(&mg->ctx);
  free(mg->tmp);
  free(mg);
}

static napi_value montgomery_new(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  if (argc < 1) return throw_type(env, "Montgomery(modulus) needs a bigint modulus");
  napi_valuetype t;
  CALL(env, napi_typeof(env, argv[0], &t));
  if (t != napi_bigint) return throw_type(env, "modulus must be a bigint");
  size_t count = 0;
  CALL(env, napi_get_value_bigint_words(env, argv[0], NULL, &count, NULL));
  if (count > MONT_MAX_LIMBS) return throw_range(env, "modulus is larger than 16384 bits");
  uint64_t m[MONT_MAX_LIMBS];
  int sign = 0;
  if (count > 0) CALL(env, napi_get_value_bigint_words(env, argv[0], &sign, &count, m));
  if (count == 0 || sign || (count == 1 && m[0] < 3)) return throw_range(env, "modulus must be at least 3");
  if ((m[0] & 1) == 0) return throw_range(env, "Montgomery arithmetic needs an odd modulus");
  montgomery *mg = calloc(1, sizeof(*mg));
  if (!mg || mont_init(&mg->ctx, m, count) != 0 || !(mg->tmp = calloc(3 * count, sizeof(uint64_t)))) {
    if (mg) {
      mont_free(&mg->ctx);
      free(mg);
    }
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  if (napi_wrap(env, self, mg, montgomery_finalize, NULL, NULL) != napi_ok) {
    montgomery_finalize(env, mg, NULL);
    napi_throw_error(env, NULL, "napi_wrap failed");
    return NULL;
  }
  return self;
}

static montgomery *unwrap_montgomery(napi_env env, napi_value self) {
  montgomery *mg = NULL;
  if (napi_unwrap(env, self, (void **)&mg) != napi_ok || !mg) {
    throw_type(env, "not a Montgomery object");
    return NULL;
  }
  return mg;
}

/* mul(a, b): a * b mod m, for a, b in [0, m). */
static napi_value montgomery_mul(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  montgomery *mg = unwrap_montgomery(env, self);
  if (!mg) return NULL;
  if (argc < 2) return throw_type(env, "mul(a, b) needs two bigints");
  const size_t s = mg->ctx.s;
  uint64_t *a = mg->tmp, *b = a + s, *r = b + s;
  if (read_residue(env, argv[0], &mg->ctx, a, "a must be a bigint") || read_residue(env, argv[1], &mg->ctx, b, "b must be a bigint")) return NULL;
  /* (a b R^-1) R^2 R^-1 = a b */
  mont_mul(&mg->ctx, r, a, b);
  mont_mul(&mg->ctx, r, r, mg->ctx.r2);
  return to_bigint(env, r, s);
}

/* pow(base, e): base^e mod m, variable time (public exponents). */
static napi_value montgomery_pow(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  montgomery *mg = unwrap_montgomery(env, self);
  if (!mg) return NULL;
  if (argc < 2) return throw_type(env, "pow(base, exponent) needs two bigints");
  const size_t s = mg->ctx.s;
  uint64_t *b = mg->tmp, *r = b + s;
  if (read_residue(env, argv[0], &mg->ctx, b, "base must be a bigint")) return NULL;
  size_t elimbs = 0;
  uint64_t *e = read_exponent(env, argv[1], 0, &elimbs);
  if (!e) return NULL;
  int rc = mont_pow_vartime(&mg->ctx, r, b, e, elimbs);
  free(e);
  if (rc != 0) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  return to_bigint(env, r, s);
}

/* powSecret(base, e, bits): base^e mod m in constant time for e < 2^bits (bits public). */
static napi_value montgomery_pow_secret(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], self;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  montgomery *mg = unwrap_montgomery(env, self);
  if (!mg) return NULL;
  if (argc < 3) return throw_type(env, "powSecret(base, exponent, bits) needs three arguments");
  const size_t s = mg->ctx.s;
  uint64_t *b = mg->tmp, *r = b + s;
  size_t bits = 0, elimbs = 0;
  if (read_residue(env, argv[0], &mg->ctx, b, "base must be a bigint") || read_bits(env, argv[2], &bits, "bits must be an integer in [1, 2^20]")) return NULL;
  uint64_t *e = read_exponent(env, argv[1], (bits + 63) / 64, &elimbs);
  if (!e) return NULL;
  if (!below_pow2(e, elimbs, bits)) {
    free_exponent(e, elimbs);
    return throw_range(env, "exponent exceeds the stated bit bound");
  }
  int rc = mont_pow_consttime(&mg->ctx, r, b, e, elimbs, bits);
  free_exponent(e, elimbs);
  limbs_wipe(b, s);
  if (rc != 0) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  return to_bigint(env, r, s);
}

/* powSecretPair(base, e1, e2, bits): [base^e1, base^e2] in constant time, e1, e2 < 2^bits. */
static napi_value montgomery_pow_secret_pair(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], self;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  montgomery *mg = unwrap_montgomery(env, self);
  if (!mg) return NULL;
  if (argc < 4) return throw_type(env, "powSecretPair(base, e1, e2, bits) needs four arguments");
  const size_t s = mg->ctx.s;
  uint64_t *b = mg->tmp, *r1 = b + s, *r2 = r1 + s;
  size_t bits = 0, l1 = 0, l2 = 0;
  if (read_residue(env, argv[0], &mg->ctx, b, "base must be a bigint") || read_bits(env, argv[3], &bits, "bits must be an integer in [1, 2^20]")) return NULL;
  const size_t limbs = (bits + 63) / 64;
  uint64_t *e1 = read_exponent(env, argv[1], limbs, &l1);
  if (!e1) return NULL;
  uint64_t *e2 = read_exponent(env, argv[2], limbs, &l2);
  if (!e2) {
    free_exponent(e1, l1);
    return NULL;
  }
  int rc = 1;
  if (below_pow2(e1, l1, bits) && below_pow2(e2, l2, bits)) rc = mont_pow2_consttime(&mg->ctx, r1, r2, b, e1, e2, limbs, bits);
  free_exponent(e1, l1);
  free_exponent(e2, l2);
  limbs_wipe(b, s);
  if (rc == 1) return throw_range(env, "exponent exceeds the stated bit bound");
  if (rc != 0) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  napi_value out, v1, v2;
  CALL(env, napi_create_array_with_length(env, 2, &out));
  CALL(env, napi_create_bigint_words(env, 0, s, r1, &v1));
  CALL(env, napi_create_bigint_words(env, 0, s, r2, &v2));
  limbs_wipe(r1, 2 * s);
  CALL(env, napi_set_element(env, out, 0, v1));
  CALL(env, napi_set_element(env, out, 1, v2));
  return out;
}

/* powManyPublic(base, exponents[]): [base^e for e of exponents], variable time (public exponents). */
static napi_value montgomery_pow_many(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  montgomery *mg = unwrap_montgomery(env, self);
  if (!mg) return NULL;
  if (argc < 2) return throw_type(env, "powManyPublic(base, exponents) needs a bigint and an array");
  bool is_array = false;
  CALL(env, napi_is_array(env, argv[1], &is_array));
  if (!is_array) return throw_type(env, "exponents must be an array of bigints");
  const size_t s = mg->ctx.s;
  uint32_t count = 0;
  CALL(env, napi_get_array_length(env, argv[1], &count));
  if (count > 4096) return throw_range(env, "at most 4096 exponents at once");
  if (read_residue(env, argv[0], &mg->ctx, mg->tmp, "base must be a bigint")) return NULL;
  napi_value out;
  CALL(env, napi_create_array_with_length(env, count, &out));
  if (count == 0) return out;
  /* First pass: the longest exponent, so that all share one limb count. */
  size_t limbs = 1;
  for (uint32_t j = 0; j < count; j++) {
    napi_value v;
    napi_valuetype t;
    size_t words = 0;
    CALL(env, napi_get_element(env, argv[1], j, &v));
    CALL(env, napi_typeof(env, v, &t));
    if (t != napi_bigint) return throw_type(env, "exponents must be an array of bigints");
    CALL(env, napi_get_value_bigint_words(env, v, NULL, &words, NULL));
    if (words > MAX_EXPONENT_BITS / 64) return throw_range(env, "exponent is too large");
    if (words > limbs) limbs = words;
  }
  uint64_t *mem = calloc((size_t)count * (limbs + s), sizeof(uint64_t));
  uint64_t **ptrs = calloc(2 * (size_t)count, sizeof(uint64_t *));
  if (!mem || !ptrs) {
    free(mem);
    free(ptrs);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  uint64_t **exps = ptrs, **outs = ptrs + count;
  int failed = 0;
  for (uint32_t j = 0; j < count && !failed; j++) {
    napi_value v;
    int sign = 0;
    size_t words = limbs;
    exps[j] = mem + (size_t)j * limbs;
    outs[j] = mem + (size_t)count * limbs + (size_t)j * s;
    if (napi_get_element(env, argv[1], j, &v) != napi_ok || napi_get_value_bigint_words(env, v, &sign, &words, exps[j]) != napi_ok) failed = 1;
    else if (sign) failed = 2;
  }
  int rc = failed ? 0 : mont_pow_many_vartime(&mg->ctx, outs, mg->tmp, (const uint64_t *const *)exps, count, limbs);
  napi_value result = out;
  if (failed == 1) result = NULL;
  else if (failed == 2) result = throw_range(env, "negative exponent");
  else if (rc != 0) {
    napi_throw_error(env, NULL, "out of memory");
    result = NULL;
  } else {
    for (uint32_t j = 0; j < count; j++) {
      napi_value v;
      if (napi_create_bigint_words(env, 0, s, outs[j], &v) != napi_ok || napi_set_element(env, out, j, v) != napi_ok) {
        result = NULL;
        break;
      }
    }
  }
  free(mem);
  free(ptrs);
  return result;
}

/* ---------------------------------------------------------------------------------------------
 * FixedBase(montgomery, base, maxBits, window) */

static void fixed_base_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  fixed_base_obj *fo = data;
  int64_t ignored;
  napi_adjust_external_memory(env, -fo->bytes, &ignored);
  fixed_base_free(&fo->fb);
  if (fo->owner) napi_delete_reference(env, fo->owner);
  free(fo);
}

static napi_value fixed_base_new(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], self;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  if (argc < 4) return throw_type(env, "FixedBase(montgomery, base, maxBits, window) needs four arguments");
  montgomery *mg = unwrap_montgomery(env, argv[0]);
  if (!mg) return NULL;
  const size_t s = mg->ctx.s;
  size_t max_bits = 0, window = 0;
  if (read_residue(env, argv[1], &mg->ctx, mg->tmp, "base must be a bigint") ||
      read_bits(env, argv[2], &max_bits, "maxBits must be an integer in [1, 2^20]") ||
      read_bits(env, argv[3], &window, "window must be an integer in [1, 12]"))
    return NULL;
  if (window > 12) return throw_range(env, "window must be an integer in [1, 12]");
  fixed_base_obj *fo = calloc(1, sizeof(*fo));
  if (!fo || fixed_base_init(&fo->fb, &mg->ctx, mg->tmp, max_bits, (unsigned)window) != 0) {
    free(fo);
    napi_throw_error(env, NULL, "out of memory for the fixed-base table");
    return NULL;
  }
  fo->bytes = (int64_t)(fo->fb.rows * ((size_t)1 << window) * s * sizeof(uint64_t));
  int64_t ignored;
  if (napi_create_reference(env, argv[0], 1, &fo->owner) != napi_ok || napi_wrap(env, self, fo, fixed_base_finalize, NULL, NULL) != napi_ok) {
    fo->bytes = 0;
    fixed_base_finalize(env, fo, NULL);
    napi_throw_error(env, NULL, "napi_wrap failed");
    return NULL;
  }
  napi_adjust_external_memory(env, fo->bytes, &ignored);
  return self;
}

static fixed_base_obj *unwrap_fixed_base(napi_env env, napi_value self) {
  fixed_base_obj *fo = NULL;
  if (napi_unwrap(env, self, (void **)&fo) != napi_ok || !fo) {
    throw_type(env, "not a FixedBase object");
    return NULL;
  }
  return fo;
}

/* pow(e): base^e for 0 <= e < 2^maxBits, variable time (public exponents). */
static napi_value fixed_base_pow(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  fixed_base_obj *fo = unwrap_fixed_base(env, self);
  if (!fo) return NULL;
  if (argc < 1) return throw_type(env, "pow(exponent) needs a bigint");
  size_t elimbs = 0;
  uint64_t *e = read_exponent(env, argv[0], 0, &elimbs);
  if (!e) return NULL;
  if (!below_pow2(e, elimbs, fo->fb.max_bits)) {
    free(e);
    return throw_range(env, "exponent exceeds the table's bits");
  }
  const size_t s = fo->fb.ctx->s;
  uint64_t r[MONT_MAX_LIMBS];
  fixed_base_pow_vartime(&fo->fb, r, e, elimbs);
  free(e);
  return to_bigint(env, r, s);
}

/* powSecret(e, bits): base^e in constant time for e < 2^bits, bits <= maxBits (bits public). */
static napi_value fixed_base_pow_secret(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  fixed_base_obj *fo = unwrap_fixed_base(env, self);
  if (!fo) return NULL;
  if (argc < 2) return throw_type(env, "powSecret(exponent, bits) needs two arguments");
  size_t bits = 0, elimbs = 0;
  if (read_bits(env, argv[1], &bits, "bits must be an integer in [1, 2^20]")) return NULL;
  if (bits > fo->fb.max_bits) return throw_range(env, "bits exceeds the table's bits");
  uint64_t *e = read_exponent(env, argv[0], (bits + 63) / 64, &elimbs);
  if (!e) return NULL;
  if (!below_pow2(e, elimbs, bits)) {
    free_exponent(e, elimbs);
    return throw_range(env, "exponent exceeds the stated bit bound");
  }
  const size_t s = fo->fb.ctx->s;
  uint64_t r[MONT_MAX_LIMBS];
  fixed_base_pow_consttime(&fo->fb, r, e, elimbs, bits);
  free_exponent(e, elimbs);
  return to_bigint(env, r, s);
}

/* ---------------------------------------------------------------------------------------------
 * Module */

static napi_value define_class(napi_env env, napi_value exports, const char *name, napi_callback ctor, const napi_property_descriptor *methods, size_t count) {
  napi_value cls;
  CALL(env, napi_define_class(env, name, NAPI_AUTO_LENGTH, ctor, NULL, count, methods, &cls));
  CALL(env, napi_set_named_property(env, exports, name, cls));
  return cls;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  mont_detect_cpu();
  const napi_property_descriptor mont_methods[] = {
      {"mul", NULL, montgomery_mul, NULL, NULL, NULL, napi_default_method, NULL},
      {"pow", NULL, montgomery_pow, NULL, NULL, NULL, napi_default_method, NULL},
      {"powSecret", NULL, montgomery_pow_secret, NULL, NULL, NULL, napi_default_method, NULL},
      {"powSecretPair", NULL, montgomery_pow_secret_pair, NULL, NULL, NULL, napi_default_method, NULL},
      {"powManyPublic", NULL, montgomery_pow_many, NULL, NULL, NULL, napi_default_method, NULL},
  };
  const napi_property_descriptor fb_methods[] = {
      {"pow", NULL, fixed_base_pow, NULL, NULL, NULL, napi_default_method, NULL},
      {"powSecret", NULL, fixed_base_pow_secret, NULL, NULL, NULL, napi_default_method, NULL},
  };
  if (!define_class(env, exports, "Montgomery", montgomery_new, mont_methods, 5)) return NULL;
  if (!define_class(env, exports, "FixedBase", fixed_base_new, fb_methods, 2)) return NULL;
  napi_value kernel;
  CALL(env, napi_create_string_utf8(env, limbs_use_adx ? "mulx-adx" : "portable-c", NAPI_AUTO_LENGTH, &kernel));
  CALL(env, napi_set_named_property(env, exports, "kernel", kernel));
  return exports;
}
