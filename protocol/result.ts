// The election result: per scope, the decrypted words of its completed group and the counts per
// option of its contests they unpack to; the hashes of the partial decryptions combined and the
// national tally whose hierarchy they were made under; signed by the combiner.
import { defineSignedArtifact, hash32, type ArtifactOf } from './artifact.ts';
import { bigUint, list, note, struct, text, uint, type Infer } from './codec.ts';
import type { ElectionContext } from './election.ts';
import { ProtocolError } from './errors.ts';
import { ID_PATTERN, MAX_CONTESTS, MAX_KEY_BITS, MAX_ROSTER, PROTOCOL_VERSION } from './manifest.ts';
import { unpackCounts } from './layout.ts';

const id = text(64, ID_PATTERN);

export const ContestCountsSchema = struct({
  contestId: note(id, 'the manifest contest at this position'),
  counts: note(list(note(uint(8), 'the votes of one option'), 63), 'votes per option, in the contest\'s option order'),
});

export const ScopeResultSchema = struct({
  scopeId: note(id, 'the scope node'),
  tallyHash: note(hash32, 'content hash of the scope node\'s counted tally'),
  ballotCount: note(uint(8), 'that tally\'s ballot count'),
  words: note(list(note(bigUint(MAX_KEY_BITS), 'plaintext < n'), 64), 'the decrypted words of the scope node\'s own group'),
  contests: note(list(ContestCountsSchema, MAX_CONTESTS), 'one per contest of the scope, in manifest order: what the words unpack to'),
});
export type ScopeResult = Infer<typeof ScopeResultSchema>;

export const Result = defineSignedArtifact('result', {
  version: note(uint(1), 'protocol version, 1'),
  electionHash: note(hash32, 'the election hash'),
  combinerId: note(id, 'the signer: must be the manifest\'s combinerId'),
  tallyHash: note(hash32, 'content hash of the national tally whose hierarchy was checked'),
  ballotCount: note(uint(8), 'the national tally\'s ballot count'),
  partials: note(list(note(hash32, 'the content hash of one partial decryption (PartialDecryption.hash)'), 255), 'content hashes of exactly t partial decryptions of distinct trustees, by ascending trustee index'),
  scopes: note(list(ScopeResultSchema, MAX_ROSTER), 'one per scope with contests, in roster order'),
});
export type Result = ArtifactOf<typeof Result>;

/** Per-contest counts of a scope from its decrypted words, in the result's representation. */
export function contestCounts(ctx: ElectionContext, scopeId: string, words: bigint[]): ScopeResult['contests'] {
  const layout = ctx.scopes.byScope.get(scopeId);
  if (!layout) throw new ProtocolError('inconsistent', 'result.scopes', `"${scopeId}" is no scope of this election`);
  const counts = unpackCounts(layout, words);
  return layout.contests.map((c) => ({ contestId: c.contestId, counts: counts.get(c.contestId)!.map((x) => Number(x)) }));
}

/** Every contest's counts with its scope, in manifest order: the result as a reader wants it. */
export function resultContests(ctx: ElectionContext, result: Result): { contestId: string; scopeId: string; counts: number[] }[] {
  const byId = new Map<string, { scopeId: string; counts: number[] }>();
  for (const s of result.scopes) for (const c of s.contests) byId.set(c.contestId, { scopeId: s.scopeId, counts: c.counts });
  return ctx.manifest.contests.flatMap((c) => {
    const found = byId.get(c.id);
    return found ? [{ contestId: c.id, ...found }] : [];
  });
}

/** Structure, election, signer and signature; and that the counts are what the words say. */
export function validateResult(ctx: ElectionContext, result: Result): Result {
  Result.schema.check(result, 'result');
  if (result.version !== PROTOCOL_VERSION) throw new ProtocolError('unsupported-version', 'result.version', 'unsupported version');
  ctx.checkElection(result.electionHash, 'result');
  const signer = ctx.index.byId.get(result.combinerId);
  if (!signer) throw new ProtocolError('unknown-signer', 'result.combinerId', `"${result.combinerId}" is not in the roster`);
  if (signer.id !== ctx.index.combiner.id) {
    throw new ProtocolError('unknown-signer', 'result.combinerId', `"${result.combinerId}" may not sign the result: the manifest names "${ctx.index.combiner.id}"`);
  }
  const scopes = ctx.scopes.scopes;
  if (result.scopes.length !== scopes.length) throw new ProtocolError('inconsistent', 'result.scopes', `expected ${scopes.length} scopes, got ${result.scopes.length}`);
  result.scopes.forEach((s, k) => {
    const path = `result.scopes[${k}]`;
    const layout = scopes[k]!;
    if (s.scopeId !== layout.scopeId) throw new ProtocolError('inconsistent', `${path}.scopeId`, `expected scope "${layout.scopeId}"`);
    if (s.words.length !== layout.wordCount) throw new ProtocolError('inconsistent', `${path}.words`, `expected ${layout.wordCount} words, got ${s.words.length}`);
    s.words.forEach((w, i) => {
      if (w >= ctx.publicKey.n) throw new ProtocolError('out-of-range', `${path}.words[${i}]`, 'plaintext word is not below n');
    });
    const expected = contestCounts(ctx, s.scopeId, s.words);
    if (JSON.stringify(expected) !== JSON.stringify(s.contests)) throw new ProtocolError('inconsistent', `${path}.contests`, 'counts are not what the decrypted words say');
  });
  Result.verifySignature(result, signer.publicKey);
  return result;
}
