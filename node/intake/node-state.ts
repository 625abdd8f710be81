// What a node knows of the count and what it does next, as one pure state machine: artifacts in
// (each already validated on its own and stored first in its slot), decisions out: what to relay
// on the board, what this node must make and publish now (its aggregate, its partial decryption,
// the result), and what it still wants to pull. The node (tally-node.ts) feeds it from gossip,
// pulls and its own roles, and carries out the decisions with its network and storage adapters;
// tests drive it directly, without libp2p or LevelDB.
import { equalBytes, toHex } from '../../crypto/bytes.ts';
import type { TrusteeShare } from '../../crypto/threshold.ts';
import { errorMessage } from '../../errors/tallymesh-error.ts';
import { checkResult } from '../../protocol/verify/check-09-result.ts';
import type { ElectionContext } from '../../protocol/election.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import type { RosterEntry } from '../../protocol/manifest.ts';
import { PartialDecryption, validatePartialDecryption } from '../../protocol/partial-decryption.ts';
import { Result } from '../../protocol/result.ts';
import { AggregateTally, childTallyOf, type AnyTally } from '../../protocol/tally.ts';
import { completedGroupsOf, type CompletedGroup } from '../../protocol/completed-groups.ts';
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

/** What a result from the network deserves (docs/verification.md check 9, in full). */
export type ResultVerdict =
  | { verdict: 'accept' }
  /** Not judgeable yet: the national tally or a listed partial is not here (wants.ts pulls them). */
  | { verdict: 'pending'; missing: string }
  | { verdict: 'reject'; reason: string };

type ResultArtifact = Extract<ValidatedArtifact, { type: 'result' }>;

