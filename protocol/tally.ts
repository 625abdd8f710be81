// Tallies. A tally carries one group of words per scope on its signer's path to the national
// node that has contests (protocol/scopes.ts), the signer's own scope first. A precinct tally
// holds per word the product of all its accepted ballots' ciphertexts, with the ballot count,
// the Merkle root of the ballot hashes in log order and the log's chain head. An aggregate tally
// (county, state, national) holds per group and word the product of its children's words in the
// group of the same scope, the children's tally hashes and the summed ballot count. A child's
// own group stops at the child: it is complete there, and the trustees decrypt it.
import { nonMembers } from '../crypto/batch-membership.ts';
import { equalBytes } from '../crypto/bytes.ts';
import { defineSignedArtifact, hash32, type ArtifactOf } from './artifact.ts';
import { bigUint, list, note, oneOf, struct, text, uint } from './codec.ts';
import type { ElectionContext } from './election.ts';
import { ProtocolError } from './errors.ts';
import { ID_PATTERN, MAX_KEY_BITS, PROTOCOL_VERSION, type RosterEntry } from './manifest.ts';

const id = text(64, ID_PATTERN);
export const TallyGroupSchema = struct({
  scopeId: note(id, 'the scope (roster node) whose contests the words count'),
  words: note(list(note(bigUint(2 * MAX_KEY_BITS), 'a ciphertext in Z*_{n²}'), 64), 'one per tally word of the scope\'s layout'),
});
export type TallyGroup = { scopeId: string; words: bigint[] };
const groups = note(list(TallyGroupSchema, 8), 'one per scope with contests on the signer\'s path to the national node, the signer\'s own first, in path order');

export const PrecinctTally = defineSignedArtifact('precinct-tally', {
  version: note(uint(1), 'protocol version, 1'),
  electionHash: note(hash32, 'the election hash'),
  precinctId: note(id, 'the precinct that signs'),
  groups: note(groups, 'per group and word, the product mod n² of the ballots\' contest ciphertexts in that word (1 for none)'),
  ballotCount: note(uint(4), 'ballots counted, < 2^slotBits'),
  ballotsRoot: note(hash32, 'RFC 9162 Merkle root of the ballots\' content hashes in log order'),
  logHead: note(hash32, 'the log entry hash of the last ballot (32 zero bytes for none)'),
});
export type PrecinctTally = ArtifactOf<typeof PrecinctTally>;

export const AGGREGATE_LEVELS = ['county', 'state', 'national'] as const;
export type AggregateLevel = (typeof AGGREGATE_LEVELS)[number];

export const ChildTallyRefSchema = struct({ id: note(id, 'the child\'s roster id'), tallyHash: note(hash32, 'content hash of the child\'s tally') });

export const AggregateTally = defineSignedArtifact('aggregate-tally', {
  version: note(uint(1), 'protocol version, 1'),
  electionHash: note(hash32, 'the election hash'),
  nodeId: note(id, 'the county, state or national node that signs'),
  level: note(oneOf(AGGREGATE_LEVELS), 'the signer\'s roster role'),
  groups: note(groups, 'per group and word, the product mod n² of the children\'s words in the group of the same scope'),
  ballotCount: note(uint(8), 'the sum of the children\'s ballot counts, < 2^slotBits'),
  children: note(list(ChildTallyRefSchema, 100_000), 'exactly the node\'s roster children, in roster order'),
});
export type AggregateTally = ArtifactOf<typeof AggregateTally>;

export type AnyTally = { kind: 'precinct'; tally: PrecinctTally } | { kind: 'aggregate'; tally: AggregateTally };

/** Checks one tally word's group membership; throws a ProtocolError naming `path`. */
export type WordCheck = (c: bigint, path: string) => void;

