// The election result: the decrypted tally words, the counts per option they unpack to, the
// hashes of the partial decryptions combined and the national tally they decrypt, signed by the
// combiner.
import { defineSignedArtifact, hash32, type ArtifactOf } from './artifact.ts';
import { bigUint, list, note, struct, text, uint } from './codec.ts';
import type { ElectionContext } from './election.ts';
import { ProtocolError } from './errors.ts';
import { ID_PATTERN, MAX_KEY_BITS, PROTOCOL_VERSION } from './manifest.ts';
import { unpackCounts } from './layout.ts';

const id = text(64, ID_PATTERN);

export const ContestCountsSchema = struct({
  contestId: note(id, 'the manifest contest at this position'),
  counts: note(list(note(uint(8), 'the votes of one option'), 63), 'votes per option, in the contest\'s option order'),
});

export const Result = defineSignedArtifact('result', {
  version: note(uint(1), 'protocol version, 1'),
  electionHash: note(hash32, 'the election hash'),
  combinerId: note(id, 'the signer: must be the manifest\'s combinerId'),
  tallyHash: note(hash32, 'content hash of the national tally decrypted'),
  ballotCount: note(uint(8), 'the national tally\'s ballot count'),
  partials: note(list(note(hash32, 'the content hash of one partial decryption (PartialDecryption.hash)'), 255), 'content hashes of exactly t partial decryptions of distinct trustees, by ascending trustee index'),
  words: note(list(note(bigUint(MAX_KEY_BITS), 'plaintext < n'), 64), 'the decrypted tally words, one per national tally word'),
  contests: note(list(ContestCountsSchema, 64), 'one per manifest contest, in manifest order: what the words unpack to'),
});
export type Result = ArtifactOf<typeof Result>;

/** Per-contest counts from decrypted words, in the result's representation. */
export function contestCounts(ctx: ElectionContext, words: bigint[]): Result['contests'] {
  const counts = unpackCounts(ctx.layout, words);
  return ctx.manifest.contests.map((c) => ({ contestId: c.id, counts: counts.get(c.id)!.map((x) => Number(x)) }));
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
  result.words.forEach((w, i) => {
    if (w >= ctx.publicKey.n) throw new ProtocolError('out-of-range', `result.words[${i}]`, 'plaintext word is not below n');
  });
  const expected = contestCounts(ctx, result.words);
  const same = JSON.stringify(expected) === JSON.stringify(result.contests);
  if (!same) throw new ProtocolError('inconsistent', 'result.contests', 'counts are not what the decrypted words say');
  Result.verifySignature(result, signer.publicKey);
  return result;
}
