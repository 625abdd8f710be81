// The trustee role: given the national tally and the published hierarchy, it checks that the
// national tally really is the product of every signed tally down to the precincts, and only
// then produces its partial decryption with proofs. It never decrypts an arbitrary ciphertext:
// that would make trustees a decryption oracle for single ballots.
import { partialDecrypt, type TrusteeShare } from '../crypto/threshold.ts';
import type { ElectionContext } from '../protocol/election.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { requireConsistentNational } from '../protocol/hierarchy.ts';
import { PROTOCOL_VERSION } from '../protocol/manifest.ts';
import { PartialDecryption, partialContext } from '../protocol/partial-decryption.ts';
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

  /** Checks the hierarchy, then decrypts the national tally's words with proofs (once). */
  decrypt(national: AggregateTally, tallyOf: (id: string) => AnyTally | undefined): PartialDecryption {
    if (this.issued) return this.issued;
    if (national.level !== 'national') throw new ProtocolError('inconsistent', 'tally', 'trustees decrypt only the national tally');
    const tallyHash = requireConsistentNational(this.ctx, national, tallyOf);
    const shares = national.words.map((c, w) => {
      const p = partialDecrypt(this.ctx.threshold, this.share, c, partialContext(this.ctx.hash, tallyHash, w));
      return { value: p.value, challenge: p.proof.challenge, response: p.proof.response };
    });
    this.issued = PartialDecryption.sign(
      { version: PROTOCOL_VERSION, electionHash: this.ctx.hash, trusteeId: this.trusteeId, trusteeIndex: this.trusteeIndex, tallyHash, shares },
      this.secretKey,
    );
    return this.issued;
  }
}
