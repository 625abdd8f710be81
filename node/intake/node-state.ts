// What a node knows of the count and what it does next, as one pure state machine: artifacts in
// (each already validated on its own and stored first in its slot), decisions out: what to relay
// on the board, what this node must make and publish now (its aggregate, its partial decryption,
// the result), and what it still wants to pull. The node (tally-node.ts) feeds it from gossip,
// pulls and its own roles, and carries out the decisions with its network and storage adapters;
// tests drive it directly, without libp2p or LevelDB.
import type { TrusteeShare } from '../../crypto/threshold.ts';
import type { ElectionContext } from '../../protocol/election.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import type { RosterEntry } from '../../protocol/manifest.ts';
import { PartialDecryption } from '../../protocol/partial-decryption.ts';
import { Result } from '../../protocol/result.ts';
import { AggregateTally, type AnyTally } from '../../protocol/tally.ts';
import { senderOf, type TallyArtifact, type TypedBytes, type ValidatedArtifact } from '../../protocol/validated-artifact.ts';
import { AggregatorRole } from '../../roles/aggregator.ts';
import { CombinerRole } from '../../roles/combiner.ts';
import { TrusteeRole } from '../../roles/trustee.ts';
import { subscribesToBoard } from '../network/topics.ts';
import { wantedArtifacts, type Want } from '../catch-up/wants.ts';
import { TallyBook } from './tally-book.ts';

export type Origin = 'gossip' | 'pull' | 'self';

export interface NodeStateInit {
  ctx: ElectionContext;
  id: string;
  secretKey: Uint8Array;
  /** Trustees: the threshold key share. */
  share?: TrusteeShare;
  /** Trustees: decrypt as soon as the hierarchy checks out (else on an admin command). */
  autoDecrypt: boolean;
}

/** What the node does with an accepted artifact besides keeping it. */
export interface Accepted {
  /** Put it on the board: a pull brought it (it may have reached nobody else), or this node is the
   *  parent that brings a board-less child's tally there. */
  relay: boolean;
}

export class NodeState {
  readonly ctx: ElectionContext;
  readonly id: string;
  readonly entry: RosterEntry;
  readonly tallies: TallyBook;
  readonly aggregator: AggregatorRole | undefined;
  readonly trustee: TrusteeRole | undefined;
  private combinerRole: CombinerRole | undefined;
  private readonly partialsByHash = new Map<string, PartialDecryption>();
  private resultValue: Result | undefined;
  private equivocationCount = 0;
  /** Why the last hierarchy check before decrypting failed. */
  private problem: string | undefined;
  /** Tally versions held when the hierarchy check last failed: it runs again only when one arrives. */
  private checkedAtVersions = -1;
  private versionCount = 0;
  /** Non-trustee roster nodes: the tallies a trustee needs before its check can pass. */
  private readonly hierarchySize: number;
  /** The precinct's own signed tally exists (its polls are closed). */
  precinctClosed = false;

  constructor(private readonly init: NodeStateInit) {
    const { ctx, id } = init;
    this.ctx = ctx;
    this.id = id;
    this.entry = ctx.index.node(id);
    this.tallies = new TallyBook(ctx);
    const role = this.entry.role;
    if (role === 'county' || role === 'state' || role === 'national') this.aggregator = new AggregatorRole(ctx, id, init.secretKey);
    if (role === 'trustee') {
      if (!init.share) throw new ProtocolError('inconsistent', 'share', `trustee "${id}" needs its key share`);
      this.trustee = new TrusteeRole(ctx, id, init.secretKey, init.share);
    }
    this.hierarchySize = ctx.manifest.roster.filter((e) => e.role !== 'trustee').length;
  }

  get role(): RosterEntry['role'] {
    return this.entry.role;
  }

  get result(): Result | undefined {
    return this.resultValue;
  }

  get combiner(): CombinerRole | undefined {
    return this.combinerRole;
  }

  get partials(): ReadonlyMap<string, PartialDecryption> {
    return this.partialsByHash;
  }

  get equivocations(): number {
    return this.equivocationCount;
  }

  get hierarchyProblem(): string | undefined {
    return this.problem;
  }

  get national(): AggregateTally | undefined {
    return this.tallies.national;
  }

  /** This node has reported its own tally (aggregators). */
  get aggregated(): boolean {
    return !!this.aggregator && this.tallies.has(this.id);
  }

  get hasOwnPartial(): boolean {
    for (const p of this.partialsByHash.values()) if (p.trusteeId === this.id) return true;
    return false;
  }

  /** An artifact the store took as the first of its slot. */
  apply(a: ValidatedArtifact, origin: Origin): Accepted {
    switch (a.type) {
      case 'precinct-tally':
      case 'aggregate-tally': {
        this.tallies.addFirst(a);
        this.versionCount++;
        const sender = senderOf(a);
        if (this.aggregator && this.ctx.index.node(sender).parent === this.id) {
          if (this.aggregator.receive(anyTally(a)).status === 'equivocation') this.equivocationCount++;
        }
        break;
      }
      case 'partial-decryption':
        this.partialsByHash.set(a.hashHex, a.value);
        this.combinerRole?.add(a.value);
        break;
      case 'result':
        this.resultValue ??= a.value;
        break;
      default:
        break;
    }
    return { relay: origin === 'pull' || (origin === 'gossip' && this.bringsToBoard(a)) };
  }

