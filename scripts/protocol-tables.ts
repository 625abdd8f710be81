// The tables of docs/protocol.md and docs/verification.md that restate code: every artifact's
// fields (from the codec schemas, protocol/codec.ts), the artifact type indexes, the record's
// files and size limits, the REST error codes and the numbered checks. Each sits between
//   <!-- generated:NAME -->  and  <!-- /generated -->
// and is rewritten by `node --import tsx scripts/protocol-tables.ts`; a unit test fails when the
// docs and the code disagree (test/unit/docs/protocol-tables.test.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RECORD_FILE_LIMITS } from '../record/record-dir.ts';
import { STATUS_BY_CODE } from '../node/rest/errors.ts';
import { ARTIFACT_TYPES } from '../protocol/artifact.ts';
import type { Schema, SchemaSpec } from '../protocol/codec.ts';
import { ManifestSchema } from '../protocol/manifest.ts';
import { MAX_FRAMED_ITEM } from '../protocol/record.ts';
import { ARTIFACT_CODECS } from '../protocol/validated-artifact.ts';
import { CHECKS, RECEIPT_CHECKS } from '../protocol/verify/checks.ts';
import { recordFile } from '../protocol/verify/record-source.ts';

const cell = (s: string): string => s.replace(/\|/g, '\\|');
const code = (s: string): string => '`' + s + '`';
const MiB = 1024 * 1024;
const size = (bytes: number): string => (bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${bytes} bytes`);

function encoding(spec: SchemaSpec): { bytes: string; json: string; limits: string } {
  switch (spec.kind) {
    case 'uint': {
      const full = spec.bytes === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * spec.bytes) - 1;
      const limits = spec.bytes === 8 && spec.max === Number.MAX_SAFE_INTEGER ? '≤ 2^53 − 1' : spec.max < full ? `≤ ${spec.max}` : '';
      return { bytes: spec.bytes === 1 ? 'u8' : `u${spec.bytes * 8}, big-endian`, json: 'number', limits };
    }
    case 'bool':
      return { bytes: 'u8', json: 'boolean', limits: '0 (false) or 1 (true)' };
    case 'text':
      return {
        bytes: 'u16 length ‖ UTF-8',
        json: 'string',
        limits: `≤ ${spec.maxBytes} bytes` + (spec.pattern ? `; matches ${code(cell(spec.pattern))}` : ''),
      };
    case 'bytes':
      return { bytes: `${spec.length} bytes`, json: `hex, ${spec.length * 2} digits`, limits: '' };
    case 'biguint':
      return { bytes: 'u16 length ‖ minimal big-endian', json: 'hex integer', limits: `≤ ${Math.ceil(spec.maxBits / 8)} bytes (< 2^${spec.maxBits})` };
    case 'enum':
      return { bytes: 'u8 index', json: 'string', limits: spec.values.map((v, i) => `${i} ${code(v)}`).join(', ') };
    case 'list':
      return { bytes: 'u32 count ‖ items', json: 'array', limits: `≤ ${spec.maxLength.toLocaleString('en-US')} items` };
    case 'struct':
      return { bytes: 'its fields, in order', json: 'object', limits: '' };
  }
}

function rows(spec: SchemaSpec, path: string, out: string[]): void {
  if (path) {
    const e = encoding(spec);
    out.push(`| ${code(path)} | ${e.bytes} | ${e.json} | ${e.limits} | ${cell(spec.note ?? '')} |`);
  }
  if (spec.kind === 'struct') for (const [name, field] of spec.fields) rows(field, path ? `${path}.${name}` : name, out);
  // Every list gets a row for its items, so that an item's encoding is never left to be guessed.
  if (spec.kind === 'list') rows(spec.item, `${path}[i]`, out);
}

/** One artifact's field table: every field in encoding order, nested fields by path. */
export function fieldTable(schema: Schema<unknown>): string {
  const out = ['| field | bytes | JSON | limits | meaning |', '|---|---|---|---|---|'];
  rows(schema.spec, '', out);
  return out.join('\n');
}

// Signed artifacts are the ones whose codec has a separate body (protocol/artifact.ts).
const SIGNED = new Set<string>(ARTIFACT_TYPES.filter((t) => 'body' in ARTIFACT_CODECS[t]));

function artifactTypes(): string {
  const out = ['| index | type | signed | signature message prefix | content hash |', '|---|---|---|---|---|'];
  ARTIFACT_TYPES.forEach((t, i) => {
    const prefix = SIGNED.has(t) ? code(`"tallymesh/sig/v1/${t}\\0"`) : '— (anonymous)';
    out.push(`| ${i} | ${code(t)} | ${SIGNED.has(t) ? 'yes' : 'no'} | ${prefix} | ${code(`H("tallymesh/artifact/v1"; "${t}", bytes)`)} |`);
  });
  return out.join('\n');
}

function recordFiles(): string {
  const out = ['| file | contents | at most |', '|---|---|---|'];
  const row = (file: string, contents: string, limit: number): void => void out.push(`| ${code(file)} | ${contents} | ${size(limit)} |`);
  row(recordFile.manifest, 'the manifest\'s canonical bytes', RECORD_FILE_LIMITS.manifest);
  row(recordFile.manifestView, 'the manifest\'s JSON view; optional; must equal manifest.bin', RECORD_FILE_LIMITS.manifestView);
  row(recordFile.ballots('<precinctId>'), `the precinct's ballots in log order, each as u32 length ‖ canonical bytes (each ≤ ${size(MAX_FRAMED_ITEM)}); empty file: no ballots`, RECORD_FILE_LIMITS.ballots);
  row(recordFile.tally({ id: '<precinctId>', role: 'precinct' }), 'the precinct tally of that precinct, bare canonical bytes', RECORD_FILE_LIMITS.tally);
  row(recordFile.tally({ id: '<nodeId>', role: 'county' }), 'the aggregate tally of that county, state or national node, bare canonical bytes', RECORD_FILE_LIMITS.tally);
  row(recordFile.partial('<trusteeId>'), 'the partial decryption of that trustee, bare canonical bytes', RECORD_FILE_LIMITS.partial);
  row(recordFile.result, 'the result, bare canonical bytes', RECORD_FILE_LIMITS.result);
  row(recordFile.resultView, 'the result\'s JSON view; optional; must equal result.bin', RECORD_FILE_LIMITS.resultView);
  return out.join('\n');
}

