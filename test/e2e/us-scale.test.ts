// The U.S.-scale run (sim/us-scale/), reduced: real atlas states and
// counties, a 1024-bit key, a few hundred precincts. Checks the pieces (atlas, hierarchy, keys,
// synthetic encryption), a whole run through worker threads (counts match, the record's
// verification is partial: every tally, partial and the result checked, no ballots to check), and
// that the verifier reaches the same verdicts with its units in worker threads and in one thread
// on tampered records. No timing thresholds.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PaillierPublicKey, generateKeyPair } from '../../crypto/paillier.ts';
import { ballotLayout, unpackCounts } from '../../protocol/layout.ts';
import { STANDARD_CONTESTS } from '../../protocol/contests.ts';
import { ID_PATTERN } from '../../protocol/manifest.ts';
import { PrecinctTally } from '../../protocol/tally.ts';
import { readRecord } from '../../record/record-files.ts';
import { loadUsAtlas } from '../../setup/us-atlas.ts';
import { buildUsHierarchy, hierarchyNodes, partitionStates } from '../../sim/us-scale/us-jurisdictions.ts';
import { runUsScale, usScaleExitCode } from '../../sim/us-scale/run.ts';
import { drawPrecinctCounts } from '../../sim/us-scale/synthetic.ts';
import { verifyRecordDir } from '../../record/verify-record-dir.ts';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'tallymesh-us-test-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('us-scale pieces', () => {
  it('reads the 50 states and DC with their counties from us-atlas', () => {
    const atlas = loadUsAtlas();
    expect(atlas.states).toHaveLength(51);
    expect(atlas.states.map((s) => s.fips)).toContain('11');
    expect(atlas.states.find((s) => s.fips === '06')?.name).toBe('California');
    expect(atlas.skippedTerritories.map((s) => s.fips)).toEqual(['60', '66', '69', '72', '78']);
    expect(atlas.counties.length).toBeGreaterThan(3100);
    expect(atlas.counties.length).toBeLessThan(3200);
    expect(atlas.counties.every((c) => /^\d{5}$/.test(c.fips) && c.fips.startsWith(c.stateFips))).toBe(true);
    expect(atlas.counties.find((c) => c.fips === '06037')?.name).toBe('Los Angeles');
  });

  it('spreads exactly the requested precincts and ballots, every county getting one', () => {
    const atlas = loadUsAtlas();
    const h = buildUsHierarchy(atlas, { precincts: 20_000, ballots: 18_000_000, seed: 't' });
    expect(h.states).toHaveLength(51);
    expect(h.counties).toHaveLength(atlas.counties.length);
    expect(h.precincts).toHaveLength(20_000);
    expect(h.ballots.reduce((a, b) => a + b, 0)).toBe(18_000_000);
    expect(Math.min(...h.precinctsPerCounty.values())).toBeGreaterThanOrEqual(1);
    const nodes = hierarchyNodes(h);
    expect(nodes.every((n) => ID_PATTERN.test(n.id))).toBe(true);
    expect(new Set(nodes.map((n) => n.id)).size).toBe(nodes.length);
    expect(h.counties.every((c) => /^\d{5}$/.test(c.fips)) && h.states.every((s) => /^\d{2}$/.test(s.fips))).toBe(true);
    expect(h.precincts[0]!.id).toMatch(/^precinct-01-001-001$/);
    // Deterministic in the seed.
    const again = buildUsHierarchy(atlas, { precincts: 20_000, ballots: 18_000_000, seed: 't' });
    expect(again.ballots).toEqual(h.ballots);
    const parts = partitionStates(h, 2);
    expect(parts.flat().sort()).toEqual(h.states.map((s) => s.id).sort());
  });

  it('encrypts a precinct\'s packed counts so that they decrypt to the drawn counts', () => {
    const key = generateKeyPair(1024);
    const layout = ballotLayout({ keyBits: 1024, slotBits: 32, contests: STANDARD_CONTESTS });
    const counts = drawPrecinctCounts(layout, 'seed', 'precinct-01-001-001', 937);
    for (const [, row] of counts) expect(row.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(937);
    expect(drawPrecinctCounts(layout, 'seed', 'precinct-01-001-001', 937)).toEqual(counts);
    const enc = new PaillierPublicKey(key.publicKey.n, { variableTimeWindow: 6 });
    const m = 123_456_789_000_000_000_000n;
    const c1 = enc.encryptVariableTime(m);
    const c2 = enc.encryptVariableTime(m);
    expect(c1).not.toBe(c2);
    expect(key.decrypt(c1)).toBe(m);
    expect(key.decrypt((c1 * c2) % key.publicKey.n2)).toBe(2n * m);
    const packed = unpackCounts(layout, [key.decrypt(enc.encryptVariableTime(0n))]);
    expect([...packed.values()].flat().every((x) => x === 0n)).toBe(true);
  });
});

