// One TallyMesh node of any role: the role state machines of roles/ wrapped in their
// adapters — LevelDB storage (storage/), the libp2p host (node/network/) and the REST facade
// (NodeApi). Every artifact, however it arrives (gossip, pull, or made here), goes through one
// path: validate, store by content hash (equivocation kept as evidence, never counted), then
// dispatch to the role. A periodic tick republishes what found no peers and pulls what is
// missing, so a node that was down catches up without manual action.
import { timingSafeEqual, createHash } from 'node:crypto';
import { fromHex, toHex } from '../crypto/bytes.ts';
import { errorMessage, isTallyMeshError } from '../errors/tallymesh-error.ts';
import { inclusionProof } from '../crypto/merkle.ts';
import type { TrusteeShare } from '../crypto/threshold.ts';
import { Ballot } from '../protocol/ballot.ts';
import { ElectionContext } from '../protocol/election.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { countedTally, listedTallyHash, type TallyVersions } from '../protocol/counted-tally.ts';
import { checkHierarchy } from '../protocol/hierarchy.ts';
import { manifestToJSON, type RosterEntry } from '../protocol/manifest.ts';
import { PartialDecryption } from '../protocol/partial-decryption.ts';
import { Receipt } from '../protocol/receipt.ts';
import { Result } from '../protocol/result.ts';
import { AggregateTally, PrecinctTally, type AnyTally } from '../protocol/tally.ts';
import { ArtifactStore } from '../storage/artifact-store.ts';
import { openNodeDatabase, type NodeDatabase } from '../storage/database.ts';
import type { LoadedConfig } from './config.ts';
import { DurablePrecinct, DurablePrecinctError } from './durable-precinct.ts';
import { senderOf, slotKey, slotOf, validateArtifact, type TallyArtifact, type ValidatedArtifact } from '../protocol/validated-artifact.ts';
import type { Envelope } from './network/envelope.ts';
import { createNetworkHost, type NetworkHost } from './network/host.ts';
import { MetricsRegistry, type Counter } from './network/metrics.ts';
import { resolveNetworkOptions, type NetworkOptionsOverride } from './network/options.ts';
import type { PullRequest } from './network/pull-protocol.ts';
import { subscribesToBoard, type Topic } from './network/topics.ts';
import { checkRecordInWorker, type RecordCheckTask } from './record-check.ts';
import {
  ApiError,
  type ArtifactView,
  type ChildStatus,
  type ElectionView,
  type EvidenceView,
  type HeldArtifact,
  type ObserverApi,
  type PeerHealthView,
  type RecordCheckView,
  type LogEntryView,
  type NodeApi,
  type NodeStatus,
  type PeerView,
  type ReceiptView,
  type RecordExport,
} from './node-api.ts';
import { AggregatorRole } from '../roles/aggregator.ts';
import { CombinerRole } from '../roles/combiner.ts';
import { TrusteeRole } from '../roles/trustee.ts';
import { loadManifest, loadShare, loadSigningKey } from '../setup/setup-files.ts';

export interface NodeLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface TallyNodeOptions {
  config: LoadedConfig;
  logger: NodeLogger;
  /** Admin token (setup's DIR/admin-token); admin routes are refused without it. */
  adminToken?: string;
  network?: NetworkOptionsOverride;
  /** Milliseconds between catch-up ticks. */
  tickMs?: number;
}

/** An artifact this node made and must get to its topics, retried until someone received it. */
interface Outgoing {
  envelope: Envelope;
  topics: Topic[];
  pending: Set<string>;
}

const TICK_MS = 1000;

/** Something to pull: the request, the roster node it is about, and whether gossip normally
 * brings it (then it is first asked for only after the grace period). */
interface Want {
  request: PullRequest;
  about: string;
  grace?: boolean;
}

export class TallyNode implements NodeApi, ObserverApi {
  readonly id: string;
  readonly role: RosterEntry['role'];
  readonly ctx: ElectionContext;
  readonly registry = new MetricsRegistry();
  host!: NetworkHost;
  private readonly entry: RosterEntry;
  private readonly secretKey: Uint8Array;
  private readonly logger: NodeLogger;
  private db!: NodeDatabase;
  private store!: ArtifactStore;
  private precinct: DurablePrecinct | undefined;
  private aggregator: AggregatorRole | undefined;
  private trustee: TrusteeRole | undefined;
  private combiner: CombinerRole | undefined;
  /** The accepted tally of every node, by node id: the hierarchy as this node knows it. */
  private readonly tallyByNode = new Map<string, TallyArtifact>();
  /** Every valid tally held, by content hash: the first from each signer and any equivocating
   * second version, so that the version a parent counted can be followed (tallyOf). */
  private readonly tallyVersions = new Map<string, TallyArtifact>();
  private readonly partials = new Map<string, PartialDecryption>();
  private readonly outbox = new Map<string, Outgoing>();
  private readonly pullBackoff = new Map<string, { next: number; delay: number; attempt: number }>();
  private national: AggregateTally | undefined;
  private resultValue: Result | undefined;
  private hierarchyProblem: string | undefined;
  private equivocationCount = 0;
  /** When this node last saw a connection to each roster node (ms), for the dashboard. */
  private readonly lastConnected = new Map<string, number>();
  private recordCheckState: RecordCheckView | undefined;
  private recordCheckTask: RecordCheckTask | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private ticking = false;
  /** Pulls under way, by request: the tick starts them and does not wait for them (below). */
  private readonly pulling = new Map<string, Promise<void>>();
  private stopped = false;
  private readonly counters: { accepted: Counter; ballots: Counter; equivocations: Counter; pulls: Counter };

