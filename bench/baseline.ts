// The obvious implementations that TallyMesh's crypto is measured against, written for the
// benchmark from the textbook descriptions:
//   (a) textbook Paillier encryption with paillier-bigint: c = g^m * r^n mod n^2, r random in Z*_n;
//   (b) the textbook 1-out-of-L membership proof for Paillier (Baudron et al.; Damgård–Jurik):
//       u_j = c / g^(m_j); real branch a_r = rho^n; simulated branches e_j, z_j random,
//       a_j = z_j^n / u_j^(e_j); e = H(...) mod 2^128; e_r = e - sum of the others;
//       z_r = rho * r^(e_r) mod n; the verifier checks z_j^n = a_j * u_j^(e_j) mod n^2 for every
//       branch. Commitments a_j are part of the proof, as in the textbook;
//   (c) homomorphic addition = paillier-bigint's publicKey.addition;
//   (d) threshold partial decryption, its proof, verification and combination with the same
//       Shoup / Damgård–Jurik formulas as crypto/threshold.ts, but bigint-crypto-utils modPow
//       everywhere (no OpenSSL, no fixed-base table);
//   (e) key generation = paillier-bigint's generateRandomKeys (NOT safe primes: a safe-prime search
//       with bigint-crypto-utils' prime() is far too slow to be a practical baseline);
//   (f) Ed25519 with @noble/ed25519, the library DESIGN.md names (crypto/signature.ts now uses
//       Node's OpenSSL), over the same domain-framed message.
// Every exponentiation here is bigint-crypto-utils' modPow (plain BigInt square-and-multiply).
// This module is benchmark-only: nothing in the product imports it.
import { createHash, randomBytes } from 'node:crypto';
import * as ed from '@noble/ed25519';
import * as bcu from 'bigint-crypto-utils';
import { PublicKey, generateRandomKeys, type KeyPair } from 'paillier-bigint';
import type { BallotLayout } from '../protocol/layout.ts';
import { selectionIndex } from '../protocol/layout.ts';
import { proofContext, type Choices } from '../protocol/ballot.ts';

const CHALLENGE_BITS = 128n;
const CHALLENGE_MODULUS = 1n << CHALLENGE_BITS;

// ---------------------------------------------------------------------------------------------
// Small helpers

function bytesOf(x: bigint): Buffer {
  if (x < 0n) throw new RangeError('negative');
  let hex = x.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return Buffer.from(x === 0n ? '' : hex, 'hex');
}

function fixedBytes(x: bigint, length: number): Buffer {
  const hex = x.toString(16);
  if (hex.length > 2 * length) throw new RangeError('value does not fit');
  return Buffer.from(hex.padStart(2 * length, '0'), 'hex');
}

function byteLengthOf(x: bigint): number {
  return Math.ceil(bcu.bitLength(x) / 8);
}

function randomBitsBig(bits: number): bigint {
  const bytes = randomBytes(Math.ceil(bits / 8));
  return BigInt('0x' + bytes.toString('hex')) >> BigInt(bytes.length * 8 - bits);
}

/** Uniform in Z*_n. */
function randomUnit(n: bigint): bigint {
  for (;;) {
    const r = bcu.randBetween(n - 1n, 1n);
    if (bcu.gcd(r, n) === 1n) return r;
  }
}

/** Fiat–Shamir challenge: SHA-256 over length-prefixed parts, reduced mod 2^128. */
function challenge(domain: string, parts: (bigint | Uint8Array | number)[]): bigint {
  const h = createHash('sha256');
  const put = (b: Uint8Array): void => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    h.update(len).update(b);
  };
  put(Buffer.from(domain, 'utf8'));
  for (const p of parts) put(typeof p === 'bigint' ? bytesOf(p) : typeof p === 'number' ? bytesOf(BigInt(p)) : p);
  return BigInt('0x' + h.digest('hex')) % CHALLENGE_MODULUS;
}

