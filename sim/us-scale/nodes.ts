// The nodes one thread runs: the states of its partition with their counties and precincts,
// driven level by level by the run. Every level uses the project's role code: precincts sign
// PrecinctTally artifacts, counties and states are AggregatorRole instances that validate every
// child's signed tally (signer, signature, election, structure, ciphertext range) before
// multiplying, and trustees are TrusteeRole instances (which check the whole hierarchy before
// decrypting). Secret keys are generated here and never leave the thread, except trustees'
// signing keys and shares, which the run hands to the thread that plays that trustee.
//
// Used inside a worker thread (worker.ts) or directly in the main thread (workers: 0).
import { ElectionContext } from '../../protocol/election.ts';
import { PartialDecryption } from '../../protocol/partial-decryption.ts';
import { AggregateTally, PrecinctTally, type AnyTally } from '../../protocol/tally.ts';
import { AggregatorRole } from '../../roles/aggregator.ts';
import { TrusteeRole } from '../../roles/trustee.ts';
import { decodeFramed, encodeFramed } from '../../protocol/record.ts';
import { PaillierPublicKey } from '../../crypto/paillier.ts';
import { generateSigningKey } from '../../crypto/signature.ts';
import { addCounts, drawPrecinctCounts, syntheticPrecinctTally, type Counts } from './synthetic.ts';
import { peerIdFromEd25519 } from '../../protocol/peer-id.ts';

export type NodeRequest =
  | { type: 'keys'; ids: string[] }
  | { type: 'init'; manifest: Uint8Array; states: string[]; precinctIds: string[]; ballots: number[] }
  | { type: 'precincts'; seed: string; window: number }
  | { type: 'counties' }
  | { type: 'states' }
  | { type: 'export' }
  | { type: 'import'; precinct: Uint8Array[]; aggregate: Uint8Array[] }
  | { type: 'trustee'; trusteeId: string; secretKey: Uint8Array; shareIndex: number; share: string; national: Uint8Array }
  | { type: 'release' }
  | { type: 'memory' };

export interface KeysReply {
  publicKeys: Uint8Array;
  peerIds: string[];
  ms: number;
}
export interface PrecinctsReply {
  counts: [string, number[]][];
  ballots: number;
  precincts: number;
  tableMs: number;
  ms: number;
}
export interface ExportReply {
  precinct: Uint8Array;
  aggregate: Uint8Array;
}
export interface TrusteeReply {
  partial: Uint8Array;
  ms: number;
}
export interface MemoryReply {
  heapUsed: number;
}

export type Progress = (phase: string, done: number, total: number) => void;

const PROGRESS_EVERY = 2000;

export class PartitionNodes {
  private readonly secrets = new Map<string, Uint8Array>();
  private ctx: ElectionContext | undefined;
  private states: string[] = [];
  private counties: string[] = [];
  private precincts: string[] = [];
  private ballots = new Map<string, number>();
  /** Every tally this thread knows: its own, then (for trustees) everyone's. */
  private tallies = new Map<string, AnyTally>();

  constructor(private readonly progress: Progress) {}

  private context(): ElectionContext {
    if (!this.ctx) throw new Error('partition not initialised');
    return this.ctx;
  }

  private secret(id: string): Uint8Array {
    const key = this.secrets.get(id);
    if (!key) throw new Error(`this thread holds no key for "${id}"`);
    return key;
  }

  handle(req: NodeRequest): unknown {
    switch (req.type) {
      case 'keys':
        return this.keys(req.ids);
      case 'init':
        return this.init(req);
      case 'precincts':
        return this.precinctTallies(req.seed, req.window);
      case 'counties':
        return this.aggregate('county', this.counties);
      case 'states':
        return this.aggregate('state', this.states);
      case 'export':
        return this.exportTallies();
      case 'import':
        return this.importTallies(req.precinct, req.aggregate);
      case 'trustee':
        return this.trustee(req);
      case 'release':
        this.tallies.clear();
        this.ctx = undefined;
        return {};
      case 'memory':
        return { heapUsed: process.memoryUsage().heapUsed } satisfies MemoryReply;
    }
  }

  /** Ed25519 keys of this partition's nodes; the public halves and PeerIds go back. */
  private keys(ids: string[]): KeysReply {
    const start = performance.now();
    const publicKeys = new Uint8Array(32 * ids.length);
    const peerIds: string[] = [];
    ids.forEach((id, i) => {
      const { secretKey, publicKey } = generateSigningKey();
      this.secrets.set(id, secretKey);
      publicKeys.set(publicKey, 32 * i);
      peerIds.push(peerIdFromEd25519(publicKey));
      if ((i + 1) % PROGRESS_EVERY === 0) this.progress('keys', i + 1, ids.length);
    });
    return { publicKeys, peerIds, ms: performance.now() - start };
  }

  private init(req: Extract<NodeRequest, { type: 'init' }>): { ms: number } {
    const start = performance.now();
    // Decoded, validated and hashed over the very bytes the main thread sent (no re-encoding).
    this.ctx = ElectionContext.fromBytes(req.manifest);
    this.states = req.states;
    this.counties = req.states.flatMap((s) => this.ctx!.index.childrenOf(s).map((c) => c.id));
    this.precincts = this.counties.flatMap((c) => this.ctx!.index.childrenOf(c).map((p) => p.id));
    this.ballots = new Map(req.precinctIds.map((id, i) => [id, req.ballots[i]!]));
    const missing = this.precincts.filter((p) => !this.ballots.has(p));
    if (missing.length) throw new Error(`no ballot count for ${missing.length} precincts, e.g. ${missing[0]}`);
    return { ms: performance.now() - start };
  }