/** The groups are exactly the node's scopes (scopes.ts groupsOf), each with its layout's word count, every word checked. */
function checkGroups(ctx: ElectionContext, nodeId: string, list: TallyGroup[], path: string, checkWord: WordCheck | undefined): void {
  const expected = ctx.scopes.groupsOf(nodeId);
  if (list.length !== expected.length) {
    throw new ProtocolError('inconsistent', path, `expected ${expected.length} groups (${expected.map((g) => g.scopeId).join(', ') || 'none'}), got ${list.length}`);
  }
  expected.forEach((scope, g) => {
    const group = list[g]!;
    const at = `${path}[${g}]`;
    if (group.scopeId !== scope.scopeId) throw new ProtocolError('inconsistent', `${at}.scopeId`, `expected scope "${scope.scopeId}", got "${group.scopeId}"`);
    if (group.words.length !== scope.wordCount) throw new ProtocolError('inconsistent', `${at}.words`, `expected ${scope.wordCount} tally words, got ${group.words.length}`);
    group.words.forEach((c, i) => (checkWord ?? ((w, p) => ctx.checkCiphertext(w, p)))(c, `${at}.words[${i}]`));
  });
}

const signerIdOf = (t: AnyTally): string => (t.kind === 'precinct' ? t.tally.precinctId : t.tally.nodeId);
const roleOf = (t: AnyTally): RosterEntry['role'] => (t.kind === 'precinct' ? 'precinct' : t.tally.level);
const typeOf = (t: AnyTally): 'precinct-tally' | 'aggregate-tally' => (t.kind === 'precinct' ? 'precinct-tally' : 'aggregate-tally');

/** The roster node a tally names as its signer, in the role it claims; throws 'unknown-signer'. */
export function tallySigner(ctx: ElectionContext, t: AnyTally): RosterEntry {
  const id = signerIdOf(t);
  const path = `${typeOf(t)}.${t.kind === 'precinct' ? 'precinctId' : 'nodeId'}`;
  const entry = ctx.index.byId.get(id);
  if (!entry) throw new ProtocolError('unknown-signer', path, `"${id}" is not in the roster`);
  if (entry.role !== roleOf(t)) throw new ProtocolError('unknown-signer', path, `"${id}" is a ${entry.role}, not a ${roleOf(t)}`);
  return entry;
}

/** Signer and signature: the tally is signed by the roster key of the node it names. */
export function verifyTallySignature(ctx: ElectionContext, t: AnyTally): RosterEntry {
  const entry = tallySigner(ctx, t);
  if (t.kind === 'precinct') PrecinctTally.verifySignature(t.tally, entry.publicKey);
  else AggregateTally.verifySignature(t.tally, entry.publicKey);
  return entry;
}

function checkHead(ctx: ElectionContext, t: AnyTally): void {
  const type = typeOf(t);
  if (t.kind === 'precinct') PrecinctTally.schema.check(t.tally, type);
  else AggregateTally.schema.check(t.tally, type);
  if (t.tally.version !== PROTOCOL_VERSION) throw new ProtocolError('unsupported-version', `${type}.version`, 'unsupported version');
  ctx.checkElection(t.tally.electionHash, type);
}

function checkBody(ctx: ElectionContext, t: AnyTally, checkWord: WordCheck | undefined): void {
  const type = typeOf(t);
  checkGroups(ctx, signerIdOf(t), t.tally.groups, `${type}.groups`, checkWord);
  if (t.tally.ballotCount >= 2 ** ctx.manifest.slotBits) throw new ProtocolError('out-of-range', `${type}.ballotCount`, 'count could overflow a slot');
  if (t.kind === 'aggregate') {
    const expected = ctx.index.childrenOf(t.tally.nodeId).map((c) => c.id);
    const listed = t.tally.children.map((c) => c.id);
    if (expected.length !== listed.length || expected.some((id, i) => id !== listed[i])) {
      throw new ProtocolError('inconsistent', 'aggregate-tally.children', 'children must be exactly the roster children of the node, in roster order');
    }
  }
}

/**
 * Everything about a tally but its signature: structure, version, election, the word count and
 * every word in Z*_{n^2}, the ballot count, and an aggregate's child list. `checkWord` replaces
 * the per-word Z*_{n^2} test, for callers that batch it (batchTallyForms).
 */
