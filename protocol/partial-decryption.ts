// A trustee's partial decryption of every completed group (completed-groups.ts), made once the
// hierarchy under the national tally checks: per scope and tally word, the word c as decrypted
// and the value c^(2*Delta*s_i); per batch of scopes (a state's, and the national one: scopes.ts),
// one proof of equality of discrete logs against the trustee's verification key covering every
// word of the batch (crypto/partial-batch.ts), bound to the election, the national tally, the
// batch and its scopes' tallies. Each word c is listed so that a batch's proof can be checked
// with this artifact alone; a checker holding a scope's tally also checks the words are its.
import { equalBytes } from '../crypto/bytes.ts';
import { hashParts } from '../crypto/hash.ts';
import { verifyBatch, type PartialPair } from '../crypto/partial-batch.ts';
import { defineSignedArtifact, hash32, type ArtifactOf } from './artifact.ts';
import { bigUint, list, note, struct, text, uint } from './codec.ts';
import type { ElectionContext } from './election.ts';
import { ProtocolError } from './errors.ts';
import { ID_PATTERN, MAX_KEY_BITS, MAX_ROSTER, PROTOCOL_VERSION } from './manifest.ts';
import type { ScopeGroups } from './completed-groups.ts';

export const PartialShareSchema = struct({
  ciphertext: note(bigUint(2 * MAX_KEY_BITS), 'c: the word of the scope node\'s own group'),
  value: note(bigUint(2 * MAX_KEY_BITS), 'c_i = c^(2Δs_i) mod n², in Z*_{n²}'),
});

export const PartialGroupSchema = struct({
  scopeId: note(text(64, ID_PATTERN), 'the scope node'),
  tallyHash: note(hash32, 'content hash of the scope node\'s counted tally'),
  shares: note(list(PartialShareSchema, 64), 'one per word of the scope node\'s own group, in word order'),
});

export const PartialBatchSchema = struct({
  batchId: note(text(64, ID_PATTERN), 'the state (or the national node) whose scopes the proof covers'),
  challenge: note(bigUint(128), 'e < 2^128'),
  response: note(bigUint(4 * MAX_KEY_BITS), 'z < 2^(bits(n²) + 385)'),
});

export const PartialDecryption = defineSignedArtifact('partial-decryption', {
  version: note(uint(1), 'protocol version, 1'),
  electionHash: note(hash32, 'the election hash'),
  trusteeId: note(text(64, ID_PATTERN), 'the trustee that signs'),
  trusteeIndex: note(uint(1), 'that trustee\'s roster trusteeIndex'),
  tallyHash: note(hash32, 'content hash of the national tally whose hierarchy was checked'),
  groups: note(list(PartialGroupSchema, MAX_ROSTER), 'one per scope with contests, in roster order'),
  batches: note(list(PartialBatchSchema, MAX_ROSTER), 'one proof per batch of scopes, in roster order of the batch ids'),
});
export type PartialDecryption = ArtifactOf<typeof PartialDecryption>;

/** What a batch's proof is bound to: the election, the national tally, the batch and each of its scopes' tallies. */
export function partialBatchContext(electionHash: Uint8Array, nationalHash: Uint8Array, batchId: string, groups: readonly { scopeId: string; tallyHash: Uint8Array }[]): Uint8Array {
  return hashParts('tallymesh/partial-decryption-context/v2', electionHash, nationalHash, batchId, ...groups.flatMap((g) => [g.scopeId, g.tallyHash]));
}

/** The (word, value) pairs of a batch, scope after scope in scope order, word after word. */
export function batchPairs(ctx: ElectionContext, groups: PartialDecryption['groups'], batch: number): PartialPair[] {
  return ctx.scopes.batches[batch]!.scopes.flatMap((k) => groups[k]!.shares.map((s) => ({ ciphertext: s.ciphertext, value: s.value })));
}

/** A share as the combiner uses it: the trustee's index and its value (the proofs are per batch). */
export function shareAsPartial(index: number, share: PartialDecryption['groups'][number]['shares'][number]): { index: number; value: bigint } {
  return { index, value: share.value };
}

/** The context of a batch of this partial. */
export function batchContextOf(ctx: ElectionContext, partial: Pick<PartialDecryption, 'tallyHash' | 'groups'>, batch: number): Uint8Array {
  const b = ctx.scopes.batches[batch]!;
  return partialBatchContext(ctx.hash, partial.tallyHash, b.batchId, b.scopes.map((k) => partial.groups[k]!));
}

