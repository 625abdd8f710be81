// A networked election of a real-shaped definition (districts, ballot styles, contests at county,
// state and national scope) whose voters are cast vote records in NIST SP 1500-103 JSON: each
// record encrypted, proved and cast at its precinct over REST, counted over libp2p, decrypted per
// scope; the announced counts must equal a plain tabulation of the same records. Ports 28000+.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSimulation } from '../../sim/network/simulation.ts';
import { parseDefinition } from '../../setup/definition/parse-definition.ts';
import { randomCastRecords, writeCvrReport } from '../../sim/cvr/write-cvr.ts';
import { tabulate } from '../../sim/cvr/tabulate.ts';
import { REPO_ROOT } from '../support/paths.ts';

const TWO_STATE = path.join(REPO_ROOT, 'docs/examples/definitions/two-state.json');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-cvr-sim-'));

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('simulate --definition --cvrs', () => {
  it('casts every cast vote record as one ballot and announces exactly their plain tabulation, contest by contest at its scope', async () => {
    const definition = parseDefinition(JSON.parse(fs.readFileSync(TWO_STATE, 'utf8')), TWO_STATE);
    const records = randomCastRecords(definition, 40, 'e2e');
    const cvrs = path.join(root, 'cvrs');
    fs.mkdirSync(cvrs);
    fs.writeFileSync(path.join(cvrs, 'scanner-1.json'), JSON.stringify(writeCvrReport(definition, records.slice(0, 25))));
    fs.writeFileSync(path.join(cvrs, 'scanner-2.json'), JSON.stringify(writeCvrReport(definition, records.slice(25))));
    const lines: string[] = [];
    const outcome = await runSimulation({ definition, cvrsDir: cvrs, keyBits: 1024, basePort: 28000, live: false, timeoutMs: 240_000, out: path.join(root, 'run'), print: (l) => lines.push(l) });
    expect(outcome.problems).toEqual([]);
    expect(outcome.fromRecords).toBe(true);
    expect(outcome.checks.map((c) => c.status)).toEqual(new Array(9).fill('pass'));
    const plain = tabulate(definition, records);
    expect(outcome.announced).toBeDefined();
    for (const c of definition.contests) expect(outcome.announced!.get(c.id), c.id).toEqual(plain.get(c.id));
    expect(outcome.ok).toBe(true);
    // The result serves every contest with its scope, and the record holds one ballot per record.
    const result = JSON.parse(fs.readFileSync(path.join(outcome.out, 'record', 'result.json'), 'utf8')) as { ballotCount: number; scopes: { scopeId: string; contests: { contestId: string }[] }[] };
    expect(result.ballotCount).toBe(40);
    const scopeIds = result.scopes.map((s) => s.scopeId);
    expect(scopeIds).toContain(definition.national.id);
    expect(scopeIds).toContain(definition.states[0]!.id);
    expect(result.scopes.flatMap((s) => s.contests.map((c) => c.contestId)).sort()).toEqual(definition.contests.map((c) => c.id).sort());
  }, 400_000);

  it('refuses --cvrs without a definition, naming what is missing', async () => {
    await expect(runSimulation({ cvrsDir: root, keyBits: 1024, basePort: 28200, live: false, out: path.join(root, 'refused'), print: () => undefined })).rejects.toThrow(/--cvrs needs --definition/);
  });
});