export function checkTallyForm(ctx: ElectionContext, t: AnyTally, checkWord?: WordCheck): void {
  checkHead(ctx, t);
  checkBody(ctx, t, checkWord);
}

/** Form, signer and signature of a tally (not its ballots or children): what the network accepts. */
export function validateAnyTally(ctx: ElectionContext, t: AnyTally, checkWord?: WordCheck): void {
  checkHead(ctx, t);
  const entry = tallySigner(ctx, t);
  checkBody(ctx, t, checkWord);
  if (t.kind === 'precinct') PrecinctTally.verifySignature(t.tally, entry.publicKey);
  else AggregateTally.verifySignature(t.tally, entry.publicKey);
}

/** validateAnyTally for a precinct tally. */
export function validatePrecinctTally(ctx: ElectionContext, tally: PrecinctTally, checkWord?: WordCheck): PrecinctTally {
  validateAnyTally(ctx, { kind: 'precinct', tally }, checkWord);
  return tally;
}

/** validateAnyTally for an aggregate tally. */
export function validateAggregateTally(ctx: ElectionContext, tally: AggregateTally, checkWord?: WordCheck): AggregateTally {
  validateAnyTally(ctx, { kind: 'aggregate', tally }, checkWord);
  return tally;
}

/**
 * checkForm for many tallies, with the Z*_{n^2} membership of all their words tested in one
 * batch (crypto/batch-membership.ts) instead of one gcd per word; a tally holding a word outside
 * the group is checked again word by word, which names the word. Each gets the error `check`
 * (checkTallyForm, or validateAnyTally) would throw on its own, or none; `completed` says whether
 * the check ran to its end apart from the batched gcd (so a signature checked last was verified).
 */
export function batchTallyChecks(
  ctx: ElectionContext,
  tallies: readonly AnyTally[],
  check: (t: AnyTally, checkWord?: WordCheck) => void = (t, w) => checkTallyForm(ctx, t, w),
): { error?: ProtocolError; completed: boolean }[] {
  const words: bigint[] = [];
  const owners: number[] = [];
  let current = 0;
  // The range is checked at once (the same error); the gcd is left to the batch below.
  const deferring: WordCheck = (c, path) => {
    if (c <= 0n || c >= ctx.publicKey.n2) ctx.checkCiphertext(c, path);
    words.push(c);
    owners.push(current);
  };
  const out = tallies.map((t, i): { error?: ProtocolError; completed: boolean } => {
    current = i;
    try {
      check(t, deferring);
      return { completed: true };
    } catch (err) {
      return { error: asProtocolError(err, t), completed: false };
    }
  });
  for (const i of new Set(nonMembers(ctx.publicKey, words).map((k) => owners[k]!))) {
    try {
      check(tallies[i]!);
      out[i]!.error = new ProtocolError('ciphertext-out-of-range', signerIdOf(tallies[i]!), 'a word is not in Z*_{n^2}'); // not reached: the per-word test throws
    } catch (err) {
      out[i]!.error = asProtocolError(err, tallies[i]!);
    }
  }
  return out;
}

const asProtocolError = (err: unknown, t: AnyTally): ProtocolError => (err instanceof ProtocolError ? err : new ProtocolError('inconsistent', signerIdOf(t), String(err)));

/** The homomorphic sum of word lists of one scope: the word-wise product of their ciphertexts. */
export function multiplyWords(ctx: ElectionContext, wordCount: number, lists: bigint[][]): bigint[] {
  const out: bigint[] = new Array(wordCount).fill(1n);
  for (const list of lists) for (let w = 0; w < out.length; w++) out[w] = (out[w]! * list[w]!) % ctx.publicKey.n2;
  return out;
}

/** The words of a tally's group for a scope; throws if the tally has none (checkTallyForm guarantees it on a valid tally). */
export function groupWords(groups: readonly TallyGroup[], scopeId: string, path = 'tally.groups'): bigint[] {
  const group = groups.find((g) => g.scopeId === scopeId);
  if (!group) throw new ProtocolError('inconsistent', path, `no group for scope "${scopeId}"`);
  return group.words;
}

