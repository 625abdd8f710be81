// `tallymesh simulate` (what `npm run simulate` runs): the networked simulation of
// sim/network/, its fault scenarios, and `--scale us`.
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_SIMULATION } from '../../sim/network/simulation-options.ts';
import { loadManifest } from '../../setup/setup-files.ts';
import { ElectionContext } from '../../protocol/election.ts';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';

function int(name: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

/** "40ms", "1.5s", "2m" (a bare number is milliseconds) to milliseconds. */
function duration(name: string) {
  return (value: string): number => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
    if (!m) throw new InvalidArgumentError(`${name} takes a duration such as 40ms, 1.5s or 2m`);
    return Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000 } as const)[(m[2] ?? 'ms') as 'ms' | 's' | 'm'];
  };
}

function percent(name: string) {
  return (value: string): number => {
    const m = /^(\d+(?:\.\d+)?)%?$/.exec(value.trim());
    const n = m ? Number(m[1]) : NaN;
    if (!(n >= 0 && n <= 100)) throw new InvalidArgumentError(`${name} takes a percentage from 0 to 100, such as 1%`);
    return n;
  };
}

/** --shards: a count, or "auto" for one shard per core. */
function shards(value: string): number {
  if (value === 'auto') return availableParallelism();
  return int('--shards', 0)(value);
}

/** A fault flag given bare (its default duration) or with a duration. */
const faultMs = (value: unknown, fallback: number): number => (value === undefined ? 0 : value === true ? fallback : (value as number));