/**
 * What can be checked without the tally it decrypts: structure, election, that the signer is the
 * trustee with that index, and the signature. Throws naming the problem.
 */
export function validatePartialSigner(ctx: ElectionContext, partial: PartialDecryption): PartialDecryption {
  PartialDecryption.schema.check(partial, 'partial-decryption');
  if (partial.version !== PROTOCOL_VERSION) throw new ProtocolError('unsupported-version', 'partial-decryption.version', 'unsupported version');
  ctx.checkElection(partial.electionHash, 'partial-decryption');
  const trustee = ctx.index.byId.get(partial.trusteeId);
  if (!trustee || trustee.role !== 'trustee') throw new ProtocolError('unknown-signer', 'partial-decryption.trusteeId', `"${partial.trusteeId}" is not a trustee`);
  if (trustee.trusteeIndex !== partial.trusteeIndex) throw new ProtocolError('inconsistent', 'partial-decryption.trusteeIndex', 'index does not match the roster');
  PartialDecryption.verifySignature(partial, trustee.publicKey);
  return partial;
}

/**
 * Validates a partial decryption of the completed groups under the given national tally:
 * validatePartialSigner, then the national tally it names, one group per scope of the election in
 * roster order with one share per word, one batch per batch of scopes; for each scope given in
 * `groups` (a hole is not compared) the same tally and its words; and the proof of every batch
 * holding a scope given.
 * Throws naming the problem.
 */
export function validatePartialDecryption(ctx: ElectionContext, partial: PartialDecryption, nationalHash: Uint8Array, groups: ScopeGroups): PartialDecryption {
  if (!equalBytes(partial.tallyHash, nationalHash)) {
    throw new ProtocolError('inconsistent', 'partial-decryption.tallyHash', 'decrypts under a tally other than the national tally');
  }
  const scopes = ctx.scopes.scopes;
  if (partial.groups.length !== scopes.length) throw new ProtocolError('inconsistent', 'partial-decryption.groups', `expected ${scopes.length} groups, got ${partial.groups.length}`);
  scopes.forEach((scope, k) => {
    const mine = partial.groups[k]!;
    const path = `partial-decryption.groups[${k}]`;
    if (mine.scopeId !== scope.scopeId) throw new ProtocolError('inconsistent', `${path}.scopeId`, `expected scope "${scope.scopeId}"`);
    if (mine.shares.length !== scope.wordCount) throw new ProtocolError('inconsistent', `${path}.shares`, `expected ${scope.wordCount} shares, got ${mine.shares.length}`);
    const g = groups[k];
    if (!g) return;
    if (!equalBytes(mine.tallyHash, g.tallyHash)) throw new ProtocolError('inconsistent', `${path}.tallyHash`, `decrypts a tally of "${g.scopeId}" other than the counted one`);
    mine.shares.forEach((share, w) => {
      if (share.ciphertext !== g.words[w]) throw new ProtocolError('inconsistent', `${path}.shares[${w}].ciphertext`, `is not word ${w} of the counted tally of "${g.scopeId}"`);
    });
  });
  const batches = ctx.scopes.batches;
  if (partial.batches.length !== batches.length) throw new ProtocolError('inconsistent', 'partial-decryption.batches', `expected ${batches.length} batches, got ${partial.batches.length}`);
  batches.forEach((b, j) => {
    if (partial.batches[j]!.batchId !== b.batchId) throw new ProtocolError('inconsistent', `partial-decryption.batches[${j}].batchId`, `expected batch "${b.batchId}"`);
  });
  validatePartialSigner(ctx, partial);
  // The batches holding a scope being checked (all of them but for holes: a receipt's check
  // proves its own state's batch and the national one, not the whole country's).
  partial.batches.forEach((b, j) => {
    if (!batches[j]!.scopes.some((k) => groups[k] !== undefined)) return;
    const ok = verifyBatch(ctx.threshold, partial.trusteeIndex, batchPairs(ctx, partial.groups, j), { challenge: b.challenge, response: b.response }, batchContextOf(ctx, partial, j));
    if (!ok) throw new ProtocolError('bad-proof', `partial-decryption.batches[${j}]`, `decryption proof of trustee ${partial.trusteeIndex} for the scopes of "${b.batchId}" does not verify`);
  });
  return partial;
}
