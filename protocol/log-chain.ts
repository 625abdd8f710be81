// The precinct log's hash chain: entry k commits to its position, the voter id, the ballot hash
// and entry k-1's hash. A receipt's chain head therefore fixes the whole log up to that ballot.
import { hashParts } from '../crypto/hash.ts';

/** What entry 1 chains to. */
export const LOG_GENESIS_HASH = new Uint8Array(32);

export function logEntryHash(seq: number, voterId: string, ballotHash: Uint8Array, prevHash: Uint8Array): Uint8Array {
  return hashParts('tallymesh/log-entry/v1', seq, voterId, ballotHash, prevHash);
}