  /** A signer's second, different artifact for one slot: kept as evidence, never counted. */
  evidence(a: ValidatedArtifact): void {
    this.equivocationCount++;
    if (a.type !== 'precinct-tally' && a.type !== 'aggregate-tally') return;
    this.tallies.addVersion(a);
    this.versionCount++;
    const sender = senderOf(a);
    // The aggregator records its child's second tally as evidence (it keeps counting the first).
    if (this.aggregator && this.ctx.index.node(sender).parent === this.id && this.aggregator.acceptedHash(sender) !== undefined) {
      this.aggregator.receive(anyTally(a));
    }
  }

  /**
   * The next artifact this node makes, if it can make one now: its aggregate once every child
   * reported; a trustee's partial decryption once the hierarchy checks out (autoDecrypt); the
   * result once t valid partials are in. The node stores it, calls apply(it, 'self') and
   * publishes it, then asks again.
   */
  next(): TypedBytes | undefined {
    if (this.aggregator?.complete && !this.tallies.has(this.id)) {
      return { type: 'aggregate-tally', bytes: AggregateTally.encode(this.aggregator.aggregate()) };
    }
    const national = this.national;
    if (national && !this.combinerRole && this.combines) {
      this.combinerRole = new CombinerRole(this.ctx, this.id, this.init.secretKey, national);
      for (const p of this.partialsByHash.values()) this.combinerRole.add(p);
    }
    if (this.trustee && this.init.autoDecrypt) {
      const partial = this.decrypt(false);
      if (partial) return partial;
    }
    if (this.combinerRole?.ready && !this.resultValue) return { type: 'result', bytes: Result.encode(this.combinerRole.combine()) };
    return undefined;
  }

  /**
   * A trustee's partial decryption, if the national tally and the whole hierarchy are here and
   * consistent (hierarchyProblem says why not). `force` (an admin's command) checks even when
   * nothing arrived since the last failed check.
   */
  decrypt(force: boolean): TypedBytes | undefined {
    const national = this.national;
    if (!this.trustee || !national || this.hasOwnPartial) return undefined;
    if (!force) {
      // The full check (every tally's signature and product) runs once, when every tally is
      // here, and again only when another version of some tally arrives: never per artifact.
      if (this.tallies.size < this.hierarchySize) {
        this.problem = `${this.hierarchySize - this.tallies.size} of ${this.hierarchySize} tallies of the hierarchy have not arrived`;
        return undefined;
      }
      if (this.checkedAtVersions === this.versionCount) return undefined;
    }
    try {
      const partial = this.trustee.decrypt(national, (id) => this.tallies.counted(id));
      this.problem = undefined;
      return { type: 'partial-decryption', bytes: PartialDecryption.encode(partial) };
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.checkedAtVersions = this.versionCount;
      this.problem = err.message;
      return undefined;
    }
  }

  /** What this node still needs, as pull requests (catch-up/wants.ts). */
  wanted(): Want[] {
    return wantedArtifacts(this);
  }

  /** 'voting' | 'closed' (precincts), 'collecting' | 'aggregated', 'waiting' | 'decrypted', or 'result'. */
  phase(precinctOpen: boolean): string {
    if (this.resultValue) return 'result';
    if (this.role === 'precinct') return precinctOpen ? 'voting' : 'closed';
    if (this.aggregator) return this.aggregated ? 'aggregated' : 'collecting';
    if (this.trustee) return this.hasOwnPartial ? 'decrypted' : 'waiting';
    return 'unknown';
  }

  /** Why the node is waiting, or undefined once it has the result. */
  waitingFor(precinctOpen: boolean): string | undefined {
    if (this.resultValue) return undefined;
    if (this.role === 'precinct' && precinctOpen) return 'the polls to close';
    if (this.aggregator && !this.aggregated) return `${this.aggregator.missing.length} of ${this.ctx.index.childrenOf(this.id).length} children's tallies`;
    if (this.trustee && !this.hasOwnPartial) {
      if (!this.national) return 'the national tally';
      return this.problem ?? (this.init.autoDecrypt ? 'the rest of the hierarchy' : 'an admin decrypt command');
    }
    if (this.combinerRole) {
      const trustees = new Set([...this.partialsByHash.values()].map((p) => p.trusteeId)).size;
      return `${this.combinerRole.validCount} of ${this.ctx.manifest.threshold.threshold} valid partial decryptions (${this.ctx.manifest.threshold.trustees - trustees} trustees have not published)`;
    }
    return 'the result';
  }

  /** A child's tally whose author is not on the board: this node, its parent, brings it there. */
  private bringsToBoard(a: ValidatedArtifact): boolean {
    if (a.type !== 'precinct-tally' && a.type !== 'aggregate-tally') return false;
    const author = this.ctx.index.node(senderOf(a));
    return author.parent === this.id && !subscribesToBoard(author);
  }

  /** Whether this node is the manifest's combiner (it alone may sign the result). */
  get combines(): boolean {
    return this.ctx.index.combiner.id === this.id;
  }
}

export function anyTally(a: TallyArtifact): AnyTally {
  return a.type === 'precinct-tally' ? { kind: 'precinct', tally: a.value } : { kind: 'aggregate', tally: a.value };
}

