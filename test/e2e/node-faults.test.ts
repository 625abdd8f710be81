// Fault tolerance over real libp2p nodes on 127.0.0.1 (LocalNetwork, OS-chosen ports), one
// process: nodes restarted mid-election resume from their storage; a parent that was down while
// its children published catches up by itself; l - t trustees down still give a result, fewer
// than t give none and say why; a trustee's invalid partial decryption is excluded and reported;
// a rogue observer's forged, foreign and equivocating tallies are never counted.
// Every wait polls (waitFor) with generous deadlines; nothing asserts on timing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { toHex } from '../../crypto/bytes.ts';
import { Ballot, ballotGroups, encryptBallot, type Choices } from '../../protocol/ballot.ts';
import { ElectionContext } from '../../protocol/election.ts';
import { PROTOCOL_VERSION } from '../../protocol/manifest.ts';
import { packCounts } from '../../protocol/layout.ts';
import { PartialDecryption, validatePartialDecryption } from '../../protocol/partial-decryption.ts';
import { handMadePartial } from '../support/partials.ts';
import { Result, contestCounts, resultContests } from '../../protocol/result.ts';
import { completedGroups } from '../../protocol/completed-groups.ts';
import { AggregateTally, PrecinctTally, childTallyOf, multiplyWords, type ChildTally, type TallyGroup } from '../../protocol/tally.ts';
import { LocalNetwork } from '../../sim/local-network.ts';
import type { Topic } from '../../node/network/topics.ts';
import { waitFor, writeTestElection, type ElectionFolder } from '../support/network-fixture.ts';
import { rogueKey, startRoguePeer, type RoguePeer } from '../../sim/network/rogue-peer.ts';
import { errorMessage } from '../../errors/tallymesh-error.ts';

const LONG = 90_000;
const TEST_TIMEOUT = 180_000;
const COUNTY = 'county-01-001';
const P1 = 'precinct-01-001-001';
const P2 = 'precinct-01-001-002';

// ---------------------------------------------------------------------------------------------
// Helpers shared by every scenario

/** TM_FAULTS_LOG=warn (or info) prints the nodes' logs to stderr while debugging. */
function localNetwork(dir: string, options: ConstructorParameters<typeof LocalNetwork>[1]): LocalNetwork {
  const level = process.env.TM_FAULTS_LOG;
  return new LocalNetwork(dir, {
    tickMs: 300,
    ...(level ? { logger: (id: string) => pino({ level, base: { node: id } }, process.stderr) } : {}),
    ...options,
  });
}

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

const get = (net: LocalNetwork, id: string, path: string) => json(`${net.url(id)}${path}`);

async function metricsOf(net: LocalNetwork, id: string): Promise<string> {
  const res = await fetch(`${net.url(id)}/metrics`);
  return res.text();
}

/** Sum of a Prometheus metric's samples whose labels include `labels`. */
function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

/** The libp2p address (with /p2p/) of a running node on 127.0.0.1. */
function addressOf(net: LocalNetwork, id: string): string {
  const address = net.nodes.get(id)?.node.host.addresses().find((a) => a.includes('/ip4/127.0.0.1/'));
  if (!address) throw new Error(`${id} is not running`);
  return address;
}

/** A voter's ballots and what the result must say about them. */
class Voters {
  readonly choices: Choices[] = [];
  constructor(
    private readonly ctx: ElectionContext,
    private readonly net: () => LocalNetwork,
  ) {}

  /** Casts a ballot over REST; counts it only if the precinct acknowledged it (201). */
  async vote(precinct: string, voterId: string, choices: Choices): Promise<{ status: number; body: any; ballot: unknown }> {
    const ballot = Ballot.toJSON(encryptBallot(this.ctx, precinct, choices));
    const res = await this.submit(precinct, voterId, ballot);
    if (res.status === 201) this.choices.push(choices);
    return { ...res, ballot };
  }

  submit(precinct: string, voterId: string, ballot: unknown): Promise<{ status: number; body: any }> {
    return json(`${this.net().url(precinct)}/ballots`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ voterId, ballot }) });
  }

  /** Counts per contest of every acknowledged ballot, each once. */
  expected(): { contestId: string; counts: number[] }[] {
    return this.ctx.manifest.contests.map((c) => {
      const counts = new Array<number>(c.options.length).fill(0);
      for (const ch of this.choices) for (const o of ch[c.id] ?? []) counts[o]! += 1;
      return { contestId: c.id, counts };
    });
  }
}

