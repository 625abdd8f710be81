// The receipt a precinct signs for a voter once the ballot is durably in its log: the ballot
// hash, its log position and the log's chain head after it. With the precinct tally's Merkle
// root it lets a voter check that the ballot was counted.
import { defineSignedArtifact, hash32, type ArtifactOf } from './artifact.ts';
import { note, text, uint } from './codec.ts';
import type { ElectionContext } from './election.ts';
import { ProtocolError } from './errors.ts';
import { ID_PATTERN, PROTOCOL_VERSION } from './manifest.ts';

export const Receipt = defineSignedArtifact('receipt', {
  version: note(uint(1), 'protocol version, 1'),
  electionHash: note(hash32, 'the election hash'),
  precinctId: note(text(64, ID_PATTERN), 'the precinct that signs'),
  ballotHash: note(hash32, 'content hash of the ballot'),
  logPosition: note(uint(8), '1-based position of the ballot in the precinct\'s log: its Merkle leaf index + 1'),
  chainHead: note(hash32, 'the log entry hash of this ballot (see "The precinct log")'),
});
export type Receipt = ArtifactOf<typeof Receipt>;

export function validateReceipt(ctx: ElectionContext, receipt: Receipt): Receipt {
  Receipt.schema.check(receipt, 'receipt');
  if (receipt.version !== PROTOCOL_VERSION) throw new ProtocolError('unsupported-version', 'receipt.version', 'unsupported version');
  ctx.checkElection(receipt.electionHash, 'receipt');
  const precinct = ctx.index.byId.get(receipt.precinctId);
  if (!precinct || precinct.role !== 'precinct') throw new ProtocolError('unknown-signer', 'receipt.precinctId', `"${receipt.precinctId}" is not a precinct`);
  if (receipt.logPosition < 1) throw new ProtocolError('out-of-range', 'receipt.logPosition', 'log positions start at 1');
  Receipt.verifySignature(receipt, precinct.publicKey);
  return receipt;
}
