// Ballot validity proof: a non-interactive zero-knowledge proof that a ciphertext c encrypts one
// of a public list of allowed plaintexts, without revealing which.
//
// It is a Cramer–Damgård–Schoenmakers OR-composition of one Schnorr-type proof per allowed
// value m_j, over the DJN encryption base hs: c encrypts m_j iff u_j = c * (1+n)^(-m_j) is an
// n-th residue, and the prover shows u_j = hs^a for the a it encrypted with.
//   real branch r:      t_r = hs^rho,                   z_r = rho - e_r * a
//   simulated branch j: e_j, z_j random,                t_j = hs^(z_j) * u_j^(e_j)
//   E = SHA-256(context, n, c, allowed, t_0..t_k) mod 2^128,  e_r = E - sum_{j != r} e_j
// The verifier recomputes t_j = hs^(z_j) * u_j^(e_j) and checks sum e_j = E (mod 2^128). It
// exponentiates only the fixed base hs (table) and, by 128-bit challenges, the ciphertext c:
// u_j^(e_j) = c^(e_j) * (1+n)^(-e_j m_j) = c^(e_j) * (1 - e_j m_j n) mod n^2 (binomial theorem), so
// all of a contest's challenge powers share the base c and are computed in one batch (one chain of
// squarings natively). No modular inverse is needed. All of these exponents are public (variable-
// time arithmetic is fine). Soundness argument: docs/protocol.md.
//
// The context binds the proof to the election, precinct, ballot and contest, so it cannot be
// replayed on another ballot.
import { hashToInt } from './hash.ts';
import { mod } from './modular.ts';
import { modExpFor } from './modexp.ts';
import { CHALLENGE_BITS, type PaillierPublicKey } from './paillier.ts';
import { randomBits } from './random.ts';

const DOMAIN = 'tallymesh/validity-proof/v1';
const CHALLENGE_MODULUS = 1n << BigInt(CHALLENGE_BITS);

export interface ValidityProof {
  /** One challenge per allowed value, each in [0, 2^128). */
  challenges: bigint[];
  /** One response per allowed value, each in [0, 2^responseBits). */
  responses: bigint[];
}

/** Responses lie in [0, 2^responseBits): randomness bits + challenge bits + statistical slack. */
export function responseBits(pk: PaillierPublicKey): number {
  return pk.hsExponentBits;
}

/**
 * u_j^(e_j) for each (m_j, e_j), where u_j = c * (1+n)^(-m_j) mod n^2 is an n-th residue exactly
 * when c encrypts m_j: c^(e_j) (one batch) times (1+n)^(-e_j m_j) = 1 - e_j m_j n.
 */
function shiftedPowers(pk: PaillierPublicKey, c: bigint, values: readonly bigint[], exponents: readonly bigint[]): bigint[] {
  const engine = modExpFor(pk.n2);
  return engine.powManyPublic(c, exponents).map((p, j) => engine.mul(p, pk.gPow(pk.n - mod(exponents[j]! * values[j]!, pk.n))));
}

function fiatShamir(pk: PaillierPublicKey, c: bigint, allowed: bigint[], commitments: bigint[], context: Uint8Array): bigint {
  return hashToInt(CHALLENGE_BITS, DOMAIN, context, pk.n, c, allowed.length, ...allowed, ...commitments);
}

/**
 * Proves that c = Enc(allowed[index]; randomness). The caller guarantees that relation (use
 * encryptWithProof); for any other c the output is a proof that fails verification.
 */
export function proveValidity(
  pk: PaillierPublicKey,
  c: bigint,
  allowed: bigint[],
  index: number,
  randomness: bigint,
  context: Uint8Array,
): ValidityProof {
  const value = allowed[index];
  if (value === undefined) throw new RangeError('choice index outside the allowed values');
  const zBits = responseBits(pk);
  const challenges: bigint[] = [];
  const responses: bigint[] = [];
  const commitments: bigint[] = [];
  // rho >= 2^(challenge+randomness bits) keeps z_r = rho - e_r*a non-negative.
  const floor = 1n << BigInt(CHALLENGE_BITS + pk.randomnessBits);
  const rho = floor + randomBits(zBits) % ((1n << BigInt(zBits)) - floor);
  // The real branch's commitment first, then the simulated ones: the sequence of operations is the
  // same whichever value is the real one. rho is secret (constant-time table); the simulated e_j,
  // z_j are published in the proof anyway.
  const real = pk.hsPowSecret(rho, zBits);
  const simulated: number[] = [];
  for (let j = 0; j < allowed.length; j++) {
    challenges.push(j === index ? 0n : randomBits(CHALLENGE_BITS));
    responses.push(j === index ? 0n : randomBits(zBits));
    if (j !== index) simulated.push(j);
  }
  const uPowers = shiftedPowers(
    pk,
    c,
    simulated.map((j) => allowed[j]!),
    simulated.map((j) => challenges[j]!),
  );
  const engine = modExpFor(pk.n2);
  for (let j = 0, k = 0; j < allowed.length; j++) {
    commitments.push(j === index ? real : engine.mul(pk.hsPow(responses[j]!), uPowers[k++]!));
  }
  const total = fiatShamir(pk, c, allowed, commitments, context);
  const others = challenges.reduce((acc, e) => acc + e, 0n);
  const eReal = mod(total - others, CHALLENGE_MODULUS);
  challenges[index] = eReal;
  responses[index] = rho - eReal * randomness;
  return { challenges, responses };
}

/** Checks a validity proof. False for any malformed or wrong proof; never throws on bad input. */
export function verifyValidity(
  pk: PaillierPublicKey,
  c: bigint,
  allowed: bigint[],
  proof: ValidityProof,
  context: Uint8Array,
): boolean {
  const k = allowed.length;
  if (k === 0 || proof.challenges.length !== k || proof.responses.length !== k) return false;
  if (!pk.isCiphertext(c)) return false;
  const zBound = 1n << BigInt(responseBits(pk));
  let sum = 0n;
  for (let j = 0; j < k; j++) {
    const e = proof.challenges[j]!;
    const z = proof.responses[j]!;
    if (typeof e !== 'bigint' || typeof z !== 'bigint' || e < 0n || e >= CHALLENGE_MODULUS || z < 0n || z >= zBound) return false;
    sum += e;
  }
  const engine = modExpFor(pk.n2);
  const uPowers = shiftedPowers(pk, c, allowed, proof.challenges);
  const commitments = uPowers.map((u, j) => engine.mul(pk.hsPow(proof.responses[j]!), u));
  return mod(sum, CHALLENGE_MODULUS) === fiatShamir(pk, c, allowed, commitments, context);
}

/** Encrypts allowed[index] and proves it in one step, so the two can never disagree. */
export function encryptWithProof(
  pk: PaillierPublicKey,
  allowed: bigint[],
  index: number,
  context: Uint8Array,
): { ciphertext: bigint; proof: ValidityProof } {
  const value = allowed[index];
  if (value === undefined) throw new RangeError('choice index outside the allowed values');
  const randomness = pk.randomExponent();
  const ciphertext = pk.encrypt(value, randomness);
  return { ciphertext, proof: proveValidity(pk, ciphertext, allowed, index, randomness, context) };
}
