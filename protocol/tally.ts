// Tallies. A precinct tally holds, per tally word, the product of all its accepted ballots'
// ciphertexts, with the ballot count, the Merkle root of the ballot hashes in log order and the
// log's chain head. An aggregate tally (county, state, national) holds per word the product of
// its children's words, the children's tally hashes and the summed ballot count.
import { equalBytes } from '../crypto/bytes.ts';
import { defineSignedArtifact, hash32, type ArtifactOf } from './artifact.ts';
import { bigUint, list, oneOf, struct, text, uint } from './codec.ts';
import type { ElectionContext } from './election.ts';
import { ProtocolError } from './errors.ts';
import { ID_PATTERN, MAX_KEY_BITS, PROTOCOL_VERSION, type RosterEntry } from './manifest.ts';

const id = text(64, ID_PATTERN);
const words = list(bigUint(2 * MAX_KEY_BITS), 64);

export const PrecinctTally = defineSignedArtifact('precinct-tally', {
  version: uint(1),
  electionHash: hash32,
  precinctId: id,
  words,
  ballotCount: uint(4),
  ballotsRoot: hash32,
  logHead: hash32,
});
export type PrecinctTally = ArtifactOf<typeof PrecinctTally>;

export const AGGREGATE_LEVELS = ['county', 'state', 'national'] as const;
export type AggregateLevel = (typeof AGGREGATE_LEVELS)[number];

export const ChildTallyRefSchema = struct({ id, tallyHash: hash32 });

export const AggregateTally = defineSignedArtifact('aggregate-tally', {
  version: uint(1),
  electionHash: hash32,
  nodeId: id,
  level: oneOf(AGGREGATE_LEVELS),
  words,
  ballotCount: uint(8),
  children: list(ChildTallyRefSchema, 100_000),
});
export type AggregateTally = ArtifactOf<typeof AggregateTally>;

export type AnyTally = { kind: 'precinct'; tally: PrecinctTally } | { kind: 'aggregate'; tally: AggregateTally };

/** Checks one tally word's group membership; throws a ProtocolError naming `path`. */
export type WordCheck = (c: bigint, path: string) => void;

function checkWords(ctx: ElectionContext, list: bigint[], path: string, checkWord: WordCheck | undefined): void {
  if (list.length !== ctx.layout.wordCount) {
    throw new ProtocolError('inconsistent', path, `expected ${ctx.layout.wordCount} tally words, got ${list.length}`);
  }
  list.forEach((c, i) => (checkWord ?? ((w, at) => ctx.checkCiphertext(w, at)))(c, `${path}[${i}]`));
}

function signer(ctx: ElectionContext, nodeId: string, role: RosterEntry['role'], path: string): RosterEntry {
  const entry = ctx.index.byId.get(nodeId);
  if (!entry) throw new ProtocolError('unknown-signer', path, `"${nodeId}" is not in the roster`);
  if (entry.role !== role) throw new ProtocolError('unknown-signer', path, `"${nodeId}" is a ${entry.role}, not a ${role}`);
  return entry;
}

/**
 * Structure, election, signer and signature of a precinct tally (not its ballots). `checkWord`
 * replaces the per-word Z*_{n^2} test, for callers that batch it (protocol/hierarchy.ts).
 */
export function validatePrecinctTally(ctx: ElectionContext, tally: PrecinctTally, checkWord?: WordCheck): PrecinctTally {
  PrecinctTally.schema.check(tally, 'precinct-tally');
  if (tally.version !== PROTOCOL_VERSION) throw new ProtocolError('unsupported-version', 'precinct-tally.version', 'unsupported version');
  ctx.checkElection(tally.electionHash, 'precinct-tally');
  const entry = signer(ctx, tally.precinctId, 'precinct', 'precinct-tally.precinctId');
  checkWords(ctx, tally.words, 'precinct-tally.words', checkWord);
  if (tally.ballotCount >= 2 ** ctx.manifest.slotBits) throw new ProtocolError('out-of-range', 'precinct-tally.ballotCount', 'count could overflow a slot');
  PrecinctTally.verifySignature(tally, entry.publicKey);
  return tally;
}

