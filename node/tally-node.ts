// One TallyMesh node of any role, composed: the node's state machine (intake/node-state.ts, with
// the role state machines of roles/ inside), LevelDB storage (storage/, and the durable precinct
// for precincts), the libp2p host (network/), catch-up (catch-up/), the outbox and the REST facade
// (api/). Every artifact, however it arrives (gossip, pull, or made here), takes one path: stored
// by content hash (a signer's second version kept as evidence, never counted), then given to the
// state, whose decisions this node carries out. A periodic tick republishes what found no peers
// and pulls what is missing, so a node that was down catches up without manual action.
import type { TrusteeShare } from '../crypto/threshold.ts';
import { toHex, fromHex } from '../crypto/bytes.ts';
import { errorMessage } from '../errors/tallymesh-error.ts';
import { ElectionContext } from '../protocol/election.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { PrecinctTally } from '../protocol/tally.ts';
import { senderOf, slotKey, slotOf, validateArtifact, type TypedBytes, type ValidatedArtifact } from '../protocol/validated-artifact.ts';
import { ArtifactStore } from '../storage/artifact-store.ts';
import { openNodeDatabase, type NodeDatabase } from '../storage/database.ts';
import { loadManifest, loadShare, loadSigningKey } from '../setup/setup-files.ts';
import { NodeApiImpl } from './api/node-api-impl.ts';
import { CatchUp } from './catch-up/catch-up.ts';
import type { LoadedConfig } from './config.ts';
import { DurablePrecinct } from './durable-precinct.ts';
import { NodeState, type Origin, type ResultVerdict } from './intake/node-state.ts';
import { GossipValidationError } from './network/gossip-validation.ts';
import type { Envelope } from './network/envelope.ts';
import { createNetworkHost, type NetworkHost } from './network/host.ts';
import { MetricsRegistry, type Counter } from './network/metrics.ts';
import { resolveNetworkOptions, type NetworkOptionsOverride } from './network/options.ts';
import type { PullRequest } from './network/pull-protocol.ts';
import { subscribesToBoard, type Topic } from './network/topics.ts';
import { NODE_DEFAULTS } from './node-options.ts';
import { callAt, type Scheduled } from './call-at.ts';
import { Outbox } from './outbox.ts';

/** Where refused results are kept as evidence: a slot of their own, never the result's. */
export const REFUSED_SLOT = 'refused/';

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

export class TallyNode {
  readonly id: string;
  readonly ctx: ElectionContext;
  readonly registry = new MetricsRegistry();
  readonly state: NodeState;
  /** The REST facade (node/rest/ serves it). */
  readonly api: NodeApiImpl;
  host!: NetworkHost;
  private db!: NodeDatabase;
  private store!: ArtifactStore;
  private precinct: DurablePrecinct | undefined;
  private outbox!: Outbox;
  private catchUp!: CatchUp;
  private tickTimer: NodeJS.Timeout | undefined;
  private closeTimer: Scheduled | undefined;
  private ticking = false;
  private stopped = false;
  private readonly counters: { accepted: Counter; ballots: Counter; equivocations: Counter; pulls: Counter; refusedResults: Counter };

  private constructor(
    private readonly options: TallyNodeOptions,
    ctx: ElectionContext,
    private readonly secretKey: Uint8Array,
    share: TrusteeShare | undefined,
  ) {
    const { config } = options;
    this.ctx = ctx;
    this.id = config.id;
    this.state = new NodeState({ ctx, id: config.id, secretKey, ...(share ? { share } : {}), autoDecrypt: config.autoDecrypt });
    this.counters = {
      accepted: this.registry.counter('tallymesh_artifacts_accepted_total', 'Artifacts stored and dispatched, by type and origin'),
      ballots: this.registry.counter('tallymesh_ballots_total', 'Ballot submissions by outcome'),
      equivocations: this.registry.counter('tallymesh_equivocations_total', 'Second, different artifacts from one signer, kept as evidence'),
      pulls: this.registry.counter('tallymesh_catchup_pulls_total', 'Artifacts fetched by the catch-up loop, by type'),
      refusedResults: this.registry.counter('tallymesh_results_refused_total', 'Results that failed check 9 (signer, partials, combination), kept as evidence'),
    };
    this.api = new NodeApiImpl({
      ctx,
      state: this.state,
      store: () => this.store,
      precinct: () => this.precinct,
      registry: this.registry,
      ballots: this.counters.ballots,
      adminToken: options.adminToken,
      host: () => this.host,
      stopped: () => this.stopped,
      closePolls: () => this.closePolls(),
      decryptNow: () => this.decryptNow(),
      isFirstInSlot: async (slot, hashHex) => !slot.startsWith(REFUSED_SLOT) && (await this.firstInSlot(slot)) === hashHex,
    });
  }