  private constructor(
    private readonly options: TallyNodeOptions,
    ctx: ElectionContext,
    secretKey: Uint8Array,
    private readonly share: TrusteeShare | undefined,
  ) {
    const { config } = options;
    this.ctx = ctx;
    this.id = config.id;
    this.entry = ctx.index.node(config.id);
    this.role = this.entry.role;
    this.secretKey = secretKey;
    this.logger = options.logger;
    this.counters = {
      accepted: this.registry.counter('tallymesh_artifacts_accepted_total', 'Artifacts stored and dispatched, by type and origin'),
      ballots: this.registry.counter('tallymesh_ballots_total', 'Ballot submissions by outcome'),
      equivocations: this.registry.counter('tallymesh_equivocations_total', 'Second, different artifacts from one signer, kept as evidence'),
      pulls: this.registry.counter('tallymesh_catchup_pulls_total', 'Artifacts fetched by the catch-up loop, by type'),
    };
  }

  /** Loads keys and manifest, opens storage, replays it, joins the network. */
  static async start(options: TallyNodeOptions): Promise<TallyNode> {
    const { config } = options;
    const ctx = new ElectionContext(loadManifest(config.manifest));
    const key = loadSigningKey(config.keyFile);
    if (key.id !== config.id) throw new ProtocolError('inconsistent', 'keyFile', `${config.keyFile} holds the key of "${key.id}", not "${config.id}"`);
    const entry = ctx.index.node(config.id);
    if (toHex(entry.publicKey) !== toHex(key.publicKey)) throw new ProtocolError('inconsistent', 'keyFile', `${config.keyFile} does not match the roster key of "${config.id}"`);
    if (entry.role !== config.role) throw new ProtocolError('inconsistent', 'role', `config says ${config.role}, the manifest says ${entry.role}`);
    const share = config.shareFile ? loadShare(config.shareFile) : undefined;
    const node = new TallyNode(options, ctx, key.secretKey, share);
    await node.open();
    return node;
  }

  private async open(): Promise<void> {
    const { config } = this.options;
    this.db = await openNodeDatabase(config.dataDir);
    this.store = ArtifactStore.open(this.db);
    try {
      if (this.role === 'precinct') {
        this.precinct = await DurablePrecinct.open({ db: this.db, ctx: this.ctx, precinctId: this.id, secretKey: this.secretKey });
      } else if (this.role !== 'trustee') {
        this.aggregator = new AggregatorRole(this.ctx, this.id, this.secretKey);
      }
      if (this.role === 'trustee') this.trustee = new TrusteeRole(this.ctx, this.id, this.secretKey, this.share!);
      await this.replayStore();
      this.host = await createNetworkHost({
        secretKey: this.secretKey,
        ctx: this.ctx,
        listen: config.listen,
        bootstrap: config.bootstrap,
        gater: config.observers === true ? { allowObservers: true } : { observers: config.observers },
        metrics: this.registry,
        ...(this.options.network ? { options: this.options.network } : {}),
        lookup: (request) => this.lookup(request),
        onArtifact: {
          'precinct-tally': (a) => this.accept(a, 'gossip'),
          'aggregate-tally': (a) => this.accept(a, 'gossip'),
          'partial-decryption': (a) => this.accept(a, 'gossip'),
          result: (a) => this.accept(a, 'gossip'),
        },
        log: (message) => this.logger.warn({ event: 'network' }, message),
      });
    } catch (err) {
      await this.precinct?.shutdown().catch(() => undefined);
      await this.db.close().catch(() => undefined);
      throw err;
    }
    // What this node made before a restart goes out again; peers that have it ignore it.
    if (this.precinct?.tally) this.send(this.envelopeOf('precinct-tally', PrecinctTally.encode(this.precinct.tally)));
    await this.progress();
    this.tickTimer = setInterval(() => void this.tick(), this.options.tickMs ?? TICK_MS);
    this.tickTimer.unref();
    const closesAt = this.ctx.manifest.closesAt;
    if (this.precinct && closesAt > 0 && this.precinct.phase === 'open') {
      const wait = Math.max(0, closesAt - Date.now());
      this.closeTimer = setTimeout(() => void this.close().catch((err) => this.logger.error({ err: String(err) }, 'closing at the scheduled time failed')), Math.min(wait, 2 ** 31 - 1));
      this.closeTimer.unref();
    }
    this.logger.info({ event: 'started', role: this.role, peerId: this.host.peerId, addresses: this.host.addresses() }, 'node started');
  }

