// `tallymesh setup --out DIR`: runs the setup ceremony and writes the election's files.
import { readFileSync } from 'node:fs';
import { contestsFromJSON } from '../../protocol/contests.ts';
import { DEFAULT_SETUP, generateElection, type SetupOptions } from '../../setup/election-setup.ts';
import { DEFAULT_PORTS, writeSetup } from '../../setup/setup-files.ts';

export interface SetupCommandOptions {
  out: string;
  states?: number;
  counties?: number;
  precincts?: number;
  trustees?: number;
  threshold?: number;
  keyBits?: number;
  contests?: string;
  checkpointInterval?: number;
  basePort?: number;
  opensAt?: string;
  closesAt?: string;
  combiner?: string;
  electionId?: string;
}

export function runSetup(o: SetupCommandOptions): { manifestPath: string; nodes: number } {
  const options: Partial<SetupOptions> = {
    states: o.states ?? DEFAULT_SETUP.states,
    countiesPerState: o.counties ?? DEFAULT_SETUP.countiesPerState,
    precinctsPerCounty: o.precincts ?? DEFAULT_SETUP.precinctsPerCounty,
    trustees: o.trustees ?? DEFAULT_SETUP.trustees,
    threshold: o.threshold ?? DEFAULT_SETUP.threshold,
    keyBits: o.keyBits ?? DEFAULT_SETUP.keyBits,
    checkpointInterval: o.checkpointInterval ?? DEFAULT_SETUP.checkpointInterval,
    opensAt: o.opensAt ? Date.parse(o.opensAt) : 0,
    closesAt: o.closesAt ? Date.parse(o.closesAt) : 0,
    ...(o.electionId ? { electionId: o.electionId } : {}),
    ...(o.combiner ? { combiner: o.combiner } : {}),
  };
  if (o.opensAt && Number.isNaN(options.opensAt)) throw new Error(`--opens-at: "${o.opensAt}" is not a date`);
  if (o.closesAt && Number.isNaN(options.closesAt)) throw new Error(`--closes-at: "${o.closesAt}" is not a date`);
  if (o.contests) options.contests = contestsFromJSON(JSON.parse(readFileSync(o.contests, 'utf8')));
  const election = generateElection(options);
  const nodes = writeSetup(o.out, election, { ...DEFAULT_PORTS, basePort: o.basePort ?? DEFAULT_PORTS.basePort });
  return { manifestPath: `${o.out}/manifest.json`, nodes: nodes.length };
}
