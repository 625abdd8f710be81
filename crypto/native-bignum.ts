// The native Montgomery kernel (native/bignum), loaded once, with the BigInt/OpenSSL fallback.
//
// Why a native addon, when DESIGN.md preferred none: the ballot targets are set by ~15 powers of
// the fixed base hs mod n² (4096 bits) per ballot, each ~161 table multiplications. V8 BigInt
// spends ~21-33 µs on one multiplication mod n² (~8-12 µs for the product, the rest for `%`),
// which put encrypt+prove at ~69 ms and verification at ~64 ms of CPU, above the 60 ms / 33 ms
// targets; OpenSSL cannot help there (no fixed-base tables behind its DH API) and WASM lacks a
// 64×64→128-bit multiply. The addon does a 4096-bit Montgomery product in ~5 µs (MULX/ADCX/ADOX
// row kernel chosen at run time, portable C otherwise), keeps tables in Montgomery form, and
// passes BigInts as raw 64-bit words (no hex conversions). Measured on the shared 2-core EPYC, CPU
// medians under load (bench/crypto.bench.ts primitives): mulmod n² from JS 13.9 µs vs BigInt
// 31.5 µs; hs^z (1281 bits) from the table 0.84 ms vs 6.43 ms (BigInt table) and 7.59 ms
// (OpenSSL); encrypt+prove 71 → 29 ms, verify 81 → 19 ms, partial decryption 61 → 50 ms.
// OpenSSL's own exponentiation stays slightly faster than this kernel for a single power (5.4 vs
// 5.6 µs per exponent bit), so single powers still go to OpenSSL (crypto/modexp.ts).
//
// What it provides, and who uses it:
//   - Montgomery contexts (crypto/modexp.ts): mul; pow (variable time: public exponents) and
//     powSecret (fixed window, every table entry read with masks, a public bound on the
//     exponent's bits: no branch or address depends on the exponent), which OpenSSL beats by
//     ~1.1-1.6x and so serve only moduli below 512 bits; powManyPublic, many public powers of one
//     base sharing their squarings (the validity proofs' challenge powers c^e_j: 1.6 ms for 4 against
//     3.3 ms for 4 OpenSSL calls); powSecretPair, two secret powers of one base sharing their squarings
//     (the trustee's c^(2 Delta s_i) and c^(4r): 33 ms against 40 ms for two OpenSSL calls).
//   - Fixed-base tables (crypto/fixed-base.ts): pow for public exponents, powSecret for secret
//     ones (encryption randomness, proof nonces): every row's digit is read by masked scans of
//     sub-windows of at most 4 bits, so the table is no longer indexed by secret digits (the BigInt
//     table does that, and still does in the fallback).
// Fallback: when the addon is missing (no compiler at install time, an unsupported platform) or
// TALLYMESH_NATIVE_BIGNUM=0 is set, every caller uses the BigInt tables and OpenSSL exactly as
// before; results are identical either way (test/crypto-native-bignum.test.ts cross-checks them).
// A missing addon is reported once, as a process warning when this module loads.
import { createRequire } from 'node:module';

export interface NativeMontgomery {
  /** a * b mod m for a, b in [0, m). */
  mul(a: bigint, b: bigint): bigint;
  /** base^exponent mod m, base in [0, m): variable time, for public exponents only. */
  pow(base: bigint, exponent: bigint): bigint;
  /** base^exponent mod m in constant time for 0 <= exponent < 2^bits; bits is public. */
  powSecret(base: bigint, exponent: bigint, bits: number): bigint;
  /** [base^e1, base^e2] in constant time for e1, e2 < 2^bits, sharing one chain of squarings. */
  powSecretPair(base: bigint, e1: bigint, e2: bigint, bits: number): [bigint, bigint];
  /** [base^e for each e] for public exponents, sharing one chain of squarings (variable time). */
  powManyPublic(base: bigint, exponents: readonly bigint[]): bigint[];
}

export interface NativeFixedBase {
  /** base^exponent for 0 <= exponent < 2^maxBits: variable time, public exponents. */
  pow(exponent: bigint): bigint;
  /** base^exponent in constant time for 0 <= exponent < 2^bits, bits <= maxBits (public). */
  powSecret(exponent: bigint, bits: number): bigint;
}

export interface NativeBignum {
  Montgomery: new (modulus: bigint) => NativeMontgomery;
  FixedBase: new (montgomery: NativeMontgomery, base: bigint, maxBits: number, window: number) => NativeFixedBase;
  /** Which row kernel this CPU runs: 'mulx-adx' or 'portable-c'. */
  kernel: string;
}

/** Largest modulus the addon accepts (its limb buffers are sized for it). */
export const NATIVE_MAX_MODULUS_BITS = 16384;
/** Largest fixed-base window the addon accepts. */
export const NATIVE_MAX_WINDOW = 12;

const ADDON_PATH = '../native/bignum/build/Release/tallymesh_bignum.node';

function load(): { addon: NativeBignum | undefined; reason: string | undefined } {
  if (process.env.TALLYMESH_NATIVE_BIGNUM === '0') return { addon: undefined, reason: 'disabled by TALLYMESH_NATIVE_BIGNUM=0' };
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as NativeBignum;
    // A one-line self-test, so that a miscompiled kernel can never give different answers.
    const m = 0xfffffffffffffffffffffffffffffffffffffffffffffff61n; // odd, 2 limbs + 1
    const a = 0x123456789abcdef0123456789abcdef0123456789n;
    const ctx = new addon.Montgomery(m);
    if (ctx.mul(a, a) !== (a * a) % m || ctx.pow(a, 65537n) !== ctx.powSecret(a, 65537n, 17)) throw new Error('self-test failed');
    return { addon, reason: undefined };
  } catch (err) {
    return { addon: undefined, reason: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  }
}

const loaded = load();
if (!loaded.addon && process.env.TALLYMESH_NATIVE_BIGNUM !== '0') {
  process.emitWarning(
    `native Montgomery addon not loaded (${loaded.reason}); using BigInt/OpenSSL arithmetic (slower). Build it with \`npm install\` or \`node native/bignum/build.mjs\`.`,
    { code: 'TALLYMESH_NATIVE_BIGNUM' },
  );
}

/** The addon, or undefined when running on the fallback. */
export const nativeBignum: NativeBignum | undefined = loaded.addon;

/** Whether the addon is in use, and if not, why. */
export function nativeStatus(): { loaded: boolean; kernel?: string; reason?: string } {
  return nativeBignum ? { loaded: true, kernel: nativeBignum.kernel } : { loaded: false, reason: loaded.reason! };
}

/** Can the addon do arithmetic modulo m (odd, 3 <= m < 2^16384)? */
export function nativeSupports(m: bigint): boolean {
  return nativeBignum !== undefined && m >= 3n && (m & 1n) === 1n && m < 1n << BigInt(NATIVE_MAX_MODULUS_BITS);
}

const contexts = new Map<bigint, NativeMontgomery>();

/** A shared Montgomery context per modulus, or undefined when the addon cannot serve m. */
export function montgomeryFor(m: bigint): NativeMontgomery | undefined {
  if (!nativeSupports(m)) return undefined;
  let ctx = contexts.get(m);
  if (!ctx) {
    if (contexts.size >= 64) contexts.clear();
    ctx = new nativeBignum!.Montgomery(m);
    contexts.set(m, ctx);
  }
  return ctx;
}
