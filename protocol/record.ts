// The election record: everything anyone needs to re-check the count offline. Ballots are
// optional per precinct (a precinct may publish only its tally); every tally, partial
// decryption and the result are required.
import type { Ballot } from './ballot.ts';
import { ProtocolError } from './errors.ts';
import type { Manifest } from './manifest.ts';
import type { PartialDecryption } from './partial-decryption.ts';
import type { Result } from './result.ts';
import type { AggregateTally, PrecinctTally } from './tally.ts';

export interface ElectionRecord {
  manifest: Manifest;
  /** Published ballots per precinct id, in log order. */
  ballots: Map<string, Ballot[]>;
  precinctTallies: PrecinctTally[];
  aggregateTallies: AggregateTally[];
  partials: PartialDecryption[];
  result: Result | undefined;
}

/** Largest ballot in a ballots file (a ballot of 64 contests with 256-branch proofs stays far below). */
export const MAX_FRAMED_ITEM = 16 * 1024 * 1024;

/**
 * A ballots file: each ballot's canonical bytes after its length as a 4-byte big-endian unsigned
 * integer, in log order, nothing before, between or after. An empty file holds no ballots.
 */
export function encodeFramed(items: Uint8Array[]): Uint8Array {
  const total = items.reduce((acc, b) => acc + 4 + b.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const b of items) {
    view.setUint32(offset, b.length);
    out.set(b, offset + 4);
    offset += 4 + b.length;
  }
  return out;
}

export function decodeFramed(bytes: Uint8Array, what: string): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 4 > bytes.length) throw new ProtocolError('truncated', what, 'length prefix cut short');
    const length = view.getUint32(offset);
    if (length > MAX_FRAMED_ITEM) throw new ProtocolError('oversize', what, `item ${out.length + 1} announces ${length} bytes, more than ${MAX_FRAMED_ITEM}`);
    if (offset + 4 + length > bytes.length) throw new ProtocolError('truncated', what, `item ${out.length + 1} is cut short`);
    out.push(bytes.slice(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return out;
}
