// Reads the import graph of the repository's TypeScript and JavaScript sources, and checks it
// against the layering rules of the architecture test. The checker takes file contents, not the
// disk, so a test can show that a hand-added forbidden edge is caught.
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

export interface ImportEdge {
  from: string;
  /** A repository path for relative imports, else the bare specifier (package or node: module). */
  to: string;
  kind: 'static' | 'dynamic' | 'side-effect';
  line: number;
}

const SOURCE = /\.(ts|mts|mjs|js)$/;
const SKIP = new Set(['node_modules', '.git', 'build', 'dist', 'test-artifacts']);

/** Every source file under root (repository-relative, POSIX separators) with its text. */
export function readSources(root: string, dir = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.startsWith('.')) continue;
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [k, v] of readSources(root, rel)) out.set(k, v);
    else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) out.set(rel, readFileSync(join(root, rel), 'utf8'));
  }
  return out;
}

/** Removes comments and the contents of template literals (code in test strings is not an import). */
function codeOnly(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/[^\n]*/g, (m, p: string) => p + ' '.repeat(m.length - p.length))
    .replace(/`(?:\\[\s\S]|[^`\\])*`/g, (m) => m.replace(/[^\n]/g, ' '));
}

const PATTERNS: { re: RegExp; kind: ImportEdge['kind'] }[] = [
  { re: /^\s*(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]/gm, kind: 'static' },
  { re: /^\s*import\s*['"]([^'"]+)['"]/gm, kind: 'side-effect' },
  { re: /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, kind: 'dynamic' },
];

/** The imports of every file; relative specifiers resolved to repository paths. */
export function importEdges(sources: Map<string, string>): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const [file, text] of sources) {
    const code = codeOnly(text);
    for (const { re, kind } of PATTERNS) {
      for (const m of code.matchAll(new RegExp(re.source, re.flags))) {
        const spec = m[1]!;
        const to = spec.startsWith('.') ? posix.normalize(posix.join(posix.dirname(file), spec)) : spec;
        const line = code.slice(0, m.index).split('\n').length;
        edges.push({ from: file, to, kind, line });
      }
    }
  }
  return edges;
}

const top = (path: string): string => path.split('/')[0]!;
const under = (path: string, folder: string): boolean => path === folder || path.startsWith(`${folder}/`);

/**
 * The layers, lowest first. A module may import its own folder and the folders listed for it;
 * nothing above.
 */
export const ALLOWED_IMPORTS: Record<string, string[]> = {
  errors: [],
  crypto: ['errors'],
  protocol: ['errors', 'crypto'],
  roles: ['crypto', 'protocol'],
  storage: ['errors', 'crypto', 'protocol'],
  threads: ['errors'],
  record: ['errors', 'crypto', 'protocol', 'threads'],
  setup: ['errors', 'crypto', 'protocol', 'record'],
  dashboard: ['errors'],
  node: ['errors', 'crypto', 'protocol', 'roles', 'storage', 'record', 'setup', 'threads', 'dashboard'],
  cli: ['errors', 'crypto', 'protocol', 'roles', 'storage', 'record', 'setup', 'threads', 'node', 'sim'],
  // The simulation drives nodes the way a user does, through the CLI's commands and REST.
  sim: ['errors', 'crypto', 'protocol', 'roles', 'storage', 'record', 'setup', 'threads', 'node', 'cli'],
  // The start-up benchmark asks the launcher's build check whether dist/ is current.
  bench: ['errors', 'crypto', 'protocol', 'roles', 'storage', 'record', 'setup', 'threads', 'node', 'sim', 'bin'],
};

/** node: modules a pure layer may use: crypto/ needs Node's OpenSSL and the addon loader; protocol/ none. */
export const ALLOWED_NODE_MODULES: Record<string, string[]> = {
  errors: [],
  crypto: ['node:crypto', 'node:module'],
  protocol: [],
  roles: [],
};

/** The only files that may load polyfill.ts for its side effect: entry points. */
export const POLYFILL_ENTRY_POINTS = ['bin/tallymesh.js', 'threads/worker-entry.mjs', 'vitest.config.ts', 'bench/run.ts', 'bench/node-memory.bench.ts', 'sim/us-scale/run.ts', 'sim/network/node-shard.ts'];

/** What the command-line program loads before any command runs may take from sim/ (defaults only). */
export const CLI_SIM_ALLOWED = ['sim/network/simulation-options.ts'];

export interface Violation {
  rule: string;
  edge?: ImportEdge;
  detail: string;
}

function closure(sources: Map<string, string>, edges: ImportEdge[], start: string): Set<string> {
  const byFrom = new Map<string, ImportEdge[]>();
  for (const e of edges) if (e.kind !== 'dynamic') byFrom.set(e.from, [...(byFrom.get(e.from) ?? []), e]);
  const seen = new Set<string>([start]);
  const queue = [start];
  while (queue.length) {
    for (const e of byFrom.get(queue.pop()!) ?? []) {
      if (sources.has(e.to) && !seen.has(e.to)) {
        seen.add(e.to);
        queue.push(e.to);
      }
    }
  }
  return seen;
}

/** Every broken rule of the graph. */
export function checkArchitecture(sources: Map<string, string>): Violation[] {
  const edges = importEdges(sources);
  const out: Violation[] = [];
  for (const e of edges) {
    const from = top(e.from);
    const repo = sources.has(e.to);
    // Layers.
    const allowed = ALLOWED_IMPORTS[from];
    if (allowed && repo) {
      const to = top(e.to);
      // polyfill.ts has its own rule below.
      if (to !== from && to !== 'polyfill.ts' && !allowed.includes(to)) out.push({ rule: 'layers', edge: e, detail: `${from}/ may not import ${to}/ (${e.from}:${e.line} -> ${e.to})` });
    }
    // Pure layers and Node's I/O modules.
    const nodeModules = ALLOWED_NODE_MODULES[from];
    if (nodeModules && e.to.startsWith('node:') && !nodeModules.includes(e.to)) {
      out.push({ rule: 'pure-layers', edge: e, detail: `${from}/ may not use ${e.to} (${e.from}:${e.line})` });
    }
    // The network layer takes artifacts through protocol/, never through the roles.
    if (under(e.from, 'node/network') && repo && under(e.to, 'roles')) out.push({ rule: 'network-no-roles', edge: e, detail: `${e.from}:${e.line} imports ${e.to}` });
    // The dashboard's client and the REST server: only the server side may import the other.
    if (under(e.from, 'dashboard') && repo && under(e.to, 'node')) out.push({ rule: 'dashboard-rest', edge: e, detail: `${e.from}:${e.line} imports ${e.to}` });
    // Polyfills belong to entry points.
    if (e.kind === 'side-effect' && /(^|\/)polyfill\.ts$/.test(e.to) && !POLYFILL_ENTRY_POINTS.includes(e.from) && !under(e.from, 'test')) {
      out.push({ rule: 'polyfill-in-entry-points', edge: e, detail: `${e.from}:${e.line} loads polyfill.ts; only entry points may` });
    }
  }
  // The command-line program: nothing of the simulation is loaded before `simulate` runs.
  if (sources.has('cli/cli.ts')) {
    for (const f of closure(sources, edges, 'cli/cli.ts')) {
      if (under(f, 'sim') && !CLI_SIM_ALLOWED.includes(f)) out.push({ rule: 'cli-lazy-simulation', detail: `cli/cli.ts loads ${f} statically; import it in the command's action` });
    }
  }
  // One error base.
  for (const [file, text] of sources) {
    if (under(file, 'test')) continue;
    for (const m of codeOnly(text).matchAll(/class\s+(\w+)\s+extends\s+(Error|RangeError|TypeError)\b/g)) {
      if (!under(file, 'errors')) out.push({ rule: 'one-error-base', detail: `${file}: ${m[1]} extends ${m[2]}; extend TallyMeshError (errors/tallymesh-error.ts)` });
    }
  }
  return out;
}
