// A small election written to a temp folder, for tests that start real nodes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateElection, type GeneratedElection, type SetupOptions } from '../../setup/election-setup.ts';
import { writeSetup } from '../../setup/setup-files.ts';

export interface ElectionFolder {
  dir: string;
  election: GeneratedElection;
  cleanup(): void;
}

export function writeTestElection(options: Partial<SetupOptions> = {}): ElectionFolder {
  const dir = mkdtempSync(join(tmpdir(), 'tm-net-'));
  const election = generateElection({ keyBits: 1024, states: 1, countiesPerState: 1, precinctsPerCounty: 2, trustees: 3, threshold: 2, checkpointInterval: 5, ...options });
  writeSetup(dir, election, { host: '127.0.0.1', basePort: 0 });
  return { dir, election, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Polls until `check` returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
