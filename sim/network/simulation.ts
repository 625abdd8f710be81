// `npm run simulate`: a whole election on this machine over libp2p. Setup, every node started,
// seeded simulated voters casting ballots through the precincts' REST APIs, the polls closed, the
// count flowing up the hierarchy, trustees decrypting, the record exported and verified, and the
// announced counts compared with the counts the simulator chose. Fault scenarios are flags.
import { mkdirSync, mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Receipt } from '../../protocol/receipt.ts';
import { Result, resultContests } from '../../protocol/result.ts';
import { manifestToJSON } from '../../protocol/manifest.ts';
import { formatCheck, formatSummary, type CheckResult } from '../../protocol/verify/index.ts';
import { verifyRecordDir } from '../../record/verify-record-dir.ts';
import type { NodeStatus } from '../../node/api/node-api.ts';
import { generateElection } from '../../setup/election-setup.ts';
import { writeSetup } from '../../setup/setup-files.ts';
import { DEFAULT_SIMULATION, type SimulationOptions } from './simulation-options.ts';

export { DEFAULT_SIMULATION, type SimulationOptions };
import { writeJSON } from '../../record/record-files.ts';
import { runRecord } from '../../cli/commands/record-command.ts';
import { SeededRandom, addToCounts, drawBallot } from '../simulated-voters.ts';
import { readCvrDirectory } from '../cvr/cvr-directory.ts';
import { tabulate } from '../cvr/tabulate.ts';
import type { CastRecord } from '../cvr/cast-record.ts';
import { ElectionContext } from '../../protocol/election.ts';
import { BallotEncryptors } from '../ballot-encryptors.ts';
import { SimNetwork } from './sim-network.ts';
import { Progress } from './progress.ts';
import { runRogue, type RogueReport } from './rogue-scenario.ts';
import { HostLab, namespaceSupport, wireShaping } from './host-lab.ts';
import { placeOnHosts, type Placement } from './host-placement.ts';
import { startWireFaults, type WireFaults } from './wire-faults.ts';
import type { RosterEntry } from '../../protocol/manifest.ts';
import { scrapeTraffic, type Traffic } from './traffic.ts';
import type { ShardStats } from './node-shard.ts';

/** Precincts closed side by side: a close mostly waits for its synced LevelDB writes, so many go
 *  at once (officials close every precinct at the same hour anyway). */
const CLOSING_CONCURRENCY = 32;


export interface SimulationOutcome {
  ok: boolean;
  out: string;
  /** The voters were cast vote records: `expected` is their plain tabulation. */
  fromRecords: boolean;
  expected: Map<string, bigint[]>;
  announced: Map<string, number[]> | undefined;
  checks: CheckResult[];
  /** The verifier's closing lines: election hash, what was covered, the verdict. */
  verificationSummary: string[];
  phases: Record<string, number>;
  nationalStatus: NodeStatus | undefined;
  receiptsChecked: number;
  rogue: RogueReport | undefined;
  problems: string[];
  /** Peak resident memory of this process (all in-process nodes), in MiB. */
  peakRssMb: number;
  /** Each shard process (--shards) when the count was done: its nodes and memory. */
  shards: (ShardStats & { assigned: number })[];
  /** Summed from every node's /metrics when the count was done (undefined without a result). */
  traffic: Traffic | undefined;
  /** Set when so many trustees are offline that no result can exist. */
  expectNoResult: { offline: number; trustees: number; threshold: number } | undefined;
}