const CHOICES: Choices[] = [
  { president: [0], senate: [1], 'measure-1': [0] },
  { president: [2], senate: [], 'measure-1': [1] },
  { president: [1], senate: [0], 'measure-1': [1] },
  { president: [0], senate: [2], 'measure-1': [] },
  { president: [3], senate: [1], 'measure-1': [0] },
  { president: [], senate: [0], 'measure-1': [0] },
  { president: [2], senate: [2], 'measure-1': [1] },
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const choice = (i: number): Choices => CHOICES[i % CHOICES.length]!;

async function closePolls(net: LocalNetwork, token: string, precinct: string): Promise<void> {
  const res = await json(`${net.url(precinct)}/admin/close`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** One line per running node: phase and what it waits for (added to timeout errors). */
async function diagnose(net: LocalNetwork): Promise<string> {
  const lines: string[] = [];
  for (const id of net.nodes.keys()) {
    const s = await get(net, id, '/status').catch((err) => ({ status: 0, body: String(err) }));
    lines.push(s.status === 200 ? `${id}: ${s.body.phase}${s.body.waitingFor ? ` (waiting for ${s.body.waitingFor})` : ''}, ${s.body.peers} peers` : `${id}: ${JSON.stringify(s.body)}`);
  }
  return lines.join('\n');
}

async function waitForResult(net: LocalNetwork, id = 'national', timeoutMs = LONG): Promise<any> {
  try {
    return await waitFor(
      `the result on ${id}`,
      async () => {
        const r = await get(net, id, '/result');
        return r.status === 200 ? r.body : undefined;
      },
      timeoutMs,
    );
  } catch (err) {
    throw new Error(`${errorMessage(err)}\nnodes:\n${await diagnose(net)}`);
  }
}

/** The tally a node holds for `sender` (its own or another's), from GET /tallies. */
async function tallyView(net: LocalNetwork, id: string, sender: string): Promise<{ type: string; hash: string; artifact: any } | undefined> {
  const r = await get(net, id, '/tallies');
  if (r.status !== 200) return undefined;
  return (r.body as any[]).find((t) => t.sender === sender);
}

function readToken(folder: ElectionFolder): string {
  return readFileSync(join(folder.dir, 'admin-token'), 'utf8').trim();
}

/** A result's counts (its JSON view, from GET /result) per contest in manifest order, whatever scope counted them. */
function countsOf(ctx: ElectionContext, result: unknown): { contestId: string; counts: number[] }[] {
  return resultContests(ctx, Result.fromJSON(result)).map(({ contestId, counts }) => ({ contestId, counts }));
}

/** A ballot's contests as the groups of its precinct's tally (protocol/ballot.ts ballotGroups), with their scopes. */
function ballotTallyGroups(ctx: ElectionContext, ballot: Ballot): TallyGroup[] {
  const words = ballotGroups(ctx, ballot);
  return ctx.scopes.groupsOf(ballot.precinctId).map((g, k) => ({ scopeId: g.scopeId, words: words[k]! }));
}

const trusteeOverride = (c: { role: string }) => (c.role === 'trustee' ? { autoDecrypt: true } : {});

/** A small election with every node running in this process, trustees decrypting by themselves. */
async function startElection(): Promise<{ folder: ElectionFolder; ctx: ElectionContext; token: string; net: LocalNetwork; voters: Voters }> {
  const folder = writeTestElection();
  const ctx = new ElectionContext(folder.election.manifest);
  const net = localNetwork(folder.dir, { override: trusteeOverride });
  const voters = new Voters(ctx, () => net);
  await net.startAll();
  return { folder, ctx, token: readToken(folder), net, voters };
}

// ---------------------------------------------------------------------------------------------
// 1, 2 and 3: restarts, a parent that was down, and l - t trustees down

describe('restarts and catch-up (5 trustees, threshold 3; trustee-02 and trustee-04 never start)', () => {
  let folder: ElectionFolder;
  let ctx: ElectionContext;
  let net: LocalNetwork;
  let token: string;
  let voters: Voters;
  const down = new Set(['trustee-02', 'trustee-04']);

  beforeAll(async () => {
    folder = writeTestElection({ trustees: 5, threshold: 3 });
    ctx = new ElectionContext(folder.election.manifest);
    token = readToken(folder);
    net = localNetwork(folder.dir, { only: (id) => !down.has(id), override: trusteeOverride });
    voters = new Voters(ctx, () => net);
    await net.startAll();
  });

  afterAll(async () => {
    await net?.stopAll();
    folder?.cleanup();
  });

  it('a precinct restarted mid-election resumes from its log: same ballots, original receipts for resubmissions, new ballots accepted', { timeout: TEST_TIMEOUT }, async () => {
    // Six ballots: past the checkpoint (every 5), so the restart is checkpoint + replay of the log after it.
    const cast: { voterId: string; ballot: unknown; receipt: any }[] = [];
    for (let i = 1; i <= 6; i++) {
      const r = await voters.vote(P1, `a${i}`, choice(i));
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.duplicate).toBe(false);
      cast.push({ voterId: `a${i}`, ballot: r.ballot, receipt: r.body.receipt });
    }
    expect((await voters.vote(P2, 'b1', choice(0))).status).toBe(201);

    const before = await get(net, P1, '/status');
    expect(before.body).toMatchObject({ ballots: 6, phase: 'voting' });
    const logBefore = await get(net, P1, '/log?from=1&limit=100');
    expect(logBefore.status).toBe(200);
    expect(logBefore.body).toHaveLength(6);

    await net.stop(P1);
    await net.start(P1);

    const after = await get(net, P1, '/status');
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ ballots: 6, phase: 'voting' });
    const logAfter = await get(net, P1, '/log?from=1&limit=100');
    expect(logAfter.body).toEqual(logBefore.body);

    // Resubmitting an acknowledged ballot (before and after the checkpoint) gives back its original receipt.
    for (const c of [cast[0]!, cast[5]!]) {
      const again = await voters.submit(P1, c.voterId, c.ballot);
      expect(again.status, JSON.stringify(again.body)).toBe(200);
      expect(again.body.duplicate).toBe(true);
      expect(again.body.receipt).toEqual(c.receipt);
    }
    // A voter who already voted cannot slip a second, different ballot in after the restart.
    const second = await voters.vote(P1, 'a2', choice(3));
    expect(second.status).toBe(409);
    expect(second.body.error).toBe('voter-already-voted');

    const next = await voters.vote(P1, 'a7', choice(6));
    expect(next.status, JSON.stringify(next.body)).toBe(201);
    expect(next.body.receipt.logPosition).toBe(7);
    expect((await get(net, P1, '/status')).body.ballots).toBe(7);
    expect(await get(net, P1, '/log?from=1&limit=100').then((r) => r.body.length)).toBe(7);
  });

  it('a county that was down while its precincts closed gets their tallies by itself when it comes back; the election completes', { timeout: TEST_TIMEOUT }, async () => {
    await net.stop(COUNTY);
    // The precincts close while their parent is down: their tallies are made and published
    // (nobody hears them: the precincts know only the county).
    await closePolls(net, token, P1);
    await closePolls(net, token, P2);
    const own = {
      [P1]: (await waitFor(`${P1}'s tally`, () => tallyView(net, P1, P1), LONG)).hash,
      [P2]: (await waitFor(`${P2}'s tally`, () => tallyView(net, P2, P2), LONG)).hash,
    };

    // No manual action after the restart: the county's catch-up tick pulls what it misses (and
    // the precincts' outboxes republish what found no peer); either way the county completes.
    await net.start(COUNTY);
    const status = await waitFor(
      'the restarted county to aggregate',
      async () => {
        const s = await get(net, COUNTY, '/status');
        return s.status === 200 && s.body.phase !== 'collecting' ? s.body : undefined;
      },
      LONG,
    );
    expect(status.children).toHaveLength(2);
    for (const child of status.children) {
      expect(child.reported).toBe(true);
      expect(child.tallyHash).toBe(own[child.id as keyof typeof own]);
    }
    expect(status.children.find((c: any) => c.id === P1).ballotCount).toBe(7);
    expect(status.children.find((c: any) => c.id === P2).ballotCount).toBe(1);
    const metrics = await metricsOf(net, COUNTY);
    const fromNetwork = metric(metrics, 'tallymesh_artifacts_accepted_total', { type: 'precinct-tally', origin: 'pull' }) + metric(metrics, 'tallymesh_artifacts_accepted_total', { type: 'precinct-tally', origin: 'gossip' });
    expect(fromNetwork).toBe(2);

    const result = await waitForResult(net);
    expect(result.ballotCount).toBe(8);
    expect(countsOf(ctx, result)).toEqual(voters.expected());
  });

  it('a county restarted after it aggregated keeps its tally (same hash) and its children', { timeout: TEST_TIMEOUT }, async () => {
    const before = await waitFor('the county tally', () => tallyView(net, COUNTY, COUNTY), LONG);
    const statusBefore = (await get(net, COUNTY, '/status')).body;
    await net.stop(COUNTY);
    await net.start(COUNTY);
    const after = await tallyView(net, COUNTY, COUNTY);
    expect(after?.hash).toBe(before.hash);
    const statusAfter = (await get(net, COUNTY, '/status')).body;
    expect(statusAfter.phase === 'aggregated' || statusAfter.phase === 'result').toBe(true);
    expect(statusAfter.children).toEqual(statusBefore.children);
    // Its parent holds that same tally.
    await waitFor('the state to hold the county tally', async () => (await tallyView(net, 'state-01', COUNTY))?.hash === before.hash, LONG);
  });

  it('with l - t = 2 trustees down the other t decrypt, and the result counts every acknowledged ballot exactly once', { timeout: TEST_TIMEOUT }, async () => {
    const result = await waitForResult(net);
    expect(Result.fromJSON(result).combinerId).toBe('national');
    expect(voters.choices).toHaveLength(8);
    expect(result.ballotCount).toBe(8);
    expect(countsOf(ctx, result)).toEqual(voters.expected());
    expect(result.partials).toHaveLength(3);
    const status = (await get(net, 'national', '/status')).body;
    expect(status.hasResult).toBe(true);
    const used = status.partials.filter((p: any) => p.valid).map((p: any) => p.trusteeId).sort();
    expect(used).toEqual(['trustee-01', 'trustee-03', 'trustee-05']);
    // The combined partials are those of the running trustees.
    const board = (await get(net, 'national', '/board?from=1&limit=1000')).body.items as any[];
    const partialHashes = board.filter((i) => i.type === 'partial-decryption').map((i) => i.hash).sort();
    expect([...result.partials].sort()).toEqual(partialHashes);
    // Every node that reports a result agrees on it.
    const precinctResult = await waitForResult(net, P2);
    expect(precinctResult).toEqual(result);
  });
});

