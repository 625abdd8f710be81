// Operating a node: graceful shutdown on SIGTERM and SIGINT, JSON logs carrying the node id,
// config errors naming the field and the file, and polls that close at the manifest's time.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadNodeConfig, parseNodeConfig } from '../../node/config.ts';
import { LocalNetwork } from '../../sim/local-network.ts';
import { waitFor, writeTestElection, type ElectionFolder } from '../support/network-fixture.ts';
import { BIN } from '../support/paths.ts';

const folders: ElectionFolder[] = [];
afterAll(() => folders.forEach((f) => f.cleanup()));

interface NodeChild {
  stdout: () => string;
  exited: Promise<number | null>;
  kill: (s: NodeJS.Signals) => void;
  /** Closes the node's stdin, as a simulation's exit does to the nodes it started. */
  closeStdin: () => void;
}

/** `lifeline`: started the way a simulation starts nodes, with stdin a pipe the node watches. */
function runNodeProcess(configPath: string, lifeline = false): NodeChild {
  const child = spawn(process.execPath, [BIN, 'node', '--config', configPath], {
    stdio: [lifeline ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, TALLYMESH_STOP_WITH_PARENT: lifeline ? '1' : '' },
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return {
    stdout: () => out,
    exited: new Promise((r) => child.once('exit', (code) => r(code))),
    kill: (s) => child.kill(s),
    closeStdin: () => child.stdin?.end(),
  };
}

function portZeroConfig(f: ElectionFolder, id: string): string {
  const config = join(f.dir, 'nodes', `${id}.json`);
  // Port 0 for both libp2p and REST; no parent running, which a node tolerates (it redials).
  const c = JSON.parse(readFileSync(config, 'utf8'));
  writeFileSync(config, JSON.stringify({ ...c, listen: ['/ip4/127.0.0.1/tcp/0'], rest: { host: '127.0.0.1', port: 0 } }));
  return config;
}

describe('a node process', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`shuts down gracefully on ${signal}, logging JSON lines with its node id, and restarts on the same data`, async () => {
      const f = writeTestElection();
      folders.push(f);
      const config = portZeroConfig(f, 'precinct-01-001-001');
      for (let round = 0; round < 2; round++) {
        const node = runNodeProcess(config);
        await waitFor('the node to start', () => node.stdout().includes('"event":"listening"'), 60_000);
        node.kill(signal);
        expect(await node.exited).toBe(0);
        const lines = node.stdout().trim().split('\n').map((l) => JSON.parse(l) as { nodeId?: string; event?: string });
        expect(lines.every((l) => l.nodeId === 'precinct-01-001-001')).toBe(true);
        expect(lines.some((l) => l.event === 'stopped')).toBe(true);
      }
    }, 180_000);
  }

  // A simulation keeps each node's stdin open so that no node outlives it. That open pipe must
  // not keep a node alive once it is told to stop: the simulation waits for the exit.
  it('started with the stdin lifeline, exits on SIGTERM while its parent still holds stdin, and exits when stdin closes', async () => {
    const f = writeTestElection();
    folders.push(f);
    const config = portZeroConfig(f, 'precinct-01-001-001');
    const signalled = runNodeProcess(config, true);
    await waitFor('the node to start', () => signalled.stdout().includes('"event":"listening"'), 60_000);
    signalled.kill('SIGTERM');
    expect(await signalled.exited).toBe(0);
    expect(signalled.stdout()).toContain('"event":"stopped"');

    const orphaned = runNodeProcess(config, true);
    await waitFor('the node to start', () => orphaned.stdout().includes('"event":"listening"'), 60_000);
    orphaned.closeStdin();
    expect(await orphaned.exited).toBe(0);
    expect(orphaned.stdout()).toContain('"signal":"parent exited"');
    expect(orphaned.stdout()).toContain('"event":"stopped"');
  }, 180_000);
});

describe('node config', () => {
  const file = '/elections/e1/nodes/county-01.json';
  const good = { id: 'county-01', role: 'county', parent: 'state-01', manifest: '../manifest.json', keyFile: '../keys/county-01.key', dataDir: '../data/county-01', listen: ['/ip4/127.0.0.1/tcp/7000'], bootstrap: [], rest: { host: '127.0.0.1', port: 7001 } };

  it('resolves paths against the config file', () => {
    const c = parseNodeConfig(good, file);
    expect(c.manifest).toBe('/elections/e1/manifest.json');
    expect(c.dataDir).toBe('/elections/e1/data/county-01');
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['a missing field', { ...good, keyFile: undefined }, 'keyFile'],
    ['an unknown field', { ...good, colour: 'red' }, 'colour'],
    ['a wrong role', { ...good, role: 'mayor' }, 'role'],
    ['a bad REST port', { ...good, rest: { host: '127.0.0.1', port: 70000 } }, 'rest.port'],
    ['a listen address that is not a multiaddr', { ...good, listen: ['localhost:7000'] }, 'listen[0]'],
    ['a bootstrap address without a PeerId', { ...good, bootstrap: ['/ip4/127.0.0.1/tcp/7002'] }, 'bootstrap[0]'],
    ['a trustee without its share', { ...good, role: 'trustee' }, 'shareFile'],
  ];
  for (const [what, json, field] of bad) {
    it(`names the field and the file for ${what}`, () => {
      let error: unknown;
      try {
        parseNodeConfig(JSON.parse(JSON.stringify(json)), file);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe(field);
      expect((error as Error).message).toContain(file);
      expect((error as Error).message).toContain(field);
    });
  }

  it('names the file when it is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-config-'));
    const path = join(dir, 'node.json');
    writeFileSync(path, '{ not json');
    expect(() => loadNodeConfig(path)).toThrow(path);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('closing time in the manifest', () => {
  it('closes the polls by itself at closesAt and publishes the precinct tally', async () => {
    const f = writeTestElection({ closesAt: Date.now() + 4000 });
    folders.push(f);
    const net = new LocalNetwork(f.dir, { only: (id) => id === 'precinct-01-001-001' || id === 'county-01-001' || id === 'state-01' || id === 'national' });
    try {
      await net.startAll();
      const url = net.url('precinct-01-001-001');
      const before = (await (await fetch(`${url}/status`)).json()) as { phase: string };
      expect(before.phase).toBe('voting');
      const after = await waitFor('the scheduled close', async () => {
        const s = (await (await fetch(`${url}/status`)).json()) as { phase: string };
        return s.phase === 'closed' ? s : undefined;
      });
      expect(after.phase).toBe('closed');
      await waitFor('the county to hold the tally', async () => {
        const t = (await (await fetch(`${net.url('county-01-001')}/tallies`)).json()) as { sender: string }[];
        return t.some((x) => x.sender === 'precinct-01-001-001');
      });
    } finally {
      await net.stopAll();
    }
  }, 120_000);
});
