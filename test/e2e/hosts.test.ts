// The simulation on hosts (`simulate --hosts N`): network namespaces of this run's own, joined by
// a bridge, each node a process on its host's address; and the faults on the wire (a partition,
// a flapping link, netem latency and loss where the kernel has it). Needs Linux and root; where
// they are missing the tests are skipped with the reason printed, and the plain simulation's
// loopback fallback is checked instead.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostLab, namespaceSupport, sweepAbandonedLabs, wireShaping } from '../../sim/network/host-lab.ts';
import { placeOnHosts } from '../../sim/network/host-placement.ts';
import { runSimulation, printReport, type SimulationOptions, type SimulationOutcome } from '../../sim/network/simulation.ts';
import { loadManifest } from '../../setup/setup-files.ts';
import { generateElection } from '../../setup/election-setup.ts';
import { BIN, REPO_ROOT } from '../support/paths.ts';

const support = namespaceSupport();
const shaping = support.ok ? wireShaping() : support;
if (!support.ok) console.warn(`[hosts.test] network namespace tests skipped: ${support.reason}`);
else if (!shaping.ok) console.warn(`[hosts.test] latency and loss tests skipped: ${shaping.reason}`);

const SMALL: Partial<SimulationOptions> = { states: 2, counties: 1, precincts: 2, ballots: 2, keyBits: 1024, live: false, timeoutMs: 300_000, hosts: 20 };
const TIMEOUT = 400_000;

const namespaces = (): string[] => spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);

async function simulate(options: Partial<SimulationOptions>): Promise<{ outcome: SimulationOutcome; output: string; listens: string[] }> {
  const lines: string[] = [];
  const outcome = await runSimulation({ ...SMALL, ...options, print: (l) => lines.push(l) });
  printReport(outcome, loadManifest(join(outcome.out, 'election', 'manifest.json')).contests, (l) => lines.push(l));
  const nodes = join(outcome.out, 'election', 'nodes');
  const listens = readdirSync(nodes).flatMap((f) => (JSON.parse(readFileSync(join(nodes, f), 'utf8')) as { listen: string[] }).listen);
  rmSync(outcome.out, { recursive: true, force: true });
  return { outcome, output: lines.join('\n'), listens };
}

function expectCorrect(outcome: SimulationOutcome): void {
  expect(outcome.problems).toEqual([]);
  expect(outcome.checks.map((c) => c.status)).toEqual(new Array(outcome.checks.length).fill('pass'));
  for (const [contest, counts] of outcome.expected) expect(outcome.announced?.get(contest)).toEqual(counts.map(Number));
  expect(outcome.ok).toBe(true);
}

/** Runs a TCP client on host `from` against a server on `to`; 'hi', 'timeout' or an error code. */
function reach(lab: HostLab, from: number, to: number, port = 7000): string {
  const script = `const s=require('net').connect(${port},'${lab.address(to)}');s.setTimeout(1500,()=>{console.log('timeout');process.exit(0)});s.on('data',d=>{console.log(String(d));process.exit(0)});s.on('error',e=>{console.log(e.code);process.exit(0)})`;
  const c = lab.command(from, process.execPath, ['-e', script]);
  return spawnSync(c.cmd, c.args, { encoding: 'utf8' }).stdout.trim();
}

describe('host placement', () => {
  it('puts the national node, each state, each county with its precincts and each trustee on a host of its own, or deals the groups round-robin', () => {
    const { manifest } = generateElection({ keyBits: 1024, states: 2, countiesPerState: 2, precinctsPerCounty: 2 });
    const all = placeOnHosts(manifest.roster, 100);
    expect(all.hosts).toBe(1 + 2 + 4 + 9);
    const county = manifest.roster.find((e) => e.role === 'county')!;
    for (const p of manifest.roster.filter((e) => e.parent === county.id)) expect(all.hostOf.get(p.id)).toBe(all.hostOf.get(county.id));
    expect(new Set(manifest.roster.filter((e) => e.role === 'trustee').map((e) => all.hostOf.get(e.id))).size).toBe(9);
    const three = placeOnHosts(manifest.roster, 3);
    expect(three.hosts).toBe(3);
    expect(new Set(three.hostOf.values())).toEqual(new Set([0, 1, 2]));
    expect(three.hostOf.size).toBe(manifest.roster.length);
  });
});