describe('us-scale run, reduced', () => {
  let recordDir = '';

  it('counts two real states through worker threads; the record verifies', async () => {
    recordDir = join(tempDir(), 'record');
    const lines: string[] = [];
    const report = await runUsScale({
      precincts: 240,
      ballots: 200_000,
      keyBits: 1024,
      seed: 'us-test',
      states: ['10', '44'], // Delaware (3 counties) and Rhode Island (5)
      maxCountiesPerState: 4,
      workers: 2,
      window: 8,
      out: recordDir,
      print: (line) => lines.push(line),
    });
    expect(report.nodes).toMatchObject({ states: 2, counties: 7, precincts: 240, trustees: 9, roster: 1 + 2 + 7 + 240 + 9 });
    expect(report.ballots).toBe(200_000);
    expect(report.announced).toEqual(report.expected);
    expect(report.countsMatch).toBe(true);
    expect(report.verification.checks.map((c) => c.status)).toEqual(['pass', 'pass', 'skip', 'skip', 'skip', 'skip', 'pass', 'pass', 'pass']);
    expect(report.verification.verdict).toBe('partial');
    expect(report.verification.partialBecause.join()).toMatch(/ballots of some precincts are not in the record/);
    expect(report.verification.coverage).toMatchObject({ precincts: 0, ballots: 0, tallies: 1 + 2 + 7 + 240, partials: 5 });
    expect(report.ok).toBe(true);
    expect(usScaleExitCode(report)).toBe(3);
    expect(report.trusteeMs).toHaveLength(5);
    expect(report.record.files).toBe(2 + 2 + 240 + 7 + 2 + 1 + 5); // manifest.bin/.json, result.bin/.json, tallies, partials
    expect(report.peakRssBytes).toBeGreaterThan(0);
    expect(report.levels.map((l) => l.level)).toEqual(['setup', 'precinct tallies', 'county', 'state', 'publish tallies', 'national', 'decryption', 'record', 'verification']);
    expect(lines.some((l) => l.startsWith('networked: none'))).toBe(true);
    expect(lines.at(-1)).toMatch(/^OK: /);
    // The record is what `tallymesh verify` reads: fips codes and names from the atlas are in it.
    const record = readRecord(recordDir);
    expect(record.ballots.size).toBe(0);
    expect(record.manifest.roster.find((e) => e.id === 'state-02')).toMatchObject({ role: 'state', fips: '44', name: 'Rhode Island' });
    expect(record.manifest.roster.find((e) => e.id === 'county-01-001')).toMatchObject({ role: 'county', fips: '10001', parent: 'state-01' });
  }, 300_000);

  it('runs in the main thread alone (workers: 0), verifying there too', async () => {
    const report = await runUsScale({ precincts: 12, ballots: 3_000, keyBits: 1024, seed: 'solo', states: ['11'], workers: 0, window: 6, print: () => {} });
    expect(report.nodes).toMatchObject({ states: 1, counties: 1, precincts: 12 });
    expect(report.verification.verdict).toBe('partial');
    expect(report.announced).toEqual(report.expected);
    expect(report.ok).toBe(true);
    expect(report.record.kept).toBe(false);
  }, 120_000);

  it('the verifier reaches the same verdict with its units in worker threads as in one thread, tampered records included', async () => {
    expect(recordDir).not.toBe('');
    const statuses = (checks: { status: string }[]): string[] => checks.map((c) => c.status);
    const compare = async (dir: string): Promise<Awaited<ReturnType<typeof verifyRecordDir>>> => {
      const threads = await verifyRecordDir(dir, { jobs: 2, talliesOnly: true });
      const here = await verifyRecordDir(dir, { jobs: 1, talliesOnly: true });
      expect(statuses(threads.checks)).toEqual(statuses(here.checks));
      expect(threads.verdict).toBe(here.verdict);
      for (let i = 0; i < 9; i++) expect([...threads.checks[i]!.details].sort()).toEqual([...here.checks[i]!.details].sort());
      expect(threads.coverage).toEqual(here.coverage);
      return threads;
    };
    const copy = (): string => {
      const dir = join(tempDir(), 'record');
      for (const sub of ['', 'tallies', 'partials', 'ballots']) {
        const from = join(recordDir, sub);
        const to = join(dir, sub);
        rmSync(to, { recursive: true, force: true });
        mkdirSync(to, { recursive: true });
        for (const f of readdirSync(from, { withFileTypes: true })) if (f.isFile()) copyFileSync(join(from, f.name), join(to, f.name));
      }
      return dir;
    };

    const clean = await compare(recordDir);
    expect(clean.verdict).toBe('partial');

    // A precinct's count changed after signing: check 2 fails, and its county cannot be checked against it.
    const forged = copy();
    const file = join(forged, 'tallies', 'precinct-02-001-001.precinct-tally.bin');
    const tally = PrecinctTally.decode(new Uint8Array(readFileSync(file)));
    writeFileSync(file, PrecinctTally.encode({ ...tally, ballotCount: tally.ballotCount + 1 }));
    const f = await compare(forged);
    expect(statuses(f.checks)).toEqual(['pass', 'fail', 'skip', 'skip', 'skip', 'skip', 'skip', 'pass', 'pass']);
    expect(f.verdict).toBe('fail');

    // A county's tally is missing.
    const missing = copy();
    unlinkSync(join(missing, 'tallies', 'county-01-003.aggregate-tally.bin'));
    const m = await compare(missing);
    expect(m.checks[6]!.status).toBe('fail');
    expect(m.checks[6]!.details.join('\n')).toMatch(/county "county-01-003" has no tally in the record/);

    // A file holding another node's tally: file names bind.
    const misnamed = copy();
    copyFileSync(join(misnamed, 'tallies', 'precinct-02-001-001.precinct-tally.bin'), join(misnamed, 'tallies', 'precinct-02-001-002.precinct-tally.bin'));
    const x = await compare(misnamed);
    expect(x.checks[1]!.details.join('\n')).toMatch(/precinct-02-001-002\.precinct-tally\.bin: .*holds the tally of "precinct-02-001-001"/);
    expect(x.verdict).toBe('fail');
  }, 300_000);
});
