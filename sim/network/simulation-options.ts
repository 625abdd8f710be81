// The networked simulation's options and their defaults, apart from the simulation itself so
// that the CLI can show them in its help without loading the simulation (`tallymesh node` must
// not pay for it).
import { DEFAULT_PORTS } from '../../setup/setup-files.ts';
import type { ElectionDefinition } from '../../setup/definition/election-definition.ts';
import type { UniformBallot } from '../../setup/definition/uniform-definition.ts';

export interface SimulationOptions {
  /** The election to run; without it a uniform shape of states x counties x precincts. */
  definition?: ElectionDefinition;
  /** A uniform shape's ballot: 'local' (contests at every level, ballot styles by precinct) or 'single'. */
  ballot: UniformBallot;
  /** Cast vote records (NIST SP 1500-103 JSON) whose choices the voters cast, one ballot each; needs `definition`. */
  cvrsDir?: string;
  states: number;
  counties: number;
  precincts: number;
  ballots: number;
  seed: string;
  keyBits: number;
  out?: string;
  /** One OS process per node instead of one process for all. */
  processes: boolean;
  /** Nodes spread over this many shard processes (a county with its precincts together), so that
   *  one event loop per core carries them; 0: every node in this process. */
  shards: number;
  basePort: number;
  killPrecinct: boolean;
  countyDown: boolean;
  trusteesOffline: number;
  roguePeer: boolean;
  /** Run the nodes on this many hosts (network namespaces, Linux and root; 0: all on 127.0.0.1). */
  hosts: number;
  /** Latency, jitter and loss on every host's link (needs --hosts; tc netem, else tm-netdelay). */
  latencyMs: number;
  jitterMs: number;
  lossPercent: number;
  /** Faults on the wire (need --hosts): state-01's host cut off from the national host for this
   *  long from the polls closing; county-01-001's link down and up every 3 s for this long; 500 ms
   *  (or this) latency on trustee-01's host. 0: none. */
  partitionMs: number;
  flapMs: number;
  slowTrusteeMs: number;
  /** Give up waiting for the result after this long. */
  timeoutMs: number;
  print: (line: string) => void;
  /** Redraw progress lines in place (a terminal); otherwise print a line per update. */
  live: boolean;
  /** Called once every node runs, with the national node's dashboard URL (it is also printed). */
  onDashboard?: (url: string) => void;
  /** Awaited after voting, before the polls close (the browser test looks at the empty map first). */
  beforeClose?: () => Promise<void>;
  /** Awaited after the count, decryption and record check, before the nodes stop: `--keep-open`
   *  keeps them running for a person to look at the dashboard; the browser test reads it meanwhile. */
  keepOpen?: () => Promise<void>;
}

export const DEFAULT_SIMULATION: SimulationOptions = {
  ballot: 'local',
  states: 2,
  counties: 2,
  precincts: 3,
  ballots: 100,
  seed: 'tallymesh',
  keyBits: 2048,
  processes: false,
  shards: 0,
  basePort: DEFAULT_PORTS.basePort,
  killPrecinct: false,
  countyDown: false,
  trusteesOffline: 0,
  roguePeer: false,
  hosts: 0,
  latencyMs: 0,
  jitterMs: 0,
  lossPercent: 0,
  partitionMs: 0,
  flapMs: 0,
  slowTrusteeMs: 0,
  timeoutMs: 15 * 60_000,
  print: (line) => process.stdout.write(line + '\n'),
  live: process.stdout.isTTY === true,
};