  /** Stops accepting, stops the network, flushes and closes storage. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.tickTimer);
    clearTimeout(this.closeTimer);
    await this.recordCheckTask?.cancel();
    while (this.ticking) await new Promise((r) => setTimeout(r, 20));
    await this.host?.stop().catch((err) => this.logger.warn({ err: String(err) }, 'stopping libp2p failed'));
    // Stopping the host ends every pull exchange; a pulled artifact being stored finishes first.
    await Promise.allSettled(this.pulling.values());
    await this.precinct?.shutdown().catch((err) => this.logger.warn({ err: String(err) }, 'closing the precinct failed'));
    await this.db?.close().catch((err) => this.logger.warn({ err: String(err) }, 'closing the database failed'));
    this.logger.info({ event: 'stopped' }, 'node stopped');
  }

  // ---------------------------------------------------------------------------------------
  // The one path of every artifact

  private envelopeOf(type: Envelope['type'], bytes: Uint8Array): Envelope {
    return { type, bytes };
  }

  /** Stores an accepted artifact and hands it to the role. Never throws: it logs instead. */
  private async accept(a: ValidatedArtifact, origin: 'gossip' | 'pull' | 'self'): Promise<void> {
    if (this.stopped) return;
    try {
      const put = await this.store.put({ hash: a.hash, type: a.type, sender: senderOf(a), slot: slotOf(a), bytes: a.bytes });
      if (put.equivocation) {
        this.equivocationCount++;
        this.counters.equivocations.inc({ type: a.type });
        this.logger.warn({ event: 'equivocation', sender: senderOf(a), first: toHex(put.equivocation.first), second: a.hashHex }, 'a signer published two different artifacts; the second is kept as evidence, not counted');
        this.recordChildEquivocation(a);
        this.noteTallyVersion(a);
        return;
      }
      // Already stored: nothing new, except our own artifact that the durable precinct stored first.
      if (!put.stored && origin !== 'self') return;
      this.counters.accepted.inc({ type: a.type, origin });
      this.dispatch(a);
      // What a pull brought here may have reached nobody else (its author published it while
      // this node was down, to a peer that is not on the way to the rest of the network), and a
      // precinct's tally reaches the board only through its county: put it on the board, so that
      // trustees checking the hierarchy get it too.
      if (origin === 'pull' || (origin === 'gossip' && this.bringsToBoard(a))) this.relay({ type: a.type, bytes: a.bytes });
      await this.progress();
    } catch (err) {
      this.logger.error({ event: 'accept-failed', type: a.type, hash: a.hashHex, err: errorMessage(err) }, 'could not accept an artifact');
    }
  }

  /** Rebuilds the in-memory view from the store after a restart (arrival order). */
  private async replayStore(): Promise<void> {
    let count = 0;
    for await (const item of this.store.list()) {
      if (item.type === 'ballot' || item.type === 'receipt') continue;
      const slotFirst = await this.firstInSlot(item.slot);
      const a = validateArtifact(this.ctx, { type: item.type as Envelope['type'], bytes: item.bytes });
      if (slotFirst !== toHex(item.hash)) {
        // Equivocation evidence: never counted, still reported.
        this.equivocationCount++;
        this.recordChildEquivocation(a);
        this.noteTallyVersion(a);
        continue;
      }
      this.dispatch(a);
      count++;
    }
    if (count) this.logger.info({ event: 'replayed', artifacts: count }, 'state rebuilt from the artifact store');
  }

  /** A child's second, different tally: the aggregator records the evidence (never counts it). */
  private recordChildEquivocation(a: ValidatedArtifact): void {
    if (a.type !== 'precinct-tally' && a.type !== 'aggregate-tally') return;
    const id = senderOf(a);
    if (!this.aggregator || this.ctx.index.node(id).parent !== this.id || this.aggregator.acceptedHash(id) === undefined) return;
    this.aggregator.receive(a.type === 'precinct-tally' ? { kind: 'precinct', tally: a.value } : { kind: 'aggregate', tally: a.value });
  }

  private async firstInSlot(slot: string): Promise<string | undefined> {
    for await (const item of this.store.bySlot(slot, { limit: 1 })) return toHex(item.hash);
    return undefined;
  }

  private dispatch(a: ValidatedArtifact): void {
    switch (a.type) {
      case 'precinct-tally':
      case 'aggregate-tally': {
        const id = senderOf(a);
        this.tallyByNode.set(id, a);
        this.noteTallyVersion(a);
        const tally: AnyTally = a.type === 'precinct-tally' ? { kind: 'precinct', tally: a.value } : { kind: 'aggregate', tally: a.value };
        if (this.aggregator && this.ctx.index.node(id).parent === this.id) {
          const outcome = this.aggregator.receive(tally);
          if (outcome.status === 'equivocation') this.equivocationCount++;
        }
        if (a.type === 'aggregate-tally' && a.value.level === 'national') this.national = a.value;
        break;
      }
      case 'partial-decryption':
        this.partials.set(a.hashHex, a.value);
        this.combiner?.add(a.value);
        break;
      case 'result':
        this.resultValue ??= a.value;
        break;
      default:
        break;
    }
  }

