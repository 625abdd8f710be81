// What a node serves for a voter's receipt check (docs/protocol.md, REST API): the body of
// GET /proof/:precinctId (the precinct's counted tally, the counted tallies from its county up to
// the national tally, the result and the partial decryptions it lists, in canonical bytes, base64)
// and of GET /receipts/:ballotHash (the receipt and, once the precinct tally exists, its RFC 9162
// audit path). Built here, from what is held, so that the node and the tools that publish examples
// of these bodies serve the same bytes.
import { toHex } from '../crypto/bytes.ts';
import { inclusionProof } from '../crypto/merkle.ts';
import { countedTally, type TallyVersions } from './counted-tally.ts';
import type { ElectionContext } from './election.ts';
import { PartialDecryption } from './partial-decryption.ts';
import { Receipt } from './receipt.ts';
import type { ElectionRecord } from './record.ts';
import { Result } from './result.ts';
import { AggregateTally, PrecinctTally, type AnyTally } from './tally.ts';

/** What a voter needs to check a receipt (protocol/verify/receipt-proof.ts): canonical bytes, base64. */
export interface ReceiptProofView {
  precinctTally: string;
  /** The counted tallies from the precinct's county up to the national tally. */
  path: string[];
  result?: string;
  /** The partial decryptions the result lists. */
  partials: string[];
}

export interface ReceiptView {
  receipt: unknown;
  /** Present once the precinct tally exists: RFC 9162 audit path to its ballotsRoot. */
  inclusion?: { index: number; size: number; path: string[]; root: string };
}

/** The artifacts a node holds, as the proof needs them. */
export interface HeldForProof {
  /** A node's counted tally (the version its parent's counted tally lists), if held. */
  counted(nodeId: string): AnyTally | undefined;
  result: Result | undefined;
  /** A held partial decryption by content hash (hex), if any. */
  partial(hashHex: string): PartialDecryption | undefined;
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** What an election record holds, as the proof needs it (the counted versions, as a node would pick them). */
export function heldFromRecord(ctx: ElectionContext, record: ElectionRecord): HeldForProof {
  const first = new Map<string, AnyTally>();
  const byHash = new Map<string, AnyTally>();
  const add = (id: string, t: AnyTally, hash: Uint8Array): void => {
    if (!first.has(id)) first.set(id, t);
    byHash.set(toHex(hash), t);
  };
  for (const tally of record.precinctTallies) add(tally.precinctId, { kind: 'precinct', tally }, PrecinctTally.hash(tally));
  for (const tally of record.aggregateTallies) add(tally.nodeId, { kind: 'aggregate', tally }, AggregateTally.hash(tally));
  const versions: TallyVersions<AnyTally> = { first: (id) => first.get(id), byHash: (h) => byHash.get(h), aggregate: (t) => (t.kind === 'aggregate' ? t.tally : undefined) };
  const partials = new Map(record.partials.map((p) => [toHex(PartialDecryption.hash(p)), p]));
  return { counted: (id) => countedTally(ctx, id, versions), result: record.result, partial: (h) => partials.get(h) };
}

/**
 * The body of GET /proof/:precinctId for a precinct of the roster, or undefined while some tally
 * from the precinct up to the national tally is not held (the result and partials may still be missing).
 */
export function receiptProofView(ctx: ElectionContext, precinctId: string, held: HeldForProof): ReceiptProofView | undefined {
  const precinct = held.counted(precinctId);
  if (precinct?.kind !== 'precinct') return undefined;
  const path: string[] = [];
  for (let e = ctx.index.byId.get(ctx.index.node(precinctId).parent); e; e = e.parent ? ctx.index.byId.get(e.parent) : undefined) {
    const t = held.counted(e.id);
    if (t?.kind !== 'aggregate') return undefined;
    path.push(base64(AggregateTally.encode(t.tally)));
  }
  const result = held.result;
  const partials = result ? result.partials.map((h) => held.partial(toHex(h))).filter((p): p is PartialDecryption => p !== undefined) : [];
  return {
    precinctTally: base64(PrecinctTally.encode(precinct.tally)),
    path,
    ...(result ? { result: base64(Result.encode(result)) } : {}),
    partials: partials.map((p) => base64(PartialDecryption.encode(p))),
  };
}

/**
 * The body of GET /receipts/:ballotHash: the receipt, with its audit path once the precinct's tally
 * exists (`closed`: that tally and the ballot hashes it covers, in log order).
 */
export function receiptView(receipt: Receipt, closed?: { tally: PrecinctTally; ballotHashes: Uint8Array[] }): ReceiptView {
  const view: ReceiptView = { receipt: Receipt.toJSON(receipt) };
  if (closed) {
    const index = receipt.logPosition - 1;
    view.inclusion = { index, size: closed.ballotHashes.length, path: inclusionProof(closed.ballotHashes, index).map(toHex), root: toHex(closed.tally.ballotsRoot) };
  }
  return view;
}
