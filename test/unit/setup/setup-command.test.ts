// `tallymesh setup` (cli/commands/setup-command.ts): what it writes, with which permissions, that
// no secret beyond each node's own key and share is written, that options change the election,
// and that a second setup into the same folder is refused without touching anything.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factorial } from '../../../crypto/threshold.ts';
import { gcd } from '../../../crypto/modular.ts';
import { modPow } from '../../../crypto/modexp.ts';
import { STANDARD_CONTESTS } from '../../../protocol/contests.ts';
import type { Contest, Manifest } from '../../../protocol/manifest.ts';
import { runSetup } from '../../../cli/commands/setup-command.ts';
import { loadManifest, loadShare, loadSigningKey, resolveFrom, type NodeConfig } from '../../../setup/setup-files.ts';

const roots: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-setup-'));
  roots.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of roots) fs.rmSync(dir, { recursive: true, force: true });
});

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else out.push(full);
  }
  return out.sort();
}

function readConfig(dir: string, id: string): NodeConfig {
  return JSON.parse(fs.readFileSync(path.join(dir, 'nodes', `${id}.json`), 'utf8')) as NodeConfig;
}

const mode = (file: string): number => fs.statSync(file).mode & 0o777;

describe('setup with the defaults (1024-bit key)', () => {
  let dir: string;
  let manifest: Manifest;
  let returned: { manifestPath: string; nodes: number };

  beforeAll(() => {
    dir = path.join(tempDir(), 'election');
    returned = runSetup({ out: dir, keyBits: 1024 });
    manifest = loadManifest(path.join(dir, 'manifest.json'));
  });

  it('writes a manifest of the default shape: 2 states x 2 counties x 3 precincts and 9 trustees, 5 needed', () => {
    expect(returned.manifestPath).toBe(`${dir}/manifest.json`);
    const count = (role: string): number => manifest.roster.filter((e) => e.role === role).length;
    expect(count('national')).toBe(1);
    expect(count('state')).toBe(2);
    expect(count('county')).toBe(4);
    expect(count('precinct')).toBe(12);
    expect(count('trustee')).toBe(9);
    expect(returned.nodes).toBe(28);
    expect(manifest.threshold.threshold).toBe(5);
    expect(manifest.threshold.trustees).toBe(9);
    expect(manifest.threshold.verificationKeys).toHaveLength(9);
    expect(manifest.keyBits).toBe(1024);
    expect(manifest.n.toString(2)).toHaveLength(1024);
    expect(manifest.checkpointInterval).toBe(100);
    expect(manifest.closesAt).toBe(0);
    for (const e of manifest.roster.filter((r) => r.role === 'county')) expect(manifest.roster.find((p) => p.id === e.parent)?.role).toBe('state');
    for (const e of manifest.roster.filter((r) => r.role === 'precinct')) expect(manifest.roster.find((p) => p.id === e.parent)?.role).toBe('county');
  });

  it('uses the standard ballot: 3 contests of 4, 3 and 2 options, each allowing abstention', () => {
    expect(manifest.contests).toEqual(STANDARD_CONTESTS);
    expect(manifest.contests.map((c) => c.options.length)).toEqual([4, 3, 2]);
    expect(manifest.contests.every((c) => c.allowAbstain)).toBe(true);
  });

  it('writes nodes/<id>.json for every roster node, with every field', () => {
    const files = fs.readdirSync(path.join(dir, 'nodes')).sort();
    expect(files).toEqual(manifest.roster.map((e) => `${e.id}.json`).sort());
    for (const entry of manifest.roster) {
      const file = path.join(dir, 'nodes', `${entry.id}.json`);
      const c = readConfig(dir, entry.id);
      const expectedKeys = ['id', 'role', 'parent', 'manifest', 'keyFile', 'adminTokenFile', 'dataDir', 'listen', 'bootstrap', 'rest', ...(entry.role === 'trustee' ? ['shareFile'] : [])];
      expect(Object.keys(c).sort()).toEqual(expectedKeys.sort());
      expect(c.id).toBe(entry.id);
      expect(c.role).toBe(entry.role);
      expect(c.parent).toBe(entry.parent);
      expect(resolveFrom(file, c.manifest)).toBe(path.join(dir, 'manifest.json'));
      expect(resolveFrom(file, c.keyFile)).toBe(path.join(dir, 'keys', `${entry.id}.key`));
      expect(resolveFrom(file, c.dataDir)).toBe(path.join(dir, 'data', entry.id));
      expect(c.listen).toHaveLength(1);
      expect(c.listen[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+$/);
      expect(c.rest.host).toBe('127.0.0.1');
      expect(Number.isInteger(c.rest.port)).toBe(true);
      expect(Array.isArray(c.bootstrap)).toBe(true);
    }
  });

  it('points each node\'s bootstrap at its parent (trustees at the national node, which has none)', () => {
    const national = manifest.roster.find((e) => e.role === 'national')!;
    expect(readConfig(dir, national.id).bootstrap).toEqual([]);
    for (const entry of manifest.roster.filter((e) => e.role !== 'national')) {
      const dialed = manifest.roster.find((e) => e.id === (entry.parent || national.id))!;
      expect(readConfig(dir, entry.id).bootstrap).toEqual([`${readConfig(dir, dialed.id).listen[0]}/p2p/${dialed.peerId}`]);
    }
  });

  it('gives every node unique libp2p and REST ports', () => {
    const ports = manifest.roster.flatMap((e) => {
      const c = readConfig(dir, e.id);
      return [Number(c.listen[0]!.split('/').pop()), c.rest.port];
    });
    expect(ports).toHaveLength(56);
    expect(new Set(ports).size).toBe(ports.length);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(21000);
  });

  it('writes each node\'s key (0600) matching its roster public key', () => {
    for (const entry of manifest.roster) {
      const file = path.join(dir, 'keys', `${entry.id}.key`);
      expect(mode(file), file).toBe(0o600);
      const key = loadSigningKey(file);
      expect(key.id).toBe(entry.id);
      expect(Buffer.from(key.publicKey).toString('hex')).toBe(Buffer.from(entry.publicKey).toString('hex'));
    }
    expect(fs.readdirSync(path.join(dir, 'keys'))).toHaveLength(28);
  });

  it('writes each trustee\'s share (0600), matching its verification key v^(Delta*s_i)', () => {
    const trustees = manifest.roster.filter((e) => e.role === 'trustee');
    expect(fs.readdirSync(path.join(dir, 'shares')).sort()).toEqual(trustees.map((t) => `${t.id}.share`).sort());
    const n2 = manifest.n * manifest.n;
    const delta = factorial(manifest.threshold.trustees);
    for (const t of trustees) {
      const file = path.join(dir, 'shares', `${t.id}.share`);
      expect(mode(file), file).toBe(0o600);
      const share = loadShare(file);
      expect(share.id).toBe(t.id);
      expect(share.index).toBe(t.trusteeIndex);
      expect(resolveFrom(path.join(dir, 'nodes', `${t.id}.json`), readConfig(dir, t.id).shareFile!)).toBe(file);
      expect(modPow(manifest.threshold.v, delta * share.share, n2)).toBe(manifest.threshold.verificationKeys[t.trusteeIndex - 1]);
    }
  });

  it('writes the admin token with mode 0600', () => {
    const file = path.join(dir, 'admin-token');
    expect(mode(file)).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
  });

  it('writes no long number except n, v, the verification keys and each share in its own share file', () => {
    const publicValues = new Set([manifest.n, manifest.threshold.v, ...manifest.threshold.verificationKeys].map((x) => x.toString(16)));
    const shareOf = new Map<string, string>();
    for (const f of fs.readdirSync(path.join(dir, 'shares'))) shareOf.set(path.join(dir, 'shares', f), loadShare(path.join(dir, 'shares', f)).share.toString(16));
    // A 1024-bit n has 512-bit factors: 128 hex digits or 155 decimal digits. Any run of 100 or
    // more hex digits (decimal digits are hex digits too) must be a known public value or the share.
    let scanned = 0;
    for (const file of listFiles(dir)) {
      const text = fs.readFileSync(file, 'utf8');
      for (const match of text.matchAll(/[0-9a-fA-F]{100,}/g)) {
        scanned++;
        const run = match[0].toLowerCase();
        const allowed = publicValues.has(run) || shareOf.get(file) === run;
        expect(allowed, `${path.relative(dir, file)} holds an unknown ${run.length}-digit number ${run.slice(0, 24)}…`).toBe(true);
        // Nothing written shares a factor with n (which would factor it).
        if (run !== manifest.n.toString(16)) expect(gcd(BigInt('0x' + run), manifest.n)).toBe(1n);
      }
    }
    // n, v and 9 verification keys in the manifest, one share in each of the 9 share files.
    expect(scanned).toBe(11 + 9);
  });

  it('refuses a second setup into the same folder with a clear error, changing nothing', () => {
    const snapshot = (): Record<string, { content: string; mtimeMs: number; mode: number }> =>
      Object.fromEntries(
        listFiles(dir).map((f) => {
          const st = fs.statSync(f);
          return [path.relative(dir, f), { content: fs.readFileSync(f, 'base64'), mtimeMs: st.mtimeMs, mode: st.mode }];
        }),
      );
    const before = snapshot();
    const dirsBefore = fs.readdirSync(dir).sort();
    expect(() => runSetup({ out: dir, keyBits: 1024 })).toThrow(/manifest\.json exists: setup refuses to overwrite an existing election/);
    expect(snapshot()).toEqual(before);
    expect(fs.readdirSync(dir).sort()).toEqual(dirsBefore);
  });
});

describe('setup options', () => {
  // `--contests` is gone: contests come from a definition (--definition), whose setup makes a
  // candidate contest plurality (1 seat) or approval (vote for up to `seats`), every one allowing
  // a blank. The definition's tree is the shape below, so the shape's ids are also checked.
  const contests: Contest[] = [
    { id: 'mayor', title: 'Mayor', districtId: 'city', partyId: '', kind: 'plurality', options: ['Ortiz', 'Park'], selectionLimit: 1, allowAbstain: true, writeIn: false },
    { id: 'council', title: 'City council', districtId: 'city', partyId: '', kind: 'approval', options: ['Quinn', 'Reyes', 'Singh', 'Tan'], selectionLimit: 2, allowAbstain: true, writeIn: false },
  ];
  const definition = (precincts: { county: string; precinct: string }[], defContests: unknown[]): unknown => ({
    format: 'tallymesh-election/1',
    electionId: 'city-definition',
    title: 'City election',
    type: 'general',
    national: { id: 'national', name: 'National' },
    states: [
      {
        id: 'state-01',
        name: 'State 1',
        counties: [...new Set(precincts.map((p) => p.county))].map((county) => ({
          id: county,
          name: county,
          precincts: precincts.filter((p) => p.county === county).map((p) => ({ id: p.precinct, name: p.precinct, districts: ['city'] })),
        })),
      },
    ],
    parties: [],
    districts: [{ id: 'city', name: 'City' }],
    contests: defContests,
  });
  const cityContests = contests.map((c) => ({
    type: 'candidate',
    id: c.id,
    title: c.title,
    district: 'city',
    seats: c.selectionLimit,
    candidates: c.options.map((name, i) => ({ id: `${c.id}-${i + 1}`, name })),
    writeIn: false,
  }));
  let dir: string;
  let manifest: Manifest;
  let returned: { manifestPath: string; nodes: number };
  let defDir: string;
  let defManifest: Manifest;

  beforeAll(() => {
    const root = tempDir();
    dir = path.join(root, 'election');
    returned = runSetup({
      out: dir,
      keyBits: 1024,
      states: 1,
      counties: 2,
      precincts: 1,
      trustees: 3,
      threshold: 2,
      checkpointInterval: 10,
      basePort: 30000,
      closesAt: '2030-11-05T20:00:00Z',
      electionId: 'city-2030',
    });
    manifest = loadManifest(path.join(dir, 'manifest.json'));
    const definitionFile = path.join(root, 'definition.json');
    const tree = [
      { county: 'county-01-001', precinct: 'precinct-01-001-001' },
      { county: 'county-01-002', precinct: 'precinct-01-002-001' },
    ];
    fs.writeFileSync(definitionFile, JSON.stringify(definition(tree, cityContests), null, 2));
    defDir = path.join(root, 'election-definition');
    runSetup({ out: defDir, keyBits: 1024, trustees: 3, threshold: 2, definition: definitionFile, electionId: 'city-2030' });
    defManifest = loadManifest(path.join(defDir, 'manifest.json'));
  });

  it('change the shape, the trustees and the threshold', () => {
    const ids = manifest.roster.map((e) => e.id);
    expect(ids).toEqual(['national', 'state-01', 'county-01-001', 'precinct-01-001-001', 'county-01-002', 'precinct-01-002-001', 'trustee-01', 'trustee-02', 'trustee-03']);
    expect(returned.nodes).toBe(9);
    expect(manifest.threshold.trustees).toBe(3);
    expect(manifest.threshold.threshold).toBe(2);
    expect(manifest.threshold.verificationKeys).toHaveLength(3);
    expect(fs.readdirSync(path.join(dir, 'shares')).sort()).toEqual(['trustee-01.share', 'trustee-02.share', 'trustee-03.share']);
    expect(fs.readdirSync(path.join(dir, 'nodes'))).toHaveLength(9);
  });

  it('use the definition\'s contests (and its tree)', () => {
    expect(defManifest.contests).toEqual(contests);
    expect(defManifest.roster.map((e) => e.id)).toEqual(manifest.roster.map((e) => e.id));
  });

  it('set the election id, checkpoint interval, closing time and ports', () => {
    expect(manifest.electionId).toBe('city-2030');
    expect(manifest.checkpointInterval).toBe(10);
    expect(manifest.closesAt).toBe(Date.parse('2030-11-05T20:00:00Z'));
    manifest.roster.forEach((e, i) => {
      const c = readConfig(dir, e.id);
      expect(c.listen).toEqual([`/ip4/127.0.0.1/tcp/${30000 + 2 * i}`]);
      expect(c.rest.port).toBe(30000 + 2 * i + 1);
    });
  });

  it('reject a closing time that is not a date, writing nothing', () => {
    const out = path.join(tempDir(), 'bad-date');
    expect(() => runSetup({ out, keyBits: 1024, closesAt: 'next tuesday' })).toThrow(/--closes-at: "next tuesday" is not a date/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('reject a threshold above the number of trustees, writing nothing', () => {
    const out = path.join(tempDir(), 'bad-threshold');
    expect(() => runSetup({ out, keyBits: 1024, trustees: 3, threshold: 4 })).toThrow(/threshold must be 1\.\.3/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('reject a malformed definition file, writing nothing', () => {
    const root = tempDir();
    const file = path.join(root, 'definition.json');
    fs.writeFileSync(file, JSON.stringify(definition([{ county: 'county-01-001', precinct: 'precinct-01-001-001' }], [{ type: 'ranked', id: 'x', title: 'X', district: 'city' }])));
    const out = path.join(root, 'election');
    expect(() => runSetup({ out, keyBits: 1024, definition: file })).toThrow(/contests\[0\]\.type/);
    expect(fs.existsSync(out)).toBe(false);
  });
});
