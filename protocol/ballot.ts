// The ballot: one ciphertext and validity proof per contest of its ballot style, bound to the
// election, the precinct and the ballot id. Ballots are not signed (the voter stays anonymous); their
// integrity comes from the proofs, the precinct's log and the signed receipt.
import { hashParts } from '../crypto/hash.ts';
import { encryptWithProof, verifyValidity } from '../crypto/validity-proof.ts';
import { randomBits } from '../crypto/random.ts';
import { defineArtifact, hash32, type ArtifactOf } from './artifact.ts';
import { bigUint, list, note, struct, text, uint } from './codec.ts';
import type { ElectionContext } from './election.ts';
import { ProtocolError } from './errors.ts';
import { selectionIndex } from './layout.ts';
import { ID_PATTERN, MAX_KEY_BITS, PROTOCOL_VERSION, type RosterEntry } from './manifest.ts';
import type { PlacedContest } from './scopes.ts';

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
    ballotStyleId: note(id, 'one of the precinct\'s ballot styles (its roster entry\'s ballotStyles)'),
    contests: note(list(BallotContestSchema, 1024), 'one per contest of the ballot style, in manifest order'),
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

/**
 * The style a precinct's voter gets when none is named: the precinct's only style. A precinct
 * with several (a primary: one per party) needs the voter's choice.
 */
export function defaultBallotStyle(ctx: ElectionContext, precinctId: string): string {
  const precinct = precinctEntry(ctx, precinctId, 'precinctId');
  if (precinct.ballotStyles.length !== 1) {
    throw new ProtocolError('unknown-ballot-style', 'ballotStyleId', `precinct "${precinctId}" has ${precinct.ballotStyles.length} ballot styles (${precinct.ballotStyles.join(', ')}): name one`);
  }
  return precinct.ballotStyles[0]!;
}

function precinctEntry(ctx: ElectionContext, precinctId: string, path: string): RosterEntry {
  const precinct = ctx.index.byId.get(precinctId);
  if (!precinct || precinct.role !== 'precinct') throw new ProtocolError('unknown-signer', path, `"${precinctId}" is not a precinct of this election`);
  return precinct;
}

/** The contests of a precinct's ballot style, in manifest order; throws unless the style is the precinct's. */
export function styleContests(ctx: ElectionContext, precinctId: string, ballotStyleId: string, path = 'ballot.ballotStyleId'): PlacedContest[] {
  const precinct = precinctEntry(ctx, precinctId, 'ballot.precinctId');
  if (!ctx.scopes.style(ballotStyleId)) throw new ProtocolError('unknown-ballot-style', path, `ballot style "${ballotStyleId}" is not in the manifest`);
  if (!precinct.ballotStyles.includes(ballotStyleId)) {
    throw new ProtocolError('off-style', path, `ballot style "${ballotStyleId}" is not one of precinct "${precinctId}"'s (${precinct.ballotStyles.join(', ')})`);
  }
  return ctx.scopes.contestsOfStyle(ballotStyleId);
}

/**
 * The voter client's work: encrypt every contest of the ballot style and prove each ciphertext
 * valid. Choices for a contest not on the style are refused, not dropped.
 */
export function encryptBallot(ctx: ElectionContext, precinctId: string, choices: Choices, ballotId = newBallotId(), ballotStyleId = defaultBallotStyle(ctx, precinctId)): Ballot {
  const placed = styleContests(ctx, precinctId, ballotStyleId, 'ballotStyleId');
  const on = new Set(placed.map((p) => p.contest.id));
  for (const contestId of Object.keys(choices)) {
    if (!on.has(contestId)) throw new ProtocolError('off-style', `choices.${contestId}`, `contest "${contestId}" is not on ballot style "${ballotStyleId}"`);
  }
  const contests = placed.map(({ layout }) => {
    const selected = choices[layout.contestId] ?? [];
    const index = selectionIndex(layout, selected);
    if (index < 0) {
      throw new ProtocolError('invalid-choice', `choices.${layout.contestId}`, `selection [${selected.join(', ')}] is not allowed in this contest`);
    }
    const context = proofContext(ctx.hash, precinctId, ballotId, layout.contestId);
    const { ciphertext, proof } = encryptWithProof(ctx.publicKey, layout.allowed, index, context);
    return { contestId: layout.contestId, ciphertext, proof };
  });
  return { version: PROTOCOL_VERSION, electionHash: ctx.hash, precinctId, ballotId, ballotStyleId, contests };
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
  if (expectedPrecinct !== undefined && ballot.precinctId !== expectedPrecinct) {
    throw new ProtocolError('inconsistent', 'ballot.precinctId', `ballot is for precinct "${ballot.precinctId}", not "${expectedPrecinct}"`);
  }
  const placed = styleContests(ctx, ballot.precinctId, ballot.ballotStyleId);
  checkStyleContests(ballot, placed);
  placed.forEach(({ layout }, i) => {
    const entry = ballot.contests[i]!;
    const path = `ballot.contests[${i}]`;
    ctx.checkCiphertext(entry.ciphertext, `${path}.ciphertext`);
    const context = proofContext(ctx.hash, ballot.precinctId, ballot.ballotId, layout.contestId);
    if (!verifyValidity(ctx.publicKey, entry.ciphertext, layout.allowed, entry.proof, context)) {
      throw new ProtocolError('bad-proof', `${path}.proof`, `validity proof of contest "${layout.contestId}" does not verify`);
    }
  });
  return ballot;
}

/**
 * Exactly the style's contests, in manifest order: a contest not on the style, or one missing,
 * is 'off-style' (naming it); a repeat or a wrong order is 'inconsistent'.
 */
function checkStyleContests(ballot: Ballot, placed: PlacedContest[]): void {
  const on = new Set(placed.map((p) => p.contest.id));
  const seen = new Set<string>();
  ballot.contests.forEach((entry, i) => {
    const path = `ballot.contests[${i}].contestId`;
    if (!on.has(entry.contestId)) throw new ProtocolError('off-style', path, `contest "${entry.contestId}" is not on ballot style "${ballot.ballotStyleId}"`);
    if (seen.has(entry.contestId)) throw new ProtocolError('inconsistent', path, `contest "${entry.contestId}" appears twice`);
    seen.add(entry.contestId);
  });
  const missing = placed.find((p) => !seen.has(p.contest.id));
  if (missing) throw new ProtocolError('off-style', 'ballot.contests', `contest "${missing.contest.id}" of ballot style "${ballot.ballotStyleId}" is missing`);
  placed.forEach((p, i) => {
    if (ballot.contests[i]!.contestId !== p.contest.id) throw new ProtocolError('inconsistent', `ballot.contests[${i}].contestId`, `expected contest "${p.contest.id}" (manifest order)`);
  });
}

/**
 * The ballot's contest ciphertexts multiplied into its precinct tally's groups: per scope on the
 * precinct's path (ctx.scopes.groupsOf), one ciphertext per word, 1 where it has no contest.
 */
export function ballotGroups(ctx: ElectionContext, ballot: Ballot): bigint[][] {
  const groups = ctx.scopes.groupsOf(ballot.precinctId);
  const words = groups.map((g) => new Array<bigint>(g.wordCount).fill(1n));
  const at = new Map(groups.map((g, i) => [g.scopeId, i]));
  const placed = ctx.scopes.contestsOfStyle(ballot.ballotStyleId);
  placed.forEach(({ scopeId, layout }, i) => {
    const group = words[at.get(scopeId)!]!;
    group[layout.word] = (group[layout.word]! * ballot.contests[i]!.ciphertext) % ctx.publicKey.n2;
  });
  return words;
}
