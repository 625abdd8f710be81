// One proof for a trustee's partial decryptions of many ciphertexts: random-linear-combination
// batching of the Chaum–Pedersen proof of threshold.ts.
//
// For pairs (c_j, c_ij = c_j^(2*Delta*s_i)), j = 1..m, weights rho_j of 128 bits are derived by
// Fiat–Shamir from every pair (and the context, the trustee and its verification key), and
//   C = prod c_j^rho_j,  C_i = prod c_ij^rho_j  (mod n^2)
// are proved with the single-ciphertext proof: log_{C^4}(C_i^2) = log_v(v_i). An honest trustee's
// C_i is C^(2*Delta*s_i). Soundness: let delta_j = c_ij^2 / (c_j^4)^(Delta*s_i), an element of
// the squares Q of Z*_{n^2}, a cyclic group of order p*q*p'*q' (n = pq, p = 2p'+1, q = 2q'+1),
// so every delta_j != 1 has order at least min(p', q') > 2^1000 for a 2048-bit n. The proof
// shows C_i^2 = (C^4)^(Delta*s_i), that is prod delta_j^rho_j = 1. If some delta_k != 1, then for
// any fixed other weights at most one rho_k below 2^128 < ord(delta_k) satisfies it: each
// weight derivation a cheating trustee tries succeeds with probability at most 2^-128. So every
// c_ij^2 is right, which is all that combination uses (it raises c_ij^2 to Lagrange powers).
// (Bellare, Garay, Rabin, "Fast batch verification for modular exponentiation and digital
// signatures", Eurocrypt 1998: the small-exponent test; here in a group without small factors.)
//
// Cost: a trustee computes m secret powers (no per-ciphertext nonce or proof), a verifier 2m
// powers with 128-bit exponents and one proof check, instead of m proof checks.
import { hashParts, hashToInt } from './hash.ts';
import { modPowPublic } from './modexp.ts';
import {
  ThresholdError,
  inCiphertextGroup,
  partialDecrypt,
  verifyPartial,
  type PartialProof,
  type ThresholdParams,
  type TrusteeShare,
} from './threshold.ts';

export const BATCH_WEIGHT_BITS = 128;
const SEED_DOMAIN = 'tallymesh/partial-batch-seed/v1';
const WEIGHT_DOMAIN = 'tallymesh/partial-batch-weight/v1';
const PROOF_DOMAIN = 'tallymesh/partial-batch-proof/v1';

/** A ciphertext and a trustee's partial value of it. */
export interface PartialPair {
  ciphertext: bigint;
  value: bigint;
}

/** The combined ciphertext and partial a batch's proof is about, and the context it is bound to. */
export interface CombinedBatch {
  ciphertext: bigint;
  value: bigint;
  context: Uint8Array;
}

/**
 * Combines a batch: checks every element is in Z*_{n^2}, derives the weights from the context,
 * trustee index, verification key and every pair, and multiplies. Throws ThresholdError naming
 * the first pair out of the group.
 */
export function combineBatch(params: ThresholdParams, index: number, pairs: readonly PartialPair[], context: Uint8Array): CombinedBatch {
  if (!(context instanceof Uint8Array)) throw new TypeError('context must be a Uint8Array');
  if (!Number.isSafeInteger(index) || index < 1 || index > params.trustees) throw new ThresholdError('invalid-partial', `trustee index must be in 1..${params.trustees}`);
  if (pairs.length === 0) throw new ThresholdError('invalid-partial', 'a batch needs at least one ciphertext');
  pairs.forEach((p, j) => {
    if (!inCiphertextGroup(params, p.ciphertext)) throw new ThresholdError('invalid-ciphertext', `ciphertext ${j} of the batch is not in Z*_{n^2}`);
    if (!inCiphertextGroup(params, p.value)) throw new ThresholdError('invalid-partial', `partial ${j} of the batch is not in Z*_{n^2}`, [index]);
  });
  const n2 = params.n * params.n;
  const seed = hashParts(SEED_DOMAIN, context, params.n, index, params.verificationKeys[index - 1]!, pairs.length, ...pairs.flatMap((p) => [p.ciphertext, p.value]));
  let ciphertext = 1n;
  let value = 1n;
  pairs.forEach((p, j) => {
    const rho = hashToInt(BATCH_WEIGHT_BITS, WEIGHT_DOMAIN, seed, j);
    ciphertext = (ciphertext * modPowPublic(p.ciphertext, rho, n2)) % n2;
    value = (value * modPowPublic(p.value, rho, n2)) % n2;
  });
  return { ciphertext, value, context: hashParts(PROOF_DOMAIN, context, seed) };
}

/** Trustee i's one proof for its partial values of the batch (computed with partialValue). */
export function proveBatch(params: ThresholdParams, share: TrusteeShare, pairs: readonly PartialPair[], context: Uint8Array, options: { checkShare?: boolean } = {}): PartialProof {
  const batch = combineBatch(params, share.index, pairs, context);
  const p = partialDecrypt(params, share, batch.ciphertext, batch.context, options);
  // Equal for honest values: C^(2 Delta s_i) = prod (c_j^(2 Delta s_i))^rho_j.
  if (p.value !== batch.value) throw new ThresholdError('share-mismatch', `the values are not trustee ${share.index}'s partials of the batch's ciphertexts`);
  return p.proof;
}

/** Checks a batch's proof; false (never throws) if anything is malformed or out of the group. */
export function verifyBatch(params: ThresholdParams, index: number, pairs: readonly PartialPair[], proof: PartialProof, context: Uint8Array): boolean {
  let batch: CombinedBatch;
  try {
    batch = combineBatch(params, index, pairs, context);
  } catch {
    return false;
  }
  return verifyPartial(params, batch.ciphertext, { index, value: batch.value, proof }, batch.context);
}