  get role(): NodeState['role'] {
    return this.state.role;
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
    const { config, logger } = this.options;
    this.db = await openNodeDatabase(config.dataDir);
    this.store = ArtifactStore.open(this.db);
    try {
      if (this.role === 'precinct') {
        this.precinct = await DurablePrecinct.open({ db: this.db, ctx: this.ctx, precinctId: this.id, secretKey: this.secretKey });
        this.state.precinctClosed = !!this.precinct.tally;
      }
      await this.replayStore();
      const artifact = (a: ValidatedArtifact): Promise<void> => this.accept(a, 'gossip');
      this.host = await createNetworkHost({
        secretKey: this.secretKey,
        ctx: this.ctx,
        listen: config.listen,
        bootstrap: config.bootstrap,
        gater: config.observers === true ? { allowObservers: true } : { observers: config.observers },
        metrics: this.registry,
        ...(this.options.network ? { options: this.options.network } : {}),
        lookup: (request) => this.lookup(request),
        onArtifact: { 'precinct-tally': artifact, 'aggregate-tally': artifact, 'partial-decryption': artifact, result: artifact },
        judge: (a) => this.judgeOnGossip(a),
        log: (message) => logger.warn({ event: 'network' }, message),
      });
    } catch (err) {
      await this.precinct?.shutdown().catch(() => undefined);
      await this.db.close().catch(() => undefined);
      throw err;
    }
    this.outbox = new Outbox((topic, envelope) => this.host.publish(topic, envelope), (event, message) => logger.warn(event, message));
    this.catchUp = new CatchUp({
      ctx: this.ctx,
      host: this.host,
      options: resolveNetworkOptions(this.options.network).pull,
      accept: (a) => this.accept(a, 'pull'),
      pulled: this.counters.pulls,
      log: (event, message) => logger.warn(event, message),
    });
    // What this node made before a restart goes out again; peers that have it ignore it.
    if (this.precinct?.tally) this.publish({ type: 'precinct-tally', bytes: PrecinctTally.encode(this.precinct.tally) });
    await this.advance();
    this.tickTimer = setInterval(() => void this.tick(), this.options.tickMs ?? NODE_DEFAULTS.tickMs);
    this.tickTimer.unref();
    this.scheduleClose();
    logger.info({ event: 'started', role: this.role, peerId: this.host.peerId, addresses: this.host.addresses() }, 'node started');
  }

  /** Stops accepting, stops the network, flushes and closes storage. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const { logger } = this.options;
    clearInterval(this.tickTimer);
    this.closeTimer?.cancel();
    await this.api.stop();
    while (this.ticking) await new Promise((r) => setTimeout(r, 20));
    await this.host?.stop().catch((err) => logger.warn({ err: String(err) }, 'stopping libp2p failed'));
    // Stopping the host ends every pull exchange; a pulled artifact being stored finishes first.
    await this.catchUp?.stop();
    await this.precinct?.shutdown().catch((err) => logger.warn({ err: String(err) }, 'closing the precinct failed'));
    await this.db?.close().catch((err) => logger.warn({ err: String(err) }, 'closing the database failed'));
    logger.info({ event: 'stopped' }, 'node stopped');
  }

  // ---------------------------------------------------------------------------------------
  // The one path of every artifact

  /** Stores an accepted artifact and hands it to the state. Never throws: it logs instead. */
  private async accept(a: ValidatedArtifact, origin: Origin): Promise<void> {
    if (this.stopped) return;
    try {
      if (a.type === 'result') {
        const { verdict } = this.judge(a);
        if (verdict !== 'accept') return;
      }
      const put = await this.store.put({ hash: a.hash, type: a.type, sender: senderOf(a), slot: slotOf(a), bytes: a.bytes });
      if (put.equivocation) {
        this.counters.equivocations.inc({ type: a.type });
        this.options.logger.warn({ event: 'equivocation', sender: senderOf(a), first: toHex(put.equivocation.first), second: a.hashHex }, 'a signer published two different artifacts; the second is kept as evidence, not counted');
        this.state.evidence(a);
        return;
      }
      // Already stored: nothing new, except our own artifact that the durable precinct stored first.
      if (!put.stored && origin !== 'self') return;
      this.counters.accepted.inc({ type: a.type, origin });
      if (this.state.apply(a, origin).relay) this.relay(a);
      await this.advance();
    } catch (err) {
      this.options.logger.error({ event: 'accept-failed', type: a.type, hash: a.hashHex, err: errorMessage(err) }, 'could not accept an artifact');
    }
  }

  /** Makes, stores and publishes whatever the state can make now, until it can make nothing. */
  private async advance(): Promise<void> {
    for (let own = this.state.next(); own && !this.stopped; own = this.state.next()) await this.own(own);
    // Results held back until their pieces arrived: accepted ones go on (and on the board).
    for (const { artifact, verdict } of this.state.judgePending()) {
      if (verdict.verdict === 'accept') await this.accept(artifact, 'pull');
      else if (verdict.verdict === 'reject') this.refuseResult(artifact, verdict.reason);
    }
  }

