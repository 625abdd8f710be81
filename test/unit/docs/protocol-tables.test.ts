// The spec restates the code in tables (fields, type indexes, record files, error codes, checks);
// these tests fail when a table and the code drift apart, or when the code hashes under a domain
// the spec does not list.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACT_TYPES } from '../../../protocol/artifact.ts';
import { BLOCKS, GENERATED_DOCS, blocksIn, fieldTable, regenerate } from '../../../scripts/protocol-tables.ts';
import { AggregateTally, PrecinctTally } from '../../../protocol/tally.ts';
import { REPO_ROOT } from '../../support/paths.ts';

const read = (rel: string): string => fs.readFileSync(path.join(REPO_ROOT, rel), 'utf8');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(REPO_ROOT, dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f));
}

describe('generated tables in the docs', () => {
  it.each(GENERATED_DOCS)('%s holds exactly what the code generates (run scripts/protocol-tables.ts after changing a schema)', (rel) => {
    const doc = read(rel);
    expect(regenerate(doc)).toBe(doc);
  });

  it('protocol.md has the field table of the manifest and of every artifact type, and the other tables once each', () => {
    const names = blocksIn(read('docs/protocol.md'));
    for (const t of ['manifest', ...ARTIFACT_TYPES]) expect(names.filter((n) => n === `fields ${t}`)).toHaveLength(1);
    for (const n of ['artifact-types', 'record-files', 'error-status']) expect(names.filter((x) => x === n)).toHaveLength(1);
    expect(blocksIn(read('docs/verification.md'))).toEqual(['checks']);
  });

  it('a stale table is detected, and an unknown block is an error', () => {
    const doc = read('docs/protocol.md');
    const stale = doc.replace('| `ballotCount` | u32, big-endian |', '| `ballotCount` | u64, big-endian |');
    expect(stale).not.toBe(doc);
    expect(regenerate(stale)).toBe(doc);
    expect(() => regenerate('<!-- generated:fields nothing -->\n<!-- /generated -->')).toThrow(/unknown generated block "fields nothing"/);
  });

  it('tables state each field\'s width, limit and enum order from the schema', () => {
    expect(fieldTable(PrecinctTally.schema)).toContain('| `ballotCount` | u32, big-endian | number |  | ballots counted, < 2^slotBits |');
    expect(fieldTable(AggregateTally.schema)).toContain('| `ballotCount` | u64, big-endian | number | ≤ 2^53 − 1 |');
    expect(fieldTable(AggregateTally.schema)).toContain('0 `county`, 1 `state`, 2 `national`');
    expect(fieldTable(AggregateTally.schema)).toContain('| `children` | u32 count ‖ items | array | ≤ 100,000 items |');
    expect(Object.keys(BLOCKS)).toContain('fields result');
  });

  it('every hash domain the code uses is listed in protocol.md\'s table of hash domains', () => {
    const doc = read('docs/protocol.md');
    const table = doc.slice(doc.indexOf('### Hash domains'), doc.indexOf('## 2.'));
    const domains = new Set<string>();
    for (const file of [...sourceFiles('crypto'), ...sourceFiles('protocol')]) {
      for (const m of read(file).matchAll(/'(tallymesh\/[a-z0-9/.-]+)'/g)) domains.add(m[1]!);
    }
    expect(domains.size).toBeGreaterThanOrEqual(10);
    for (const d of domains) expect(table, d).toContain('`' + d + '`');
  });
});
