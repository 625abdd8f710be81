// The precinct log's hash chain, and the keyed voter commitments it holds instead of voter ids.
//
// Entry k commits to its position, the voter's commitment, the ballot hash and entry k-1's hash,
// so a receipt's chain head fixes the whole log up to that ballot. The log is public (GET /log),
// so it must not link a voter to a ballot: where a voter id would be, it holds
// HMAC-SHA-256(voterKey, voterId), with voterKey derived from the precinct's private key. Without
// the key, nobody can test a guessed voter id against the log (docs/protocol.md, "The public log").
// The precinct, and an auditor it gives voterKey to along with the poll book, can recompute every
// commitment and check that the log holds exactly the poll book's voters, each once.
import { hashParts, hmacSha256 } from '../crypto/hash.ts';
import { utf8 } from '../crypto/bytes.ts';

/** What entry 1 chains to. */
export const LOG_GENESIS_HASH = new Uint8Array(32);

/** A voter's commitment in the log: 32 bytes. */
export const VOTER_COMMITMENT_BYTES = 32;

export function logEntryHash(seq: number, voterCommitment: Uint8Array, ballotHash: Uint8Array, prevHash: Uint8Array): Uint8Array {
  return hashParts('tallymesh/log-entry/v2', seq, voterCommitment, ballotHash, prevHash);
}

/** The precinct's commitment key, derived from its Ed25519 secret key (never published). */
export function voterCommitmentKey(precinctSecretKey: Uint8Array): Uint8Array {
  return hashParts('tallymesh/voter-commitment-key/v1', precinctSecretKey);
}

/** The commitment to a voter id (normalised by protocol/voter-id.ts first). */
export function voterCommitment(voterKey: Uint8Array, voterId: string): Uint8Array {
  return hmacSha256(voterKey, utf8(voterId));
}