/** Results held back at once; the real one arrives after its partials, so a few suffice. */
export const MAX_PENDING_RESULTS = 16;

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
  /** Results that could not be judged yet, by content hash; re-judged as pieces arrive. */
  private readonly pendingResults = new Map<string, ResultArtifact>();
  /** Results judged and accepted (so a result arriving on gossip, then stored, is checked once). */
  private readonly acceptedResults = new Set<string>();
  /** Results that failed check 9, by content hash. */
  private readonly refusedResults = new Map<string, string>();

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

  /**
   * A node accepts and serves a result only if it passes check 9 in full: its signer is the
   * manifest's combiner (checked on its own already), it names a national tally this node holds,
   * it lists t partial decryptions of distinct trustees that are valid for that tally, combining
   * them gives its words and its counts are what the words unpack to. Anything else never
   * displaces the real result.
   */
  judgeResult(a: ResultArtifact): ResultVerdict {
    if (this.acceptedResults.has(a.hashHex)) return { verdict: 'accept' };
    const refused = this.refusedResults.get(a.hashHex);
    if (refused !== undefined) return { verdict: 'reject', reason: refused };
    const r = a.value;
    const national = this.tallies.version(toHex(r.tallyHash));
    if (!national) return { verdict: 'pending', missing: `the national tally ${toHex(r.tallyHash).slice(0, 16)}… it names` };
    if (national.type !== 'aggregate-tally' || national.value.level !== 'national') return { verdict: 'reject', reason: 'it names a tally that is not the national tally' };
    const counted = this.tallies.counted(this.ctx.index.national.id);
    if (!counted || !equalBytes(childTallyOf(counted).hash, national.hash)) return { verdict: 'reject', reason: 'it names a national tally other than the one counted here' };
    for (const scope of this.ctx.scopes.scopes) {
      const missing = this.tallies.missingOnPath(scope.scopeId);
      if (missing) return { verdict: 'pending', missing: `the tally ${missing.hash.slice(0, 16)}… of ${missing.about} on the path to scope ${scope.scopeId}` };
    }
    let groups: CompletedGroup[];
    try {
      groups = completedGroupsOf(this.ctx, (id) => this.tallies.counted(id));
    } catch (err) {
      return { verdict: 'pending', missing: errorMessage(err) };
    }
    const listed = new Map<string, PartialDecryption>();
    for (const h of r.partials) {
      const p = this.partialsByHash.get(toHex(h));
      if (!p) return { verdict: 'pending', missing: `the partial decryption ${toHex(h).slice(0, 16)}… it lists` };
      try {
        validatePartialDecryption(this.ctx, p, national.hash, groups);
        listed.set(toHex(h), p);
      } catch (err) {
        return { verdict: 'reject', reason: `it lists an invalid partial decryption (${errorMessage(err)})` };
      }
    }
    try {
      checkResult(this.ctx, r, national.value, national.hash, groups, listed);
    } catch (err) {
      return { verdict: 'reject', reason: errorMessage(err) };
    }
    this.acceptedResults.add(a.hashHex);
    return { verdict: 'accept' };
  }

  /** A result to judge again when the pieces it misses arrive (the oldest of too many is dropped:
   *  only the combiner's key can sign one, but a stolen key must not fill this node's memory). */
  holdResult(a: ResultArtifact): void {
    this.pendingResults.set(a.hashHex, a);
    if (this.pendingResults.size > MAX_PENDING_RESULTS) this.pendingResults.delete(this.pendingResults.keys().next().value!);
  }

  /** A result that failed check 9: never counted; true the first time it is refused. */
  resultRefused(hashHex: string, reason: string): boolean {
    if (this.refusedResults.has(hashHex)) return false;
    this.refusedResults.set(hashHex, reason);
    this.equivocationCount++;
    return true;
  }

  /** How many distinct results this node refused. */
  get refused(): number {
    return this.refusedResults.size;
  }

  /** Held results that can be judged now, with their verdicts (no longer held). */
  judgePending(): { artifact: ResultArtifact; verdict: ResultVerdict }[] {
    const out: { artifact: ResultArtifact; verdict: ResultVerdict }[] = [];
    for (const [hash, a] of this.pendingResults) {
      const verdict = this.judgeResult(a);
      if (verdict.verdict === 'pending') continue;
      this.pendingResults.delete(hash);
      out.push({ artifact: a, verdict });
    }
    return out;
  }

  /** The hashes held results still miss (the national tally, listed partials), for catch-up. */
  get pendingPieces(): { hash: string; about: string }[] {
    const out: { hash: string; about: string }[] = [];
    for (const a of this.pendingResults.values()) {
      const t = toHex(a.value.tallyHash);
      if (!this.tallies.hasVersion(t)) out.push({ hash: t, about: this.ctx.index.national.id });
      else {
        for (const scope of this.ctx.scopes.scopes) {
          const missing = this.tallies.missingOnPath(scope.scopeId);
          if (missing && !out.some((o) => o.hash === missing.hash)) out.push(missing);
        }
      }
      for (const h of a.value.partials) if (!this.partialsByHash.has(toHex(h))) out.push({ hash: toHex(h), about: this.ctx.index.trustees[0]?.id ?? this.ctx.index.national.id });
    }
    return out;
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
      // The groups are those of the counted tallies under this national tally: combining waits
      // until every scope's tally is here (a board node gets them all; catch-up pulls the rest).
      const groups = this.groupsUnder();
      if (groups) {
        this.combinerRole = new CombinerRole(this.ctx, this.id, this.init.secretKey, national, groups);
        for (const p of this.partialsByHash.values()) this.combinerRole.add(p);
      }
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

  /** Every scope's completed group from the counted tallies, or undefined while one is missing. */
  private groupsUnder(): CompletedGroup[] | undefined {
    try {
      return completedGroupsOf(this.ctx, (id) => this.tallies.counted(id));
    } catch {
      return undefined;
    }
  }

  /** Whether this node is the manifest's combiner (it alone may sign the result). */
  get combines(): boolean {
    return this.ctx.index.combiner.id === this.id;
  }
}

export function anyTally(a: TallyArtifact): AnyTally {
  return a.type === 'precinct-tally' ? { kind: 'precinct', tally: a.value } : { kind: 'aggregate', tally: a.value };
}