// ---------------------------------------------------------------------------------------------
// (a) Textbook Paillier encryption and (c) addition

/** paillier-bigint's public key on the same modulus, with g = n + 1. */
export function textbookPublicKey(n: bigint): PublicKey {
  return new PublicKey(n, n + 1n);
}

/** c = g^m * r^n mod n^2 with a fresh r in Z*_n; r is returned because the proof needs it. */
export function textbookEncrypt(pk: PublicKey, m: bigint): { ciphertext: bigint; r: bigint } {
  const r = randomUnit(pk.n);
  return { ciphertext: pk.encrypt(m, r), r };
}

export function textbookAdd(pk: PublicKey, a: bigint, b: bigint): bigint {
  return pk.addition(a, b);
}

// ---------------------------------------------------------------------------------------------
// (b) Textbook 1-out-of-L membership proof

export interface TextbookProof {
  commitments: bigint[];
  challenges: bigint[];
  responses: bigint[];
}

const MEMBERSHIP_DOMAIN = 'bench/textbook-membership';

/** u = c / g^m mod n^2, computed as the textbook writes it. */
function shiftedCiphertext(pk: PublicKey, c: bigint, m: bigint): bigint {
  const n2 = pk._n2;
  return (c * bcu.modInv(bcu.modPow(pk.g, m, n2), n2)) % n2;
}

export function textbookProve(pk: PublicKey, c: bigint, r: bigint, allowed: bigint[], index: number, context: Uint8Array): TextbookProof {
  const { n } = pk;
  const n2 = pk._n2;
  const k = allowed.length;
  const commitments: bigint[] = new Array(k);
  const challenges: bigint[] = new Array(k);
  const responses: bigint[] = new Array(k);
  const rho = randomUnit(n);
  for (let j = 0; j < k; j++) {
    if (j === index) {
      commitments[j] = bcu.modPow(rho, n, n2);
      continue;
    }
    const e = randomBitsBig(Number(CHALLENGE_BITS));
    const z = randomUnit(n);
    const u = shiftedCiphertext(pk, c, allowed[j]!);
    commitments[j] = (bcu.modPow(z, n, n2) * bcu.modInv(bcu.modPow(u, e, n2), n2)) % n2;
    challenges[j] = e;
    responses[j] = z;
  }
  const e = challenge(MEMBERSHIP_DOMAIN, [context, n, c, ...allowed, ...commitments]);
  let others = 0n;
  for (let j = 0; j < k; j++) if (j !== index) others += challenges[j]!;
  const eReal = bcu.toZn(e - others, CHALLENGE_MODULUS);
  challenges[index] = eReal;
  responses[index] = (rho * bcu.modPow(r, eReal, n)) % n;
  return { commitments, challenges, responses };
}

export function textbookVerify(pk: PublicKey, c: bigint, allowed: bigint[], proof: TextbookProof, context: Uint8Array): boolean {
  const { n } = pk;
  const n2 = pk._n2;
  const k = allowed.length;
  if (proof.commitments.length !== k || proof.challenges.length !== k || proof.responses.length !== k) return false;
  if (c <= 0n || c >= n2 || bcu.gcd(c, n) !== 1n) return false;
  let sum = 0n;
  for (let j = 0; j < k; j++) {
    const a = proof.commitments[j]!;
    const e = proof.challenges[j]!;
    const z = proof.responses[j]!;
    if (e < 0n || e >= CHALLENGE_MODULUS || z <= 0n || z >= n || a <= 0n || a >= n2) return false;
    const u = shiftedCiphertext(pk, c, allowed[j]!);
    if (bcu.modPow(z, n, n2) !== (a * bcu.modPow(u, e, n2)) % n2) return false;
    sum += e;
  }
  return sum % CHALLENGE_MODULUS === challenge(MEMBERSHIP_DOMAIN, [context, n, c, ...allowed, ...proof.commitments]);
}

