// Rows, the results table, the machine notes and bench/RESULTS.md (one marked section per suite,
// so that the crypto, storage and network benchmarks can share the file without overwriting
// each other).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { formatRatio, formatStats, markdownTable, sig, type Stats } from './harness.ts';

export type RowUnit = 'time' | 'bytes' | 'rate';

export interface Row {
  /** Stable id used by the command-line filter, e.g. "crypto/verify". */
  id: string;
  operation: string;
  unit: RowUnit;
  /** Time stats, or a plain number for bytes (B) and rates (per second). */
  ours: Stats | number;
  obvious?: Stats | number;
  /** Extra text after the numbers, e.g. "(max 3,870 B)". */
  oursNote?: string;
  obviousNote?: string;
  target?: string;
  met?: boolean;
}

export interface SuiteOptions {
  quick: boolean;
  /** True for the row ids to run. */
  selected: (id: string) => boolean;
  log: (message: string) => void;
}

export interface SuiteOutput {
  rows: Row[];
  /** The suite's RESULTS.md section body (between its markers). */
  markdown: string;
}

export interface Suite {
  name: string;
  /** Every row id the suite can produce, for the filter and --list. */
  ids: string[];
  run(options: SuiteOptions): Promise<SuiteOutput>;
}

function valueOf(x: Stats | number): number {
  return typeof x === 'number' ? x : x.median;
}

/** How many times better TallyMesh is (below 1: the obvious implementation is better). */
export function rowRatio(row: Row): number | undefined {
  if (row.obvious === undefined) return undefined;
  const ours = valueOf(row.ours);
  const obvious = valueOf(row.obvious);
  return row.unit === 'rate' ? ours / obvious : obvious / ours;
}

function formatValue(unit: RowUnit, x: Stats | number): string {
  if (typeof x !== 'number') return formatStats(x);
  if (unit === 'bytes') return `${Math.round(x).toLocaleString('en-US')} B`;
  if (unit === 'rate') return `${sig(x)} /s`;
  return `${sig(x)} ms`;
}

export function resultsTable(rows: Row[]): string {
  const header = ['operation (2048-bit key)', 'TallyMesh median (min–max)', 'obvious median (min–max)', 'ratio', 'target', 'met?'];
  const body = rows.map((r) => {
    const ratio = rowRatio(r);
    return [
      r.operation,
      formatValue(r.unit, r.ours) + (r.oursNote ? ` ${r.oursNote}` : ''),
      r.obvious === undefined ? '—' : formatValue(r.unit, r.obvious) + (r.obviousNote ? ` ${r.obviousNote}` : ''),
      ratio === undefined ? '—' : formatRatio(ratio),
      r.target ?? '—',
      r.met === undefined ? '—' : r.met ? 'yes' : '**no**',
    ];
  });
  return markdownTable(header, body);
}

// ---------------------------------------------------------------------------------------------
// Machine notes

export interface MachineInfo {
  cores: string;
  memory: string;
  cpu: string;
  node: string;
  os: string;
  date: string;
  load: string;
}

function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim();
    const mhz = /^cpu MHz\s*:\s*(.+)$/m.exec(info)?.[1]?.trim();
    const flags = /^flags\s*:\s*(.+)$/m.exec(info)?.[1] ?? '';
    const extras = ['adx', 'bmi2', 'avx2', 'avx512f'].filter((f) => new RegExp(`\\b${f}\\b`).test(flags));
    return [model ?? os.cpus()[0]?.model ?? 'unknown', mhz ? `${Number(mhz).toFixed(0)} MHz` : '', extras.length ? `flags: ${extras.join(', ')}` : '']
      .filter(Boolean)
      .join(', ');
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

function nproc(): string {
  try {
    return execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    return String(os.availableParallelism());
  }
}

export function machineInfo(): MachineInfo {
  const load = os.loadavg().map((x) => x.toFixed(2)).join(', ');
  return {
    cores: `${nproc()} (nproc)`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB total`,
    cpu: cpuModel(),
    node: `${process.version} (V8 ${process.versions.v8}, OpenSSL ${process.versions.openssl})`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    load,
  };
}

export function machineMarkdown(m: MachineInfo, loadAfter?: string): string {
  return [
    `- Date: ${m.date}`,
    `- CPU: ${m.cpu}`,
    `- Cores: ${m.cores}`,
    `- Memory: ${m.memory}`,
    `- Node: ${m.node}`,
    `- OS: ${m.os}`,
    `- Load average (1, 5, 15 min) at start: ${m.load}${loadAfter ? `; at end: ${loadAfter}` : ''}`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// bench/RESULTS.md

const FILE_HEADER = `# TallyMesh benchmark results

Written by \`npm run bench\` (\`node --import tsx bench/run.ts\`). Each suite owns the section between
its \`<!-- name:begin -->\` and \`<!-- name:end -->\` markers and rewrites only that section; text outside the
markers is kept as it is.
`;

/** Replaces (or appends) the section between `<!-- suite:begin -->` and `<!-- suite:end -->`. */
export function writeSection(path: string, suite: string, body: string): void {
  const begin = `<!-- ${suite}:begin -->`;
  const end = `<!-- ${suite}:end -->`;
  const block = `${begin}\n${body.trim()}\n${end}`;
  let text = existsSync(path) ? readFileSync(path, 'utf8') : FILE_HEADER;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i >= 0 && j > i) {
    text = text.slice(0, i) + block + text.slice(j + end.length);
  } else if (i >= 0 || j >= 0) {
    throw new Error(`${path}: the ${suite} markers are incomplete or out of order; fix the file by hand`);
  } else {
    text = `${text.trimEnd()}\n\n${block}\n`;
  }
  writeFileSync(path, text);
}
