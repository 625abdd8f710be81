// The trustee role: given the national tally and the published hierarchy, it checks that every
// tally really is the product of the signed tallies below it down to the precincts, and only
// then produces its partial decryption of every scope's completed group, with one proof per batch of scopes. It never decrypts an arbitrary ciphertext:
// that would make trustees a decryption oracle for single ballots.
import { proveBatch } from '../crypto/partial-batch.ts';
import { partialValue, type TrusteeShare } from '../crypto/threshold.ts';
import type { ElectionContext } from '../protocol/election.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { completedGroupsOf } from '../protocol/completed-groups.ts';
import { requireConsistentNational } from '../protocol/hierarchy.ts';
import { PROTOCOL_VERSION } from '../protocol/manifest.ts';
import { PartialDecryption, batchContextOf, batchPairs } from '../protocol/partial-decryption.ts';
import type { AggregateTally, AnyTally } from '../protocol/tally.ts';

export class TrusteeRole {
  readonly trusteeIndex: number;
  private issued: PartialDecryption | undefined;

  constructor(
    private readonly ctx: ElectionContext,
    readonly trusteeId: string,
    private readonly secretKey: Uint8Array,
    private readonly share: TrusteeShare,
  ) {
    const entry = ctx.index.node(trusteeId);
    if (entry.role !== 'trustee') throw new ProtocolError('inconsistent', 'trusteeId', `"${trusteeId}" is not a trustee`);
    if (share.index !== entry.trusteeIndex) throw new ProtocolError('inconsistent', 'share', `share index ${share.index} is not trustee ${entry.trusteeIndex}'s`);
    this.trusteeIndex = entry.trusteeIndex;
  }

  /**
   * Checks the hierarchy, then decrypts every completed group's words with proofs (once).
   * `tallyOf` gives the counted tally of each node (the version its parent lists).
   */
  decrypt(national: AggregateTally, tallyOf: (id: string) => AnyTally | undefined): PartialDecryption {
    if (this.issued) return this.issued;
    if (national.level !== 'national') throw new ProtocolError('inconsistent', 'tally', 'trustees decrypt only the national tally');
    const tallyHash = requireConsistentNational(this.ctx, national, tallyOf);
    const groups = completedGroupsOf(this.ctx, tallyOf).map((g) => ({
      scopeId: g.scopeId,
      tallyHash: g.tallyHash,
      shares: g.words.map((c) => ({ ciphertext: c, value: partialValue(this.ctx.threshold, this.share, c) })),
    }));
    // One proof per batch of scopes covers all their words (crypto/partial-batch.ts).
    const batches = this.ctx.scopes.batches.map((b, j) => {
      const proof = proveBatch(this.ctx.threshold, this.share, batchPairs(this.ctx, groups, j), batchContextOf(this.ctx, { tallyHash, groups }, j));
      return { batchId: b.batchId, challenge: proof.challenge, response: proof.response };
    });
    this.issued = PartialDecryption.sign(
      { version: PROTOCOL_VERSION, electionHash: this.ctx.hash, trusteeId: this.trusteeId, trusteeIndex: this.trusteeIndex, tallyHash, groups, batches },
      this.secretKey,
    );
    return this.issued;
  }
}