  /** Moves the role forward as far as what it holds allows. */
  private async progress(): Promise<void> {
    if (this.aggregator?.complete && !this.tallyByNode.has(this.id)) {
      const tally = this.aggregator.aggregate();
      this.logger.info({ event: 'aggregated', ballots: tally.ballotCount }, `${this.role} tally complete`);
      await this.own('aggregate-tally', AggregateTally.encode(tally));
    }
    if (this.national && (this.role === 'national' || this.options.config.combine) && !this.combiner) {
      this.combiner = new CombinerRole(this.ctx, this.id, this.secretKey, this.national);
      for (const p of this.partials.values()) this.combiner.add(p);
    }
    if (this.trustee && this.options.config.autoDecrypt) await this.tryDecrypt();
    if (this.combiner?.ready && !this.resultValue) {
      const result = this.combiner.combine();
      this.logger.info({ event: 'result', ballots: result.ballotCount }, 'result combined from t valid partial decryptions');
      await this.own('result', Result.encode(result));
    }
  }

  /** Trustee: decrypts once the national tally and the whole hierarchy are here and consistent. */
  private async tryDecrypt(): Promise<boolean> {
    if (!this.trustee || !this.national) return false;
    if ([...this.partials.values()].some((p) => p.trusteeId === this.id)) return true;
    const check = checkHierarchy(this.ctx, (id) => this.tallyOf(id));
    if (check.problems.length) {
      this.hierarchyProblem = `${check.problems.length} problem(s) in the hierarchy, e.g. ${check.problems[0]!.message}`;
      return false;
    }
    this.hierarchyProblem = undefined;
    const partial = this.trustee.decrypt(this.national, (id) => this.tallyOf(id));
    this.logger.info({ event: 'decrypted' }, 'partial decryption published');
    await this.own('partial-decryption', PartialDecryption.encode(partial));
    return true;
  }

  private noteTallyVersion(a: ValidatedArtifact): void {
    if (a.type === 'precinct-tally' || a.type === 'aggregate-tally') this.tallyVersions.set(a.hashHex, a);
  }

  /** id's tally as the hierarchy counts it (see countedVersion). */
  private tallyOf(id: string): AnyTally | undefined {
    const a = this.countedVersion(id);
    if (!a) return undefined;
    return a.type === 'precinct-tally' ? { kind: 'precinct', tally: a.value } : { kind: 'aggregate', tally: a.value };
  }

  /** id's tally as the hierarchy counts it: protocol/counted-tally.ts. */
  private countedVersion(id: string): TallyArtifact | undefined {
    return countedTally(this.ctx, id, this.versions);
  }

  private listedHash(id: string): string | undefined {
    return listedTallyHash(this.ctx, id, this.versions);
  }

  private readonly versions: TallyVersions<TallyArtifact> = {
    first: (id) => this.tallyByNode.get(id),
    byHash: (hex) => this.tallyVersions.get(hex),
    aggregate: (a) => (a.type === 'aggregate-tally' ? a.value : undefined),
  };

  /** Accepts an artifact this node made and queues it for its topics. */
  private async own(type: Envelope['type'], bytes: Uint8Array): Promise<void> {
    const envelope = this.envelopeOf(type, bytes);
    await this.accept(validateArtifact(this.ctx, envelope), 'self');
    this.send(envelope);
  }

  private topicsFor(type: Envelope['type']): Topic[] {
    const board: Topic[] = subscribesToBoard(this.entry) ? [{ kind: 'board' }] : [];
    if ((type === 'precinct-tally' || type === 'aggregate-tally') && this.entry.parent) return [{ kind: 'tallies', parentId: this.entry.parent }, ...board];
    return board;
  }

  /** A child's tally whose author is not on the board: this node, its parent, brings it there. */
  private bringsToBoard(a: ValidatedArtifact): boolean {
    if (a.type !== 'precinct-tally' && a.type !== 'aggregate-tally') return false;
    const author = this.ctx.index.node(senderOf(a));
    return author.parent === this.id && !subscribesToBoard(author);
  }

  private send(envelope: Envelope, topics: Topic[] = this.topicsFor(envelope.type)): void {
    const key = createHash('sha256').update(envelope.bytes).digest('hex');
    if (!this.outbox.has(key)) this.outbox.set(key, { envelope, topics, pending: new Set(topics.map((t) => JSON.stringify(t))) });
    void this.flushOutbox();
  }

  /** Republishes someone else's artifact on the board only (its tally topic is its author's). */
  private relay(envelope: Envelope): void {
    if (subscribesToBoard(this.entry)) this.send(envelope, [{ kind: 'board' }]);
  }

