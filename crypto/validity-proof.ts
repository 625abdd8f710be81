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
// exponentiates only the fixed base hs (table) and u_j by 128-bit challenges, and needs no
// modular inverse: (1+n)^(-m) = 1 - m*n mod n^2. Soundness argument: docs/protocol.md.
//
// The context binds the proof to the election, precinct, ballot and contest, so it cannot be
// replayed on another ballot.
import { hashToInt } from './hash.ts';
import { mod } from './modular.ts';
import { modPow } from './modexp.ts';
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

/** u_j = c * (1+n)^(-m_j) mod n^2: an n-th residue exactly when c encrypts m_j. */
function shifted(pk: PaillierPublicKey, c: bigint, m: bigint): bigint {
  return (c * pk.gPow(pk.n - mod(m, pk.n))) % pk.n2;
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
  for (let j = 0; j < allowed.length; j++) {
    if (j === index) {
      challenges.push(0n);
      responses.push(0n);
      commitments.push(pk.hsPow(rho));
      continue;
    }
    const e = randomBits(CHALLENGE_BITS);
    const z = randomBits(zBits);
    challenges.push(e);
    responses.push(z);
    commitments.push((pk.hsPow(z) * modPow(shifted(pk, c, allowed[j]!), e, pk.n2)) % pk.n2);
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
  const commitments: bigint[] = [];
  let sum = 0n;
  for (let j = 0; j < k; j++) {
    const e = proof.challenges[j]!;
    const z = proof.responses[j]!;
    if (e < 0n || e >= CHALLENGE_MODULUS || z < 0n || z >= zBound) return false;
    commitments.push((pk.hsPow(z) * modPow(shifted(pk, c, allowed[j]!), e, pk.n2)) % pk.n2);
    sum += e;
  }
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
