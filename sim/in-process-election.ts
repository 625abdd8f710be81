// A whole election run through the role state machines in one process, with no network and no
// storage: ballots through precinct tallies, county, state and national aggregates, t partial
// decryptions and the signed result. Tests and benchmarks use it; the node wraps the same roles
// in libp2p and LevelDB adapters.
import { Ballot, encryptBallot } from '../protocol/ballot.ts';
import { ElectionContext } from '../protocol/election.ts';
import type { ElectionRecord } from '../protocol/record.ts';
import type { Receipt } from '../protocol/receipt.ts';
import type { AggregateTally, AnyTally, PrecinctTally } from '../protocol/tally.ts';
import type { Result } from '../protocol/result.ts';
import type { PartialDecryption } from '../protocol/partial-decryption.ts';
import type { GeneratedElection } from '../setup/election-setup.ts';
import { AggregatorRole } from '../roles/aggregator.ts';
import { CombinerRole } from '../roles/combiner.ts';
import { PrecinctRole } from '../roles/precinct.ts';
import { TrusteeRole } from '../roles/trustee.ts';
import { SeededRandom, addToCounts, drawBallot } from './simulated-voters.ts';
import { completedGroupsOf } from '../protocol/completed-groups.ts';

export interface InProcessOptions {
  ballotsPerPrecinct: number;
  seed?: string;
  /** Indexes of the trustees that take part (default: all). */
  trustees?: number[];
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface CastBallot {
  voterId: string;
  ballot: Ballot;
  receipt: Receipt;
}

export interface InProcessOutcome {
  ctx: ElectionContext;
  record: ElectionRecord;
  cast: Map<string, CastBallot[]>;
  expected: Map<string, bigint[]>;
  result: Result;
  timings: Record<string, number>;
}

export function runInProcessElection(election: GeneratedElection, options: InProcessOptions): InProcessOutcome {
  const ctx = new ElectionContext(election.manifest);
  const key = (id: string): Uint8Array => election.nodeKeys.get(id)!.secretKey;
  const rng = new SeededRandom(options.seed ?? 'tallymesh');
  const expected = new Map<string, bigint[]>();
  const timings: Record<string, number> = {};
  const time = <T>(phase: string, fn: () => T): T => {
    const start = performance.now();
    const out = fn();
    timings[phase] = performance.now() - start;
    return out;
  };
  const roster = ctx.manifest.roster;
  const precincts = roster.filter((e) => e.role === 'precinct');

  // Voting: each voter's client encrypts; the precinct validates, logs (here: in memory) and signs a receipt.
  const cast = new Map<string, CastBallot[]>();
  const precinctTallies: PrecinctTally[] = [];
  const tallyOf = new Map<string, AnyTally>();
  time('voting', () => {
    let done = 0;
    const total = precincts.length * options.ballotsPerPrecinct;
    for (const p of precincts) {
      const role = new PrecinctRole(ctx, p.id, key(p.id));
      const list: CastBallot[] = [];
      for (let i = 0; i < options.ballotsPerPrecinct; i++) {
        const { ballotStyleId, choices, contests } = drawBallot(ctx, p.id, rng);
        addToCounts(expected, contests, choices);
        const ballot = role.validate(encryptBallot(ctx, p.id, choices, undefined, ballotStyleId));
        const voterId = `${p.id}/voter-${i + 1}`;
        const entry = role.nextLogEntry(role.commitVoter(voterId), Ballot.hash(ballot));
        role.apply(ballot, entry);
        list.push({ voterId, ballot, receipt: role.receiptFor(entry) });
        options.onProgress?.('voting', ++done, total);
      }
      cast.set(p.id, list);
      const tally = role.close();
      precinctTallies.push(tally);
      tallyOf.set(p.id, { kind: 'precinct', tally });
    }
  });

  // Aggregation, level by level.
  const aggregateTallies: AggregateTally[] = [];
  for (const level of ['county', 'state', 'national'] as const) {
    time(level, () => {
      for (const node of roster.filter((e) => e.role === level)) {
        const role = new AggregatorRole(ctx, node.id, key(node.id));
        for (const child of ctx.index.childrenOf(node.id)) role.receive(tallyOf.get(child.id)!);
        const tally = role.aggregate();
        aggregateTallies.push(tally);
        tallyOf.set(node.id, { kind: 'aggregate', tally });
      }
    });
  }
  const national = aggregateTallies[aggregateTallies.length - 1]!;

  // Decryption: the chosen trustees check the hierarchy and decrypt; the national node combines.
  const partials: PartialDecryption[] = [];
  let result!: Result;
  time('decryption', () => {
    const combiner = new CombinerRole(ctx, ctx.index.national.id, key(ctx.index.national.id), national, completedGroupsOf(ctx, (id) => tallyOf.get(id)));
    const taking = options.trustees ?? ctx.index.trustees.map((t) => t.trusteeIndex);
    for (const t of ctx.index.trustees.filter((e) => taking.includes(e.trusteeIndex))) {
      const role = new TrusteeRole(ctx, t.id, key(t.id), election.shares.get(t.id)!);
      const partial = role.decrypt(national, (id) => tallyOf.get(id));
      partials.push(partial);
      combiner.add(partial);
    }
    result = combiner.combine();
  });

  const ballots = new Map([...cast].map(([id, list]) => [id, list.map((c) => c.ballot)]));
  const record: ElectionRecord = { manifest: ctx.manifest, ballots, precinctTallies, aggregateTallies, partials, result };
  return { ctx, record, cast, expected, result, timings };
}