  private async flushOutbox(): Promise<void> {
    if (!this.host || this.stopped) return;
    for (const [key, item] of this.outbox) {
      for (const t of item.topics) {
        const name = JSON.stringify(t);
        if (!item.pending.has(name)) continue;
        try {
          const { status } = await this.host.publish(t, item.envelope);
          if (status !== 'no-peers') item.pending.delete(name);
        } catch (err) {
          this.logger.warn({ event: 'publish-failed', err: errorMessage(err) }, 'publish failed; pull will serve it');
          item.pending.delete(name);
        }
      }
      if (item.pending.size === 0) this.outbox.delete(key);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Catch-up

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      this.notePeers();
      await this.flushOutbox();
      this.pullMissing();
      await this.progress();
    } catch (err) {
      this.logger.warn({ event: 'tick-failed', err: errorMessage(err) }, 'catch-up step failed');
    } finally {
      this.ticking = false;
    }
  }

  /** What this node still needs, as pull requests, each with the roster node it is about. */
  private wanted(): Want[] {
    const want: Want[] = [];
    const tallyOfNode = (e: RosterEntry): Want => ({
      request: { by: 'sender', type: e.role === 'precinct' ? 'precinct-tally' : 'aggregate-tally', sender: e.id },
      about: e.id,
    });
    const nationalEntry = this.ctx.index.national;
    const aggregated = !!this.aggregator && this.tallyByNode.has(this.id);
    // A parent: its children's tallies, until it has aggregated them.
    if (this.aggregator && !aggregated) {
      for (const child of this.ctx.index.childrenOf(this.id)) if (!this.tallyByNode.has(child.id)) want.push(tallyOfNode(child));
    }
    if (this.trustee && !this.hasOwnPartial()) {
      // A trustee checks the whole hierarchy before it decrypts.
      if (!this.national) want.push(tallyOfNode(nationalEntry));
      else this.missingBelow(nationalEntry.id, want);
    } else if (aggregated) {
      // An aggregator that has reported keeps its whole subtree (the board brings it; this fills
      // what gossip missed), so that a node whose only peer it is (a trustee connected to the
      // national node) can pull any tally from it, and its record export is complete.
      this.missingBelow(this.id, want);
    }
    if (this.options.config.combine && !this.national) want.push(tallyOfNode(nationalEntry));
    if (this.combiner && !this.resultValue) {
      const have = new Set([...this.partials.values()].map((p) => p.trusteeId));
      for (const t of this.ctx.index.trustees) if (!have.has(t.id)) want.push({ request: { by: 'sender', type: 'partial-decryption', sender: t.id }, about: t.id });
    }
    // The result, once it can exist for this node: precincts (not on the board) pull it after
    // their polls close, the others once the national tally or their own tally is here.
    const mayExist = this.national || aggregated || this.precinct?.tally;
    if (!this.resultValue && mayExist) want.push({ request: { by: 'sender', type: 'result', sender: nationalEntry.id }, about: nationalEntry.id });
    return want;
  }

  /** Pull requests for the tallies below rootId that are not held, following the listed hashes. */
  private missingBelow(rootId: string, want: Want[]): void {
    for (const e of this.descendants(rootId)) {
      const listed = this.listedHash(e.id);
      if (listed !== undefined && !this.tallyVersions.has(listed)) want.push({ request: { by: 'hash', hash: listed }, about: e.id, grace: true });
      else if (listed === undefined && !this.tallyByNode.has(e.id)) {
        want.push({ request: { by: 'sender', type: e.role === 'precinct' ? 'precinct-tally' : 'aggregate-tally', sender: e.id }, about: e.id, grace: true });
      }
    }
  }

  private readonly descendantCache = new Map<string, RosterEntry[]>();

  /** Every roster node below id in the hierarchy (children first). */
  private descendants(id: string): RosterEntry[] {
    let out = this.descendantCache.get(id);
    if (!out) {
      out = [];
      for (let level = this.ctx.index.childrenOf(id); level.length; level = level.flatMap((e) => this.ctx.index.childrenOf(e.id))) out.push(...level);
      this.descendantCache.set(id, out);
    }
    return out;
  }

  private hasOwnPartial(): boolean {
    return [...this.partials.values()].some((p) => p.trusteeId === this.id);
  }

  /**
   * Starts a pull for each missing artifact that is due and not already being pulled, and does not
   * wait for them: an exchange with a slow peer takes up to a minute per peer asked, and the tick
   * must go on republishing what found no peers and moving the role forward meanwhile.
   */
  private pullMissing(): void {
    // Each missing artifact is asked for again after a growing pause (1 s doubling to 30 s): a
    // child's tally does not exist until its polls close, and hundreds of nodes asking every
    // second would only load the network. What gossip normally brings (the tallies below a node)
    // is first asked for only after a grace period, so that a busy network is not asked twice.
    const now = Date.now();
    const { graceMs, maxPullsInFlight } = resolveNetworkOptions(this.options.network).pull;
    const due: Want[] = [];
    for (const w of this.wanted()) {
      const key = JSON.stringify(w.request);
      if (this.pulling.has(key)) continue;
      const last = this.pullBackoff.get(key);
      if (!last && w.grace && graceMs > 0) this.pullBackoff.set(key, { next: now + graceMs, delay: 500, attempt: -1 });
      else if ((last?.next ?? 0) <= now) due.push(w);
    }
    const batch = due.slice(0, Math.max(0, maxPullsInFlight - this.pulling.size));
    if (!batch.length) return;
    const peers = this.host.peers().filter((p) => p.admission === 'roster');
    for (const w of batch) {
      const key = JSON.stringify(w.request);
      const last = this.pullBackoff.get(key);
      const delay = Math.min(30_000, (last?.delay ?? 500) * 2);
      const attempt = (last?.attempt ?? -1) + 1;
      this.pullBackoff.set(key, { next: now + delay, delay, attempt });
      // Requests run side by side, so one slow or vanished peer delays only its own request.
      const done = this.pullOne(w, peers, attempt)
        .catch((err) => this.logger.warn({ event: 'pull-failed', err: errorMessage(err) }, 'pull failed'))
        .finally(() => this.pulling.delete(key));
      this.pulling.set(key, done);
    }
  }

