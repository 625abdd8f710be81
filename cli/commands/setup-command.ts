// `tallymesh setup --out DIR [--definition FILE]`: runs the setup ceremony over an election
// definition (native or VxSuite) or a uniform shape, and writes the election's files.
import { readFileSync } from 'node:fs';
import { errorMessage } from '../../errors/tallymesh-error.ts';
import { DEFAULT_SETUP, generateElection, type SetupOptions } from '../../setup/election-setup.ts';
import type { ElectionDefinition } from '../../setup/definition/election-definition.ts';
import type { UniformBallot } from '../../setup/definition/uniform-definition.ts';
import { loadDefinition, type DefinitionFormat } from '../../setup/definition/vxsuite-import.ts';
import { DEFAULT_PORTS, writeSetup } from '../../setup/setup-files.ts';

export interface SetupCommandOptions {
  out: string;
  states?: number;
  counties?: number;
  precincts?: number;
  trustees?: number;
  threshold?: number;
  keyBits?: number;
  definition?: string;
  format?: string;
  stateId?: string;
  stateName?: string;
  stateFips?: string;
  countyFips?: string;
  ballot?: string;
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
  if (o.definition) options.definition = readDefinition(o);
  else if (o.ballot !== undefined) {
    if (o.ballot !== 'single' && o.ballot !== 'local') throw new Error(`--ballot: "${o.ballot}" is neither "single" nor "local"`);
    options.ballot = o.ballot satisfies UniformBallot;
  }
  const election = generateElection(options);
  const nodes = writeSetup(o.out, election, { ...DEFAULT_PORTS, basePort: o.basePort ?? DEFAULT_PORTS.basePort });
  return { manifestPath: `${o.out}/manifest.json`, nodes: nodes.length };
}

/** The definition file named by --definition, in the format --format gives or detection finds. */
export function readDefinition(o: Pick<SetupCommandOptions, 'definition' | 'format' | 'stateId' | 'stateName' | 'stateFips' | 'countyFips' | 'electionId'>): ElectionDefinition {
  const file = o.definition!;
  if (o.format !== undefined && o.format !== 'tallymesh' && o.format !== 'vxsuite') throw new Error(`--format: "${o.format}" is neither "tallymesh" nor "vxsuite"`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`--definition ${file}: ${errorMessage(err)}`);
  }
  const place = {
    ...(o.stateId ? { stateId: o.stateId } : {}),
    ...(o.stateName ? { stateName: o.stateName } : {}),
    ...(o.stateFips ? { stateFips: o.stateFips } : {}),
    ...(o.countyFips ? { countyFips: o.countyFips } : {}),
    ...(o.electionId ? { electionId: o.electionId } : {}),
  };
  return loadDefinition(json, file, { ...(o.format ? { format: o.format as DefinitionFormat } : {}), place });
}