/** --keep-open: waits for Ctrl-C (or SIGTERM) while the nodes keep serving their dashboards. */
function untilInterrupted(): Promise<void> {
  process.stdout.write('\n--keep-open: the count is done and the nodes keep running; open the dashboard URL above. Ctrl-C stops them and prints the report.\n');
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('run a whole election on this machine over libp2p, verify it, and compare it with the simulated voters')
    .option('--definition <file>', 'the election to run: a native definition or a VxSuite election.json (default: a uniform shape of --states x --counties x --precincts)')
    .option('--format <format>', 'the definition\'s format: tallymesh or vxsuite (default: detected)')
    .option('--state-id <id>', 'VxSuite: the state node the file\'s county is placed under')
    .option('--cvrs <dir>', 'cast vote records (NIST SP 1500-103 JSON, every *.json in the folder): each is encrypted, proved and cast as one ballot at its precinct; the announced counts must equal their plain tabulation (needs --definition)')
    .option('--ballot <kind>', `a uniform shape's ballot: local (contests at every level, ballot styles by precinct; the default) or single (the same three contests everywhere)`)
    .option('--ballots <n>', `ballots per precinct (default ${DEFAULT_SIMULATION.ballots})`, int('--ballots', 1))
    .option('--seed <seed>', 'seed of the simulated voters\' choices', DEFAULT_SIMULATION.seed)
    .option('--states <n>', 'states', int('--states', 1))
    .option('--counties <n>', 'counties per state', int('--counties', 1))
    .option('--precincts <n>', 'precincts per county', int('--precincts', 1))
    .option('--key-bits <n>', 'Paillier modulus size (2048 default; 1024 for quick runs)', int('--key-bits', 1024))
    .option('--processes', 'run one OS process per node (default: all nodes in this process)')
    .option('--shards <n>', 'run the nodes in n processes, a county with its precincts together ("auto": one per core; default: all in this process)', shards)
    .option('--base-port <n>', `first port (default ${DEFAULT_SIMULATION.basePort}); node i uses base+2i and base+2i+1`, int('--base-port', 1))
    .option('--out <dir>', 'keep the election, configs, logs, record and expected counts here')
    .option('--kill-precinct', 'run one precinct as its own process, SIGKILL it mid-voting and restart it')
    .option('--county-down', 'stop a county while the polls close and restart it later')
    .option('--trustees-offline <n>', 'leave n trustees offline', int('--trustees-offline'))
    .option('--rogue-peer', 'an extra observer peer injects forged, foreign and equivocating tallies')
    .option('--hosts <n>', 'run the nodes on n hosts: network namespaces on a bridge, one address each (Linux, root; else loopback)', int('--hosts', 1))
    .option('--latency <duration>', 'delay on every host\'s link, each direction (needs --hosts; tc netem or tm-netdelay)', duration('--latency'))
    .option('--jitter <duration>', 'jitter of that delay (needs --hosts)', duration('--jitter'))
    .option('--loss <percent>', 'packet loss on every host\'s link, each direction (needs --hosts)', percent('--loss'))
    .option('--partition [duration]', 'cut state-01\'s host off from the national host when the polls close, healed after the duration (default 60s)', duration('--partition'))
    .option('--flap [duration]', 'county-01-001\'s host link down and up every 3 s from the polls closing, for the duration (default 30s)', duration('--flap'))
    .option('--slow-trustee [duration]', 'latency on trustee-01\'s host (default 500ms; needs --hosts)', duration('--slow-trustee'))
    .option('--timeout <minutes>', `how long to wait for the count after the polls close (default ${DEFAULT_SIMULATION.timeoutMs / 60_000})`, int('--timeout', 1))
    .option('--keep-open', 'keep the nodes running after the result, so the dashboard can be looked at; Ctrl-C stops them')
    .option('--scale <scale>', '"us": the U.S.-scale aggregation run')
    .action(async (opts) => {
      if (opts.scale !== undefined) {
        if (opts.scale !== 'us') throw new InvalidArgumentError('--scale takes "us"');
        // 175,000 precincts and 159 million ballots by default; the level code is the roles'.
        const { runUsScale, usScaleExitCode } = await import('../../sim/us-scale/run.ts');
        const report = await runUsScale({ seed: opts.seed, ...(opts.keyBits ? { keyBits: opts.keyBits } : {}), ...(opts.out ? { out: opts.out } : {}) });
        process.exitCode = usScaleExitCode(report);
        return;
      }
      // Loaded only when asked for: every other command (a node above all) stays light.
      const { printReport, runSimulation } = await import('../../sim/network/simulation.ts');
      if (opts.cvrs && !opts.definition) throw new InvalidArgumentError('--cvrs needs --definition');
      if (opts.ballot !== undefined && opts.ballot !== 'local' && opts.ballot !== 'single') throw new InvalidArgumentError('--ballot takes "local" or "single"');
      const { readDefinition } = await import('./setup-command.ts');
      const definition = opts.definition ? readDefinition(opts) : undefined;
      const outcome = await runSimulation({
        ...(definition ? { definition } : {}),
        ...(opts.cvrs ? { cvrsDir: opts.cvrs } : {}),
        ...(opts.ballot ? { ballot: opts.ballot } : {}),
        ...(opts.ballots ? { ballots: opts.ballots } : {}),
        seed: opts.seed,
        ...(opts.states ? { states: opts.states } : {}),
        ...(opts.counties ? { counties: opts.counties } : {}),
        ...(opts.precincts ? { precincts: opts.precincts } : {}),
        ...(opts.keyBits ? { keyBits: opts.keyBits } : {}),
        ...(opts.basePort ? { basePort: opts.basePort } : {}),
        ...(opts.out ? { out: opts.out } : {}),
        processes: !!opts.processes,
        ...(opts.shards !== undefined ? { shards: opts.shards } : {}),
        killPrecinct: !!opts.killPrecinct,
        countyDown: !!opts.countyDown,
        trusteesOffline: opts.trusteesOffline ?? 0,
        roguePeer: !!opts.roguePeer,
        hosts: opts.hosts ?? 0,
        latencyMs: opts.latency ?? 0,
        jitterMs: opts.jitter ?? 0,
        lossPercent: opts.loss ?? 0,
        partitionMs: faultMs(opts.partition, 60_000),
        flapMs: faultMs(opts.flap, 30_000),
        slowTrusteeMs: faultMs(opts.slowTrustee, 500),
        ...(opts.timeout ? { timeoutMs: opts.timeout * 60_000 } : {}),
        ...(opts.keepOpen ? { keepOpen: untilInterrupted } : {}),
      });
      const ctx = new ElectionContext(loadManifest(join(outcome.out, 'election', 'manifest.json')));
      const scopeOf = (id: string): string => {
        const scope = ctx.index.node(ctx.scopes.contests.get(id)!.scopeId);
        return scope.id === scope.role ? scope.id : `${scope.role} ${scope.id}`;
      };
      printReport(outcome, ctx.manifest.contests, (line) => process.stdout.write(line + '\n'), scopeOf);
      process.exitCode = outcome.ok ? 0 : 1;
    });
}