  /**
   * Asks the peers most likely to hold the artifact first: its author, then the author's nearest
   * connected ancestor (a parent holds its children's tallies, the national node the whole
   * hierarchy), then a few other peers, different ones at each attempt. Asking every peer each
   * time would cost every node a stream per peer per missing artifact: with hundreds of nodes
   * waiting for tallies that do not exist yet, that alone saturates them.
   */
  private async pullOne(want: Want, peers: ReturnType<NetworkHost['peers']>, attempt: number): Promise<void> {
    const preferred: string[] = [];
    for (let e = this.ctx.index.byId.get(want.about); e; e = e.parent ? this.ctx.index.byId.get(e.parent) : undefined) {
      if (peers.some((p) => p.peerId === e!.peerId)) {
        preferred.push(e.peerId);
        if (e.id !== want.about) break;
      }
    }
    const others = peers.filter((p) => !preferred.includes(p.peerId));
    const fanout = Math.min(resolveNetworkOptions(this.options.network).pull.othersPerAttempt, others.length);
    const start = others.length ? (attempt * fanout) % others.length : 0;
    const order = [...preferred, ...Array.from({ length: fanout }, (_, i) => others[(start + i) % others.length]!.peerId)];
    for (const peerId of order) {
      if (this.stopped) return;
      try {
        const envelopes = await this.host.pull(peerId, want.request);
        if (!envelopes.length) continue;
        for (const env of envelopes) {
          const a = this.host.validate(env);
          this.counters.pulls.inc({ type: a.type });
          await this.accept(a, 'pull');
        }
        return;
      } catch (err) {
        this.logger.warn({ event: 'pull-failed', peer: peers.find((p) => p.peerId === peerId)?.nodeId ?? peerId, err: errorMessage(err) }, 'pull failed');
      }
    }
  }

