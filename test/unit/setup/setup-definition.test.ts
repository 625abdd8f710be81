// `tallymesh setup --definition FILE` over the sample definitions: native and VxSuite (placed
// under the state --state-id names), refusals named by file, path and reason, and the ballot
// styles the manifest then carries.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSetup } from '../../../cli/commands/setup-command.ts';
import { ElectionContext } from '../../../protocol/election.ts';
import { loadManifest } from '../../../setup/setup-files.ts';
import { DefinitionError } from '../../../setup/definition/election-definition.ts';
import { REPO_ROOT } from '../../support/paths.ts';

const sample = (name: string): string => path.join(REPO_ROOT, 'docs/examples/definitions', name);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-setup-def-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const out = (): string => path.join(root, `e${++n}`);

describe('setup --definition', () => {
  it('sets up the fictional county: every precinct gets its ballot styles, every contest a scope', () => {
    const dir = out();
    runSetup({ out: dir, keyBits: 1024, trustees: 3, threshold: 2, definition: sample('county.json') });
    const ctx = new ElectionContext(loadManifest(path.join(dir, 'manifest.json')));
    expect(ctx.manifest.districts.length).toBeGreaterThanOrEqual(3);
    expect(ctx.manifest.contests.length).toBeGreaterThanOrEqual(12);
    expect(ctx.manifest.ballotStyles.length).toBeGreaterThan(1);
    const precincts = ctx.manifest.roster.filter((e) => e.role === 'precinct');
    expect(precincts.length).toBeGreaterThanOrEqual(8);
    for (const p of precincts) expect(p.ballotStyles.length).toBeGreaterThan(0);
    expect(ctx.manifest.contests.some((c) => c.kind === 'approval' && c.selectionLimit > 1)).toBe(true);
    expect(ctx.manifest.contests.some((c) => c.writeIn && c.options.at(-1) === 'Write-in')).toBe(true);
    // One county: every contest is counted there.
    expect(ctx.scopes.scopes.map((s) => ctx.index.node(s.scopeId).role)).toEqual(['county']);
  });

  it('imports a VxSuite election.json under the state --state-id names', () => {
    const dir = out();
    runSetup({ out: dir, keyBits: 1024, trustees: 3, threshold: 2, definition: sample('vxsuite-county.json'), stateId: 'state-vx', stateFips: '39' });
    const m = loadManifest(path.join(dir, 'manifest.json'));
    const state = m.roster.find((e) => e.role === 'state')!;
    expect([state.id, state.fips]).toEqual(['state-vx', '39']);
    expect(m.roster.filter((e) => e.role === 'county')).toHaveLength(1);
    expect(m.parties.length).toBeGreaterThan(0);
    expect(m.ballotStyles.some((s) => s.partyId !== '')).toBe(true);
  });

  it('refuses a VxSuite file without --state-id, and says what is missing', () => {
    const err = (() => {
      try {
        runSetup({ out: out(), keyBits: 1024, definition: sample('vxsuite-county.json') });
      } catch (e) {
        return e;
      }
    })() as DefinitionError;
    expect(err).toBeInstanceOf(DefinitionError);
    expect(err.path).toBe('place.stateId');
    expect(err.message).toContain('--state-id');
  });

  it('refuses a definition whose contest names an undefined district, naming file and path', () => {
    const def = JSON.parse(fs.readFileSync(sample('two-state.json'), 'utf8')) as { contests: { district: string }[] };
    def.contests[0]!.district = 'no-such-district';
    const file = path.join(root, 'bad.json');
    fs.writeFileSync(file, JSON.stringify(def));
    expect(() => runSetup({ out: out(), keyBits: 1024, definition: file })).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\$\\.contests\\[0\\]\\.district: district "no-such-district" is not defined`));
  });

  it('refuses an unknown --format and an unreadable file', () => {
    expect(() => runSetup({ out: out(), definition: sample('two-state.json'), format: 'xml' })).toThrow(/--format: "xml"/);
    expect(() => runSetup({ out: out(), definition: path.join(root, 'missing.json') })).toThrow(/--definition .*missing\.json/);
  });
});