function errorStatus(): string {
  const byStatus = new Map<number, string[]>();
  for (const [c, status] of Object.entries(STATUS_BY_CODE)) byStatus.set(status, [...(byStatus.get(status) ?? []), c]);
  const out = ['| status | codes |', '|---|---|'];
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) out.push(`| ${status} | ${byStatus.get(status)!.map(code).join(', ')} |`);
  return out.join('\n');
}

function checkList(): string {
  const out = ['| # | name | what passes |', '|---|---|---|'];
  for (const c of [...CHECKS, ...RECEIPT_CHECKS]) out.push(`| ${c.number} | ${code(c.name)} | ${cell(c.title)} |`);
  return out.join('\n');
}

/** Every generated block by name. */
export const BLOCKS: Record<string, () => string> = {
  'fields manifest': () => fieldTable(ManifestSchema),
  ...Object.fromEntries(Object.entries(ARTIFACT_CODECS).map(([type, codec]) => [`fields ${type}`, () => fieldTable(codec.schema as Schema<unknown>)])),
  'artifact-types': artifactTypes,
  'record-files': recordFiles,
  'error-status': errorStatus,
  checks: checkList,
};

const BLOCK = /(<!-- generated:([a-z -]+) -->\n)([\s\S]*?)(<!-- \/generated -->)/g;

/** The document with every generated block rewritten; throws on an unknown block name. */
export function regenerate(doc: string): string {
  return doc.replace(BLOCK, (_all, open: string, name: string, _old: string, close: string) => {
    const render = BLOCKS[name];
    if (!render) throw new Error(`unknown generated block "${name}"`);
    return `${open}${render()}\n${close}`;
  });
}

/** The names of the generated blocks a document holds. */
export function blocksIn(doc: string): string[] {
  return [...doc.matchAll(BLOCK)].map((m) => m[2]!);
}

export const GENERATED_DOCS = ['docs/protocol.md', 'docs/verification.md'];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(fileURLToPath(import.meta.url), '..', '..');
  for (const rel of GENERATED_DOCS) {
    const file = join(root, rel);
    const before = readFileSync(file, 'utf8');
    const after = regenerate(before);
    if (after !== before) writeFileSync(file, after);
    console.log(`${rel}: ${blocksIn(after).length} generated blocks${after === before ? '' : ' (updated)'}`);
  }
}
