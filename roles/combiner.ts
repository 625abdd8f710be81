// The combiner: collects trustees' partial decryptions of the completed groups, checks each
// one's proofs, and once t valid partials are in combines them into the signed result, one entry
// per scope. Any node may
// run it; invalid partials are excluded and reported, never combined.
import { toHex } from '../crypto/bytes.ts';
import { combineVerifiedPartials } from '../crypto/threshold.ts';
import type { ElectionContext } from '../protocol/election.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { PROTOCOL_VERSION } from '../protocol/manifest.ts';
import { PartialDecryption, shareAsPartial, validatePartialDecryption } from '../protocol/partial-decryption.ts';
import { Result, contestCounts } from '../protocol/result.ts';
import { AggregateTally } from '../protocol/tally.ts';
import type { CompletedGroup } from '../protocol/completed-groups.ts';

export interface RejectedPartial {
  trusteeId: string;
  reason: string;
}

export class CombinerRole {
  private readonly tallyHash: Uint8Array;
  private readonly valid = new Map<number, PartialDecryption>();
  private readonly rejected: RejectedPartial[] = [];
  private result: Result | undefined;

  constructor(
    private readonly ctx: ElectionContext,
    readonly nodeId: string,
    private readonly secretKey: Uint8Array,
    private readonly national: AggregateTally,
    /** Every scope's completed group under this national tally (completed-groups.ts). */
    private readonly groups: readonly CompletedGroup[],
  ) {
    this.tallyHash = AggregateTally.hash(national);
  }

  /** Validates a partial; a valid one counts toward t, an invalid one is recorded and excluded. */
  add(partial: PartialDecryption): 'accepted' | 'duplicate' | 'rejected' {
    try {
      validatePartialDecryption(this.ctx, partial, this.tallyHash, this.groups);
    } catch (err) {
      const reason = err instanceof ProtocolError ? err.message : String(err);
      this.rejected.push({ trusteeId: partial.trusteeId, reason });
      return 'rejected';
    }
    // Proofs are randomised, so one trustee may publish two valid partials; the values are the same.
    if (this.valid.has(partial.trusteeIndex)) return 'duplicate';
    this.valid.set(partial.trusteeIndex, partial);
    return 'accepted';
  }

  get validCount(): number {
    return this.valid.size;
  }

  get rejections(): readonly RejectedPartial[] {
    return this.rejected;
  }

  get ready(): boolean {
    return this.valid.size >= this.ctx.manifest.threshold.threshold;
  }

  /** Combines the t valid partials of lowest trustee index into the signed result. */
  combine(): Result {
    if (this.result) return this.result;
    const t = this.ctx.manifest.threshold.threshold;
    if (!this.ready) {
      throw new ProtocolError('inconsistent', 'result', `need ${t} valid partial decryptions, have ${this.valid.size}`);
    }
    const chosen = [...this.valid.values()].sort((a, b) => a.trusteeIndex - b.trusteeIndex).slice(0, t);
    const scopes = this.groups.map((g, k) => {
      const words = g.words.map((c, w) =>
        combineVerifiedPartials(this.ctx.threshold, c, chosen.map((p) => shareAsPartial(p.trusteeIndex, p.groups[k]!.shares[w]!))).plaintext,
      );
      return { scopeId: g.scopeId, tallyHash: g.tallyHash, ballotCount: g.ballotCount, words, contests: contestCounts(this.ctx, g.scopeId, words) };
    });
    this.result = Result.sign(
      {
        version: PROTOCOL_VERSION,
        electionHash: this.ctx.hash,
        combinerId: this.nodeId,
        tallyHash: this.tallyHash,
        ballotCount: this.national.ballotCount,
        partials: chosen.map((p) => PartialDecryption.hash(p)),
        scopes,
      },
      this.secretKey,
    );
    return this.result;
  }

  describe(): { tallyHash: string; valid: number[]; rejected: readonly RejectedPartial[] } {
    return { tallyHash: toHex(this.tallyHash), valid: [...this.valid.keys()].sort((a, b) => a - b), rejected: this.rejected };
  }
}
