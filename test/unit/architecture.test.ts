// The layers are enforced, not described: every import of the tree is read and checked against
// the rules of test/support/import-graph.ts (lowest layer first: errors, crypto, protocol, roles,
// storage, threads, record, setup, dashboard, node, cli, sim, bench). The same checker is shown
// to fail on hand-made trees that add each kind of forbidden edge.
import { describe, expect, it } from 'vitest';
import { checkArchitecture, importEdges, readSources } from '../support/import-graph.ts';
import { REPO_ROOT } from '../support/paths.ts';

const tree = readSources(REPO_ROOT);

describe('the repository', () => {
  it('has every layer in the graph it checks', () => {
    for (const folder of ['errors', 'crypto', 'protocol', 'roles', 'storage', 'threads', 'record', 'setup', 'dashboard', 'node', 'cli', 'sim', 'bench']) {
      expect([...tree.keys()].some((f) => f.startsWith(`${folder}/`)), folder).toBe(true);
    }
    expect(importEdges(tree).length).toBeGreaterThan(500);
  });

  it('breaks none of the rules', () => {
    expect(checkArchitecture(tree).map((v) => `${v.rule}: ${v.detail}`)).toEqual([]);
  });
});

describe('the checker', () => {
  /** The real tree with one file added or replaced. */
  const withFile = (path: string, text: string): Map<string, string> => new Map([...tree, [path, text]]);
  const rules = (sources: Map<string, string>): string[] => [...new Set(checkArchitecture(sources).map((v) => v.rule))];

  it('fails when protocol/ imports node/ or storage/, or uses a node: I/O module', () => {
    expect(rules(withFile('protocol/bad.ts', "import { TallyNode } from '../node/tally-node.ts';\n"))).toEqual(['layers']);
    expect(rules(withFile('protocol/bad.ts', "import { BallotLog } from '../storage/ballot-log.ts';\n"))).toEqual(['layers']);
    expect(rules(withFile('protocol/bad.ts', "import { randomBytes } from 'node:crypto';\n"))).toEqual(['pure-layers']);
    expect(rules(withFile('crypto/bad.ts', "import { readFileSync } from 'node:fs';\n"))).toEqual(['pure-layers']);
  });

  it('fails when a role imports anything but protocol/ and crypto/', () => {
    expect(rules(withFile('roles/bad.ts', "import { ArtifactStore } from '../storage/artifact-store.ts';\n"))).toEqual(['layers']);
    expect(rules(withFile('roles/bad.ts', "import { readFileSync } from 'node:fs';\n"))).toEqual(['pure-layers']);
  });

  it('fails when the network layer imports a role', () => {
    expect(rules(withFile('node/network/bad.ts', "import { AggregatorRole } from '../../roles/aggregator.ts';\n"))).toEqual(['network-no-roles']);
  });

  it('fails when a library module loads the polyfill, or the dashboard imports node/', () => {
    expect(rules(withFile('node/bad.ts', "import '../polyfill.ts';\n"))).toEqual(['polyfill-in-entry-points']);
    expect(rules(withFile('dashboard/client/bad.ts', "import type { NodeApi } from '../../node/api/node-api.ts';\n"))).toEqual(['layers', 'dashboard-rest']);
  });

  it('fails when the CLI loads the simulation statically, but not when it imports it in an action', () => {
    const cli = tree.get('cli/cli.ts')!;
    expect(rules(withFile('cli/cli.ts', `${cli}\nimport { runSimulation } from '../sim/network/simulation.ts';\n`))).toEqual(['cli-lazy-simulation']);
    expect(rules(withFile('cli/cli.ts', `${cli}\nexport const later = () => import('../sim/network/simulation.ts');\n`))).toEqual([]);
  });

  it('fails for an error class that does not extend the one base', () => {
    expect(rules(withFile('node/bad.ts', 'export class OddError extends Error {}\n'))).toEqual(['one-error-base']);
  });

  it('ignores imports written inside comments and template strings (code a test runs elsewhere)', () => {
    expect(rules(withFile('protocol/ok.ts', "// import { x } from '../node/tally-node.ts';\nexport const code = `\nimport { y } from '../node/tally-node.ts';\n`;\n"))).toEqual([]);
  });
});