async function getJSON<T>(url: string): Promise<T | undefined> {
  try {
    const res = await fetch(url);
    return res.ok ? ((await res.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * fetch for an idempotent request, tried again when no response came. With hundreds of nodes on
 * one event loop, a kept-alive connection can be closed by the server just as the client reuses
 * it ("fetch failed: other side closed"); that says nothing about the node, so try again.
 */
async function fetchRetrying(url: string, init: RequestInit, attempts = 10): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (err) {
      if (attempt >= attempts) {
        const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
        throw new Error(`${init.method ?? 'GET'} ${url} failed ${attempts} times${cause}`, { cause: err });
      }
      await sleep(500 * attempt);
    }
  }
}

/**
 * The hosts of `--hosts N`: undefined for a loopback run, and when namespaces cannot be made here
 * (said, and the run goes on over 127.0.0.1). Faults on the wire need hosts, and latency or loss
 * need tc netem: asked for without them, the run stops before it starts, saying why.
 */
function makeHosts(o: SimulationOptions, roster: RosterEntry[], note: (line: string) => void): { lab: HostLab; placement: Placement } | undefined {
  const wire = o.latencyMs || o.jitterMs || o.lossPercent || o.slowTrusteeMs;
  const faults = o.partitionMs || o.flapMs || o.slowTrusteeMs;
  if (o.hosts <= 0) {
    if (wire || faults) throw new Error('--latency, --jitter, --loss, --partition, --flap and --slow-trustee act on the links between hosts: add --hosts N');
    return undefined;
  }
  const support = namespaceSupport();
  if (!support.ok) {
    if (wire || faults) throw new Error(`--hosts ${o.hosts}: ${support.reason}; the faults asked for need hosts`);
    note(`--hosts ${o.hosts}: ${support.reason}; falling back to loopback (127.0.0.1)`);
    return undefined;
  }
  if (wire) {
    const how = wireShaping();
    if (!how.ok) throw new Error(`--latency/--jitter/--loss/--slow-trustee: ${how.reason}`);
  }
  const placement = placeOnHosts(roster, o.hosts);
  const shape = { latencyMs: o.latencyMs, jitterMs: o.jitterMs, lossPercent: o.lossPercent };
  const lab = HostLab.create(placement.hosts, shape);
  const shaped = wire && o.latencyMs + o.jitterMs + o.lossPercent > 0 ? ` (${o.latencyMs} ms ± ${o.jitterMs} ms, ${o.lossPercent}% loss on each host's link, by ${(wireShaping() as { by: string }).by})` : '';
  note(`hosts: ${placement.hosts} network namespaces on bridge ${lab.bridge}${shaped}`);
  return { lab, placement };
}

export async function runSimulation(input: Partial<SimulationOptions> = {}): Promise<SimulationOutcome> {
  const o: SimulationOptions = { ...DEFAULT_SIMULATION, ...input };
  const say = o.print;
  const out = o.out ?? mkdtempSync(join(tmpdir(), 'tallymesh-sim-'));
  const electionDir = join(out, 'election');
  if (existsSync(join(electionDir, 'manifest.json'))) throw new Error(`${out} already holds an election; choose another --out`);
  mkdirSync(join(out, 'logs'), { recursive: true });
  const problems: string[] = [];
  const phases: Record<string, number> = {};
  const progress = new Progress(say, o.live);
  let peakRss = process.memoryUsage().rss;
  const rssSampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 500);
  rssSampler.unref();

  // Setup
  let t0 = performance.now();
  progress.line('setup', `generating a ${o.keyBits}-bit 5-of-9 threshold key and the node keys`);
  if (o.cvrsDir && !o.definition) throw new Error('--cvrs needs --definition: the records name its contests, options and ballot styles');
  const election = generateElection(
    o.definition ? { definition: o.definition, keyBits: o.keyBits } : { states: o.states, countiesPerState: o.counties, precinctsPerCounty: o.precincts, keyBits: o.keyBits, ballot: o.ballot },
  );
  // The voters: from cast vote records (each one ballot at its precinct), else simulated.
  const records = o.cvrsDir && o.definition ? readCvrDirectory(o.cvrsDir, o.definition) : undefined;
  const hosts = makeHosts(o, election.manifest.roster, (line) => progress.note(line));
  writeSetup(electionDir, election, { host: '127.0.0.1', basePort: o.basePort, ...(hosts ? { hostOf: (id: string) => hosts.lab.address(hosts.placement.hostOf.get(id)!) } : {}) });
  const ctx = new ElectionContext(election.manifest);
  const token = readFileSync(join(electionDir, 'admin-token'), 'utf8').trim();
  phases.setup = performance.now() - t0;
  progress.done('setup', `election ${election.manifest.electionId}, hash ${ctx.hashHex.slice(0, 16)}…`);

  const roster = election.manifest.roster;
  const nationalId = ctx.index.national.id;
  const precincts = roster.filter((e) => e.role === 'precinct').map((e) => e.id);
  const counties = roster.filter((e) => e.role === 'county').map((e) => e.id);
  const states = roster.filter((e) => e.role === 'state').map((e) => e.id);
  const trustees = roster.filter((e) => e.role === 'trustee').map((e) => e.id);
  const offline = new Set(trustees.slice(trustees.length - o.trusteesOffline));
  const killed = o.killPrecinct ? precincts[0]! : undefined;
  const downCounty = o.countyDown ? counties[0]! : undefined;
  // On hosts every node is its own process, in its host's namespace.
  const processes = new Set(o.processes || hosts ? roster.map((e) => e.id) : killed ? [killed] : []);
  if (o.shards && (o.processes || hosts)) throw new Error('--shards groups nodes in a few processes; --processes and --hosts give every node its own');

  const rogueKey = o.roguePeer ? (await import('./rogue-scenario.ts')).newRogueKey() : undefined;
  const net = new SimNetwork(electionDir, {
    processes,
    offline,
    shards: o.shards,
    logDir: join(out, 'logs'),
    ...(rogueKey ? { observers: [rogueKey.peerId] } : {}),
    ...(hosts ? { hostCommand: (id: string, cmd: string, args: string[]) => hosts.lab.command(hosts.placement.hostOf.get(id)!, cmd, args) } : {}),
  });
  let faults: WireFaults | undefined;
  const pool = new BallotEncryptors(manifestToJSON(election.manifest));
  let rogue: RogueReport | undefined;
  let nationalStatus: NodeStatus | undefined;
  let announced: Map<string, number[]> | undefined;
  let checks: CheckResult[] = [];
  let verificationSummary: string[] = [];
  let receiptsChecked = 0;
  let shards: SimulationOutcome['shards'] = [];
  let traffic: Traffic | undefined;
  const expected = new Map<string, bigint[]>();
  try {
    t0 = performance.now();
    let started = 0;
    await net.startAll(() => progress.line('nodes', `${++started}/${net.online.length} started`));
    const where = hosts ? `on ${hosts.placement.hosts} hosts (network namespaces ${hosts.lab.address(0)}…${hosts.lab.address(hosts.placement.hosts - 1)})` : 'on 127.0.0.1';
    const how = processes.size ? `${processes.size} as their own process` : o.shards ? `in ${net.shardSizes.length} shard processes of ${net.shardSizes.join(', ')}` : 'all in this process';
    progress.done('nodes', `${net.online.length} nodes ${where} (${how})${offline.size ? `; ${offline.size} trustees offline` : ''}`);
    phases.start = performance.now() - t0;
    const dashboard = `${net.url(nationalId)}/dashboard`;
    progress.note(`dashboard: ${dashboard} (the national node's live map of the count)`);
    o.onDashboard?.(dashboard);

    // Voting
    t0 = performance.now();
    const rng = new SeededRandom(o.seed);
    const receipts = new Map<string, Receipt[]>();
    let cast = 0;
    const total = records ? records.length : precincts.length * o.ballots;
    const recordsOf = new Map<string, CastRecord[]>();
    for (const r of records ?? []) recordsOf.set(r.precinctId, [...(recordsOf.get(r.precinctId) ?? []), r]);
    if (records) {
      // The plain tabulation of the same records is what the announced counts must equal.
      for (const [id, row] of tabulate(o.definition!, records)) expected.set(id, row.map(BigInt));
      progress.note(`--cvrs: ${records.length} cast vote records from ${o.cvrsDir} at ${recordsOf.size} precincts`);
    }
    let killDone = false;
    const submit = async (precinctId: string, voterId: string, ballot: unknown): Promise<Receipt> => {
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await fetch(`${net.url(precinctId)}/ballots`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ voterId, ballot }) });
          const body = (await res.json()) as { receipt?: unknown; message?: string };
          if (res.status === 201 || res.status === 200) return Receipt.fromJSON(body.receipt);
          throw new Error(`precinct ${precinctId} refused ${voterId}: ${res.status} ${body.message ?? ''}`);
        } catch (err) {
          // A voter whose precinct is down tries again (the kill scenario); an idempotent
          // resubmission returns the original receipt if the first attempt was logged.
          if (attempt >= 600 || (err instanceof Error && err.message.includes('refused'))) throw err;
          await sleep(200);
        }
      }
    };
    await Promise.all(
      precincts.map(async (precinctId) => {
        const list: Receipt[] = [];
        receipts.set(precinctId, list);
        const voters = records
          ? (recordsOf.get(precinctId) ?? []).map((r, i) => ({ voterId: `${precinctId}/voter-${i + 1}`, ballotStyleId: r.ballotStyleId, choices: r.choices }))
          : Array.from({ length: o.ballots }, (_, i) => {
              const { ballotStyleId, choices, contests } = drawBallot(ctx, precinctId, rng);
              addToCounts(expected, contests, choices);
              return { voterId: `${precinctId}/voter-${i + 1}`, ballotStyleId, choices };
            });
        for (const [i, voter] of voters.entries()) {
          if (precinctId === killed && !killDone && i === Math.floor(voters.length / 2)) {
            killDone = true;
            progress.note(`--kill-precinct: SIGKILL to ${precinctId} after ${i} acknowledged ballots; restarting it`);
            await net.kill(precinctId);
            const restart = net.start(precinctId);
            // Voters keep coming while it restarts: their submissions retry until it answers.
            void restart.then(() => progress.note(`--kill-precinct: ${precinctId} is back`));
          }
          const ballot = await pool.encrypt(precinctId, voter.ballotStyleId, voter.choices);
          list.push(await submit(precinctId, voter.voterId, ballot));
          progress.line('voting', `${++cast}/${total} ballots encrypted by voters' clients, validated, logged and receipted`);
        }
      }),
    );
    phases.voting = performance.now() - t0;
    progress.done('voting', `${cast} ballots in ${(phases.voting / 1000).toFixed(1)} s`);

    // Closing the polls
    if (o.beforeClose) await o.beforeClose();
    t0 = performance.now();
    if (downCounty) {
      progress.note(`--county-down: stopping ${downCounty} before the precincts close`);
      await net.stop(downCounty);
    }
    if (hosts) faults = startWireFaults(hosts.lab, hosts.placement, o, (line) => progress.note(line), { state: states[0]!, county: counties[0]!, trustee: trustees[0]!, national: nationalId });
    // A few precincts at a time, as officials would: one by one takes minutes on a large network.
    let closed = 0;
    const queue = [...precincts];
    await Promise.all(
      Array.from({ length: Math.min(CLOSING_CONCURRENCY, queue.length) }, async () => {
        for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
          const res = await fetchRetrying(`${net.url(p)}/admin/close`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
          if (!res.ok) problems.push(`closing ${p} failed: ${res.status} ${await res.text()}`);
          progress.line('closing', `${++closed}/${precincts.length} precincts closed`);
        }
      }),
    );
    progress.done('closing', `${precincts.length} precincts closed (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    phases['precinct close'] = performance.now() - t0;
    if (rogueKey) rogue = await runRogue({ ctx, electionDir, net, key: rogueKey, progress });
    if (downCounty) {
      await sleep(1500);
      progress.note(`--county-down: restarting ${downCounty}; it must catch up by itself`);
      await net.start(downCounty);
    }

    // The count flowing up
    const levels: [string, string[]][] = [
      ['county', counties],
      ['state', states],
      ['national', [nationalId]],
    ];
    const deadline = Date.now() + o.timeoutMs;
    let mark = t0 + phases['precinct close']!;
    const lap = (): number => {
      const now = performance.now();
      const took = now - mark;
      mark = now;
      return took;
    };
    for (const [level, ids] of levels) {
      for (;;) {
        const statuses = await Promise.all(ids.map((id) => getJSON<NodeStatus>(`${net.url(id)}/status`)));
        const done = statuses.filter((s) => s && (s.phase === 'aggregated' || s.phase === 'result')).length;
        progress.line(level, `${done}/${ids.length} ${level} tallies aggregated`);
        if (done === ids.length) break;
        if (Date.now() > deadline) throw new Error(`timed out waiting for the ${level} tallies`);
        await sleep(200);
      }
      phases[level] = lap();
      progress.done(level, `${ids.length} ${level} tallies aggregated (${(phases[level]! / 1000).toFixed(1)} s)`);
    }
    const needed = election.manifest.threshold.threshold;
    const possible = trustees.length - offline.size;
    const decryptDeadline = possible >= needed ? deadline : Date.now() + 10_000;
    for (;;) {
      nationalStatus = await getJSON<NodeStatus>(`${net.url(nationalId)}/status`);
      const resultJSON = await getJSON<unknown>(`${net.url(nationalId)}/result`);
      const result = resultJSON ? Result.fromJSON(resultJSON) : undefined;
      progress.line('decryption', `${nationalStatus?.threshold.valid ?? 0} valid partial decryptions (${needed} needed)`);
      if (result) {
        announced = new Map(resultContests(ctx, result).map((c) => [c.contestId, c.counts]));
        break;
      }
      if (Date.now() > decryptDeadline) break;
      await sleep(200);
    }
    phases.decryption = lap();
    if (!announced) {
      progress.done('decryption', `no result: ${nationalStatus?.waitingFor ?? 'unknown'}`);
      problems.push(`no result: the national node is waiting for ${nationalStatus?.waitingFor ?? 'something'}`);
      if (possible >= needed) {
        // Unexpected: say what every online trustee is waiting for.
        for (const id of trustees.filter((t) => !offline.has(t))) {
          const s = await getJSON<NodeStatus>(`${net.url(id)}/status`);
          problems.push(`${id}: ${s ? `${s.phase}, waiting for ${s.waitingFor ?? 'nothing'}, ${s.peers} peers` : 'no status'}`);
        }
      }
    } else {
      progress.done('decryption', `result combined and signed by the national node (${(phases.decryption / 1000).toFixed(1)} s)`);
    }
    // What the nodes hold and have sent by now: the count is done, the record export not begun.
    const sizes = net.shardSizes;
    shards = (await net.shardStats()).map((s, i) => ({ ...s, assigned: sizes[i]! }));
    if (announced) traffic = await scrapeTraffic(net.online.map((id) => net.url(id)));

    // The record and its verification
    if (announced) {
      t0 = performance.now();
      const recordDir = join(out, 'record');
      const { record } = await runRecord({ from: [nationalId, ...precincts].map((id) => net.url(id)), out: recordDir, print: () => undefined, warn: (w) => progress.note(`record: ${w}`) });
      phases.record = performance.now() - t0;
      progress.done('record', `collected from the national node and ${precincts.length} precincts (${(phases.record / 1000).toFixed(1)} s)`);
      t0 = performance.now();
      // One verification of the written folder, every core, the killed precinct's receipts with it.
      const list = killed ? (receipts.get(killed) ?? []) : [];
      const verification = await verifyRecordDir(recordDir, { receipts: list.map((receipt) => ({ label: `receipt ${receipt.logPosition} of ${killed}`, receipt })) });
      checks = [...verification.checks, ...verification.receipts];
      verificationSummary = formatSummary(verification);
      if (!verification.ok) problems.push(`the record does not verify (${verification.verdict})`);
      for (const c of verification.receipts) if (c.status !== 'pass') problems.push(`receipt check ${c.number} fails: ${c.details.slice(0, 3).join('; ')}`);
      receiptsChecked = verification.receipts[0]?.covered ?? 0;
      if (killed) {
        const logged = record.ballots.get(killed)?.length ?? 0;
        if (logged !== list.length) problems.push(`${killed} acknowledged ${list.length} ballots but its log holds ${logged}`);
      }
      phases.verification = performance.now() - t0;
    }
    if (rogue) {
      const metrics = await (await fetch(`${net.url(rogue.target)}/metrics`)).text();
      rogue.metrics = metrics.split('\n').filter((l) => /tallymesh_(gossip_rejected_total|equivocations_total)/.test(l) && !l.startsWith('#'));
    }
    if (o.keepOpen) await o.keepOpen();
  } finally {
    clearInterval(rssSampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    faults?.stop();
    await pool.close();
    await net.stopAll();
    hosts?.lab.destroy();
  }

  let correct = !!announced;
  for (const contest of election.manifest.contests) {
    const exp = expected.get(contest.id) ?? [];
    const ann = announced?.get(contest.id) ?? [];
    contest.options.forEach((_, i) => {
      if (Number(exp[i] ?? 0n) !== ann[i]) correct = false;
    });
  }
  if (announced && !correct) problems.push(`the announced counts differ from ${records ? 'the plain tabulation of the cast vote records' : 'the simulated voters\' choices'}`);
  writeJSON(join(out, 'expected-counts.json'), Object.fromEntries([...expected].map(([k, v]) => [k, v.map(String)])));
  const ok = correct && problems.length === 0 && checks.length > 0 && checks.every((c) => c.status === 'pass');
  const threshold = election.manifest.threshold.threshold;
  const expectNoResult = trustees.length - offline.size < threshold ? { offline: offline.size, trustees: trustees.length, threshold } : undefined;
  return { ok, out, fromRecords: !!records, expected, announced, checks, verificationSummary, phases, nationalStatus, receiptsChecked, rogue, problems, expectNoResult, peakRssMb: peakRss / 2 ** 20, shards, traffic };
}

/** The closing report: counts, checks, phase times. */
export function printReport(outcome: SimulationOutcome, contests: { id: string; options: string[] }[], say: (line: string) => void, scopeOf?: (contestId: string) => string): void {
  say('');
  const rows = contests.flatMap((c) => c.options.map((name, i) => ({ c, name, i })));
  const width = Math.max(30, ...rows.map((r) => r.c.id.length + r.name.length + 5));
  const expectedLabel = outcome.fromRecords ? 'tabulated' : 'expected';
  let last = '';
  say(`${'contest / option'.padEnd(width)}${expectedLabel.padStart(10)}${'announced'.padStart(12)}`);
  for (const { c, name, i } of rows) {
    if (scopeOf && c.id !== last) say(`${c.id} (counted at ${scopeOf(c.id)})`);
    last = c.id;
    const e = Number(outcome.expected.get(c.id)?.[i] ?? 0n);
    const a = outcome.announced?.get(c.id)?.[i];
    say(`${`  ${scopeOf ? '' : `${c.id} / `}${name}`.padEnd(width)}${String(e).padStart(10)}${(a === undefined ? '—' : String(a)).padStart(12)}${a === undefined || a === e ? '' : '  MISMATCH'}`);
  }
  if (outcome.checks.length) {
    say('');
    for (const c of outcome.checks) say(formatCheck(c));
    for (const line of outcome.verificationSummary) say(line);
  }
  say('');
  say('phase                  seconds');
  for (const [phase, ms] of Object.entries(outcome.phases)) say(`${phase.padEnd(20)}${(ms / 1000).toFixed(2).padStart(10)}`);
  say(`${'peak RSS'.padEnd(20)}${outcome.peakRssMb.toFixed(0).padStart(10)} MiB (this process${outcome.phases.start !== undefined && !outcome.shards.length ? ', all in-process nodes' : ''})`);
  for (const [i, s] of outcome.shards.entries()) {
    say(`${`shard-${i}`.padEnd(20)}${(s.maxRss / 2 ** 20).toFixed(0).padStart(10)} MiB peak RSS, ${s.assigned} nodes (${(s.maxRss / 2 ** 20 / Math.max(1, s.assigned)).toFixed(1)} MiB per node; after the count ${(s.rss / 2 ** 20).toFixed(0)} MiB, V8 heap ${(s.heapUsed / 2 ** 20).toFixed(0)} of ${(s.heapTotal / 2 ** 20).toFixed(0)} MiB, external ${(s.external / 2 ** 20).toFixed(0)} MiB)`);
  }
  const t = outcome.traffic;
  if (t && t.nodes) {
    const per = (x: number): string => (x / t.nodes).toFixed(1);
    say(`traffic per node (${t.nodes} nodes' /metrics after the count): gossip RPCs ${per(t.rpcsSent)} sent / ${per(t.rpcsReceived)} received, messages ${per(t.messagesSent)} / ${per(t.messagesReceived)}, ${(t.bytesSent / t.nodes / 1024).toFixed(1)} / ${(t.bytesReceived / t.nodes / 1024).toFixed(1)} KiB; pulls ${per(t.pulls)}`);
  }
  if (outcome.receiptsChecked) say(`\n--kill-precinct: ${outcome.receiptsChecked} receipts of the killed precinct verified against the record`);
  if (outcome.rogue) {
    say(`\n--rogue-peer ${outcome.rogue.peerId}: published ${outcome.rogue.published.join(', ')}; none counted. Rejections on ${outcome.rogue.target}:`);
    for (const line of outcome.rogue.metrics) say(`  ${line}`);
  }
  if (outcome.nationalStatus?.waitingFor && !outcome.announced) say(`\nnational node: no result; waiting for ${outcome.nationalStatus.waitingFor}`);
  if (outcome.expectNoResult && !outcome.announced) say(`As expected: with ${outcome.expectNoResult.offline} of ${outcome.expectNoResult.trustees} trustees offline, fewer than the threshold of ${outcome.expectNoResult.threshold} can decrypt, so no result exists.`);
  for (const p of outcome.problems) say(`problem: ${p}`);
  // No result is still exit status 1 (an election without a result), but not reported as a defect
  // when the scenario took away the threshold.
  const verdict = outcome.ok
    ? `OK: the announced result equals ${outcome.fromRecords ? 'the plain tabulation of the cast vote records' : 'the simulated voters\' choices'} and the record verifies`
    : outcome.expectNoResult && !outcome.announced && outcome.problems.length === 1
      ? 'NO RESULT, as this scenario expects'
      : 'FAILED: see the problems above';
  say(`\n${verdict}. Files in ${outcome.out}`);
}