// ---------------------------------------------------------------------------------------------
// The standard ballot, the textbook way

export interface TextbookContest {
  contestId: string;
  ciphertext: bigint;
  proof: TextbookProof;
}

export interface TextbookBallot {
  precinctId: string;
  ballotId: string;
  contests: TextbookContest[];
}

/** Encrypts and proves every contest: paillier-bigint encryption plus one textbook proof each. */
export function textbookEncryptBallot(
  pk: PublicKey,
  layout: BallotLayout,
  electionHash: Uint8Array,
  precinctId: string,
  choices: Choices,
  ballotId: string,
): TextbookBallot {
  const contests = layout.contests.map((contest) => {
    const index = selectionIndex(contest, choices[contest.contestId] ?? []);
    if (index < 0) throw new RangeError(`choice not allowed in ${contest.contestId}`);
    const { ciphertext, r } = textbookEncrypt(pk, contest.allowed[index]!);
    const context = proofContext(electionHash, precinctId, ballotId, contest.contestId);
    return { contestId: contest.contestId, ciphertext, proof: textbookProve(pk, ciphertext, r, contest.allowed, index, context) };
  });
  return { precinctId, ballotId, contests };
}

export function textbookVerifyBallot(pk: PublicKey, layout: BallotLayout, electionHash: Uint8Array, ballot: TextbookBallot): boolean {
  if (ballot.contests.length !== layout.contests.length) return false;
  return layout.contests.every((contest, i) => {
    const entry = ballot.contests[i]!;
    if (entry.contestId !== contest.contestId) return false;
    const context = proofContext(electionHash, ballot.precinctId, ballot.ballotId, contest.contestId);
    return textbookVerify(pk, entry.ciphertext, contest.allowed, entry.proof, context);
  });
}

/**
 * The textbook ballot's natural size in minimal binary: fixed-width fields, no framing, no ids:
 * per contest the ciphertext (|n^2| bytes) and per branch a commitment (|n^2|), a challenge
 * (16 bytes) and a response (|n|).
 */
export function encodeTextbookBallot(pk: PublicKey, ballot: TextbookBallot): Uint8Array {
  const big = byteLengthOf(pk._n2);
  const small = byteLengthOf(pk.n);
  const parts: Buffer[] = [];
  for (const c of ballot.contests) {
    parts.push(fixedBytes(c.ciphertext, big));
    c.proof.commitments.forEach((a, j) => {
      parts.push(fixedBytes(a, big), fixedBytes(c.proof.challenges[j]!, 16), fixedBytes(c.proof.responses[j]!, small));
    });
  }
  return new Uint8Array(Buffer.concat(parts));
}

// ---------------------------------------------------------------------------------------------
// (d) Threshold decryption with bigint-crypto-utils modPow

export interface BaselineThresholdParams {
  n: bigint;
  trustees: number;
  threshold: number;
  v: bigint;
  verificationKeys: readonly bigint[];
}

export interface BaselinePartial {
  index: number;
  value: bigint;
  challenge: bigint;
  response: bigint;
}

const PARTIAL_DOMAIN = 'bench/baseline-partial';

function factorialOf(k: number): bigint {
  let f = 1n;
  for (let i = 2; i <= k; i++) f *= BigInt(i);
  return f;
}

/** Nonce bits as in crypto/threshold.ts: |n^2| + 2*128 + 128, so z = r + e*Delta*s hides the share. */
function nonceBitsOf(n: bigint): number {
  return bcu.bitLength(n * n) + 3 * Number(CHALLENGE_BITS);
}

