// Partial decryptions made by hand, as a trustee (or a trustee gone wrong) would: for the tests
// that need one with a wrong share or a changed value, signed with the trustee's real key.
import { proveBatch } from '../../crypto/partial-batch.ts';
import { partialValue, type TrusteeShare } from '../../crypto/threshold.ts';
import type { CompletedGroup } from '../../protocol/completed-groups.ts';
import type { ElectionContext } from '../../protocol/election.ts';
import { PROTOCOL_VERSION } from '../../protocol/manifest.ts';
import { PartialDecryption, batchContextOf, batchPairs } from '../../protocol/partial-decryption.ts';

export interface HandMadePartial {
  trusteeId: string;
  share: TrusteeShare;
  secretKey: Uint8Array;
  tallyHash: Uint8Array;
  groups: readonly CompletedGroup[];
  /** false: a share that does not match its verification key is used as it is. */
  checkShare?: boolean;
  /** Changes the values after they are computed and before they are proved. */
  alter?: (groups: PartialDecryption['groups']) => PartialDecryption['groups'];
}

export function handMadePartial(ctx: ElectionContext, o: HandMadePartial): PartialDecryption {
  const checkShare = o.checkShare ?? true;
  let groups: PartialDecryption['groups'] = o.groups.map((g) => ({
    scopeId: g.scopeId,
    tallyHash: g.tallyHash,
    shares: g.words.map((c) => ({ ciphertext: c, value: partialValue(ctx.threshold, o.share, c, { checkShare }) })),
  }));
  const honest = groups;
  if (o.alter) groups = o.alter(groups);
  // The proofs are made over the honest values (a changed value then fails its batch's proof).
  const batches = ctx.scopes.batches.map((b, j) => {
    const proof = proveBatch(ctx.threshold, o.share, batchPairs(ctx, honest, j), batchContextOf(ctx, { tallyHash: o.tallyHash, groups: honest }, j), { checkShare });
    return { batchId: b.batchId, challenge: proof.challenge, response: proof.response };
  });
  return PartialDecryption.sign(
    { version: PROTOCOL_VERSION, electionHash: ctx.hash, trusteeId: o.trusteeId, trusteeIndex: o.share.index, tallyHash: o.tallyHash, groups, batches },
    o.secretKey,
  );
}
