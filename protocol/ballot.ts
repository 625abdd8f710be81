// The ballot: one ciphertext and validity proof per contest, bound to the election, the
// precinct and the ballot id. Ballots are not signed (the voter stays anonymous); their
// integrity comes from the proofs, the precinct's log and the signed receipt.
import { hashParts } from '../crypto/hash.ts';
import { encryptWithProof, verifyValidity } from '../crypto/validity-proof.ts';
import { randomBits } from '../crypto/random.ts';
import { defineArtifact, hash32, type ArtifactOf } from './artifact.ts';
import { bigUint, list, note, struct, text, uint } from './codec.ts';
import type { ElectionContext } from './election.ts';
import { ProtocolError } from './errors.ts';
import { selectionIndex } from './layout.ts';
import { ID_PATTERN, MAX_KEY_BITS, PROTOCOL_VERSION } from './manifest.ts';

const id = text(64, ID_PATTERN);
const ciphertext = bigUint(2 * MAX_KEY_BITS);

export const ValidityProofSchema = struct({
  challenges: note(list(note(bigUint(128), 'e_j < 2^128'), 256), 'one per allowed value of the contest, in branch order'),
  responses: note(list(note(bigUint(MAX_KEY_BITS), 'z_j < 2^Z, Z = ⌈bits(n)/2⌉ + 257'), 256), 'one per allowed value of the contest, in branch order'),
});

export const BallotContestSchema = struct({
  contestId: note(id, 'the manifest contest at this position'),
  ciphertext: note(ciphertext, 'in Z*_{n²}: encrypts one allowed value of the contest'),
  proof: ValidityProofSchema,
});

export const Ballot = defineArtifact(
  'ballot',
  struct({
    version: note(uint(1), 'protocol version, 1'),
    electionHash: note(hash32, 'the election hash'),
    precinctId: note(id, 'the precinct that takes the ballot'),
    ballotId: note(id, 'chosen by the voter\'s client (128 random bits as 32 hex digits, by convention; any id of the pattern is valid); unique within its precinct (check 4; the precinct refuses a repeat)'),
    contests: note(list(BallotContestSchema, 64), 'one per manifest contest, in manifest order'),
  }),
);
export type Ballot = ArtifactOf<typeof Ballot>;

/** What the Fiat–Shamir hash of a contest proof is bound to. */
export function proofContext(electionHash: Uint8Array, precinctId: string, ballotId: string, contestId: string): Uint8Array {
  return hashParts('tallymesh/ballot-proof-context/v1', electionHash, precinctId, ballotId, contestId);
}

/** A voter's choices: for each contest id, the selected option indexes ([] to abstain). */
export type Choices = Record<string, number[]>;

export function newBallotId(): string {
  return randomBits(128).toString(16).padStart(32, '0');
}

/** The voter client's work: encrypt every contest and prove each ciphertext valid. */
export function encryptBallot(ctx: ElectionContext, precinctId: string, choices: Choices, ballotId = newBallotId()): Ballot {
  const contests = ctx.layout.contests.map((layout) => {
    const selected = choices[layout.contestId] ?? [];
    const index = selectionIndex(layout, selected);
    if (index < 0) {
      throw new ProtocolError('invalid-choice', `choices.${layout.contestId}`, `selection [${selected.join(', ')}] is not allowed in this contest`);
    }
    const context = proofContext(ctx.hash, precinctId, ballotId, layout.contestId);
    const { ciphertext, proof } = encryptWithProof(ctx.publicKey, layout.allowed, index, context);
    return { contestId: layout.contestId, ciphertext, proof };
  });
  return { version: PROTOCOL_VERSION, electionHash: ctx.hash, precinctId, ballotId, contests };
}

/**
 * Full validation of a ballot against the election: structure, election binding, precinct,
 * contest list, ciphertext range and every validity proof. Throws a ProtocolError naming the
 * first problem.
 */
export function validateBallot(ctx: ElectionContext, ballot: Ballot, expectedPrecinct?: string): Ballot {
  Ballot.schema.check(ballot, 'ballot');
  if (ballot.version !== PROTOCOL_VERSION) throw new ProtocolError('unsupported-version', 'ballot.version', `version ${ballot.version} is not supported`);
  ctx.checkElection(ballot.electionHash, 'ballot');
  const precinct = ctx.index.byId.get(ballot.precinctId);
  if (!precinct || precinct.role !== 'precinct') throw new ProtocolError('unknown-signer', 'ballot.precinctId', `"${ballot.precinctId}" is not a precinct of this election`);
  if (expectedPrecinct !== undefined && ballot.precinctId !== expectedPrecinct) {
    throw new ProtocolError('inconsistent', 'ballot.precinctId', `ballot is for precinct "${ballot.precinctId}", not "${expectedPrecinct}"`);
  }
  if (ballot.contests.length !== ctx.layout.contests.length) {
    throw new ProtocolError('inconsistent', 'ballot.contests', `expected ${ctx.layout.contests.length} contests, got ${ballot.contests.length}`);
  }
  ctx.layout.contests.forEach((layout, i) => {
    const entry = ballot.contests[i]!;
    const path = `ballot.contests[${i}]`;
    if (entry.contestId !== layout.contestId) throw new ProtocolError('inconsistent', `${path}.contestId`, `expected contest "${layout.contestId}"`);
    ctx.checkCiphertext(entry.ciphertext, `${path}.ciphertext`);
    const context = proofContext(ctx.hash, ballot.precinctId, ballot.ballotId, layout.contestId);
    if (!verifyValidity(ctx.publicKey, entry.ciphertext, layout.allowed, entry.proof, context)) {
      throw new ProtocolError('bad-proof', `${path}.proof`, `validity proof of contest "${layout.contestId}" does not verify`);
    }
  });
  return ballot;
}

/** The ballot's contest ciphertexts multiplied into one ciphertext per tally word. */
export function ballotWords(ctx: ElectionContext, ballot: Ballot): bigint[] {
  const words: bigint[] = new Array(ctx.layout.wordCount).fill(1n);
  ctx.layout.contests.forEach((layout, i) => {
    words[layout.word] = (words[layout.word]! * ballot.contests[i]!.ciphertext) % ctx.publicKey.n2;
  });
  return words;
}
