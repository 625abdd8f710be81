// A whole election over real libp2p nodes on 127.0.0.1, in this process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ballot, encryptBallot } from '../../protocol/ballot.ts';
import { ElectionContext } from '../../protocol/election.ts';
import { encodeManifest } from '../../protocol/manifest.ts';
import { LocalNetwork } from '../../sim/local-network.ts';
import { runReceiptCheck } from '../../cli/commands/receipt-command.ts';
import { waitFor, writeTestElection, type ElectionFolder } from '../support/network-fixture.ts';
import { otherElectionManifest } from '../support/fixtures.ts';

let folder: ElectionFolder;
let net: LocalNetwork;
let ctx: ElectionContext;
let token: string;

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

async function vote(precinct: string, voterId: string, choices: Record<string, number[]>, ballotId?: string): Promise<{ status: number; body: any }> {
  const ballot = encryptBallot(ctx, precinct, choices, ...(ballotId ? [ballotId] : []));
  return json(`${net.url(precinct)}/ballots`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ voterId, ballot: Ballot.toJSON(ballot) }) });
}

beforeAll(async () => {
  folder = writeTestElection();
  ctx = new ElectionContext(folder.election.manifest);
  token = readFileSync(join(folder.dir, 'admin-token'), 'utf8').trim();
  net = new LocalNetwork(folder.dir, { override: (c) => (c.role === 'trustee' ? { autoDecrypt: true } : {}), tickMs: 300 });
  await net.startAll();
});

afterAll(async () => {
  await net?.stopAll();
  folder?.cleanup();
});

describe('an election over libp2p', () => {
  it('counts ballots cast over REST through every level to a verified result', async () => {
    const precincts = ctx.manifest.roster.filter((e) => e.role === 'precinct').map((e) => e.id);
    const r1 = await vote(precincts[0]!, 'v1', { president: [0], senate: [1], 'measure-1': [0] });
    expect(r1.status).toBe(201);
    const r2 = await vote(precincts[1]!, 'v2', { president: [2], senate: [], 'measure-1': [1] }, 'b2'.repeat(16));
    expect(r2.status).toBe(201);

    // Hostile requests are refused with a named code, and the precinct keeps working.
    const surrogate = await json(`${net.url(precincts[1]!)}/ballots`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"voterId":"\\ud800","ballot":' + JSON.stringify(Ballot.toJSON(encryptBallot(ctx, precincts[1]!, {}))) + '}',
    });
    expect(surrogate).toMatchObject({ status: 400, body: { error: 'invalid-voter-id' } });
    const sameId = await vote(precincts[1]!, 'v3', { president: [1], senate: [], 'measure-1': [] }, 'b2'.repeat(16));
    expect(sameId).toMatchObject({ status: 409, body: { error: 'ballot-id-taken' } });
    expect((await json(`${net.url(precincts[1]!)}/health`)).body).toEqual({ ok: true, id: precincts[1], role: 'precinct', faults: [] });
    // The public log names no voter.
    const log = await json(`${net.url(precincts[1]!)}/log`);
    expect(log.body).toHaveLength(1);
    expect(log.body[0].voter).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(log.body)).not.toContain('v2');
    for (const p of precincts) {
      const closed = await json(`${net.url(p)}/admin/close`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(closed.status).toBe(200);
    }
    const result = await waitFor('the result', async () => {
      const r = await json(`${net.url('national')}/result`);
      return r.status === 200 ? r.body : undefined;
    });
    const president = result.scopes.flatMap((s: any) => s.contests).find((c: any) => c.contestId === 'president');
    expect(president.counts).toEqual([1, 0, 1, 0]);

    // A voter checks the receipt without the record: from the national node, and from the
    // precinct itself once it has pulled the tallies above it.
    const file = join(folder.dir, 'receipt-v1.json');
    writeFileSync(file, JSON.stringify({ receipt: r1.body.receipt, precinct: net.url(precincts[0]!) }));
    const lines: string[] = [];
    const fromNational = await runReceiptCheck(file, { node: net.url('national'), print: (l) => lines.push(l) });
    expect(fromNational.checks.map((c) => c.status), lines.join('\n')).toEqual(['pass', 'pass', 'pass']);
    expect(lines.at(-1)).toMatch(/^PASS: the ballot is counted in the result/);
    const fromPrecinct = await waitFor('the precinct to hold the chain above it', async () => {
      const o = await runReceiptCheck(file, { node: net.url(precincts[0]!), print: () => undefined });
      return o.ok ? o : undefined;
    });
    expect(fromPrecinct.ok).toBe(true);
    // The voter's own copy of the manifest, as setup wrote it (JSON) or as the record holds it
    // (canonical bytes); another election's manifest is refused before any check.
    const asJson = join(folder.dir, 'manifest.json');
    const bin = join(folder.dir, 'manifest.bin');
    writeFileSync(bin, encodeManifest(folder.election.manifest));
    for (const manifest of [asJson, bin]) expect((await runReceiptCheck(file, { node: net.url('national'), manifest, print: () => undefined })).ok).toBe(true);
    const other = join(folder.dir, 'other-manifest.bin');
    writeFileSync(other, encodeManifest(otherElectionManifest(folder.election.manifest)));
    await expect(runReceiptCheck(file, { node: net.url('national'), manifest: other, print: () => undefined })).rejects.toThrow(/is the manifest of another election/);
    // A receipt of another election's key is refused (R1).
    const forged = { ...r1.body.receipt, signature: '00'.repeat(64) };
    writeFileSync(file, JSON.stringify({ receipt: forged }));
    expect((await runReceiptCheck(file, { node: net.url('national'), precinct: net.url(precincts[0]!), print: () => undefined })).checks[0]!.status).toBe('fail');
  });
});