  /** Serves pull requests from the store. */
  private async lookup(request: PullRequest): Promise<Envelope[]> {
    if (request.by === 'hash') {
      const item = await this.store.get(fromHex(request.hash));
      return item ? [{ type: item.type as Envelope['type'], bytes: item.bytes }] : [];
    }
    const out: Envelope[] = [];
    for await (const item of this.store.bySlot(slotKey(request.type, request.sender), { limit: 1 })) {
      if (item.type === request.type) out.push({ type: item.type as Envelope['type'], bytes: item.bytes });
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------
  // NodeApi

  checkAdminToken(token: string): boolean {
    const expected = this.options.adminToken;
    if (!expected) return false;
    const a = createHash('sha256').update(token).digest();
    const b = createHash('sha256').update(expected).digest();
    return timingSafeEqual(a, b);
  }

  private phase(): string {
    if (this.resultValue) return 'result';
    if (this.precinct) return this.precinct.phase === 'open' ? 'voting' : 'closed';
    if (this.aggregator) return this.tallyByNode.has(this.id) ? 'aggregated' : 'collecting';
    if (this.trustee) return this.hasOwnPartial() ? 'decrypted' : 'waiting';
    return 'unknown';
  }

  async status(): Promise<NodeStatus> {
    const children: ChildStatus[] = this.ctx.index.childrenOf(this.id).map((c) => {
      const t = this.tallyByNode.get(c.id);
      return {
        id: c.id,
        role: c.role,
        reported: !!t,
        ...(t ? { tallyHash: t.hashHex, ballotCount: t.value.ballotCount } : {}),
        ...(this.aggregator?.equivocations.some((e) => e.childId === c.id) ? { equivocated: true } : {}),
      };
    });
    // Only a combiner checks partial decryptions' proofs; other nodes do not claim a verdict.
    const partials = !this.combiner
      ? []
      : [...this.partials.values()].map((p) => {
          const rejected = this.combiner!.rejections.find((r) => r.trusteeId === p.trusteeId);
          const valid = !rejected && this.combiner!.describe().valid.includes(p.trusteeIndex);
          return { trusteeId: p.trusteeId, trusteeIndex: p.trusteeIndex, valid, ...(rejected ? { reason: rejected.reason } : {}) };
        });
    const needed = this.ctx.manifest.threshold.threshold;
    const valid = this.combiner?.validCount ?? 0;
    let waitingFor: string | undefined;
    if (!this.resultValue) {
      if (this.precinct?.phase === 'open') waitingFor = 'the polls to close';
      else if (this.aggregator && !this.tallyByNode.has(this.id)) waitingFor = `${this.aggregator.missing.length} of ${children.length} children's tallies`;
      else if (this.trustee && !this.hasOwnPartial()) waitingFor = this.hierarchyProblem ?? (this.national ? (this.options.config.autoDecrypt ? 'the rest of the hierarchy' : 'an admin decrypt command') : 'the national tally');
      else if (this.combiner) waitingFor = `${valid} of ${needed} valid partial decryptions (${this.ctx.manifest.threshold.trustees - this.partials.size} trustees have not published)`;
      else waitingFor = 'the result';
    }
    return {
      id: this.id,
      role: this.role,
      parent: this.entry.parent,
      phase: this.phase(),
      electionId: this.ctx.manifest.electionId,
      electionHash: this.ctx.hashHex,
      ...(this.precinct ? { ballots: this.precinct.count } : {}),
      children,
      partials,
      threshold: { needed, valid },
      hasResult: !!this.resultValue,
      ...(waitingFor ? { waitingFor } : {}),
      equivocations: this.equivocationCount,
      peers: this.host.peers().length,
    };
  }

  async peers(): Promise<PeerView[]> {
    return this.host.peers().map((p) => ({
      peerId: p.peerId,
      ...(p.nodeId ? { nodeId: p.nodeId } : {}),
      ...(p.role ? { role: p.role } : {}),
      admission: p.admission,
      addresses: p.addresses,
      ...(p.latencyMs !== undefined ? { latencyMs: p.latencyMs } : {}),
      score: p.score,
    }));
  }

  private view(a: ValidatedArtifact): ArtifactView {
    const codec = { ballot: Ballot, receipt: Receipt, 'precinct-tally': PrecinctTally, 'aggregate-tally': AggregateTally, 'partial-decryption': PartialDecryption, result: Result }[a.type];
    return { type: a.type, hash: a.hashHex, sender: senderOf(a), artifact: (codec.toJSON as (v: unknown) => unknown)(a.value) };
  }

  async tallies(): Promise<ArtifactView[]> {
    return [...this.tallyByNode.values()].map((a) => this.view(a));
  }

  async board(page: { from: number; limit: number }): Promise<{ items: ArtifactView[]; next?: number }> {
    const items: ArtifactView[] = [];
    let last = 0;
    for await (const item of this.store.list({ from: page.from, limit: page.limit })) {
      last = item.seq;
      items.push(this.view(validateArtifact(this.ctx, { type: item.type as Envelope['type'], bytes: item.bytes })));
    }
    return items.length === page.limit ? { items, next: last + 1 } : { items };
  }

  private requirePrecinct(): DurablePrecinct {
    if (!this.precinct) throw new ApiError('not-a-precinct', `${this.id} is a ${this.role}; only precincts take ballots and keep a ballot log`);
    return this.precinct;
  }

  async log(page: { from: number; limit: number }): Promise<LogEntryView[]> {
    const p = this.requirePrecinct();
    const out: LogEntryView[] = [];
    for await (const e of p.entries(page.from, page.limit)) {
      out.push({ seq: e.seq, ballotHash: toHex(e.ballotHash), prevHash: toHex(e.prevHash), entryHash: toHex(e.entryHash) });
    }
    return out;
  }

  async receipt(ballotHashHex: string): Promise<ReceiptView | undefined> {
    const p = this.requirePrecinct();
    const receipt = await p.receipt(fromHex(ballotHashHex));
    if (!receipt) return undefined;
    const view: ReceiptView = { receipt: Receipt.toJSON(receipt) };
    const tally = p.tally;
    if (tally) {
      const hashes: Uint8Array[] = [];
      for await (const e of p.entries(1, tally.ballotCount)) hashes.push(e.ballotHash);
      const index = receipt.logPosition - 1;
      view.inclusion = { index, size: hashes.length, path: inclusionProof(hashes, index).map(toHex), root: toHex(tally.ballotsRoot) };
    }
    return view;
  }

  async result(): Promise<unknown | undefined> {
    return this.resultValue ? Result.toJSON(this.resultValue) : undefined;
  }

  async record(): Promise<RecordExport> {
    const artifacts: RecordExport['artifacts'] = [];
    for await (const item of this.store.list()) {
      if (item.type === 'ballot' || item.type === 'receipt') continue;
      if ((await this.firstInSlot(item.slot)) !== toHex(item.hash)) continue; // evidence is not record
      artifacts.push({ type: item.type as Envelope['type'], data: Buffer.from(item.bytes).toString('base64') });
    }
    const ballots: RecordExport['ballots'] = {};
    if (this.precinct?.tally) {
      const list: string[] = [];
      for await (const e of this.precinct.entries(1, this.precinct.tally.ballotCount)) list.push(Buffer.from(e.ballotBytes).toString('base64'));
      ballots[this.id] = list;
    }
    return { manifest: manifestToJSON(this.ctx.manifest), artifacts, ballots };
  }

  async metrics(): Promise<string> {
    return this.registry.render();
  }

  async submitBallot(voterId: string, ballotJson: unknown): Promise<{ receipt: unknown; duplicate: boolean }> {
    const p = this.requirePrecinct();
    try {
      const { receipt, duplicate } = await p.submit(voterId, Ballot.fromJSON(ballotJson));
      this.counters.ballots.inc({ outcome: duplicate ? 'duplicate' : 'accepted' });
      return { receipt: Receipt.toJSON(receipt), duplicate };
    } catch (err) {
      // Refusals carry their code (REST gives each its status); anything else is our fault.
      this.counters.ballots.inc({ outcome: isTallyMeshError(err) ? err.code : 'internal-error' });
      throw err;
    }
  }

  async close(): Promise<{ phase: string }> {
    const p = this.requirePrecinct();
    const tally = await p.close();
    this.logger.info({ event: 'polls-closed', ballots: tally.ballotCount }, 'polls closed; precinct tally published');
    await this.own('precinct-tally', PrecinctTally.encode(tally));
    return { phase: this.phase() };
  }

  async decrypt(): Promise<{ phase: string }> {
    if (!this.trustee) throw new ApiError('not-a-trustee', `${this.id} is a ${this.role}; only trustees decrypt`);
    if (!this.national) throw new ApiError('no-national-tally', 'the national tally has not arrived yet');
    if (!(await this.tryDecrypt())) throw new ApiError('hierarchy-incomplete', this.hierarchyProblem ?? 'the hierarchy is not complete yet');
    return { phase: this.phase() };
  }

  // ---------------------------------------------------------------------------------------
  // ObserverApi: read-only accessors for the dashboard

  election(): ElectionView {
    const m = this.ctx.manifest;
    return {
      electionId: m.electionId,
      title: m.title,
      electionHash: this.ctx.hashHex,
      contests: m.contests.map((c) => ({ id: c.id, title: c.title, options: [...c.options] })),
      threshold: { needed: m.threshold.threshold, trustees: m.threshold.trustees },
      roster: m.roster.map((e) => ({ id: e.id, role: e.role, parent: e.parent, name: e.name, fips: e.fips, trusteeIndex: e.trusteeIndex })),
    };
  }

  heldArtifacts(): HeldArtifact[] {
    const out: HeldArtifact[] = [];
    for (const [sender, a] of this.tallyByNode) {
      out.push({
        type: a.type,
        sender,
        hash: a.hashHex,
        ballotCount: a.value.ballotCount,
        ...(a.type === 'aggregate-tally' ? { children: a.value.children.map((c) => ({ id: c.id, tallyHash: toHex(c.tallyHash) })) } : {}),
      });
    }
    for (const [hash, p] of this.partials) out.push({ type: 'partial-decryption', sender: p.trusteeId, hash });
    if (this.resultValue) out.push({ type: 'result', sender: this.resultValue.combinerId, hash: toHex(Result.hash(this.resultValue)), ballotCount: this.resultValue.ballotCount });
    return out;
  }

  async evidence(): Promise<EvidenceView[]> {
    const out: EvidenceView[] = [];
    for await (const e of this.store.equivocations()) {
      out.push({ sender: e.slot.slice(e.slot.indexOf('/') + 1), slot: e.slot, first: toHex(e.first), second: toHex(e.second), at: new Date(e.at).toISOString() });
    }
    return out;
  }

  /** Remembers which roster nodes are connected now (called every tick and on each read). */
  private notePeers(): Map<string, number | undefined> {
    const now = Date.now();
    const connected = new Map<string, number | undefined>();
    for (const p of this.host?.peers() ?? []) {
      if (!p.nodeId) continue;
      connected.set(p.nodeId, p.latencyMs);
      this.lastConnected.set(p.nodeId, now);
    }
    return connected;
  }

  peerHealth(): PeerHealthView[] {
    const connected = this.notePeers();
    return [...this.lastConnected].map(([nodeId, at]) => {
      const latency = connected.get(nodeId);
      return { nodeId, connected: connected.has(nodeId), ...(latency !== undefined ? { latencyMs: latency } : {}), lastSeen: new Date(at).toISOString() };
    });
  }

  recordCheck(): RecordCheckView {
    if (!this.resultValue) return { state: 'waiting', checks: [], ballots: 0 };
    if (!this.recordCheckState) {
      this.recordCheckState = { state: 'running', checks: [], ballots: 0 };
      // Later, so that the request asking for it is answered first.
      setTimeout(() => void this.runRecordCheck(), 0);
    }
    return this.recordCheckState;
  }

  private async runRecordCheck(): Promise<void> {
    try {
      const data = await this.record();
      if (this.stopped) return;
      this.recordCheckTask = checkRecordInWorker(this.id, data);
      const { checks, ballots } = await this.recordCheckTask.promise;
      this.recordCheckState = { state: 'done', checks, ballots };
    } catch (err) {
      if (this.stopped) return;
      this.recordCheckState = { state: 'error', checks: [], ballots: 0, message: errorMessage(err) };
    } finally {
      this.recordCheckTask = undefined;
    }
  }

  /** For tests and the simulation: the result artifact, once known. */
  get resultArtifact(): Result | undefined {
    return this.resultValue;
  }
}