describe.skipIf(!support.ok)('a lab of network namespaces', () => {
  it('joins hosts over real links, partitions and heals two of them, takes a link down, and removes everything', async () => {
    const lab = HostLab.create(3);
    const server = lab.command(1, process.execPath, ['-e', `require('net').createServer((s)=>s.end('hi')).listen(7000,'${lab.address(1)}')`]);
    const child = spawn(server.cmd, server.args, { stdio: 'ignore' });
    try {
      expect(lab.existing()).toHaveLength(3);
      expect(new Set([0, 1, 2].map((i) => lab.address(i))).size).toBe(3);
      for (let i = 0; i < 50 && reach(lab, 0, 1) !== 'hi'; i++) await new Promise((r) => setTimeout(r, 100));
      expect(reach(lab, 0, 1)).toBe('hi');
      expect(reach(lab, 0, 0)).toBe('ECONNREFUSED'); // its own address, on its own host: nothing listens there
      lab.partition(0, 1);
      expect(reach(lab, 0, 1)).toBe('timeout'); // packets vanish, no error: a cut link
      expect(reach(lab, 2, 1)).toBe('hi');
      lab.heal(0, 1);
      expect(reach(lab, 0, 1)).toBe('hi');
      lab.setLink(1, false);
      expect(reach(lab, 2, 1)).toBe('timeout');
      lab.setLink(1, true);
      let back = '';
      for (let i = 0; i < 50 && back !== 'hi'; i++) back = reach(lab, 2, 1);
      expect(back).toBe('hi');
    } finally {
      child.kill('SIGKILL');
      lab.destroy();
    }
    expect(lab.existing()).toEqual([]);
    expect(spawnSync('ip', ['link', 'show', lab.bridge]).status).not.toBe(0);
  }, 60_000);

  it('sweeps away the namespaces of a run that died without cleaning up, and nothing else', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    const leftover = `tm${dead.toString(36)}h0`;
    const other = 'tallymesh-test-not-ours';
    spawnSync('ip', ['netns', 'add', leftover]);
    spawnSync('ip', ['netns', 'add', other]);
    try {
      expect(sweepAbandonedLabs()).toContain(leftover);
      expect(namespaces()).not.toContain(leftover);
      expect(namespaces()).toContain(other);
    } finally {
      spawnSync('ip', ['netns', 'del', other]);
      spawnSync('ip', ['netns', 'del', leftover]);
    }
  });

  it('--hosts: every node is a process on its host, dialled by its host\'s address, and the count is right; the namespaces are gone after', async () => {
    const before = namespaces();
    const { outcome, output, listens } = await simulate({ basePort: 27000 });
    expectCorrect(outcome);
    expect(output).toMatch(/nodes on \d+ hosts \(network namespaces 10\.\d+\.0\.2…/);
    expect(listens.length).toBeGreaterThan(10);
    for (const l of listens) expect(l).toMatch(/^\/ip4\/10\.2[0-4]\d\.\d+\.\d+\/tcp\/\d+$/);
    expect(namespaces()).toEqual(before);
  }, TIMEOUT);

  it('--partition: a state\'s host cut off from the national host while the count flows up; the national dashboard shows it while it lasts; after healing the count completes by itself and is right', async () => {
    // The national node's view of state-01, sampled every second while the run goes on.
    const seen: { at: number; connected: boolean }[] = [];
    let polling = true;
    let poller: Promise<void> | undefined;
    const onDashboard = (url: string): void => {
      const base = url.replace(/\/dashboard$/, '');
      poller = (async () => {
        while (polling) {
          try {
            const h = (await (await fetch(`${base}/hierarchy`, { signal: AbortSignal.timeout(3_000) })).json()) as { states: { id: string; health: { connected: boolean } }[] };
            const s = h.states.find((x) => x.id === 'state-01');
            if (s) seen.push({ at: Date.now(), connected: s.health.connected });
          } catch {
            // the node is busy or stopping: the next sample will do
          }
          await new Promise((r) => setTimeout(r, 1_000));
        }
      })();
    };
    const { outcome, output } = await simulate({ basePort: 27100, partitionMs: 30_000, onDashboard });
    polling = false;
    await poller;
    expectCorrect(outcome);
    expect(output).toMatch(/--partition: state-01's host \(10\.[\d.]+\) cut off from the national host/);
    expect(output).toContain('--partition: healed after 30 s');
    // The national tally cannot exist before state-01's tally crossed the healed link.
    expect(outcome.phases['precinct close']! + outcome.phases.county! + outcome.phases.state! + outcome.phases.national!).toBeGreaterThanOrEqual(30_000);
    // Connected before, shown as not connected during the partition, connected again after.
    const firstDown = seen.findIndex((x) => !x.connected);
    expect(firstDown, JSON.stringify(seen)).toBeGreaterThan(0);
    expect(seen.slice(firstDown).some((x) => x.connected)).toBe(true);
  }, TIMEOUT);

  it('--flap: a county\'s link goes down and up every 3 s while its tally travels; the count completes and is right', async () => {
    const { outcome, output } = await simulate({ basePort: 27200, flapMs: 12_000 });
    expectCorrect(outcome);
    expect(output).toContain("--flap: county-01-001's host link");
  }, TIMEOUT);

  it('Ctrl-C (SIGINT) during a run removes its namespaces', async () => {
    const child = spawn(process.execPath, [BIN, 'simulate', '--hosts', '5', '--ballots', '2', '--key-bits', '1024', '--states', '1', '--counties', '1', '--precincts', '2', '--base-port', '27300'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const ours = (): string[] => namespaces().filter((n) => n.startsWith(`tm${child.pid!.toString(36)}h`));
    for (let i = 0; i < 600 && ours().length < 5; i++) await new Promise((r) => setTimeout(r, 100));
    expect(ours(), out).toHaveLength(5);
    child.kill('SIGINT');
    await exited;
    expect(ours()).toEqual([]);
  }, 120_000);

  it.skipIf(!shaping.ok)('shapes a link: a TCP connection between two hosts waits for the latency of both, and a new shape replaces the old', async () => {
    const lab = HostLab.create(2, { latencyMs: 40, jitterMs: 10 });
    const server = lab.command(1, process.execPath, ['-e', `require('net').createServer((s)=>s.end('hi')).listen(7000,'${lab.address(1)}')`]);
    const child = spawn(server.cmd, server.args, { stdio: 'ignore' });
    // Milliseconds from connect() to 'connect' on host 0: the SYN leaves host 0 and the SYN-ACK host 1.
    const connectMs = (): number => {
      const script = `const t=performance.now();const s=require('net').connect(7000,'${lab.address(1)}',()=>{console.log(performance.now()-t);process.exit(0)});s.on('error',()=>{console.log(-1);process.exit(0)})`;
      const c = lab.command(0, process.execPath, ['-e', script]);
      return Number(spawnSync(c.cmd, c.args, { encoding: 'utf8' }).stdout.trim());
    };
    try {
      let ms = -1;
      for (let i = 0; i < 50 && ms < 0; i++) ms = connectMs();
      // Lower bounds only (load makes it slower, never faster): 2 x (40 - 10) ms.
      expect(ms).toBeGreaterThanOrEqual(60);
      lab.shapeLink(0, { latencyMs: 300 });
      expect(connectMs()).toBeGreaterThanOrEqual(300 + 30);
    } finally {
      child.kill('SIGKILL');
      lab.destroy();
    }
  }, 60_000);

  it.skipIf(!shaping.ok)('--latency 40ms --jitter 10ms --loss 1%: the count over slow, lossy links completes and is right', async () => {
    const { outcome, output } = await simulate({ basePort: 27400, latencyMs: 40, jitterMs: 10, lossPercent: 1 });
    expectCorrect(outcome);
    expect(output).toMatch(/40 ms ± 10 ms, 1% loss on each host's link/);
  }, TIMEOUT);

  it.skipIf(!shaping.ok)('--slow-trustee: with a trustee 500 ms away the count completes and is right', async () => {
    const { outcome, output } = await simulate({ basePort: 27500, slowTrusteeMs: 500 });
    expectCorrect(outcome);
    expect(output).toContain("--slow-trustee: 500 ms latency on trustee-01's host");
  }, TIMEOUT);
});

describe.skipIf(support.ok && shaping.ok)('where the wire cannot be shaped', () => {
  it('asking for latency says why it cannot be done, before anything starts', async () => {
    await expect(runSimulation({ ...SMALL, latencyMs: 40, print: () => undefined })).rejects.toThrow(support.ok ? /tc netem is unavailable/ : /need/);
  });
});

describe('fault flags without hosts', () => {
  it('are refused with a reason: they act on the links between hosts', async () => {
    await expect(runSimulation({ ...SMALL, hosts: 0, partitionMs: 1000, print: () => undefined })).rejects.toThrow(/add --hosts N/);
  });
});
