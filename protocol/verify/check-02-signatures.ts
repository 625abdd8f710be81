// Check 2: signatures. Every tally, partial decryption and the result is signed by the roster
// key of the node it names, in the role it claims, and sits in that node's file (file names bind:
// a tally stored under another node's name fails). The result's signer must be the manifest's
// combiner. Each function records its failure in `tally` and returns whether the check holds.
import type { ElectionContext } from '../election.ts';
import { ProtocolError } from '../errors.ts';
import type { RosterEntry } from '../manifest.ts';
import { PartialDecryption } from '../partial-decryption.ts';
import { Result } from '../result.ts';
import { verifyTallySignature, type AnyTally } from '../tally.ts';
import { checkItem, type CheckTally } from './checks.ts';

/** A roster node's tally, read from that node's file. */
export function checkTallySignature(ctx: ElectionContext, entry: RosterEntry, t: AnyTally, file: string, tally: CheckTally): boolean {
  return checkItem(tally, file, () => {
    const named = t.kind === 'precinct' ? t.tally.precinctId : t.tally.nodeId;
    if (named !== entry.id) throw new ProtocolError('inconsistent', 'file', `holds the tally of "${named}", not of "${entry.id}"`);
    verifyTallySignature(ctx, t);
  });
}

/** A trustee's partial decryption, read from that trustee's file. */
export function checkPartialSignature(ctx: ElectionContext, trusteeId: string, p: PartialDecryption, file: string, tally: CheckTally): boolean {
  return checkItem(tally, file, () => {
    if (p.trusteeId !== trusteeId) throw new ProtocolError('inconsistent', 'file', `holds the partial decryption of "${p.trusteeId}", not of "${trusteeId}"`);
    const signer = ctx.index.node(p.trusteeId);
    if (signer.role !== 'trustee') throw new ProtocolError('unknown-signer', 'trusteeId', `"${p.trusteeId}" is not a trustee`);
    PartialDecryption.verifySignature(p, signer.publicKey);
  });
}

/** The result: signed by the manifest's combiner and nobody else. */
export function checkResultSignature(ctx: ElectionContext, r: Result, file: string, tally: CheckTally): boolean {
  return checkItem(tally, file, () => {
    const combiner = ctx.index.combiner;
    if (r.combinerId !== combiner.id) throw new ProtocolError('unknown-signer', 'combinerId', `signed by "${r.combinerId}", but the manifest names "${combiner.id}" as the combiner`);
    Result.verifySignature(r, combiner.publicKey);
  });
}