/** c_i = c^(2*Delta*s_i) mod n^2 with a proof that log_{c^4}(c_i^2) = log_v(v_i). */
export function baselinePartialDecrypt(params: BaselineThresholdParams, index: number, share: bigint, c: bigint, context: Uint8Array): BaselinePartial {
  const { n, v } = params;
  const n2 = n * n;
  const delta = factorialOf(params.trustees);
  const exponent = 2n * delta * share;
  const value = bcu.modPow(c, exponent, n2);
  const r = randomBitsBig(nonceBitsOf(n));
  const a = bcu.modPow(c, 4n * r, n2);
  const b = bcu.modPow(v, r, n2);
  const vk = params.verificationKeys[index - 1]!;
  const e = challenge(PARTIAL_DOMAIN, [context, n, c, index, v, vk, value, a, b]);
  return { index, value, challenge: e, response: r + e * delta * share };
}

/** Recomputes a = c^(4z) * c_i^(-2e) and b = v^z * v_i^(-e) and checks the challenge. */
export function baselineVerifyPartial(params: BaselineThresholdParams, c: bigint, p: BaselinePartial, context: Uint8Array): boolean {
  const { n, v } = params;
  const n2 = n * n;
  if (p.index < 1 || p.index > params.trustees) return false;
  if (p.challenge < 0n || p.challenge >= CHALLENGE_MODULUS || p.response < 0n || bcu.bitLength(p.response) > nonceBitsOf(n) + 1) return false;
  if (p.value <= 0n || p.value >= n2 || bcu.gcd(p.value, n) !== 1n) return false;
  const vk = params.verificationKeys[p.index - 1]!;
  const a = (bcu.modPow(c, 4n * p.response, n2) * bcu.modInv(bcu.modPow(p.value, 2n * p.challenge, n2), n2)) % n2;
  const b = (bcu.modPow(v, p.response, n2) * bcu.modInv(bcu.modPow(vk, p.challenge, n2), n2)) % n2;
  return challenge(PARTIAL_DOMAIN, [context, n, c, p.index, v, vk, p.value, a, b]) === p.challenge;
}

/** Delta * prod_{j != i} (-j) / (i - j): an integer because Delta = l!. */
function lagrange(S: readonly number[], i: number, delta: bigint): bigint {
  let num = delta;
  let den = 1n;
  for (const j of S) {
    if (j === i) continue;
    num *= -BigInt(j);
    den *= BigInt(i - j);
  }
  return num / den;
}

/** M = L(prod c_i^(2*lambda_i)) * (4*Delta^2)^(-1) mod n over the first t partials. */
export function baselineCombine(params: BaselineThresholdParams, partials: readonly BaselinePartial[]): bigint {
  const { n } = params;
  const n2 = n * n;
  const delta = factorialOf(params.trustees);
  const used = partials.slice(0, params.threshold);
  if (used.length < params.threshold) throw new RangeError('not enough partials');
  const S = used.map((p) => p.index);
  let combined = 1n;
  for (const p of used) combined = (combined * bcu.modPow(p.value, 2n * lagrange(S, p.index, delta), n2)) % n2; // negative: modPow inverts
  return (((combined - 1n) / n) * bcu.modInv(4n * delta * delta, n)) % n;
}

// ---------------------------------------------------------------------------------------------
// (e) Key generation

/** paillier-bigint's key generation: two random primes from bigint-crypto-utils (not safe primes). */
export function baselineKeyGeneration(bits: number): Promise<KeyPair> {
  return generateRandomKeys(bits);
}

// ---------------------------------------------------------------------------------------------
// (f) Ed25519 with @noble/ed25519

ed.hashes.sha512 = (message: Uint8Array) => new Uint8Array(createHash('sha512').update(message).digest());

/** The message crypto/signature.ts signs: "tallymesh/sig/v1/<domain>\0" || bytes. */
export function signatureFrame(domain: string, message: Uint8Array): Uint8Array {
  return new Uint8Array(Buffer.concat([Buffer.from(`tallymesh/sig/v1/${domain}\0`, 'utf8'), message]));
}

export function nobleSign(domain: string, message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return ed.sign(signatureFrame(domain, message), secretKey);
}

export function nobleVerify(domain: string, message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  return ed.verify(signature, signatureFrame(domain, message), publicKey);
}
