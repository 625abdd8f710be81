// `tallymesh simulate`: setup, an in-process election of the default shape, its record and its
// verification, ending with expected-versus-announced counts. (The networked simulation lives in
// scripts/simulate-network/ once nodes run over libp2p.)
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateElection } from '../election-setup.ts';
import { runInProcessElection } from '../in-process-election.ts';
import { writeRecord, writeJSON } from '../record-files.ts';
import { writeSetup } from '../setup-files.ts';
import { runVerify } from './verify-command.ts';

export interface SimulateOptions {
  ballots?: number;
  seed?: string;
  out?: string;
  keyBits?: number;
}

const say = (line: string): void => {
  process.stdout.write(line + '\n');
};

export async function runInProcessSimulation(o: SimulateOptions): Promise<boolean> {
  const out = o.out ?? mkdtempSync(join(tmpdir(), 'tallymesh-sim-'));
  if (existsSync(join(out, 'election', 'manifest.json'))) throw new Error(`${out} already holds an election`);
  const ballots = o.ballots ?? 10;
  say(`setup: generating a ${o.keyBits ?? 2048}-bit threshold key (5 of 9) and node keys…`);
  let t = performance.now();
  const election = generateElection({ ...(o.keyBits ? { keyBits: o.keyBits } : {}) });
  writeSetup(join(out, 'election'), election);
  const setupMs = performance.now() - t;
  say(`setup: done in ${(setupMs / 1000).toFixed(1)} s; election ${election.manifest.electionId}`);
  let last = 0;
  const outcome = runInProcessElection(election, {
    ballotsPerPrecinct: ballots,
    seed: o.seed ?? 'tallymesh',
    onProgress: (phase, done, total) => {
      const now = Date.now();
      if (now - last > 500 || done === total) {
        last = now;
        process.stdout.write(`\r${phase}: ${done}/${total} ballots encrypted, proved, validated and counted`);
        if (done === total) process.stdout.write('\n');
      }
    },
  });
  writeRecord(join(out, 'record'), outcome.record);
  writeJSON(join(out, 'expected-counts.json'), Object.fromEntries([...outcome.expected].map(([k, v]) => [k, v.map(String)])));
  t = performance.now();
  const verification = runVerify(join(out, 'record'), { print: say });
  const verifyMs = performance.now() - t;

  say('\ncontest / option            expected  announced');
  let correct = true;
  for (const contest of outcome.ctx.manifest.contests) {
    const announced = outcome.result.contests.find((c) => c.contestId === contest.id)!.counts;
    const expected = outcome.expected.get(contest.id) ?? [];
    contest.options.forEach((name, i) => {
      const e = Number(expected[i] ?? 0n);
      const a = announced[i]!;
      if (e !== a) correct = false;
      say(`${`${contest.id} / ${name}`.padEnd(28)}${String(e).padStart(8)}${String(a).padStart(11)}${e === a ? '' : '  MISMATCH'}`);
    });
  }
  say('\nphase                 seconds');
  for (const [phase, ms] of Object.entries({ setup: setupMs, ...outcome.timings, verification: verifyMs })) {
    say(`${phase.padEnd(20)}${(ms / 1000).toFixed(2).padStart(9)}`);
  }
  const ok = correct && verification.ok;
  say(`\n${ok ? 'OK' : 'FAILED'}: result ${correct ? 'matches' : 'does NOT match'} the simulated voters; verification ${verification.ok ? 'passed' : 'FAILED'}. Files in ${out}`);
  return ok;
}