  /** Every precinct of the partition draws its voters' choices and signs its encrypted tally. */
  private precinctTallies(seed: string, window: number): PrecinctsReply {
    const ctx = this.context();
    const start = performance.now();
    // Synthetic counts: no secret randomness to protect, so the faster variable-time table.
    const publicKey = new PaillierPublicKey(ctx.publicKey.n, { variableTimeWindow: window });
    const tableMs = publicKey.prepareVariableTime();
    const totals: Counts = new Map();
    let ballots = 0;
    this.precincts.forEach((id, i) => {
      const count = this.ballots.get(id)!;
      // A general election: one ballot style per precinct, its contests those the voters draw.
      const style = ctx.index.byId.get(id)!.ballotStyles[0]!;
      const contests = ctx.scopes.contestsOfStyle(style).map((p) => p.layout);
      const counts = drawPrecinctCounts({ contests }, seed, id, count);
      addCounts(totals, counts);
      ballots += count;
      const tally = syntheticPrecinctTally(ctx.scopes, ctx.hash, publicKey, id, counts, count, this.secret(id));
      this.tallies.set(id, { kind: 'precinct', tally });
      if ((i + 1) % PROGRESS_EVERY === 0) this.progress('precincts', i + 1, this.precincts.length);
    });
    return { counts: [...totals], ballots, precincts: this.precincts.length, tableMs, ms: performance.now() - start };
  }

  /** One AggregatorRole per node: receive (validate) every child's tally, then sign the aggregate. */
  private aggregate(level: 'county' | 'state', ids: string[]): { ms: number; validated: number } {
    const ctx = this.context();
    const start = performance.now();
    let validated = 0;
    ids.forEach((id, i) => {
      const role = new AggregatorRole(ctx, id, this.secret(id));
      const children = ctx.index.childrenOf(id).map((child) => {
        const t = this.tallies.get(child.id);
        if (!t) throw new Error(`${level} "${id}": no tally from child "${child.id}"`);
        return t;
      });
      // All children at once: their words' group membership is tested in one batch.
      role.receiveMany(children).forEach((outcome, k) => {
        const child = children[k]!;
        const childId = child.kind === 'precinct' ? child.tally.precinctId : child.tally.nodeId;
        if (outcome.status === 'rejected') throw new Error(`${level} "${id}": child "${childId}" rejected: ${outcome.error.message}`);
        if (outcome.status !== 'accepted') throw new Error(`${level} "${id}": child "${childId}" ${outcome.status}`);
        validated++;
      });
      this.tallies.set(id, { kind: 'aggregate', tally: role.aggregate() });
      if (level === 'county' && (i + 1) % 100 === 0) this.progress('counties', i + 1, ids.length);
    });
    return { ms: performance.now() - start, validated };
  }

  /** The partition's state tallies (for the national node) and all its tallies (for the record). */
  private exportTallies(): ExportReply {
    const precinct = this.precincts.map((id) => {
      const t = this.tallies.get(id)!;
      if (t.kind !== 'precinct') throw new Error(`"${id}" has no precinct tally`);
      return PrecinctTally.encode(t.tally);
    });
    const aggregate = [...this.counties, ...this.states].map((id) => {
      const t = this.tallies.get(id)!;
      if (t.kind !== 'aggregate') throw new Error(`"${id}" has no aggregate tally`);
      return AggregateTally.encode(t.tally);
    });
    return { precinct: encodeFramed(precinct), aggregate: encodeFramed(aggregate) };
  }

  /** Other partitions' published tallies (and the national one), as a trustee would pull them. */
  private importTallies(precinct: Uint8Array[], aggregate: Uint8Array[]): { count: number } {
    let count = 0;
    for (const framed of precinct) {
      for (const bytes of decodeFramed(framed, 'precinct tallies')) {
        const tally = PrecinctTally.decode(bytes);
        if (!this.tallies.has(tally.precinctId)) this.tallies.set(tally.precinctId, { kind: 'precinct', tally });
        count++;
      }
    }
    for (const framed of aggregate) {
      for (const bytes of decodeFramed(framed, 'aggregate tallies')) {
        const tally = AggregateTally.decode(bytes);
        if (!this.tallies.has(tally.nodeId)) this.tallies.set(tally.nodeId, { kind: 'aggregate', tally });
        count++;
      }
    }
    return { count };
  }

  private trustee(req: Extract<NodeRequest, { type: 'trustee' }>): TrusteeReply {
    const ctx = this.context();
    const national = AggregateTally.decode(req.national);
    const { partial, ms } = runTrustee(ctx, req.trusteeId, req.secretKey, { index: req.shareIndex, share: BigInt(req.share) }, national, (id) => this.tallies.get(id));
    return { partial: PartialDecryption.encode(partial), ms };
  }
}

/** A trustee: TrusteeRole checks the whole hierarchy (every tally) and then decrypts. */
export function runTrustee(
  ctx: ElectionContext,
  trusteeId: string,
  secretKey: Uint8Array,
  share: { index: number; share: bigint },
  national: AggregateTally,
  tallyOf: (id: string) => AnyTally | undefined,
): { partial: PartialDecryption; ms: number } {
  const start = performance.now();
  const role = new TrusteeRole(ctx, trusteeId, secretKey, share);
  const partial = role.decrypt(national, tallyOf);
  return { partial, ms: performance.now() - start };
}
