// The simulation's default run and every fault scenario, on a small network with 1024-bit keys.
// Each runs setup, real libp2p nodes on 127.0.0.1 (ports below 30000), voters, closing, the
// count, decryption, the record and its verification.
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runSimulation, printReport, type SimulationOptions, type SimulationOutcome } from '../../sim/network/simulation.ts';
import { join } from 'node:path';
import { loadManifest } from '../../setup/setup-files.ts';

const SMALL: Partial<SimulationOptions> = { states: 1, counties: 2, precincts: 2, ballots: 2, keyBits: 1024, live: false, timeoutMs: 240_000 };

// Each scenario starts a network of 17 nodes; on a busy 2-core machine that takes a while.
const SCENARIO_TIMEOUT = 400_000;

async function simulate(options: Partial<SimulationOptions>): Promise<{ outcome: SimulationOutcome; output: string }> {
  const lines: string[] = [];
  const outcome = await runSimulation({ ...SMALL, ...options, print: (l) => lines.push(l) });
  printReport(outcome, loadManifest(join(outcome.out, 'election', 'manifest.json')).contests, (l) => lines.push(l));
  rmSync(outcome.out, { recursive: true, force: true });
  return { outcome, output: lines.join('\n') };
}

function expectCorrect(outcome: SimulationOutcome): void {
  expect(outcome.problems).toEqual([]);
  // The nine numbered checks, and R1-R3 when receipts were checked with them.
  expect(outcome.checks.slice(0, 9).map((c) => c.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(outcome.checks.map((c) => c.status)).toEqual(new Array(outcome.checks.length).fill('pass'));
  for (const [contest, counts] of outcome.expected) expect(outcome.announced?.get(contest)).toEqual(counts.map(Number));
  expect(outcome.ok).toBe(true);
}

describe('npm run simulate', () => {
  it('runs an election end to end and reports counts, checks and phase times', async () => {
    const { outcome, output } = await simulate({ basePort: 25000 });
    expectCorrect(outcome);
    for (const phase of ['voting', 'precinct close', 'county', 'state', 'national', 'decryption']) expect(outcome.phases[phase]).toBeGreaterThanOrEqual(0);
    expect(output).toMatch(/president \/ Adams\s+\d+\s+\d+/);
    expect(output).toContain('OK:');
  }, SCENARIO_TIMEOUT);

  it('--kill-precinct: a precinct killed with SIGKILL mid-voting loses no acknowledged ballot, and every receipt verifies', async () => {
    const { outcome } = await simulate({ basePort: 25200, killPrecinct: true, ballots: 4 });
    expectCorrect(outcome);
    expect(outcome.receiptsChecked).toBe(4);
  }, SCENARIO_TIMEOUT);

  it('--county-down: a county stopped during aggregation and restarted later catches up; the election completes', async () => {
    const { outcome, output } = await simulate({ basePort: 25400, countyDown: true });
    expectCorrect(outcome);
    expect(output).toContain('--county-down: restarting');
  }, SCENARIO_TIMEOUT);

  it('--trustees-offline 4: five of nine trustees still decrypt', async () => {
    const { outcome } = await simulate({ basePort: 25600, trusteesOffline: 4 });
    expectCorrect(outcome);
  }, SCENARIO_TIMEOUT);

  it('--trustees-offline 5: no result, and a clear status saying why', async () => {
    const { outcome, output } = await simulate({ basePort: 25800, trusteesOffline: 5 });
    expect(outcome.ok).toBe(false);
    expect(outcome.announced).toBeUndefined();
    expect(outcome.nationalStatus?.waitingFor).toMatch(/4 of 5 valid partial decryptions/);
    expect(output).toContain('fewer than the threshold of 5 can decrypt');
  }, SCENARIO_TIMEOUT);

  it('--rogue-peer: forged, foreign and equivocating tallies are not counted and every rejection shows in /metrics', async () => {
    const { outcome } = await simulate({ basePort: 26000, roguePeer: true });
    expectCorrect(outcome);
    expect(outcome.rogue?.published).toEqual(['forged', 'foreign', 'equivocating']);
    const metrics = outcome.rogue!.metrics.join('\n');
    expect(metrics).toMatch(/tallymesh_gossip_rejected_total\{reason="bad-signature"\} [1-9]/);
    expect(metrics).toMatch(/tallymesh_gossip_rejected_total\{reason="wrong-election"\} [1-9]/);
    expect(metrics).toMatch(/tallymesh_equivocations_total\{type="precinct-tally"\} [1-9]/);
  }, SCENARIO_TIMEOUT);

  it('--shards 2: the nodes in two shard processes (a county with its precincts together), memory and traffic reported', async () => {
    const { outcome, output } = await simulate({ basePort: 26600, shards: 2 });
    expectCorrect(outcome);
    // 17 nodes: the national node, a state and 9 trustees as groups of one, two counties with their precincts.
    expect(outcome.shards.map((s) => s.assigned).sort()).toEqual([8, 9]);
    for (const s of outcome.shards) {
      expect(s.nodes).toBe(s.assigned);
      expect(s.maxRss).toBeGreaterThanOrEqual(s.rss);
    }
    expect(outcome.traffic?.nodes).toBe(17);
    expect(outcome.traffic!.messagesSent).toBeGreaterThan(0);
    expect(outcome.traffic!.bytesReceived).toBeGreaterThan(0);
    expect(output).toMatch(/shard-0 +\d+ MiB peak RSS, \d+ nodes/);
    expect(output).toMatch(/traffic per node \(17 nodes' \/metrics/);
  }, SCENARIO_TIMEOUT);

  it('--processes: one OS process per node, the same binary and configs', async () => {
    const { outcome } = await simulate({ basePort: 26200, processes: true, states: 1, counties: 1, precincts: 2 });
    expectCorrect(outcome);
  }, 600_000);
});
