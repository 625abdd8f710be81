// The client commands (vote, record, status, close, decrypt) and cli/http-client.ts against real
// Fastify servers on 127.0.0.1 (port 0) backed by fakes of the NodeApi facade. The precinct fake
// validates ballots with the real precinct role and signs real receipts; the record sources serve
// an in-process election's artifacts, and the merged record must pass `tallymesh verify`.
import { timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { toHex } from '../../../crypto/bytes.ts';
import { generateElection, type GeneratedElection } from '../../../setup/election-setup.ts';
import { runInProcessElection, type InProcessOutcome } from '../../../sim/in-process-election.ts';
import { NodeClient, NodeRequestError, normalizeBaseUrl } from '../../../cli/http-client.ts';
import { TallyMeshError } from '../../../errors/tallymesh-error.ts';
import type { NodeApi, NodeStatus, PeerView, RecordExport } from '../../../node/api/node-api.ts';
import { createRestServer, type RestServer } from '../../../node/rest/server.ts';
import { PrecinctRole } from '../../../roles/precinct.ts';
import { writeSetup } from '../../../setup/setup-files.ts';
import { uniformJurisdictions } from '../../../setup/uniform-shape.ts';
import { readRecord } from '../../../record/record-files.ts';
import { registerCloseCommand, registerDecryptCommand, runClose, runDecrypt } from '../../../cli/commands/close-command.ts';
import { registerRecordCommand, runRecord } from '../../../cli/commands/record-command.ts';
import { formatStatus, registerStatusCommand, runStatus } from '../../../cli/commands/status-command.ts';
import { parseChoices, registerVoteCommand, runVote } from '../../../cli/commands/vote-command.ts';
import { readReceiptFile, runVerify } from '../../../cli/commands/verify-command.ts';
import { Ballot } from '../../../protocol/ballot.ts';
import { STANDARD_CONTESTS } from '../../../protocol/contests.ts';
import { ElectionContext } from '../../../protocol/election.ts';
import { ProtocolError } from '../../../protocol/errors.ts';
import { manifestToJSON, type Contest, type Role } from '../../../protocol/manifest.ts';
import { PartialDecryption } from '../../../protocol/partial-decryption.ts';
import { Receipt, validateReceipt } from '../../../protocol/receipt.ts';
import { Result } from '../../../protocol/result.ts';
import { AggregateTally, PrecinctTally } from '../../../protocol/tally.ts';

const COUNCIL: Contest = { id: 'council', title: 'City council', districtId: 'all', partyId: '', kind: 'approval', options: ['Ito', 'Jones', 'Kim'], selectionLimit: 2, allowAbstain: false, writeIn: false };

/** Defaults for every facade method; each fake overrides what it serves. */
function baseApi(id: string, role: Role, adminToken: string): NodeApi {
  const notHere = (what: string) => async (): Promise<never> => {
    throw new TallyMeshError('not-a-precinct', `${id} (${role}) has no ${what}`);
  };
  return {
    id,
    role,
    health: async () => ({ ok: true, id, role, faults: [] }),
    receiptProof: async () => undefined,
    manifest: notHere('manifest'),
    status: async (): Promise<NodeStatus> => ({
      id,
      role,
      parent: '',
      phase: 'voting',
      electionId: 'e',
      electionHash: '00'.repeat(32),
      children: [],
      partials: [],
      threshold: { needed: 5, valid: 0 },
      hasResult: false,
      equivocations: 0,
      refusedResults: 0,
      peers: 0,
    }),
    peers: async () => [],
    tallies: async () => [],
    board: async () => ({ items: [] }),
    log: notHere('ballot log'),
    receipt: async () => undefined,
    result: async () => undefined,
    record: notHere('record'),
    metrics: async () => '',
    submitBallot: notHere('ballot box'),
    close: notHere('polls'),
    decrypt: notHere('share'),
    checkAdminToken: (token: string) => token.length === adminToken.length && timingSafeEqual(Buffer.from(token), Buffer.from(adminToken)),
  };
}

/** A precinct: validates with the real role, logs in memory, signs real receipts. */
function precinctApi(election: GeneratedElection, ctx: ElectionContext, precinctId: string): NodeApi & { submissions: number } {
  const role = new PrecinctRole(ctx, precinctId, election.nodeKeys.get(precinctId)!.secretKey);
  const voters = new Map<string, { hash: string; receipt: unknown }>();
  const api = {
    ...baseApi(precinctId, 'precinct', election.adminToken),
    submissions: 0,
    async submitBallot(voterId: string, json: unknown) {
      api.submissions++;
      if (role.currentPhase === 'closed') throw new TallyMeshError('polls-closed', 'the polls are closed');
      let ballot: Ballot;
      try {
        ballot = role.validate(Ballot.fromJSON(json));
      } catch (err) {
        if (err instanceof ProtocolError) throw new TallyMeshError(err.code, err.message);
        throw err;
      }
      const hash = toHex(Ballot.hash(ballot));
      const previous = voters.get(voterId);
      if (previous) {
        if (previous.hash === hash) return { receipt: previous.receipt, duplicate: true };
        throw new TallyMeshError('voter-already-voted', `voter "${voterId}" already voted at ${precinctId}`);
      }
      const entry = role.nextLogEntry(role.commitVoter(voterId), Ballot.hash(ballot));
      role.apply(ballot, entry);
      const receipt = Receipt.toJSON(role.receiptFor(entry));
      voters.set(voterId, { hash, receipt });
      return { receipt, duplicate: false };
    },
    async close() {
      role.close();
      return { phase: 'closed' };
    },
  };
  return api;
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

let election: GeneratedElection;
let ctx: ElectionContext;
let outcome: InProcessOutcome;
let root: string;
let manifestPath: string;
let tokenPath: string;
let precinctId: string;
const servers: RestServer[] = [];

async function serve(api: NodeApi): Promise<string> {
  const server = createRestServer(api, { host: '127.0.0.1', port: 0, logger: false });
  servers.push(server);
  return (await server.start()).url;
}

function capture(): { lines: string[]; print: (line: string) => void } {
  const lines: string[] = [];
  return { lines, print: (line) => lines.push(line) };
}

beforeAll(() => {
  // An explicit tree (singleBallotPlan) keeps COUNCIL as written: a generated definition makes every contest allow abstaining.
  const shape = { states: 1, countiesPerState: 1, precinctsPerCounty: 1 };
  election = generateElection({ keyBits: 1024, ...shape, jurisdictions: uniformJurisdictions(shape), contests: [...STANDARD_CONTESTS, COUNCIL], electionId: 'client-test' });
  ctx = new ElectionContext(election.manifest);
  precinctId = election.manifest.roster.find((e) => e.role === 'precinct')!.id;
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-client-'));
  writeSetup(path.join(root, 'election'), election);
  manifestPath = path.join(root, 'election', 'manifest.json');
  tokenPath = path.join(root, 'election', 'admin-token');
  outcome = runInProcessElection(election, { ballotsPerPrecinct: 2, seed: 'client-commands' });
});

afterAll(async () => {
  for (const s of servers) await s.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('parseChoices', () => {
  it('maps contest=option by name, repeats for approval contests and abstains where allowed', () => {
    const choices = parseChoices(election.manifest.contests, ['president=Chen', 'council=Kim', 'council=Ito', 'measure-1=no']);
    expect(choices).toEqual({ president: [2], senate: [], 'measure-1': [1], council: [0, 2] });
  });

  it('names the contest or option in every error', () => {
    const base = ['council=Ito'];
    expect(() => parseChoices(election.manifest.contests, [...base, 'mayor=Adams'])).toThrow(/contest "mayor" is not on the ballot/);
    expect(() => parseChoices(election.manifest.contests, [...base, 'president=Zed'])).toThrow(/contest "president" has no option "Zed" \(options: Adams, Baker, Chen, Diaz\)/);
    expect(() => parseChoices(election.manifest.contests, ['president=Adams'])).toThrow(/contest "council" does not allow abstaining/);
    expect(() => parseChoices(election.manifest.contests, [...base, 'president=Adams', 'president=Baker'])).toThrow(/contest "president" allows at most 1 choice, got 2/);
    expect(() => parseChoices(election.manifest.contests, ['council=Ito', 'council=Jones', 'council=Kim'])).toThrow(/contest "council" allows at most 2 choices, got 3/);
    expect(() => parseChoices(election.manifest.contests, ['council=Ito', 'council=Ito'])).toThrow(/"Ito" of contest "council" is chosen twice/);
    expect(() => parseChoices(election.manifest.contests, [...base, 'president'])).toThrow(/expected CONTEST=OPTION/);
  });
});

describe('tallymesh vote', () => {
  let precinct: NodeApi & { submissions: number };
  let url: string;
  let countyUrl: string;
  beforeAll(async () => {
    precinct = precinctApi(election, ctx, precinctId);
    url = await serve(precinct);
    const county = election.manifest.roster.find((e) => e.role === 'county')!;
    countyUrl = await serve(baseApi(county.id, 'county', election.adminToken));
  });

  it('encrypts, submits, checks the signed receipt, prints it and saves it for verify', async () => {
    const out = capture();
    const receiptOut = path.join(root, 'receipt-1.json');
    const vote = await runVote({ manifest: manifestPath, precinct: url, voter: 'voter-1', choose: ['president=Adams', 'council=Jones'], receiptOut, print: out.print });
    expect(vote.duplicate).toBe(false);
    expect(vote.precinctId).toBe(precinctId);
    const printed = JSON.parse(out.lines.join('\n')) as { ballotHash: string; precinctId: string; logPosition: number };
    expect(printed).toMatchObject({ ballotHash: vote.ballotHash, precinctId, logPosition: 1 });
    const saved = readReceiptFile(receiptOut);
    expect(validateReceipt(ctx, saved.receipt).logPosition).toBe(1);
    expect(toHex(saved.receipt.ballotHash)).toBe(vote.ballotHash);
    expect(saved.inclusion).toBeUndefined();
  });

  it('accepts a URL without scheme and a second voter gets the next log position', async () => {
    const vote = await runVote({ manifest: manifestPath, precinct: url.replace('http://', ''), voter: 'voter-2', choose: ['council=Ito', 'council=Kim'], print: () => {} });
    expect(vote.receipt.logPosition).toBe(2);
  });

  it('reports the precinct\'s 409 when the voter already voted', async () => {
    const err = await runVote({ manifest: manifestPath, precinct: url, voter: 'voter-1', choose: ['council=Ito'], print: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeRequestError);
    expect(err).toMatchObject({ status: 409, code: 'voter-already-voted' });
    expect((err as Error).message).toMatch(/409 voter-already-voted: voter "voter-1" already voted/);
  });

  it('refuses choices it cannot map before contacting the precinct', async () => {
    const before = precinct.submissions;
    await expect(runVote({ manifest: manifestPath, precinct: url, voter: 'v-x', choose: ['council=Nobody'], print: () => {} })).rejects.toThrow(/no option "Nobody"/);
    await expect(runVote({ manifest: manifestPath, precinct: url, voter: 'v-x', choose: ['governor=Adams', 'council=Ito'], print: () => {} })).rejects.toThrow(/contest "governor" is not on ballot style/);
    await expect(runVote({ manifest: manifestPath, precinct: url, voter: 'v-x', choose: [], print: () => {} })).rejects.toThrow(/"council" does not allow abstaining/);
    expect(precinct.submissions).toBe(before);
  });

  it('refuses a node that is not a precinct', async () => {
    await expect(runVote({ manifest: manifestPath, precinct: countyUrl, voter: 'v-y', choose: ['council=Ito'], print: () => {} })).rejects.toThrow(/is county "county-01-001", not a precinct/);
    const stranger = await serve(baseApi('precinct-99', 'precinct', election.adminToken));
    await expect(runVote({ manifest: manifestPath, precinct: stranger, voter: 'v-y', choose: ['council=Ito'], print: () => {} })).rejects.toThrow(/"precinct-99", which is not in this election's roster/);
  });

  it('rejects a receipt that is not the precinct\'s signature over this ballot', async () => {
    const real = precinctApi(election, ctx, precinctId);
    const forger: NodeApi = {
      ...real,
      async submitBallot(voterId, json) {
        const { receipt, duplicate } = await real.submitBallot(voterId, json);
        const r = receipt as { signature: string };
        return { receipt: { ...r, signature: (r.signature[0] === '0' ? '1' : '0') + r.signature.slice(1) }, duplicate };
      },
    };
    const forgerUrl = await serve(forger);
    await expect(runVote({ manifest: manifestPath, precinct: forgerUrl, voter: 'v-z', choose: ['council=Ito'], print: () => {} })).rejects.toThrow(/receipt does not check out/);
  });

  it('tallymesh close closes the polls; votes are then refused with 503', async () => {
    const out = capture();
    const closed = await runClose({ node: url, tokenFile: tokenPath, print: out.print });
    expect(closed).toEqual({ phase: 'closed' });
    expect(out.lines).toEqual(['phase: closed']);
    await expect(runVote({ manifest: manifestPath, precinct: url, voter: 'voter-3', choose: ['council=Ito'], print: () => {} })).rejects.toThrow(/503 polls-closed: the polls are closed/);
  });

  it('tallymesh close explains a rejected or missing token', async () => {
    const wrong = path.join(root, 'wrong-token');
    fs.writeFileSync(wrong, 'not-the-token\n');
    await expect(runClose({ node: url, tokenFile: wrong, print: () => {} })).rejects.toThrow(/rejected the admin token \(401/);
    const empty = path.join(root, 'empty-token');
    fs.writeFileSync(empty, '  \n');
    await expect(runClose({ node: url, tokenFile: empty, print: () => {} })).rejects.toThrow(/is empty/);
    await expect(runClose({ node: url, tokenFile: path.join(root, 'missing'), print: () => {} })).rejects.toThrow(/cannot read the token file .*ENOENT/);
  });

  it('tallymesh decrypt posts /admin/decrypt with the token', async () => {
    const trustee = election.manifest.roster.find((e) => e.role === 'trustee')!;
    let calls = 0;
    const trusteeUrl = await serve({
      ...baseApi(trustee.id, 'trustee', election.adminToken),
      decrypt: async () => {
        calls++;
        return { phase: 'decrypted' };
      },
    });
    const out = capture();
    expect(await runDecrypt({ node: trusteeUrl, tokenFile: tokenPath, print: out.print })).toEqual({ phase: 'decrypted' });
    expect(out.lines).toEqual(['phase: decrypted']);
    expect(calls).toBe(1);
  });
});

describe('tallymesh record', () => {
  const manifest = (): unknown => manifestToJSON(election.manifest);
  let precinctUrl: string;
  let nationalUrl: string;
  let badResultUrl: string;
  let otherElectionUrl: string;

  beforeAll(async () => {
    const r = outcome.record;
    const withRecord = (id: string, role: Role, data: RecordExport): NodeApi => ({ ...baseApi(id, role, election.adminToken), record: async () => data });
    const tally = r.precinctTallies[0]!;
    precinctUrl = await serve(
      withRecord(precinctId, 'precinct', {
        manifest: manifest(),
        artifacts: [{ type: 'precinct-tally', data: b64(PrecinctTally.encode(tally)) }],
        ballots: { [precinctId]: r.ballots.get(precinctId)!.map((b) => b64(Ballot.encode(b))) },
      }),
    );
    const everything = [
      ...r.precinctTallies.map((t) => ({ type: 'precinct-tally' as const, data: b64(PrecinctTally.encode(t)) })),
      ...r.aggregateTallies.map((t) => ({ type: 'aggregate-tally' as const, data: b64(AggregateTally.encode(t)) })),
      ...r.partials.map((p) => ({ type: 'partial-decryption' as const, data: b64(PartialDecryption.encode(p)) })),
      { type: 'result' as const, data: b64(Result.encode(r.result!)) },
    ];
    nationalUrl = await serve(withRecord('national', 'national', { manifest: manifest(), artifacts: everything, ballots: {} }));
    const forged = { ...r.result!, signature: r.result!.signature.map((x, i) => (i === 0 ? x ^ 1 : x)) };
    badResultUrl = await serve(withRecord('observer', 'national', { manifest: manifest(), artifacts: [{ type: 'result', data: b64(Result.encode(forged)) }, { type: 'precinct-tally', data: 'not base64!' }], ballots: {} }));
    otherElectionUrl = await serve(
      withRecord('other', 'national', { manifest: manifestToJSON({ ...election.manifest, electionId: 'another-election' }), artifacts: everything, ballots: {} }),
    );
  });

  it('merges the nodes\' exports into a record that verifies', async () => {
    const out = path.join(root, 'record-ok');
    const lines = capture();
    const warnings: string[] = [];
    const merged = await runRecord({ from: [precinctUrl, nationalUrl], out, print: lines.print, warn: (w) => warnings.push(w) });
    expect(warnings).toEqual([]);
    expect(lines.lines.join('\n')).toMatch(/2 ballots of 1 precincts, 1 precinct tallies, 3 aggregate tallies, 9 partial decryptions, a result \(from 2 of 2 nodes\)/);
    expect(merged.record.ballots.get(precinctId)).toHaveLength(2);
    const read = readRecord(out);
    expect(read.precinctTallies).toHaveLength(1);
    expect(read.partials).toHaveLength(outcome.record.partials.length);
    expect((await runVerify(out, { print: () => {}, jobs: 1 })).ok).toBe(true);
  });

  it('keeps the first valid-looking result, says so, and leaves out bad sources', async () => {
    const out = path.join(root, 'record-conflict');
    const warnings: string[] = [];
    const merged = await runRecord({ from: [badResultUrl, otherElectionUrl, 'http://127.0.0.1:1', nationalUrl, precinctUrl], out, print: () => {}, warn: (w) => warnings.push(w) });
    const text = warnings.join('\n');
    expect(text).toMatch(/result: 2 different versions .*kept the first valid-looking one, \w+… from http:\/\/127\.0\.0\.1:\d+/);
    expect(text).toContain(`${nationalUrl}`);
    expect(text).toMatch(/artifact 2 \(precinct-tally\): data is not base64; skipped/);
    expect(text).toMatch(/serves another election .* this source is left out/);
    expect(text).toMatch(/127\.0\.0\.1:1: .*cannot reach the node.*left out/);
    expect(merged.sources).toEqual([badResultUrl, nationalUrl, precinctUrl]);
    expect(toHex(Result.hash(merged.record.result!))).toBe(toHex(Result.hash(outcome.record.result!)));
    expect((await runVerify(out, { print: () => {}, jobs: 1 })).ok).toBe(true);
  });

  it('refuses a folder that is not empty and fails when no node answers', async () => {
    const full = path.join(root, 'record-ok');
    await expect(runRecord({ from: [nationalUrl], out: full, print: () => {}, warn: () => {} })).rejects.toThrow(/is not empty/);
    await expect(runRecord({ from: ['http://127.0.0.1:1'], out: path.join(root, 'record-none'), print: () => {}, warn: () => {} })).rejects.toThrow(/no node served its record/);
    await expect(runRecord({ from: [], out: path.join(root, 'record-none'), print: () => {}, warn: () => {} })).rejects.toThrow(/at least one --from/);
  });
});

describe('tallymesh status', () => {
  const status: NodeStatus = {
    id: 'county-01-001',
    role: 'county',
    parent: 'state-01',
    phase: 'collecting',
    electionId: 'client-test',
    electionHash: 'ab'.repeat(32),
    ballots: 12,
    children: [
      { id: 'precinct-01-001-001', role: 'precinct', reported: true, tallyHash: 'cd'.repeat(32), ballotCount: 12 },
      { id: 'precinct-01-001-002', role: 'precinct', reported: false },
      { id: 'precinct-01-001-003', role: 'precinct', reported: true, equivocated: true },
    ],
    partials: [
      { trusteeId: 'trustee-02', trusteeIndex: 2, valid: false, reason: 'proof of word 0 does not verify' },
      { trusteeId: 'trustee-01', trusteeIndex: 1, valid: true },
    ],
    threshold: { needed: 5, valid: 1 },
    hasResult: false,
    waitingFor: '1 of 3 children',
    equivocations: 1,
    refusedResults: 0,
    peers: 2,
  };
  const peers: PeerView[] = [
    { peerId: '12D3KooWstatepeer000000000000000000', nodeId: 'state-01', role: 'state', admission: 'roster', addresses: [], latencyMs: 3.4, score: 1.25 },
    { peerId: '12D3KooWprecinct0000000000000000000', nodeId: 'precinct-01-001-001', role: 'precinct', admission: 'roster', addresses: [], latencyMs: 120, score: -0.5 },
  ];

  it('prints role, phase, children with ✓/…/✗, partials and an aligned peer table', async () => {
    const url = await serve({ ...baseApi(status.id, 'county', election.adminToken), status: async () => status, peers: async () => peers });
    const out = capture();
    await runStatus({ node: url, print: out.print });
    const text = out.lines.join('\n');
    expect(out.lines).toEqual(formatStatus(status, peers));
    expect(text).toMatch(/^node +county-01-001 \(county, parent state-01\)$/m);
    expect(text).toMatch(/^phase +collecting +\(waiting for 1 of 3 children\)$/m);
    expect(text).toMatch(/^ballots +12$/m);
    expect(text).toMatch(/^children +2 of 3 reported$/m);
    expect(text).toMatch(/^ {2}✓ precinct-01-001-001 +precinct +12 ballots +tally cdcdcdcdcdcd…$/m);
    expect(text).toMatch(/^ {2}… precinct-01-001-002 +precinct +waiting$/m);
    expect(text).toMatch(/^ {2}✗ precinct-01-001-003 +precinct +EQUIVOCATED/m);
    expect(text).toMatch(/^partials +1 valid of 5 needed$/m);
    const partialLines = out.lines.filter((l) => /trustee-0\d/.test(l));
    expect(partialLines[0]).toMatch(/✓ #1 +trustee-01 +valid/);
    expect(partialLines[1]).toMatch(/✗ #2 +trustee-02 +invalid: proof of word 0 does not verify/);
    expect(text).toMatch(/^peers +2 connected$/m);
    const header = out.lines.find((l) => l.includes('ROSTER ID'))!;
    const rows = out.lines.slice(out.lines.indexOf(header) + 1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/precinct-01-001-001 +precinct +120 ms +-0\.50 +roster +12D3KooWprecinct…/);
    expect(rows[1]).toMatch(/state-01 +state +3 ms +1\.25 +roster/);
    // aligned: the SCORE column ends at the same position on every line
    const end = (line: string, cell: string): number => line.indexOf(cell) + cell.length;
    expect(end(rows[0]!, '-0.50')).toBe(end(header, 'SCORE'));
    expect(end(rows[1]!, '1.25')).toBe(end(header, 'SCORE'));
  });

  it('fails clearly when the node cannot be reached', async () => {
    await expect(runStatus({ node: 'http://127.0.0.1:1', print: () => {} })).rejects.toThrow(/GET http:\/\/127\.0\.0\.1:1\/status: cannot reach the node/);
  });
});

describe('http client', () => {
  it('normalises URLs', () => {
    expect(normalizeBaseUrl('127.0.0.1:21001')).toBe('http://127.0.0.1:21001');
    expect(normalizeBaseUrl('http://localhost:21001/')).toBe('http://localhost:21001');
    expect(() => normalizeBaseUrl('ftp://x')).toThrow(/only http/);
    expect(() => normalizeBaseUrl('')).toThrow(/empty/);
  });

  it("carries the server's { error, message } and maps 404s of optional resources to undefined", async () => {
    const url = await serve(baseApi('precinct-01-001-001', 'precinct', election.adminToken));
    const client = new NodeClient(url);
    expect(await client.health()).toEqual({ ok: true, id: 'precinct-01-001-001', role: 'precinct', faults: [] });
    expect(await client.result()).toBeUndefined();
    expect(await client.receipt('ab'.repeat(32))).toBeUndefined();
    const err = await client.log().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeRequestError);
    expect(err).toMatchObject({ status: 404, code: 'not-a-precinct', serverMessage: 'precinct-01-001-001 (precinct) has no ballot log' });
    const bad = await client.receipt('XYZ').catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, code: 'bad-request' });
    await expect(client.close('wrong')).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(await client.metrics()).toBe('');
  });
});

describe('register functions', () => {
  it('add the commands to a commander program and run them', async () => {
    const program = new Command('tallymesh').exitOverride();
    registerVoteCommand(program);
    registerRecordCommand(program);
    registerStatusCommand(program);
    registerCloseCommand(program);
    registerDecryptCommand(program);
    expect(program.commands.map((c) => c.name())).toEqual(['vote', 'record', 'status', 'close', 'decrypt']);
    const vote = program.commands.find((c) => c.name() === 'vote')!;
    expect(vote.options.map((o) => o.long)).toEqual(['--manifest', '--precinct', '--voter', '--ballot-style', '--choose', '--receipt-out']);

    const url = await serve({ ...baseApi('precinct-01-001-001', 'precinct', election.adminToken), close: async () => ({ phase: 'closed' }) });
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const exitCode = process.exitCode;
    try {
      await program.parseAsync(['node', 'tallymesh', 'close', '--node', url, '--token-file', tokenPath]);
      expect(stdout.mock.calls.map((c) => String(c[0]))).toContain('phase: closed\n');
      await program.parseAsync(['node', 'tallymesh', 'status', '--node', 'http://127.0.0.1:1']);
      expect(process.exitCode).toBe(1);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/^tallymesh status: GET .*cannot reach the node/m);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      process.exitCode = exitCode;
    }
  });
});