// ---------------------------------------------------------------------------------------------
// 6, 4 and 3: fewer than t trustees; a trustee that cheats; one trustee down

describe('trustees (4 trustees, threshold 3): too few, then a cheating one, then enough honest ones', () => {
  let folder: ElectionFolder;
  let ctx: ElectionContext;
  let net: LocalNetwork;
  let token: string;
  let voters: Voters;
  let cheater: RoguePeer | undefined;
  let bad: PartialDecryption;

  beforeAll(async () => {
    folder = writeTestElection({ trustees: 4, threshold: 3 });
    ctx = new ElectionContext(folder.election.manifest);
    token = readToken(folder);
    // trustee-01 never runs its node (a rogue host holds its key below); trustee-04 starts late.
    net = localNetwork(folder.dir, { only: (id) => id !== 'trustee-01' && id !== 'trustee-04', override: trusteeOverride });
    voters = new Voters(ctx, () => net);
    await net.startAll();
  });

  afterAll(async () => {
    await cheater?.stop();
    await net?.stopAll();
    folder?.cleanup();
  });

  it('with fewer than t trustees up there is no result, and the national status says how many valid partials it has of how many needed', { timeout: TEST_TIMEOUT }, async () => {
    expect((await voters.vote(P1, 'v1', choice(0))).status).toBe(201);
    expect((await voters.vote(P1, 'v2', choice(1))).status).toBe(201);
    expect((await voters.vote(P2, 'v3', choice(2))).status).toBe(201);
    await closePolls(net, token, P1);
    await closePolls(net, token, P2);
    const status = await waitFor(
      'the two running trustees\' partials at the national node',
      async () => {
        const s = await get(net, 'national', '/status');
        return s.status === 200 && s.body.threshold.valid === 2 ? s.body : undefined;
      },
      LONG,
    );
    expect(status.threshold).toEqual({ needed: 3, valid: 2 });
    expect(status.hasResult).toBe(false);
    expect(status.phase).not.toBe('result');
    expect(status.waitingFor).toMatch(/\b2 of 3 valid partial decryptions\b/);
    expect(status.partials.map((p: any) => p.trusteeId).sort()).toEqual(['trustee-02', 'trustee-03']);
    expect((await get(net, 'national', '/result')).status).toBe(404);
    for (const t of ['trustee-02', 'trustee-03']) expect((await get(net, t, '/status')).body.phase).toBe('decrypted');
  });

  it('a trustee that publishes an invalid partial decryption is excluded and reported; t honest others still give the result', { timeout: TEST_TIMEOUT }, async () => {
    // The national tally, as anyone can read it.
    const view = await waitFor('the national tally', () => tallyView(net, 'national', 'national'), LONG);
    const national = AggregateTally.fromJSON(view.artifact);
    const tallyHash = AggregateTally.hash(national);
    expect(toHex(tallyHash)).toBe(view.hash);

    // The completed groups the trustees decrypt: each scope node's tally, as the national node holds it.
    const scopeTallies = new Map<string, ChildTally>();
    for (const scope of ctx.scopes.scopes) {
      const v = await waitFor(`the tally of scope ${scope.scopeId}`, () => tallyView(net, 'national', scope.scopeId), LONG);
      scopeTallies.set(scope.scopeId, childTallyOf({ kind: 'aggregate', tally: AggregateTally.fromJSON(v.artifact) }));
    }
    const groups = completedGroups(ctx, (id) => scopeTallies.get(id));

    // trustee-01's real partial decryption, with its real share and key...
    const share = folder.election.shares.get('trustee-01')!;
    const key = folder.election.nodeKeys.get('trustee-01')!.secretKey;
    const honest = handMadePartial(ctx, { trusteeId: 'trustee-01', share, secretKey: key, tallyHash, groups });
    expect(() => validatePartialDecryption(ctx, honest, tallyHash, groups)).not.toThrow();
    // ...with a wrong value (times 4 mod n^2) in the first group's first share, signed again with trustee-01's key.
    const n2 = ctx.publicKey.n2;
    bad = handMadePartial(ctx, {
      trusteeId: 'trustee-01',
      share,
      secretKey: key,
      tallyHash,
      groups,
      alter: (gs) => gs.map((g, k) => (k === 0 ? { ...g, shares: g.shares.map((s, w) => (w === 0 ? { ...s, value: (s.value * 4n) % n2 } : s)) } : g)),
    });
    expect(() => validatePartialDecryption(ctx, bad, tallyHash, groups)).toThrow();
    const badHash = toHex(PartialDecryption.hash(bad));

    const board: Topic = { kind: 'board' };
    cheater = await startRoguePeer({ ctx, secretKey: key, target: addressOf(net, 'national'), topics: [board] });
    await cheater.publish(board, { type: 'partial-decryption', bytes: PartialDecryption.encode(bad) });

    const reported = await waitFor(
      'the national node to report trustee-01\'s partial',
      async () => {
        const s = (await get(net, 'national', '/status')).body;
        return s.partials.some((p: any) => p.trusteeId === 'trustee-01') ? s : undefined;
      },
      LONG,
    );
    const entry = reported.partials.find((p: any) => p.trusteeId === 'trustee-01');
    expect(entry).toMatchObject({ trusteeId: 'trustee-01', trusteeIndex: 1, valid: false });
    expect(entry.reason).toMatch(/proof|verify/i);
    expect(reported.threshold).toEqual({ needed: 3, valid: 2 });
    expect(reported.hasResult).toBe(false);
    expect(reported.waitingFor).toMatch(/\b2 of 3 valid partial decryptions\b/);
    expect((await get(net, 'national', '/result')).status).toBe(404);

    // A third honest trustee comes up late, catches up by itself and decrypts.
    await net.start('trustee-04');
    const result = await waitForResult(net);
    expect(result.ballotCount).toBe(3);
    expect(countsOf(ctx, result)).toEqual(voters.expected());
    expect(result.partials).toHaveLength(3);
    expect(result.partials).not.toContain(badHash);
    const items = (await get(net, 'national', '/board?from=1&limit=1000')).body.items as any[];
    const honestHashes = ['trustee-02', 'trustee-03', 'trustee-04'].map((t) => items.find((i) => i.type === 'partial-decryption' && i.sender === t)?.hash);
    expect(result.partials).toEqual(honestHashes);
    expect(Result.fromJSON(result).tallyHash).toEqual(tallyHash);

    const final = (await get(net, 'national', '/status')).body;
    expect(final.hasResult).toBe(true);
    expect(final.partials.find((p: any) => p.trusteeId === 'trustee-01')).toMatchObject({ valid: false });
    expect(final.partials.filter((p: any) => p.valid).map((p: any) => p.trusteeId).sort()).toEqual(['trustee-02', 'trustee-03', 'trustee-04']);
  });
});