  /**
   * Check 9 on a result before anything is stored: accepted, held until the national tally and
   * the listed partials are here, or refused (kept as evidence under its own slot, never in the
   * result's: it can never displace the real one).
   */
  private judge(a: Extract<ValidatedArtifact, { type: 'result' }>): ResultVerdict {
    const verdict = this.state.judgeResult(a);
    if (verdict.verdict === 'pending') this.state.holdResult(a);
    if (verdict.verdict === 'reject') this.refuseResult(a, verdict.reason);
    return verdict;
  }

  private refuseResult(a: ValidatedArtifact, reason: string): void {
    if (!this.state.resultRefused(a.hashHex, reason)) return;
    this.counters.refusedResults.inc();
    this.options.logger.warn({ event: 'result-refused', hash: a.hashHex, reason }, 'a result that does not pass check 9 was refused and kept as evidence');
    void this.store.put({ hash: a.hash, type: a.type, sender: senderOf(a), slot: `${REFUSED_SLOT}${a.hashHex}`, bytes: a.bytes }).catch(() => undefined);
  }

  /** The gossip verdict on a result: forwarded only once it passed check 9 here. */
  private judgeOnGossip(a: ValidatedArtifact): GossipValidationError | undefined {
    if (a.type !== 'result') return undefined;
    const v = this.judge(a);
    if (v.verdict === 'accept') return undefined;
    return v.verdict === 'pending' ? new GossipValidationError('ignore', 'result-pending', v.missing) : new GossipValidationError('reject', 'result-refused', v.reason);
  }

  /** An artifact this node made: through the one path, then out on its topics. */
  private async own(artifact: TypedBytes): Promise<void> {
    const a = validateArtifact(this.ctx, artifact);
    this.options.logger.info({ event: 'made', type: a.type, hash: a.hashHex }, `${this.role} made its ${a.type}`);
    await this.accept(a, 'self');
    this.publish(artifact);
  }

  /** Rebuilds the in-memory state from the store after a restart (arrival order). */
  private async replayStore(): Promise<void> {
    let count = 0;
    for await (const item of this.store.list()) {
      if (item.type === 'ballot' || item.type === 'receipt') continue;
      if (item.slot.startsWith(REFUSED_SLOT)) {
        this.state.resultRefused(toHex(item.hash), 'refused before the restart');
        continue;
      }
      const a = validateArtifact(this.ctx, { type: item.type as Envelope['type'], bytes: item.bytes });
      if ((await this.firstInSlot(item.slot)) !== toHex(item.hash)) this.state.evidence(a); // never counted, still reported
      else {
        this.state.apply(a, 'self');
        count++;
      }
    }
    if (count) this.options.logger.info({ event: 'replayed', artifacts: count }, 'state rebuilt from the artifact store');
  }

  private async firstInSlot(slot: string): Promise<string | undefined> {
    for await (const item of this.store.bySlot(slot, { limit: 1 })) return toHex(item.hash);
    return undefined;
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
  // Out: this node's artifacts on its topics, others' relayed on the board

  private publish(envelope: Envelope): void {
    const entry = this.state.entry;
    const board: Topic[] = subscribesToBoard(entry) ? [{ kind: 'board' }] : [];
    const isTally = envelope.type === 'precinct-tally' || envelope.type === 'aggregate-tally';
    this.outbox.send(envelope, isTally && entry.parent ? [{ kind: 'tallies', parentId: entry.parent }, ...board] : board);
  }

  /** Someone else's artifact goes on the board only (its tally topic is its author's). */
  private relay(a: ValidatedArtifact): void {
    if (subscribesToBoard(this.state.entry)) this.outbox.send({ type: a.type, bytes: a.bytes }, [{ kind: 'board' }]);
  }

  // ---------------------------------------------------------------------------------------
  // Time: the catch-up tick and the scheduled closing of the polls

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      this.api.notePeers();
      await this.outbox.flush();
      this.catchUp.run(this.state.wanted());
      await this.advance();
    } catch (err) {
      this.options.logger.warn({ event: 'tick-failed', err: errorMessage(err) }, 'catch-up step failed');
    } finally {
      this.ticking = false;
    }
  }

  private scheduleClose(): void {
    const closesAt = this.ctx.manifest.closesAt;
    if (!this.precinct || closesAt <= 0 || this.precinct.phase !== 'open') return;
    this.closeTimer = callAt(closesAt, () => void this.closePolls().catch((err) => this.options.logger.error({ err: errorMessage(err) }, 'closing at the scheduled time failed')));
  }

  // ---------------------------------------------------------------------------------------
  // Admin actions (the API calls these)

  private async closePolls(): Promise<void> {
    const tally = await this.precinct!.close();
    this.state.precinctClosed = true;
    this.options.logger.info({ event: 'polls-closed', ballots: tally.ballotCount }, 'polls closed; precinct tally published');
    await this.own({ type: 'precinct-tally', bytes: PrecinctTally.encode(tally) });
  }

  private async decryptNow(): Promise<boolean> {
    if (this.state.hasOwnPartial) return true;
    const partial = this.state.decrypt(true);
    if (!partial) return false;
    await this.own(partial);
    await this.advance();
    return true;
  }
}
