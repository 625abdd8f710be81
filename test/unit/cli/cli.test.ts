// The real binary, `node bin/tallymesh.js`, run as a child process: setup, verify (clean, tampered,
// with a receipt), simulate, option errors and help.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../../crypto/bytes.ts';
import { inclusionProof } from '../../../crypto/merkle.ts';
import { Ballot } from '../../../protocol/ballot.ts';
import { Receipt } from '../../../protocol/receipt.ts';
import { CHECKS } from '../../../protocol/verify/index.ts';
import { ElectionContext } from '../../../protocol/election.ts';
import { loadManifest } from '../../../setup/setup-files.ts';
import { createRecordFixture, readBallots, recordPaths, writeBallots, type RecordFixture } from '../../support/record-fixture.ts';
import { BIN, REPO_ROOT } from '../../support/paths.ts';

const ROOT = REPO_ROOT;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function tallymesh(...args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The line `formatCheck` prints for a check: " 6. merkle-roots   FAIL  …". */
function checkLine(stdout: string, number: number | string): string {
  const line = stdout.split('\n').find((l) => new RegExp(`^\\s*${number}\\. \\S+\\s+(PASS|FAIL|SKIP)\\b`).test(l));
  if (!line) throw new Error(`no line for check ${number} in:\n${stdout}`);
  return line;
}

function statusIn(stdout: string, number: number | string): string {
  return /\b(PASS|FAIL|SKIP)\b/.exec(checkLine(stdout, number))![1]!;
}

let fx: RecordFixture;

beforeAll(() => {
  fx = createRecordFixture(2);
});

afterAll(() => {
  fx?.cleanup();
});

describe('tallymesh --help', () => {
  it('lists the commands', () => {
    const r = tallymesh('--help');
    expect(r.status).toBe(0);
    for (const command of ['setup', 'verify', 'simulate']) expect(r.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  it('exits non-zero for an unknown command', () => {
    const r = tallymesh('frobnicate');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/frobnicate/);
  });
});

describe('tallymesh setup', () => {
  it('writes an election with --out DIR --key-bits 1024 and exits 0', () => {
    const out = path.join(fx.tempDir('cli-setup'), 'election');
    const r = tallymesh('setup', '--out', out, '--key-bits', '1024');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${out}/manifest.json and 28 node configs`);
    const manifest = loadManifest(path.join(out, 'manifest.json'));
    expect(manifest.keyBits).toBe(1024);
    expect(manifest.roster).toHaveLength(28);
    expect(fs.readdirSync(path.join(out, 'nodes'))).toHaveLength(28);
    expect(fs.readdirSync(path.join(out, 'shares'))).toHaveLength(9);
    expect(fs.statSync(path.join(out, 'admin-token')).mode & 0o777).toBe(0o600);

    const again = tallymesh('setup', '--out', out, '--key-bits', '1024');
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/refuses to overwrite an existing election/);
  });

  it('passes the shape options through', () => {
    const out = path.join(fx.tempDir('cli-setup-shape'), 'election');
    const r = tallymesh('setup', '--out', out, '--key-bits', '1024', '--states', '1', '--counties', '1', '--precincts', '2', '--trustees', '3', '--threshold', '2', '--election-id', 'cli-test');
    expect(r.status, r.stderr).toBe(0);
    const manifest = loadManifest(path.join(out, 'manifest.json'));
    expect(manifest.electionId).toBe('cli-test');
    expect(manifest.roster.map((e) => e.role)).toEqual(['national', 'state', 'county', 'precinct', 'precinct', 'trustee', 'trustee', 'trustee']);
    expect(manifest.threshold.threshold).toBe(2);
  });

  it('rejects --states abc with a message naming --states, writing nothing', () => {
    const out = path.join(fx.tempDir('cli-setup-bad'), 'X');
    const r = tallymesh('setup', '--out', out, '--states', 'abc');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('--states');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('requires --out', () => {
    const r = tallymesh('setup', '--key-bits', '1024');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('--out');
  });
});

describe('tallymesh verify', () => {
  it('exits 0 on a record written by writeRecord and lists checks 1..9 with PASS', () => {
    const r = tallymesh('verify', fx.recordDir);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    for (const c of CHECKS) {
      expect(checkLine(r.stdout, c.number)).toContain(c.name);
      expect(statusIn(r.stdout, c.number)).toBe('PASS');
    }
    expect(r.stdout).toContain(`election hash ${fx.outcome.ctx.hashHex}`);
    expect(r.stdout).toMatch(/covered: the whole election; 4 of 4 precincts' ballots \(\d+ ballots, every proof checked; 4 precincts in the roster\), 9 tallies, 9 valid partial decryptions/);
    expect(r.stdout).toContain('PASS: all 9 checks passed over the whole election.');
  });

  it('exits 1 on a tampered record, and the failing check\'s line shows FAIL', () => {
    const dir = fx.copy('cli-tampered');
    const precinct = 'precinct-02-001-002';
    const ballots = readBallots(dir, precinct);
    writeBallots(dir, precinct, [ballots[1]!, ballots[0]!]);
    const r = tallymesh('verify', dir);
    expect(r.status, r.stderr).toBe(1);
    expect(statusIn(r.stdout, 6)).toBe('FAIL');
    for (const n of [1, 2, 3, 4, 5, 7, 8, 9]) expect(statusIn(r.stdout, n)).toBe('PASS');
    expect(r.stdout).toContain(precinct);
    expect(r.stdout).toContain('FAIL: checks 6 failed.');
  });

  it('exits 1 on a record whose manifest.json disagrees with manifest.bin, showing check 1 FAIL', () => {
    const dir = fx.copy('cli-bad-manifest');
    const json = JSON.parse(fs.readFileSync(recordPaths.manifest(dir), 'utf8')) as { roster: { id: string; parent: string }[] };
    json.roster.find((e) => e.id === 'county-01-001')!.parent = 'precinct-02-001-001';
    fs.writeFileSync(recordPaths.manifest(dir), JSON.stringify(json, null, 2));
    const r = tallymesh('verify', dir);
    expect(r.status, r.stderr).toBe(1);
    expect(statusIn(r.stdout, 1)).toBe('FAIL');
    expect(r.stdout).toMatch(/manifest\.json: /);
  });

  it('exits 1 with check 1 FAIL naming the missing manifest for a folder that holds no record', () => {
    const dir = fx.tempDir('cli-empty');
    const r = tallymesh('verify', dir);
    expect(r.status).toBe(1);
    expect(statusIn(r.stdout, 1)).toBe('FAIL');
    expect(r.stdout).toMatch(/manifest\.bin: is missing/);
    for (const n of [2, 3, 4, 5, 6, 7, 8, 9]) expect(statusIn(r.stdout, n)).toBe('SKIP');
  });

  it('exits 3 for a partial verification: --subtree, or --tallies-only where ballots are missing', () => {
    const sub = tallymesh('verify', fx.recordDir, '--subtree', 'county-01-001', '--jobs', '2');
    expect(sub.status, sub.stdout + sub.stderr).toBe(3);
    expect(sub.stdout).toMatch(/covered: subtree of county-01-001, with its path county-01-001 -> state-01 -> national/);
    expect(sub.stdout).toMatch(/^PARTIAL: /m);
    const dir = fx.copy('cli-partial');
    fs.rmSync(recordPaths.ballots(dir, 'precinct-02-001-001'));
    expect(tallymesh('verify', dir).status).toBe(1);
    const t = tallymesh('verify', dir, '--tallies-only');
    expect(t.status, t.stdout).toBe(3);
    expect(statusIn(t.stdout, 3)).toBe('SKIP');
  });

  it('exits 2 for a usage error (a --jobs value that is not a positive integer, an unknown option): never 1, which means a check failed', () => {
    const r = tallymesh('verify', fx.recordDir, '--jobs', '0');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--jobs');
    const unknown = tallymesh('verify', fx.recordDir, '--no-such-option');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--no-such-option'");
    expect(tallymesh('--help').status).toBe(0);
  });

  describe('--receipt FILE', () => {
    const precinct = 'precinct-01-001-002';

    it('checks a receipt from the election: R1-R3 PASS, exit 0', () => {
      const { receipt } = fx.outcome.cast.get(precinct)![1]!;
      const file = path.join(fx.tempDir('cli-receipt'), 'receipt.json');
      fs.writeFileSync(file, JSON.stringify({ receipt: Receipt.toJSON(receipt) }));
      const r = tallymesh('verify', fx.recordDir, '--receipt', file);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      for (const n of ['R1', 'R2', 'R3']) expect(statusIn(r.stdout, n)).toBe('PASS');
      expect(r.stdout).toContain('PASS: all 12 checks passed over the whole election.');
    });

    it('exits 1 for a receipt with a tampered signature (R1 FAIL)', () => {
      const { receipt } = fx.outcome.cast.get(precinct)![0]!;
      const json = Receipt.toJSON(receipt) as Record<string, unknown>;
      const sig = String(json.signature);
      json.signature = (sig[0] === '0' ? '1' : '0') + sig.slice(1);
      const file = path.join(fx.tempDir('cli-receipt-bad'), 'receipt.json');
      fs.writeFileSync(file, JSON.stringify({ receipt: json }));
      const r = tallymesh('verify', fx.recordDir, '--receipt', file);
      expect(r.status).toBe(1);
      expect(statusIn(r.stdout, 'R1')).toBe('FAIL');
      for (const c of CHECKS) expect(statusIn(r.stdout, c.number)).toBe('PASS');
    });

    it('reads an inclusion proof from the receipt file for a precinct whose ballots are not in the record (--tallies-only)', () => {
      const dir = fx.copy('cli-unpublished');
      fs.rmSync(recordPaths.ballots(dir, precinct));
      const cast = fx.outcome.cast.get(precinct)!;
      const { receipt } = cast[1]!;
      const hashes = cast.map((c) => Ballot.hash(c.ballot));
      const inclusion = { size: cast.length, path: inclusionProof(hashes, receipt.logPosition - 1).map(toHex) };
      const withProof = path.join(dir, '..', 'receipt-with-proof.json');
      fs.writeFileSync(withProof, JSON.stringify({ receipt: Receipt.toJSON(receipt), inclusion }));
      const ok = tallymesh('verify', dir, '--tallies-only', '--receipt', withProof);
      expect(ok.status, ok.stdout + ok.stderr).toBe(3);
      expect(statusIn(ok.stdout, 'R2')).toBe('PASS');

      const without = path.join(dir, '..', 'receipt-without-proof.json');
      fs.writeFileSync(without, JSON.stringify({ receipt: Receipt.toJSON(receipt) }));
      const bad = tallymesh('verify', dir, '--tallies-only', '--receipt', without);
      expect(bad.status).toBe(1);
      expect(statusIn(bad.stdout, 'R2')).toBe('FAIL');
    });
  });
});

describe('tallymesh simulate', () => {
  it('--ballots 2 --key-bits 1024 --out DIR exits 0 and prints the expected/announced table', () => {
    const out = path.join(fx.tempDir('cli-simulate'), 'sim');
    const r = tallymesh('simulate', '--ballots', '2', '--key-bits', '1024', '--states', '1', '--counties', '1', '--precincts', '2', '--base-port', '26400', '--out', out);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/contest \/ option\s+expected\s+announced/);
    const manifest = loadManifest(path.join(out, 'election', 'manifest.json'));
    const expected = JSON.parse(fs.readFileSync(path.join(out, 'expected-counts.json'), 'utf8')) as Record<string, string[]>;
    let total = 0;
    // Each contest's heading names where it is counted; its options follow, indented.
    const lines = r.stdout.split('\n');
    const ctx = new ElectionContext(manifest);
    for (const contest of manifest.contests) {
      const scope = ctx.index.node(ctx.scopes.contests.get(contest.id)!.scopeId);
      const heading = lines.indexOf(`${contest.id} (counted at ${scope.role} ${scope.id})`);
      expect(heading, `${contest.id}'s heading`).toBeGreaterThanOrEqual(0);
      contest.options.forEach((option, i) => {
        const row = lines[heading + 1 + i];
        expect(row?.startsWith(`  ${option} `), `${contest.id} / ${option}: ${row}`).toBe(true);
        const [e, a] = row!.trim().split(/\s+/).slice(-2).map(Number);
        expect(a).toBe(e);
        expect(e).toBe(Number(expected[contest.id]?.[i] ?? 0));
        total += e!;
      });
    }
    expect(total).toBeGreaterThan(0);
    expect(r.stdout).not.toContain('MISMATCH');
    for (const c of CHECKS) expect(statusIn(r.stdout, c.number)).toBe('PASS');
    expect(r.stdout).toContain("OK: the announced result equals the simulated voters' choices and the record verifies");
    // The record it keeps verifies on its own.
    const again = tallymesh('verify', path.join(out, 'record'));
    expect(again.status, again.stdout).toBe(0);
  }, 320_000);

  it('rejects a bad --ballots value naming the option', () => {
    const r = tallymesh('simulate', '--ballots', 'many');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('--ballots');
  });
});
