// The hand-made sample of docs/examples/cvrs/: its reports read under its definition to the
// records and counts its README states, so the example cannot drift from the reader.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDefinition } from '../../../setup/definition/parse-definition.ts';
import { readCvrDirectory } from '../../../sim/cvr/cvr-directory.ts';
import { tabulate } from '../../../sim/cvr/tabulate.ts';
import { REPO_ROOT } from '../../support/paths.ts';

const SAMPLE = path.join(REPO_ROOT, 'docs', 'examples', 'cvrs');
const file = path.join(SAMPLE, 'definition.json');
const def = parseDefinition(JSON.parse(fs.readFileSync(file, 'utf8')), file);

describe('the CVR sample of docs/examples/cvrs', () => {
  const records = readCvrDirectory(path.join(SAMPLE, 'reports'), def);

  it('reads to the records the README lists', () => {
    expect(records.map((r) => [r.recordId, r.precinctId, r.ballotStyleId, r.choices])).toEqual([
      ['north-1', 'p-north', 'bs-north', { council: [0, 3], levy: [0] }],
      ['north-2', 'p-north', 'bs-north', { council: [], levy: [1] }],
      ['north-3', 'p-north', 'bs-north', { council: [3], levy: [] }],
      ['south-1', 'p-south', 'bs-south', { council: [1] }],
      ['south-2', 'p-south', 'bs-south', { council: [2, 3] }],
    ]);
  });

  it('counts to the table of the README', () => {
    const counts = tabulate(def, records);
    expect(Object.fromEntries(counts)).toEqual({ council: [1, 1, 1, 3], levy: [1, 1] });
    const readme = fs.readFileSync(path.join(SAMPLE, 'README.md'), 'utf8');
    for (const row of ['| City Council | Ann Archer | 1 |', '| City Council | Bob Baker | 1 |', '| City Council | Cy Carter | 1 |', '| City Council | Write-in | 3 |', '| School levy | Yes | 1 |', '| School levy | No | 1 |']) {
      expect(readme).toContain(row);
    }
  });
});