/** Structure, election, signer, signature and the child list of an aggregate tally (`checkWord`: as above). */
export function validateAggregateTally(ctx: ElectionContext, tally: AggregateTally, checkWord?: WordCheck): AggregateTally {
  AggregateTally.schema.check(tally, 'aggregate-tally');
  if (tally.version !== PROTOCOL_VERSION) throw new ProtocolError('unsupported-version', 'aggregate-tally.version', 'unsupported version');
  ctx.checkElection(tally.electionHash, 'aggregate-tally');
  const entry = signer(ctx, tally.nodeId, tally.level, 'aggregate-tally.nodeId');
  checkWords(ctx, tally.words, 'aggregate-tally.words', checkWord);
  if (tally.ballotCount >= 2 ** ctx.manifest.slotBits) throw new ProtocolError('out-of-range', 'aggregate-tally.ballotCount', 'count could overflow a slot');
  const expected = ctx.index.childrenOf(entry.id).map((c) => c.id);
  const listed = tally.children.map((c) => c.id);
  if (expected.length !== listed.length || expected.some((id, i) => id !== listed[i])) {
    throw new ProtocolError('inconsistent', 'aggregate-tally.children', 'children must be exactly the roster children of the node, in roster order');
  }
  AggregateTally.verifySignature(tally, entry.publicKey);
  return tally;
}

/** The homomorphic sum of tallies: the word-wise product of their ciphertexts. */
export function multiplyWords(ctx: ElectionContext, lists: bigint[][]): bigint[] {
  const out: bigint[] = new Array(ctx.layout.wordCount).fill(1n);
  for (const list of lists) for (let w = 0; w < out.length; w++) out[w] = (out[w]! * list[w]!) % ctx.publicKey.n2;
  return out;
}

export interface ChildTally {
  id: string;
  hash: Uint8Array;
  words: bigint[];
  ballotCount: number;
}

/** A tally as its parent sees it: who, its content hash, its words and its count. */
export function childTallyOf(t: AnyTally): ChildTally {
  return t.kind === 'precinct'
    ? { id: t.tally.precinctId, hash: PrecinctTally.hash(t.tally), words: t.tally.words, ballotCount: t.tally.ballotCount }
    : { id: t.tally.nodeId, hash: AggregateTally.hash(t.tally), words: t.tally.words, ballotCount: t.tally.ballotCount };
}

/**
 * Checks an aggregate against its children's tallies: the listed hashes are theirs, every word is
 * the product of theirs and the ballot count is their sum. Throws naming the first mismatch.
 */
export function checkAggregateOfChildren(ctx: ElectionContext, tally: AggregateTally, children: ChildTally[]): void {
  if (children.length !== tally.children.length) throw new ProtocolError('inconsistent', 'aggregate-tally.children', 'child count differs');
  tally.children.forEach((ref, i) => {
    const child = children[i]!;
    if (child.id !== ref.id || !equalBytes(child.hash, ref.tallyHash)) {
      throw new ProtocolError('inconsistent', `aggregate-tally.children[${i}]`, `tally hash of "${ref.id}" does not match the child's tally`);
    }
  });
  const product = multiplyWords(ctx, children.map((c) => c.words));
  product.forEach((w, i) => {
    if (w !== tally.words[i]) throw new ProtocolError('inconsistent', `aggregate-tally.words[${i}]`, 'word is not the product of the children\'s words');
  });
  const sum = children.reduce((acc, c) => acc + c.ballotCount, 0);
  if (sum !== tally.ballotCount) throw new ProtocolError('inconsistent', 'aggregate-tally.ballotCount', `children count ${sum} ballots, tally says ${tally.ballotCount}`);
}