// ---------------------------------------------------------------------------------------------
// 5: a rogue observer

describe('a rogue observer publishing forged, foreign and equivocating tallies', () => {
  let folder: ElectionFolder;
  let foreign: ElectionFolder;
  let ctx: ElectionContext;
  let net: LocalNetwork;
  let token: string;
  let voters: Voters;
  // One fresh key per attack: gossipsub graylists a peer after its first invalid message (score
  // below -80 after one rejection), so a single rogue's later messages would be dropped unread.
  const forger = rogueKey();
  const stranger = rogueKey();
  const equivocator = rogueKey();
  const rogues: RoguePeer[] = [];
  let honestX = '';
  let equivocationHash = '';
  const X = P1;
  const Y = P2;

  beforeAll(async () => {
    folder = writeTestElection();
    foreign = writeTestElection();
    ctx = new ElectionContext(folder.election.manifest);
    token = readToken(folder);
    const observers = [forger.peerId, stranger.peerId, equivocator.peerId];
    net = localNetwork(folder.dir, { override: (c) => ({ observers, ...trusteeOverride(c) }) });
    voters = new Voters(ctx, () => net);
    await net.startAll();
  });

  afterAll(async () => {
    for (const r of rogues) await r.stop().catch(() => undefined);
    await net?.stopAll();
    folder?.cleanup();
    foreign?.cleanup();
  });

  it('counts none of them: the result is the honest count, rejections are counted by reason, the equivocation is reported', { timeout: TEST_TIMEOUT }, async () => {
    expect((await voters.vote(X, 'x1', choice(0))).status).toBe(201);
    expect((await voters.vote(X, 'x2', choice(1))).status).toBe(201);
    expect((await voters.vote(Y, 'y1', choice(2))).status).toBe(201);

    // X closes first; its honest tally reaches the county before the rogues act, so the county
    // counts it. Other nodes may still get the equivocating version first (gossip order is not
    // guaranteed, a node may be reconnecting): trustees then follow the hash the county listed
    // (protocol/counted-tally.ts) and the result below must still be the honest one.
    await closePolls(net, token, X);
    const xView = await waitFor(`${X}'s tally`, () => tallyView(net, X, X), LONG);
    honestX = xView.hash;
    await waitFor(`${COUNTY} to hold ${X}'s honest tally`, async () => (await tallyView(net, COUNTY, X))?.hash === honestX, LONG);
    const honestTally = PrecinctTally.fromJSON(xView.artifact);

    const countyTopic: Topic = { kind: 'tallies', parentId: COUNTY };
    const board: Topic = { kind: 'board' };
    const target = addressOf(net, COUNTY);
    for (const k of [forger, stranger, equivocator]) rogues.push(await startRoguePeer({ ctx, secretKey: k.secretKey, target, topics: [countyTopic, board], observer: true }));
    const [rForger, rStranger, rEquivocator] = rogues as [RoguePeer, RoguePeer, RoguePeer];
    const county = async () => (await get(net, COUNTY, '/status')).body;
    await waitFor('the county to admit the rogues as observers', async () => {
      const peers = (await get(net, COUNTY, '/peers')).body as any[];
      return rogues.every((r) => peers.some((p) => p.peerId === r.peerId && p.admission === 'observer'));
    }, LONG);

    const extraVote = ballotTallyGroups(ctx, encryptBallot(ctx, Y, { president: [3], senate: [2], 'measure-1': [1] }));
    const envelope = (t: PrecinctTally) => ({ type: 'precinct-tally' as const, bytes: PrecinctTally.encode(t) });
    const publishBoth = async (r: RoguePeer, t: PrecinctTally) => {
      await r.publish(countyTopic, envelope(t));
      await r.publish(board, envelope(t));
    };

    // (a) Forged: Y's id (Y has not reported yet), signed with the rogue's own key.
    const forged = PrecinctTally.sign(
      { version: PROTOCOL_VERSION, electionHash: ctx.hash, precinctId: Y, groups: extraVote, ballotCount: 1, ballotsRoot: new Uint8Array(randomBytes(32)), logHead: new Uint8Array(randomBytes(32)) },
      forger.secretKey,
    );
    await publishBoth(rForger, forged);
    await waitFor('the county to reject the forged tally', async () => metric(await metricsOf(net, COUNTY), 'tallymesh_gossip_rejected_total', { reason: 'bad-signature' }) >= 1, LONG);

    // (b) Foreign: a real tally of Y in another election, signed with that election's key of Y.
    const fctx = new ElectionContext(foreign.election.manifest);
    const foreignTally = PrecinctTally.sign(
      {
        version: PROTOCOL_VERSION,
        electionHash: fctx.hash,
        precinctId: Y,
        groups: ballotTallyGroups(fctx, encryptBallot(fctx, Y, { president: [3] })),
        ballotCount: 1,
        ballotsRoot: new Uint8Array(randomBytes(32)),
        logHead: new Uint8Array(randomBytes(32)),
      },
      foreign.election.nodeKeys.get(Y)!.secretKey,
    );
    await publishBoth(rStranger, foreignTally);
    await waitFor('the county to reject the foreign tally', async () => metric(await metricsOf(net, COUNTY), 'tallymesh_gossip_rejected_total', { reason: 'wrong-election' }) >= 1, LONG);

    // (c) Equivocating: a second, different tally of X signed with X's real key, after the honest one.
    const equivocating = PrecinctTally.sign(
      {
        version: PROTOCOL_VERSION,
        electionHash: ctx.hash,
        precinctId: X,
        groups: honestTally.groups.map((g, k) => ({ scopeId: g.scopeId, words: multiplyWords(ctx, g.words.length, [g.words, extraVote[k]!.words]) })),
        ballotCount: honestTally.ballotCount + 1,
        ballotsRoot: new Uint8Array(randomBytes(32)),
        logHead: new Uint8Array(randomBytes(32)),
      },
      folder.election.nodeKeys.get(X)!.secretKey,
    );
    equivocationHash = toHex(PrecinctTally.hash(equivocating));
    await publishBoth(rEquivocator, equivocating);
    const afterAttack = await waitFor('the county to report the equivocation', async () => {
      const s = await county();
      return s.equivocations > 0 ? s : undefined;
    }, LONG);
    const metrics = await metricsOf(net, COUNTY);
    expect(metric(metrics, 'tallymesh_equivocations_total')).toBeGreaterThanOrEqual(1);
    expect(metric(metrics, 'tallymesh_gossip_rejected_total', { reason: 'bad-signature' })).toBeGreaterThanOrEqual(1);
    expect(metric(metrics, 'tallymesh_gossip_rejected_total', { reason: 'wrong-election' })).toBeGreaterThanOrEqual(1);
    // The senders of invalid tallies lost score; the equivocating tally itself passes validation
    // (real signature) and is caught by the store, not by gossip.
    for (const r of [rForger, rStranger]) {
      await waitFor(`the county to lower ${r.peerId}'s score`, async () => {
        const peers = (await get(net, COUNTY, '/peers')).body as any[];
        return (peers.find((p) => p.peerId === r.peerId)?.score ?? 0) < 0;
      }, LONG);
    }

    // Nothing the rogues sent is counted: X keeps its honest tally, Y is still awaited.
    expect(afterAttack.phase).toBe('collecting');
    expect(afterAttack.children.find((c: any) => c.id === X)).toMatchObject({ reported: true, tallyHash: honestX, ballotCount: 2 });
    expect(afterAttack.children.find((c: any) => c.id === Y)).toMatchObject({ reported: false });
    // The equivocation is kept as evidence on the board.
    const boardItems = (await get(net, COUNTY, '/board?from=1&limit=1000')).body.items as any[];
    expect(boardItems.some((i) => i.hash === equivocationHash)).toBe(true);

    // Y closes honestly; the election completes with the honest counts only.
    await closePolls(net, token, Y);
    const result = await waitForResult(net);
    expect(result.ballotCount).toBe(3);
    expect(countsOf(ctx, result)).toEqual(voters.expected());
    const yHash = (await tallyView(net, Y, Y))!.hash;
    const countyTally = (await tallyView(net, COUNTY, COUNTY))!;
    const children = AggregateTally.fromJSON(countyTally.artifact).children.map((c) => ({ id: c.id, tallyHash: toHex(c.tallyHash) }));
    expect(children).toEqual([
      { id: X, tallyHash: honestX },
      { id: Y, tallyHash: yHash },
    ]);
    expect(AggregateTally.fromJSON(countyTally.artifact).ballotCount).toBe(3);
  });

  it('the county\'s status marks the child that equivocated (children[].equivocated)', async () => {
    expect(equivocationHash).not.toBe('');
    const status = (await get(net, COUNTY, '/status')).body;
    expect(status.equivocations).toBeGreaterThan(0);
    expect(status.children.find((c: any) => c.id === X)).toMatchObject({ id: X, equivocated: true });
  });

  it('a county restarted after the attack keeps the honest tally and still reports the equivocation', { timeout: TEST_TIMEOUT }, async () => {
    expect(equivocationHash).not.toBe('');
    const before = (await tallyView(net, COUNTY, COUNTY))!;
    await net.stop(COUNTY);
    await net.start(COUNTY);
    expect((await tallyView(net, COUNTY, COUNTY))?.hash).toBe(before.hash);
    const status = (await get(net, COUNTY, '/status')).body;
    expect(status.children.find((c: any) => c.id === X)).toMatchObject({ reported: true, tallyHash: honestX });
    // The evidence is still in the county's store (and on its board)...
    const boardItems = (await get(net, COUNTY, '/board?from=1&limit=1000')).body.items as any[];
    expect(boardItems.some((i) => i.hash === equivocationHash)).toBe(true);
    // ...so its status must still report it.
    expect(status.equivocations).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------
// A forged result: nodes serve only a result that passes check 9 in full

describe('forged results on the live network', () => {
  let folder: ElectionFolder;
  let ctx: ElectionContext;
  let net: LocalNetwork;
  let token: string;
  let voters: Voters;
  // One rogue per attack (a rejected message graylists its sender).
  const early = rogueKey();
  const premature = rogueKey();
  const late = rogueKey();
  const rogues: RoguePeer[] = [];

  beforeAll(async () => {
    folder = writeTestElection();
    ctx = new ElectionContext(folder.election.manifest);
    token = readToken(folder);
    net = localNetwork(folder.dir, { override: (c) => ({ observers: [early.peerId, premature.peerId, late.peerId], ...trusteeOverride(c) }) });
    voters = new Voters(ctx, () => net);
    await net.startAll();
  });

  afterAll(async () => {
    for (const r of rogues) await r.stop().catch(() => undefined);
    await net?.stopAll();
    folder?.cleanup();
  });

  it('a result signed with a stolen precinct key, or with the combiner\'s key but other counts, is refused and never served; the real one is', { timeout: TEST_TIMEOUT }, async () => {
    expect((await voters.vote(P1, 'a1', choice(0))).status).toBe(201);
    expect((await voters.vote(P2, 'b1', choice(1))).status).toBe(201);
    const board: Topic = { kind: 'board' };
    const target = addressOf(net, COUNTY);
    // Self-consistent forgeries (their counts are what their words say): 1000 votes for the first option.
    const scopes = ctx.scopes.scopes.map((scope) => {
      const words = packCounts(scope, new Map(scope.contests.map((c) => [c.contestId, Array.from({ length: c.optionCount }, (_, i) => (i === 0 ? 1000n : 0n))])));
      return { scopeId: scope.scopeId, tallyHash: new Uint8Array(randomBytes(32)), ballotCount: 1000, words, contests: contestCounts(ctx, scope.scopeId, words) };
    });
    const fake = { version: PROTOCOL_VERSION, electionHash: ctx.hash, tallyHash: new Uint8Array(randomBytes(32)), ballotCount: 1000, partials: [], scopes };

    // Before anything is decrypted: one signed with a precinct's key, naming itself as signer...
    const rEarly = await startRoguePeer({ ctx, secretKey: early.secretKey, target, topics: [board], observer: true });
    rogues.push(rEarly);
    await rEarly.publish(board, { type: 'result', bytes: Result.encode(Result.sign({ ...fake, combinerId: P1 }, folder.election.nodeKeys.get(P1)!.secretKey)) });
    await waitFor('the county to reject the precinct-signed result', async () => metric(await metricsOf(net, COUNTY), 'tallymesh_gossip_rejected_total', { reason: 'unknown-signer' }) >= 1, LONG);
    // ...and one signed with the combiner's stolen key, of a tally nobody holds: held back, never served.
    const rPremature = await startRoguePeer({ ctx, secretKey: premature.secretKey, target, topics: [board], observer: true });
    rogues.push(rPremature);
    await rPremature.publish(board, { type: 'result', bytes: Result.encode(Result.sign({ ...fake, combinerId: 'national' }, folder.election.nodeKeys.get('national')!.secretKey)) });
    await waitFor('the county to hold the premature result back', async () => metric(await metricsOf(net, COUNTY), 'tallymesh_gossip_ignored_total', { reason: 'result-pending' }) >= 1, LONG);
    expect((await get(net, COUNTY, '/result')).status).toBe(404);

    await closePolls(net, token, P1);
    await closePolls(net, token, P2);
    const real = await waitForResult(net);
    // Every node serves it, the precincts too: they pulled it and checked it themselves (with the
    // national tally and the partials it lists, pulled as well).
    for (const id of [COUNTY, 'state-01', 'national', P1, P2]) expect(await waitForResult(net, id)).toEqual(real);

    // After it: a result signed with the combiner's (the national node's) stolen key, for the real
    // national tally and partials, but with other words and counts (in the first scope's group). It fails check 9.
    const r = Result.fromJSON(real);
    const other = r.scopes.map((sc, k) => {
      if (k > 0) return sc;
      const words = sc.words.map((w, i) => (i === 0 ? w + 999n : w));
      return { ...sc, words, contests: contestCounts(ctx, sc.scopeId, words) };
    });
    const forged = Result.sign({ ...r, scopes: other }, folder.election.nodeKeys.get('national')!.secretKey);
    const rLate = await startRoguePeer({ ctx, secretKey: late.secretKey, target, topics: [board], observer: true });
    rogues.push(rLate);
    await rLate.publish(board, { type: 'result', bytes: Result.encode(forged) });
    await waitFor('the county to refuse the combiner-signed forgery', async () => metric(await metricsOf(net, COUNTY), 'tallymesh_results_refused_total') >= 1, LONG);
    expect(metric(await metricsOf(net, COUNTY), 'tallymesh_gossip_rejected_total', { reason: 'result-refused' })).toBeGreaterThanOrEqual(1);
    for (const id of [COUNTY, 'state-01', 'national', P1, P2]) expect((await get(net, id, '/result')).body).toEqual(real);
    // Kept as evidence, never in the record.
    const record = (await get(net, COUNTY, '/record')).body as { artifacts: { type: string }[] };
    expect(record.artifacts.filter((a) => a.type === 'result')).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// 2 (variant): a tally that, while its parent was down, reached only a sibling

describe('a precinct tally published while its county was down that reached only a sibling', () => {
  let folder: ElectionFolder;
  let ctx: ElectionContext;
  let net: LocalNetwork;
  let token: string;
  let voters: Voters;

  beforeAll(async () => {
    ({ folder, ctx, token, net, voters } = await startElection());
  });

  afterAll(async () => {
    await net?.stopAll();
    folder?.cleanup();
  });

  it('is pulled by the county when it returns, and still reaches the trustees: the election completes', { timeout: TEST_TIMEOUT }, async () => {
    expect((await voters.vote(P1, 's1', choice(0))).status).toBe(201);
    expect((await voters.vote(P1, 's2', choice(4))).status).toBe(201);
    expect((await voters.vote(P2, 's3', choice(1))).status).toBe(201);
    await net.stop(COUNTY);
    // Link the two precincts, so that each one's tally, published while the county is down, does
    // reach a subscriber of the county topic (its sibling; precincts publish nowhere else): the
    // publication succeeds, nothing stays in the precincts' outboxes, and the county must pull.
    const countyTopic: Topic = { kind: 'tallies', parentId: COUNTY };
    const h1 = net.nodes.get(P1)!.node.host;
    const h2 = net.nodes.get(P2)!.node.host;
    expect(h1.topics.some((t) => t.kind === 'board')).toBe(false);
    await h1.connect(addressOf(net, P2));
    await waitFor('the precincts to see each other on the county topic', () => h1.subscribers(countyTopic).includes(h2.peerId) && h2.subscribers(countyTopic).includes(h1.peerId), LONG);
    await closePolls(net, token, P1);
    await closePolls(net, token, P2);
    const own = {
      [P1]: (await waitFor(`${P1}'s tally`, () => tallyView(net, P1, P1), LONG)).hash,
      [P2]: (await waitFor(`${P2}'s tally`, () => tallyView(net, P2, P2), LONG)).hash,
    };
    await waitFor('each precinct to hold its sibling\'s tally', async () => (await tallyView(net, P1, P2))?.hash === own[P2] && (await tallyView(net, P2, P1))?.hash === own[P1], LONG);
    // Setup, not an assertion: let gossipsub's message cache (5 heartbeats of 0.7 s) forget the
    // tallies, so that IHAVE/IWANT cannot hand them to the returning county: only a pull can.
    await sleep(4_000);

    await net.start(COUNTY);
    const status = await waitFor('the restarted county to aggregate', async () => {
      const s = await get(net, COUNTY, '/status');
      return s.status === 200 && s.body.phase !== 'collecting' ? s.body : undefined;
    }, LONG);
    for (const child of status.children) expect(child.tallyHash).toBe(own[child.id as keyof typeof own]);
    expect(metric(await metricsOf(net, COUNTY), 'tallymesh_catchup_pulls_total', { type: 'precinct-tally' })).toBeGreaterThanOrEqual(1);

    // Every trustee checks the whole hierarchy before it decrypts, so the precinct tallies the
    // county pulled must reach them too (the county puts them on the board).
    const result = await waitForResult(net, 'national', 60_000);
    expect(result.ballotCount).toBe(3);
    expect(countsOf(ctx, result)).toEqual(voters.expected());
  });
});

// ---------------------------------------------------------------------------------------------
// The national node down while the tallies below it went up: it and the trustees (connected to
// nobody else) missed every tally on the board, and must fill the hierarchy by pulls.

describe('the national node down while the precincts, the county and the state reported', () => {
  let folder: ElectionFolder;
  let ctx: ElectionContext;
  let net: LocalNetwork;
  let token: string;
  let voters: Voters;

  beforeAll(async () => {
    ({ folder, ctx, token, net, voters } = await startElection());
  });

  afterAll(async () => {
    await net?.stopAll();
    folder?.cleanup();
  });

  it('pulls the tallies it missed from the state when it returns, and the trustees get them from it: the election completes', { timeout: TEST_TIMEOUT }, async () => {
    expect((await voters.vote(P1, 'n1', choice(1))).status).toBe(201);
    expect((await voters.vote(P2, 'n2', choice(2))).status).toBe(201);
    expect((await voters.vote(P2, 'n3', choice(3))).status).toBe(201);
    await net.stop('national');
    await closePolls(net, token, P1);
    await closePolls(net, token, P2);
    const stateTally = await waitFor('the state to aggregate', () => tallyView(net, 'state-01', 'state-01'), LONG);
    // The trustees' only peer is down: they hold nothing below the national level.
    for (const t of ctx.index.trustees) expect(await tallyView(net, t.id, COUNTY)).toBeUndefined();
    // Setup, not an assertion: let gossipsub's message cache forget the board messages.
    await sleep(4_000);

    await net.start('national');
    const result = await waitForResult(net, 'national', LONG);
    expect(result.ballotCount).toBe(3);
    expect(countsOf(ctx, result)).toEqual(voters.expected());
    // The national node counted the state's tally and pulled the county and precinct tallies
    // it had missed, listed below it, from the state.
    expect((await tallyView(net, 'national', 'state-01'))?.hash).toBe(stateTally.hash);
    for (const id of [COUNTY, P1, P2]) expect(await tallyView(net, 'national', id), id).toBeDefined();
    const m = await metricsOf(net, 'national');
    expect(metric(m, 'tallymesh_catchup_pulls_total', { type: 'precinct-tally' })).toBeGreaterThanOrEqual(1);
    expect(metric(m, 'tallymesh_catchup_pulls_total', { type: 'aggregate-tally' })).toBeGreaterThanOrEqual(1);
  });
});
