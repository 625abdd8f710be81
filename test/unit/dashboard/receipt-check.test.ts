// The browser's receipt check (dashboard/client/receipt-check.ts), an implementation written from
// docs/protocol.md on Web Crypto alone, run here under Node's Web Crypto against the artifacts of
// a real in-process election: it agrees with the protocol's own code on good and bad bundles.
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../../crypto/bytes.ts';
import { hashParts } from '../../../crypto/hash.ts';
import { inclusionProof } from '../../../crypto/merkle.ts';
import { Ballot } from '../../../protocol/ballot.ts';
import { encodeManifest } from '../../../protocol/manifest.ts';
import { Receipt } from '../../../protocol/receipt.ts';
import { Result } from '../../../protocol/result.ts';
import { AggregateTally, PrecinctTally } from '../../../protocol/tally.ts';
import { checkReceipt, type ReceiptFile } from '../../../dashboard/client/receipt-check.ts';
import { generateElection, type GeneratedElection } from '../../../setup/election-setup.ts';
import { runInProcessElection, type InProcessOutcome } from '../../../sim/in-process-election.ts';

let election: GeneratedElection;
let run: InProcessOutcome;
const P = 'precinct-01-001-002';
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

beforeAll(() => {
  election = generateElection({ keyBits: 1024, states: 1, countiesPerState: 1, precinctsPerCounty: 2, electionId: 'browser-receipt' });
  run = runInProcessElection(election, { ballotsPerPrecinct: 4, seed: 'browser-receipt' });
});

/** What a node serves, as the page fetches it. */
function node(change: { path?: string[]; result?: Result; precinctTally?: PrecinctTally } = {}) {
  const tally = run.record.precinctTallies.find((t) => t.precinctId === P)!;
  const path = change.path ?? ['county-01-001', 'state-01', 'national'].map((id) => b64(AggregateTally.encode(run.record.aggregateTallies.find((t) => t.nodeId === id)!)));
  return async (p: string): Promise<unknown> => {
    if (p === '/manifest') return { manifest: b64(encodeManifest(run.ctx.manifest)) };
    if (p === `/proof/${P}`) return { precinctTally: b64(PrecinctTally.encode(change.precinctTally ?? tally)), path, result: b64(Result.encode(change.result ?? run.result)), partials: [] };
    return undefined;
  };
}

function file(i: number, receipt?: Receipt): ReceiptFile {
  const cast = run.cast.get(P)!;
  const r = receipt ?? cast[i]!.receipt;
  const hashes = cast.map((c) => Ballot.hash(c.ballot));
  return { receipt: Receipt.toJSON(r) as ReceiptFile['receipt'], inclusion: { size: hashes.length, path: inclusionProof(hashes, r.logPosition - 1).map(toHex) } };
}

const statuses = async (f: ReceiptFile, get = node()): Promise<string[]> => (await checkReceipt(f, get)).map((c) => `${c.number}:${c.status}`);

describe('the browser\'s receipt check', () => {
  it('passes R1-R3 for every receipt of the precinct', async () => {
    for (let i = 0; i < 4; i++) expect(await statuses(file(i))).toEqual(['R1:pass', 'R2:pass', 'R3:pass']);
  });

  it('fails R1 for a receipt with another signature or of another election, and skips the rest', async () => {
    const r = run.cast.get(P)![0]!.receipt;
    const signature = new Uint8Array(r.signature);
    signature[0] = signature[0]! ^ 1;
    expect(await statuses(file(0, { ...r, signature }))).toEqual(['R1:fail', 'R2:skip', 'R3:skip']);
    const other = file(0);
    other.receipt.electionHash = '00'.repeat(32);
    const checks = await checkReceipt(other, node());
    expect(checks[0]!.detail).toMatch(/another election/);
  });

  it('fails R2 for the inclusion proof of another ballot, and R3 for a county that does not list the tally or a result of another tally', async () => {
    const f = file(1);
    f.inclusion = file(2).inclusion;
    expect(await statuses(f)).toEqual(['R1:pass', 'R2:fail', 'R3:skip']);
    const tally = run.record.precinctTallies.find((t) => t.precinctId === P)!;
    const other = PrecinctTally.sign({ ...tally, logHead: new Uint8Array(32).fill(3) }, election.nodeKeys.get(P)!.secretKey);
    expect(await statuses(file(0), node({ precinctTally: other }))).toEqual(['R1:pass', 'R2:pass', 'R3:fail']);
    const r = run.result;
    const elsewhere = Result.sign({ ...r, tallyHash: new Uint8Array(32).fill(5) }, election.nodeKeys.get('national')!.secretKey);
    const checks = await checkReceipt(file(0), node({ result: elsewhere }));
    expect(checks[2]).toMatchObject({ status: 'fail', detail: 'the result is not of this national tally' });
  });

  it('refuses a manifest that lists a node id twice, even when the receipt is bound to it', async () => {
    const m = run.ctx.manifest;
    const twin = { ...m.roster.find((e) => e.id === P)!, name: 'twin' };
    const bytes = encodeManifest({ ...m, roster: [...m.roster, twin] });
    const r = run.cast.get(P)![0]!.receipt;
    const { signature: _old, ...body } = r;
    const rebound = Receipt.sign({ ...body, electionHash: hashParts('tallymesh/manifest/v1', bytes) }, election.nodeKeys.get(P)!.secretKey);
    const get = node();
    const served = async (p: string): Promise<unknown> => (p === '/manifest' ? { manifest: b64(bytes) } : get(p));
    const checks = await checkReceipt(file(0, rebound), served);
    expect(checks[0]!.status).toBe('fail');
    expect(checks[0]!.detail).toContain(`lists "${P}" twice`);
  });
});
