import { beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../../crypto/bytes.ts';
import type { PaillierPublicKey, SafePrimePair } from '../../../crypto/paillier.ts';
import { encryptWithProof, proveValidity, responseBits, verifyValidity, type ValidityProof } from '../../../crypto/validity-proof.ts';
import { encryptBallot, proofContext, validateBallot, type Ballot } from '../../../protocol/ballot.ts';
import { ElectionContext } from '../../../protocol/election.ts';
import type { ContestLayout } from '../../../protocol/layout.ts';
import type { Contest, Manifest } from '../../../protocol/manifest.ts';
import { electionWithFactors, expectProtocolError, otherElectionManifest } from '../../support/fixtures.ts';

const CONTESTS: Contest[] = [
  { id: 'mayor', title: 'Mayor', districtId: 'all', partyId: '', kind: 'plurality', options: ['Ames', 'Bell', 'Cruz', 'Dunn'], selectionLimit: 1, allowAbstain: true, writeIn: false },
  { id: 'council', title: 'City council (vote for up to 2)', districtId: 'all', partyId: '', kind: 'approval', options: ['Eng', 'Fox', 'Gray', 'Hale'], selectionLimit: 2, allowAbstain: true, writeIn: false },
  { id: 'measure', title: 'Measure A', districtId: 'all', partyId: '', kind: 'plurality', options: ['Yes', 'No'], selectionLimit: 1, allowAbstain: true, writeIn: false },
];

const M = 1n << 32n;
const PRECINCT = 'precinct-01-001-001';
const OTHER_PRECINCT = 'precinct-01-001-002';

let manifest: Manifest;
let primes: SafePrimePair;
let ctx: ElectionContext;
let pk: PaillierPublicKey;
let mayor: ContestLayout;
let council: ContestLayout;

beforeAll(() => {
  const made = electionWithFactors({ keyBits: 1024, states: 1, countiesPerState: 1, precinctsPerCounty: 2, contests: CONTESTS });
  manifest = made.election.manifest;
  primes = made.primes;
  ctx = new ElectionContext(manifest);
  pk = ctx.publicKey;
  [mayor, council] = ctx.scopes.scopes[0]!.contests as [ContestLayout, ContestLayout, ContestLayout];
});

/** Plaintext with one vote for each listed (absolute) slot, counted `times` times each. */
const votes = (slots: number[], times = 1n): bigint => slots.reduce((acc, s) => acc + times * M ** BigInt(s), 0n);

function honestBallot(ballotId = 'ballot-0001'): Ballot {
  return encryptBallot(ctx, PRECINCT, { mayor: [1], council: [0, 3], measure: [0] }, ballotId);
}

/** The honest ballot with contest i's ciphertext and proof replaced. */
function withContest(ballot: Ballot, i: number, ciphertext: bigint, proof: ValidityProof): Ballot {
  const contests = ballot.contests.map((c, j) => (j === i ? { ...c, ciphertext, proof } : c));
  return { ...ballot, contests };
}

function contextOf(ballot: Ballot, contestId: string): Uint8Array {
  return proofContext(ctx.hash, ballot.precinctId, ballot.ballotId, contestId);
}

/** A prover that encrypts `value` but proves as if it were allowed[index] (an inconsistent prover). */
function dishonest(ballot: Ballot, layout: ContestLayout, value: bigint, index: number): { ciphertext: bigint; proof: ValidityProof } {
  const a = pk.randomExponent();
  const ciphertext = pk.encrypt(value, a);
  return { ciphertext, proof: proveValidity(pk, ciphertext, layout.allowed, index, a, contextOf(ballot, layout.contestId)) };
}

describe('honest validity proofs', () => {
  it('the layout is what the tests below assume', () => {
    // One scope: every precinct votes every contest, so they are counted at the precincts' lowest common ancestor, the one county.
    expect(ctx.scopes.scopes.map((s) => s.scopeId)).toEqual(['county-01-001']);
    expect(ctx.scopes.scopes[0]!.wordCount).toBe(1);
    expect(ctx.scopes.scopes[0]!.contests.map((c) => [c.contestId, c.firstSlot])).toEqual([
      ['mayor', 0],
      ['council', 4],
      ['measure', 8],
    ]);
    expect(mayor.allowed).toEqual([0n, votes([0]), votes([1]), votes([2]), votes([3])]);
    expect(council.allowed).toHaveLength(1 + 4 + 6);
  });

  it('every allowed value of every contest (abstention included) proves and verifies', () => {
    const context = utf8('test context');
    for (const layout of ctx.scopes.scopes[0]!.contests) {
      layout.allowed.forEach((value, index) => {
        const { ciphertext, proof } = encryptWithProof(pk, layout.allowed, index, context);
        expect(proof.challenges).toHaveLength(layout.allowed.length);
        expect(proof.responses).toHaveLength(layout.allowed.length);
        expect(verifyValidity(pk, ciphertext, layout.allowed, proof, context), `${layout.contestId} value ${index}`).toBe(true);
        // proveValidity with the caller's own randomness gives a proof that verifies too
        const a = pk.randomExponent();
        const c = pk.encrypt(value, a);
        expect(verifyValidity(pk, c, layout.allowed, proveValidity(pk, c, layout.allowed, index, a, context), context)).toBe(true);
      });
    }
  });

  it('validateBallot accepts an honest ballot and an all-abstain ballot', () => {
    const b = honestBallot();
    expect(validateBallot(ctx, b)).toBe(b);
    expect(validateBallot(ctx, b, PRECINCT)).toBe(b);
    const abstain = encryptBallot(ctx, PRECINCT, {}, 'ballot-abstain');
    expect(validateBallot(ctx, abstain)).toBe(abstain);
  });

  it('encryptBallot refuses a selection the contest does not allow', () => {
    expectProtocolError(() => encryptBallot(ctx, PRECINCT, { mayor: [0, 1] }), 'invalid-choice', 'choices.mayor');
    expectProtocolError(() => encryptBallot(ctx, PRECINCT, { council: [0, 1, 2] }), 'invalid-choice', 'choices.council');
    expectProtocolError(() => encryptBallot(ctx, PRECINCT, { mayor: [4] }), 'invalid-choice', 'choices.mayor');
  });
});

describe('validity proofs reject invalid plaintexts', () => {
  it('1000 votes for one option, proved by an inconsistent prover as one vote', () => {
    const b = honestBallot();
    const index = mayor.allowed.indexOf(votes([1]));
    const { ciphertext, proof } = dishonest(b, mayor, votes([1], 1000n), index);
    expect(verifyValidity(pk, ciphertext, mayor.allowed, proof, contextOf(b, 'mayor'))).toBe(false);
    expectProtocolError(() => validateBallot(ctx, withContest(b, 0, ciphertext, proof)), 'bad-proof', 'ballot.contests[0].proof');
  });

  it("1000 votes for one option, with an honest one-vote proof swapped onto the 1000-vote ciphertext", () => {
    const b = honestBallot();
    const ciphertext1000 = pk.encrypt(votes([1], 1000n));
    expectProtocolError(() => validateBallot(ctx, withContest(b, 0, ciphertext1000, b.contests[0]!.proof)), 'bad-proof', 'ballot.contests[0].proof');
    // Even when the 1000-vote ciphertext reuses the honest one's randomness exponent.
    const a = pk.randomExponent();
    const honest = pk.encrypt(votes([1]), a);
    const proof = proveValidity(pk, honest, mayor.allowed, 2, a, contextOf(b, 'mayor'));
    expect(verifyValidity(pk, honest, mayor.allowed, proof, contextOf(b, 'mayor'))).toBe(true);
    expect(verifyValidity(pk, pk.encrypt(votes([1], 1000n), a), mayor.allowed, proof, contextOf(b, 'mayor'))).toBe(false);
  });

  it('two options in a plurality contest (M^a + M^b)', () => {
    const b = honestBallot();
    for (const index of [1, 2]) {
      const { ciphertext, proof } = dishonest(b, mayor, votes([0, 1]), index);
      expectProtocolError(() => validateBallot(ctx, withContest(b, 0, ciphertext, proof)), 'bad-proof', 'ballot.contests[0].proof');
    }
    // The same proof technique succeeds for a list that allows the pair: the list is what binds.
    const a = pk.randomExponent();
    const c = pk.encrypt(votes([0, 1]), a);
    const lenient = [...mayor.allowed, votes([0, 1])];
    const context = contextOf(b, 'mayor');
    const proof = proveValidity(pk, c, lenient, lenient.length - 1, a, context);
    expect(verifyValidity(pk, c, lenient, proof, context)).toBe(true);
    expect(verifyValidity(pk, c, mayor.allowed, proof, context)).toBe(false);
  });

  it('more than k options in a 2-of-4 approval contest', () => {
    const b = honestBallot();
    const first = council.firstSlot;
    const index = council.allowed.indexOf(votes([first, first + 1]));
    expect(index).toBeGreaterThan(0);
    for (const slots of [[first, first + 1, first + 2], [first, first + 1, first + 2, first + 3]]) {
      const { ciphertext, proof } = dishonest(b, council, votes(slots), index);
      expectProtocolError(() => validateBallot(ctx, withContest(b, 1, ciphertext, proof)), 'bad-proof', 'ballot.contests[1].proof');
    }
  });

  it('a vote in a slot that belongs to another contest', () => {
    const b = honestBallot();
    // The mayor ciphertext encrypts a vote in council's first slot, or in measure's "Yes" slot.
    for (const slot of [council.firstSlot, ctx.scopes.scopes[0]!.contests[2]!.firstSlot]) {
      const { ciphertext, proof } = dishonest(b, mayor, votes([slot]), 1);
      expectProtocolError(() => validateBallot(ctx, withContest(b, 0, ciphertext, proof)), 'bad-proof', 'ballot.contests[0].proof');
    }
  });

  it('a negative vote (n - M^slot)', () => {
    const b = honestBallot();
    const { ciphertext, proof } = dishonest(b, mayor, pk.n - votes([1]), 0);
    expectProtocolError(() => validateBallot(ctx, withContest(b, 0, ciphertext, proof)), 'bad-proof', 'ballot.contests[0].proof');
  });
});

describe('validity proofs cannot be replayed elsewhere', () => {
  it('a proof copied onto another ballot id', () => {
    const b = honestBallot('ballot-0001');
    expectProtocolError(() => validateBallot(ctx, { ...b, ballotId: 'ballot-0002' }), 'bad-proof', 'ballot.contests[0].proof');
  });

  it('a proof copied onto another precinct', () => {
    const b = honestBallot();
    expect(ctx.index.byId.get(OTHER_PRECINCT)?.role).toBe('precinct');
    expectProtocolError(() => validateBallot(ctx, { ...b, precinctId: OTHER_PRECINCT }), 'bad-proof', 'ballot.contests[0].proof');
  });

  it('a proof copied onto another election (different election hash, same key)', () => {
    const other = new ElectionContext(otherElectionManifest(manifest));
    expect(other.publicKey.n).toBe(pk.n);
    expect(other.hashHex).not.toBe(ctx.hashHex);
    const b = honestBallot();
    expectProtocolError(() => validateBallot(other, { ...b, electionHash: other.hash }), 'bad-proof', 'ballot.contests[0].proof');
    // and the ballot as it is belongs to the first election only
    expectProtocolError(() => validateBallot(other, b), 'wrong-election', 'ballot.electionHash');
  });

  it('a proof copied onto another contest with the same allowed values', () => {
    // Two 20-option contests: the second does not fit in the first word, so both start at slot 0
    // of their own word and have identical allowed values; only the contest id tells them apart.
    const options = Array.from({ length: 20 }, (_, i) => `Option ${i}`);
    const twin = new ElectionContext({
      ...manifest,
      contests: [
        { id: 'alpha', title: 'Alpha', districtId: 'all', partyId: '', kind: 'plurality', options, selectionLimit: 1, allowAbstain: true, writeIn: false },
        { id: 'beta', title: 'Beta', districtId: 'all', partyId: '', kind: 'plurality', options, selectionLimit: 1, allowAbstain: true, writeIn: false },
      ],
    });
    const [alpha, beta] = twin.scopes.scopes[0]!.contests as [ContestLayout, ContestLayout];
    expect([alpha.word, beta.word]).toEqual([0, 1]);
    expect(beta.allowed).toEqual(alpha.allowed);
    const b = encryptBallot(twin, PRECINCT, { alpha: [3], beta: [5] }, 'ballot-twin');
    expect(validateBallot(twin, b)).toBe(b);
    const copied = { ...b, contests: [b.contests[0]!, { ...b.contests[0]!, contestId: 'beta' }] };
    expectProtocolError(() => validateBallot(twin, copied), 'bad-proof', 'ballot.contests[1].proof');
    // At the crypto level: same ciphertext, same allowed list, another contest id in the context.
    const c = b.contests[0]!;
    const ctxAlpha = proofContext(twin.hash, PRECINCT, 'ballot-twin', 'alpha');
    const ctxBeta = proofContext(twin.hash, PRECINCT, 'ballot-twin', 'beta');
    expect(verifyValidity(pk, c.ciphertext, alpha.allowed, c.proof, ctxAlpha)).toBe(true);
    expect(verifyValidity(pk, c.ciphertext, alpha.allowed, c.proof, ctxBeta)).toBe(false);
  });
});

describe('ciphertexts outside Z*_{n^2}', () => {
  const outOfRange = (c: () => bigint): void => {
    const b = honestBallot();
    const proof = b.contests[0]!.proof;
    expectProtocolError(() => validateBallot(ctx, withContest(b, 0, c(), proof)), 'ciphertext-out-of-range', 'ballot.contests[0].ciphertext');
    expect(verifyValidity(pk, c(), mayor.allowed, proof, contextOf(b, 'mayor'))).toBe(false);
  };

  it('0', () => outOfRange(() => 0n));
  it('n', () => outOfRange(() => pk.n));
  it('a multiple of p', () => outOfRange(() => primes.p * 123457n));
  it('a multiple of q', () => outOfRange(() => primes.q * (pk.n + 12n)));
  it('n^2', () => outOfRange(() => pk.n2));
  it('above n^2 (a valid ciphertext plus n^2)', () => outOfRange(() => pk.n2 + honestBallot().contests[0]!.ciphertext));
});

describe('tampered proofs', () => {
  it('a changed challenge', () => {
    const b = honestBallot();
    const p = b.contests[0]!.proof;
    const challenges = [...p.challenges];
    challenges[2] = (challenges[2]! + 1n) % (1n << 128n);
    expectProtocolError(() => validateBallot(ctx, withContest(b, 0, b.contests[0]!.ciphertext, { ...p, challenges })), 'bad-proof', 'ballot.contests[0].proof');
  });

  it('two challenges changed so that their sum stays the same', () => {
    const b = honestBallot();
    const p = b.contests[0]!.proof;
    const challenges = [...p.challenges];
    const mod = 1n << 128n;
    challenges[0] = (challenges[0]! + 5n) % mod;
    challenges[1] = (challenges[1]! + mod - 5n) % mod;
    expectProtocolError(() => validateBallot(ctx, withContest(b, 0, b.contests[0]!.ciphertext, { ...p, challenges })), 'bad-proof', 'ballot.contests[0].proof');
  });

  it('a changed response', () => {
    const b = honestBallot();
    const p = b.contests[1]!.proof;
    const responses = [...p.responses];
    responses[4] = responses[4]! ^ 1n;
    expectProtocolError(() => validateBallot(ctx, withContest(b, 1, b.contests[1]!.ciphertext, { ...p, responses })), 'bad-proof', 'ballot.contests[1].proof');
  });

  it('a wrong number of branches: one missing', () => {
    const b = honestBallot();
    const p = b.contests[0]!.proof;
    const proof = { challenges: p.challenges.slice(0, -1), responses: p.responses.slice(0, -1) };
    expect(verifyValidity(pk, b.contests[0]!.ciphertext, mayor.allowed, proof, contextOf(b, 'mayor'))).toBe(false);
    expectProtocolError(() => validateBallot(ctx, withContest(b, 0, b.contests[0]!.ciphertext, proof)), 'bad-proof', 'ballot.contests[0].proof');
  });

  it('a wrong number of branches: one extra', () => {
    const b = honestBallot();
    const p = b.contests[0]!.proof;
    const proof = { challenges: [...p.challenges, 0n], responses: [...p.responses, 1n] };
    expectProtocolError(() => validateBallot(ctx, withContest(b, 0, b.contests[0]!.ciphertext, proof)), 'bad-proof', 'ballot.contests[0].proof');
  });

  it('a wrong number of branches: challenges and responses of different lengths', () => {
    const b = honestBallot();
    const p = b.contests[0]!.proof;
    const proof = { challenges: p.challenges, responses: p.responses.slice(1) };
    expect(verifyValidity(pk, b.contests[0]!.ciphertext, mayor.allowed, proof, contextOf(b, 'mayor'))).toBe(false);
    expectProtocolError(() => validateBallot(ctx, withContest(b, 0, b.contests[0]!.ciphertext, proof)), 'bad-proof', 'ballot.contests[0].proof');
  });

  it('an empty allowed list never verifies', () => {
    const b = honestBallot();
    expect(verifyValidity(pk, b.contests[0]!.ciphertext, [], { challenges: [], responses: [] }, contextOf(b, 'mayor'))).toBe(false);
  });

  it('a negative response', () => {
    const b = honestBallot();
    const p = b.contests[0]!.proof;
    const responses = [-p.responses[0]!, ...p.responses.slice(1)];
    expect(() => verifyValidity(pk, b.contests[0]!.ciphertext, mayor.allowed, { ...p, responses }, contextOf(b, 'mayor'))).not.toThrow();
    expect(verifyValidity(pk, b.contests[0]!.ciphertext, mayor.allowed, { ...p, responses }, contextOf(b, 'mayor'))).toBe(false);
    expectProtocolError(
      () => validateBallot(ctx, withContest(b, 0, b.contests[0]!.ciphertext, { ...p, responses })),
      'out-of-range',
      'ballot.contests[0].proof.responses[0]',
    );
  });

  it('an oversize response (2^responseBits and above)', () => {
    const b = honestBallot();
    const p = b.contests[0]!.proof;
    const bound = 1n << BigInt(responseBits(pk));
    for (const r of [bound, bound + p.responses[0]!]) {
      const responses = [r, ...p.responses.slice(1)];
      expect(verifyValidity(pk, b.contests[0]!.ciphertext, mayor.allowed, { ...p, responses }, contextOf(b, 'mayor'))).toBe(false);
      expectProtocolError(() => validateBallot(ctx, withContest(b, 0, b.contests[0]!.ciphertext, { ...p, responses })), 'bad-proof', 'ballot.contests[0].proof');
    }
    // Beyond what the artifact schema admits at all.
    const huge = [1n << 3072n, ...p.responses.slice(1)];
    expectProtocolError(() => validateBallot(ctx, withContest(b, 0, b.contests[0]!.ciphertext, { ...p, responses: huge })), 'oversize', 'ballot.contests[0].proof.responses[0]');
  });

  it('a challenge outside [0, 2^128): negative, or shifted by 2^128 (same sum mod 2^128)', () => {
    const b = honestBallot();
    const p = b.contests[0]!.proof;
    const shifted = [p.challenges[0]! + (1n << 128n), ...p.challenges.slice(1)];
    expect(verifyValidity(pk, b.contests[0]!.ciphertext, mayor.allowed, { ...p, challenges: shifted }, contextOf(b, 'mayor'))).toBe(false);
    expectProtocolError(() => validateBallot(ctx, withContest(b, 0, b.contests[0]!.ciphertext, { ...p, challenges: shifted })), 'oversize', 'ballot.contests[0].proof.challenges[0]');
    const negative = [-1n, ...p.challenges.slice(1)];
    expect(verifyValidity(pk, b.contests[0]!.ciphertext, mayor.allowed, { ...p, challenges: negative }, contextOf(b, 'mayor'))).toBe(false);
    expectProtocolError(() => validateBallot(ctx, withContest(b, 0, b.contests[0]!.ciphertext, { ...p, challenges: negative })), 'out-of-range', 'ballot.contests[0].proof.challenges[0]');
  });

  it('proofs of two contests swapped between them', () => {
    const b = honestBallot();
    const [c0, c1] = b.contests as [Ballot['contests'][number], Ballot['contests'][number]];
    const swapped = { ...b, contests: [{ ...c0, proof: c1.proof }, { ...c1, proof: c0.proof }, b.contests[2]!] };
    expectProtocolError(() => validateBallot(ctx, swapped), 'bad-proof', 'ballot.contests[0].proof');
  });
});