/**
 * A node's groups from its children's valid tallies: for each of the node's scopes, the product
 * of the children's words of that scope (each child carries every scope above it).
 */
export function multiplyGroups(ctx: ElectionContext, nodeId: string, children: readonly { groups: readonly TallyGroup[] }[]): TallyGroup[] {
  return ctx.scopes.groupsOf(nodeId).map((scope) => ({
    scopeId: scope.scopeId,
    words: multiplyWords(ctx, scope.wordCount, children.map((c) => groupWords(c.groups, scope.scopeId))),
  }));
}

/** Empty groups (every word 1, the encryption of 0 with r = 1) for a node: a precinct before its first ballot. */
export function emptyGroups(ctx: ElectionContext, nodeId: string): TallyGroup[] {
  return ctx.scopes.groupsOf(nodeId).map((scope) => ({ scopeId: scope.scopeId, words: new Array<bigint>(scope.wordCount).fill(1n) }));
}

/** The number of words in all of a node's groups together. */
export function flatWordCount(ctx: ElectionContext, nodeId: string): number {
  return ctx.scopes.groupsOf(nodeId).reduce((n, g) => n + g.wordCount, 0);
}

/** A node's groups from all their words in one list, group after group (a precinct checkpoint stores them so). */
export function groupsFromFlat(ctx: ElectionContext, nodeId: string, flat: readonly bigint[]): TallyGroup[] {
  if (flat.length !== flatWordCount(ctx, nodeId)) throw new ProtocolError('inconsistent', 'words', `expected ${flatWordCount(ctx, nodeId)} tally words, got ${flat.length}`);
  let at = 0;
  return ctx.scopes.groupsOf(nodeId).map((g) => {
    const words = flat.slice(at, at + g.wordCount);
    at += g.wordCount;
    return { scopeId: g.scopeId, words };
  });
}

export interface ChildTally {
  id: string;
  hash: Uint8Array;
  groups: TallyGroup[];
  ballotCount: number;
}

/** A tally as its parent sees it: who, its content hash, its words and its count. */
export function childTallyOf(t: AnyTally): ChildTally {
  return t.kind === 'precinct'
    ? { id: t.tally.precinctId, hash: PrecinctTally.hash(t.tally), groups: t.tally.groups, ballotCount: t.tally.ballotCount }
    : { id: t.tally.nodeId, hash: AggregateTally.hash(t.tally), groups: t.tally.groups, ballotCount: t.tally.ballotCount };
}

/**
 * Checks an aggregate against its children's tallies: the listed hashes are theirs, every word of
 * every group is the product of theirs in the same scope and the ballot count is their sum. Throws naming the first mismatch.
 */
export function checkAggregateOfChildren(ctx: ElectionContext, tally: AggregateTally, children: ChildTally[]): void {
  if (children.length !== tally.children.length) throw new ProtocolError('inconsistent', 'aggregate-tally.children', 'child count differs');
  tally.children.forEach((ref, i) => {
    const child = children[i]!;
    if (child.id !== ref.id || !equalBytes(child.hash, ref.tallyHash)) {
      throw new ProtocolError('inconsistent', `aggregate-tally.children[${i}]`, `tally hash of "${ref.id}" does not match the child's tally`);
    }
  });
  multiplyGroups(ctx, tally.nodeId, children).forEach((group, g) => {
    group.words.forEach((w, i) => {
      if (w !== tally.groups[g]!.words[i]) {
        throw new ProtocolError('inconsistent', `aggregate-tally.groups[${g}].words[${i}]`, `word of scope "${group.scopeId}" is not the product of the children's words`);
      }
    });
  });
  const sum = children.reduce((acc, c) => acc + c.ballotCount, 0);
  if (sum !== tally.ballotCount) throw new ProtocolError('inconsistent', 'aggregate-tally.ballotCount', `children count ${sum} ballots, tally says ${tally.ballotCount}`);
}
