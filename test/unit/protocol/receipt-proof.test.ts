// A voter's receipt check without the record (protocol/verify/receipt-proof.ts): on a real
// in-process election, every receipt passes R1-R3 from its proof bundle alone, and each way of
// breaking the bundle fails the check it concerns.
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../../crypto/bytes.ts';
import { inclusionProof } from '../../../crypto/merkle.ts';
import { Ballot } from '../../../protocol/ballot.ts';
import type { ElectionContext } from '../../../protocol/election.ts';
import { PartialDecryption } from '../../../protocol/partial-decryption.ts';
import { Receipt } from '../../../protocol/receipt.ts';
import { Result } from '../../../protocol/result.ts';
import { AggregateTally, PrecinctTally } from '../../../protocol/tally.ts';
import { checkReceiptProof, type ReceiptProof } from '../../../protocol/verify/receipt-proof.ts';
import { generateElection, type GeneratedElection } from '../../../setup/election-setup.ts';
import { runInProcessElection, type InProcessOutcome } from '../../../sim/in-process-election.ts';

let election: GeneratedElection;
let run: InProcessOutcome;
let ctx: ElectionContext;
const P = 'precinct-01-002-001';

beforeAll(() => {
  election = generateElection({ keyBits: 1024, states: 1, countiesPerState: 2, precinctsPerCounty: 2, electionId: 'receipt-proof' });
  run = runInProcessElection(election, { ballotsPerPrecinct: 5, seed: 'receipt-proof' });
  ctx = run.ctx;
});

/** The bundle a node serves for the i-th receipt of P, and the inclusion proof the precinct serves. */
function bundle(i: number): ReceiptProof {
  const cast = run.cast.get(P)!;
  const receipt = cast[i]!.receipt;
  const hashes = cast.map((c) => Ballot.hash(c.ballot));
  const tally = (id: string): AggregateTally => run.record.aggregateTallies.find((t) => t.nodeId === id)!;
  const result = run.record.result!;
  return {
    receipt,
    inclusion: { size: hashes.length, path: inclusionProof(hashes, receipt.logPosition - 1) },
    precinctTally: run.record.precinctTallies.find((t) => t.precinctId === P)!,
    path: ['county-01-002', 'state-01', 'national'].map(tally),
    result,
    partials: result.partials.map((h) => run.record.partials.find((p) => toHex(PartialDecryption.hash(p)) === toHex(h))!),
  };
}

const statuses = (p: ReceiptProof): string[] => checkReceiptProof(ctx, p).map((c) => `${c.number}:${c.status}`);
const details = (p: ReceiptProof, n: string): string => checkReceiptProof(ctx, p).find((c) => c.number === n)!.details.join('\n');

describe('a receipt checked from its proof bundle alone', () => {
  it('passes R1-R3 for every receipt of the precinct', () => {
    for (let i = 0; i < 5; i++) expect(statuses(bundle(i))).toEqual(['R1:pass', 'R2:pass', 'R3:pass']);
  });

  it('R1 fails for a receipt whose signature was changed; R3 is then skipped', () => {
    const b = bundle(0);
    const signature = new Uint8Array(b.receipt.signature);
    signature[3] = signature[3]! ^ 1;
    expect(statuses({ ...b, receipt: { ...b.receipt, signature } })).toEqual(['R1:fail', 'R2:pass', 'R3:skip']);
  });

  it('R2 fails for the inclusion proof of another ballot, a missing one, or a receipt beyond the count', () => {
    const b = bundle(1);
    expect(statuses({ ...b, inclusion: bundle(2).inclusion })).toEqual(['R1:pass', 'R2:fail', 'R3:skip']);
    expect(details({ ...b, inclusion: undefined }, 'R2')).toMatch(/no inclusion proof/);
    const beyond = Receipt.sign({ ...b.receipt, logPosition: 6 }, election.nodeKeys.get(P)!.secretKey);
    expect(details({ ...b, receipt: beyond }, 'R2')).toMatch(/beyond the 5 ballots/);
  });

  it('R3 fails for a precinct tally its county does not list (another version signed with the precinct\'s key)', () => {
    const b = bundle(0);
    const other = PrecinctTally.sign({ ...b.precinctTally!, logHead: new Uint8Array(32).fill(9) }, election.nodeKeys.get(P)!.secretKey);
    expect(statuses({ ...b, precinctTally: other })).toEqual(['R1:pass', 'R2:pass', 'R3:fail']);
    expect(details({ ...b, precinctTally: other }, 'R3')).toMatch(/does not list the tally of "precinct-01-002-001"/);
  });

  it('R3 fails for a path that skips a level, stops short of the national tally, or a result that is not its decryption', () => {
    const b = bundle(0);
    expect(details({ ...b, path: [b.path[0]!, b.path[2]!] }, 'R3')).toMatch(/expected the tally of "state-01"/);
    expect(details({ ...b, path: b.path.slice(0, 2) }, 'R3')).toMatch(/does not reach the national tally/);
    const r = b.result!;
    // The scope of the precinct's contests (its state, on the path) with its first word changed, the counts kept.
    const scopes = r.scopes.map((s, k) => (k === 0 ? { ...s, words: s.words.map((w, i) => (i === 0 ? w + 1n : w)), contests: s.contests } : s));
    expect(r.scopes.map((s) => s.scopeId)).toEqual(['state-01']);
    const forged = Result.sign({ ...r, scopes }, election.nodeKeys.get('national')!.secretKey);
    expect(statuses({ ...b, result: forged })).toEqual(['R1:pass', 'R2:pass', 'R3:fail']);
    expect(details({ ...b, result: undefined }, 'R3')).toMatch(/no result yet/);
  });
});
