// The production build (npm run build, run by npm install): dist/ holds the compiled product, the
// launcher runs it only while it is a build of the sources as they are, and a node, worker
// threads included, runs from it without loading the TypeScript loader.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildState, sourceHash } from '../../bin/build-state.mjs';
import { createRecordFixture, type RecordFixture } from '../support/record-fixture.ts';
import { waitFor, writeTestElection, type ElectionFolder } from '../support/network-fixture.ts';
import { REPO_ROOT } from '../support/paths.ts';

const DIST_BIN = join(REPO_ROOT, 'dist', 'bin', 'tallymesh.js');
const temps: string[] = [];
let fx: RecordFixture;
let folder: ElectionFolder;

function jsFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) jsFiles(p, out);
    else if (/\.(js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

beforeAll(() => {
  // A clean clone has built dist/ in `npm ci`; a working tree may have changed since.
  if (buildState(REPO_ROOT) !== 'current') {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
  }
  fx = createRecordFixture(2);
  folder = writeTestElection();
}, 300_000);

afterAll(() => {
  fx?.cleanup();
  folder?.cleanup();
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe('build state', () => {
  it('is current for a build of these sources, stale once a source changes, absent without a build', () => {
    const root = mkdtempSync(join(tmpdir(), 'tm-build-state-'));
    temps.push(root);
    mkdirSync(join(root, 'protocol'), { recursive: true });
    mkdirSync(join(root, 'dist', 'bin'), { recursive: true });
    writeFileSync(join(root, 'protocol', 'a.ts'), 'export const a = 1;\n');
    writeFileSync(join(root, 'dist', 'bin', 'tallymesh.js'), '');
    expect(buildState(root)).toBe('absent');
    writeFileSync(join(root, 'dist', 'build-info.json'), JSON.stringify({ sourceHash: sourceHash(root) }));
    expect(buildState(root)).toBe('current');
    writeFileSync(join(root, 'protocol', 'a.ts'), 'export const a = 2;\n');
    expect(buildState(root)).toBe('stale');
    // Files the build does not read (tests) change nothing; a new source file does.
    writeFileSync(join(root, 'dist', 'build-info.json'), JSON.stringify({ sourceHash: sourceHash(root) }));
    mkdirSync(join(root, 'test'));
    writeFileSync(join(root, 'test', 'x.test.ts'), '');
    expect(buildState(root)).toBe('current');
    writeFileSync(join(root, 'protocol', 'b.ts'), '');
    expect(buildState(root)).toBe('stale');
  });
});

describe('dist/', () => {
  it('is a build of the sources as they are, and no built module imports the TypeScript loader', () => {
    expect(buildState(REPO_ROOT)).toBe('current');
    const files = jsFiles(join(REPO_ROOT, 'dist'));
    expect(files.length).toBeGreaterThan(100);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      // The worker entry loads tsx only for a module named by its .ts source (never in dist/).
      if (f.endsWith(join('threads', 'worker-entry.mjs'))) continue;
      expect(text, f).not.toMatch(/from ['"]tsx|import\(['"]tsx/);
      expect(text, f).not.toMatch(/from ['"]\.{1,2}\/[^'"]*\.ts['"]/);
    }
  });

  it('runs a node: it starts, answers /health and stops on SIGTERM', async () => {
    const config = join(folder.dir, 'nodes', 'precinct-01-001-001.json');
    const c = JSON.parse(readFileSync(config, 'utf8'));
    writeFileSync(config, JSON.stringify({ ...c, listen: ['/ip4/127.0.0.1/tcp/0'], rest: { host: '127.0.0.1', port: 0 } }));
    const child = spawn(process.execPath, [DIST_BIN, 'node', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const url = await waitFor('the node to listen', () => /"rest":"(http:[^"]+)"/.exec(out)?.[1], 60_000);
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, out).toBe(0);
  }, 120_000);

  it('verifies a record with worker threads running built modules', () => {
    const r = spawnSync(process.execPath, [DIST_BIN, 'verify', fx.recordDir, '--jobs', '2'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('PASS: all 9 checks passed over the whole election.');
    expect(r.stdout).toMatch(/2 of 2 precincts' ballots|4 of 4 precincts' ballots/);
  }, 300_000);
});
