// The NodeApi (and the dashboard's ObserverApi) of a running node: read views over its state,
// store, precinct log and network, ballot submission, and the admin actions, which it hands to
// the node (closing the polls and decrypting make artifacts the node must store and publish).
import { createHash, timingSafeEqual } from 'node:crypto';
import { fromHex, toHex } from '../../crypto/bytes.ts';
import { isTallyMeshError, errorMessage } from '../../errors/tallymesh-error.ts';
import { Ballot } from '../../protocol/ballot.ts';
import type { ElectionContext } from '../../protocol/election.ts';
import { encodeManifest, manifestToJSON } from '../../protocol/manifest.ts';
import { Receipt } from '../../protocol/receipt.ts';
import { receiptProofView, receiptView } from '../../protocol/receipt-proof-view.ts';
import { Result } from '../../protocol/result.ts';
import { ARTIFACT_CODECS, senderOf, validateArtifact, type ValidatedArtifact } from '../../protocol/validated-artifact.ts';
import type { ArtifactStore } from '../../storage/artifact-store.ts';
import type { DurablePrecinct } from '../durable-precinct.ts';
import type { NodeState } from '../intake/node-state.ts';
import type { NetworkHost } from '../network/host.ts';
import type { Counter, MetricsRegistry } from '../network/metrics.ts';
import { checkRecordInWorker, type RecordCheckTask } from '../record-check.ts';
import {
  ApiError,
  type ArtifactView,
  type ChildStatus,
  type ElectionView,
  type HealthView,
  type EvidenceView,
  type HeldArtifact,
  type LogEntryView,
  type NodeApi,
  type NodeStatus,
  type ObserverApi,
  type PeerHealthView,
  type PeerView,
  type ReceiptProofView,
  type ReceiptView,
  type RecordCheckView,
  type RecordExport,
} from './node-api.ts';

/** What the API needs of the node it serves. */
export interface NodeParts {
  readonly ctx: ElectionContext;
  readonly state: NodeState;
  store(): ArtifactStore;
  precinct(): DurablePrecinct | undefined;
  readonly registry: MetricsRegistry;
  readonly ballots: Counter;
  readonly adminToken: string | undefined;
  host(): NetworkHost;
  stopped(): boolean;
  /** Closes the polls and publishes the precinct tally. */
  closePolls(): Promise<void>;
  /** Makes this trustee decrypt now; false when the hierarchy does not check out (state.hierarchyProblem). */
  decryptNow(): Promise<boolean>;
  /** Whether an artifact in the store is the first of its slot (evidence is not record). */
  isFirstInSlot(slot: string, hashHex: string): Promise<boolean>;
}

export class NodeApiImpl implements NodeApi, ObserverApi {
  readonly id: string;
  readonly role: NodeApi['role'];
  /** When this node last saw a connection to each roster node (ms), for the dashboard. */
  private readonly lastConnected = new Map<string, number>();
  private recordCheckState: RecordCheckView | undefined;
  private recordCheckTask: RecordCheckTask | undefined;

  constructor(private readonly node: NodeParts) {
    this.id = node.state.id;
    this.role = node.state.role;
  }

  /** Stops a record check under way (the node is stopping). */
  async stop(): Promise<void> {
    await this.recordCheckTask?.cancel();
  }

  checkAdminToken(token: string): boolean {
    const expected = this.node.adminToken;
    if (!expected) return false;
    const a = createHash('sha256').update(token).digest();
    const b = createHash('sha256').update(expected).digest();
    return timingSafeEqual(a, b);
  }

  private get precinctOpen(): boolean {
    return this.node.precinct()?.phase === 'open';
  }

  async health(): Promise<HealthView> {
    const fault = this.node.precinct()?.faultReason;
    const faults = fault ? [fault] : [];
    return { ok: faults.length === 0, id: this.id, role: this.role, faults };
  }

  async receiptProof(precinctId: string): Promise<ReceiptProofView | undefined> {
    const { ctx, state } = this.node;
    const entry = ctx.index.byId.get(precinctId);
    if (!entry || entry.role !== 'precinct') throw new ApiError('unknown-node', `"${precinctId}" is not a precinct of this election`);
    return receiptProofView(ctx, precinctId, { counted: (id) => state.tallies.counted(id), result: state.result, partial: (hex) => state.partials.get(hex) });
  }

  async manifest(): Promise<{ manifest: string; electionHash: string }> {
    return { manifest: Buffer.from(encodeManifest(this.node.ctx.manifest)).toString('base64'), electionHash: this.node.ctx.hashHex };
  }

  async status(): Promise<NodeStatus> {
    const { ctx, state } = this.node;
    const children: ChildStatus[] = ctx.index.childrenOf(this.id).map((c) => {
      const t = state.tallies.firstOf(c.id);
      return {
        id: c.id,
        role: c.role,
        reported: !!t,
        ...(t ? { tallyHash: t.hashHex, ballotCount: t.value.ballotCount } : {}),
        ...(state.aggregator?.equivocations.some((e) => e.childId === c.id) ? { equivocated: true } : {}),
      };
    });
    // Only a combiner checks partial decryptions' proofs; other nodes do not claim a verdict.
    const combiner = state.combiner;
    const partials = !combiner
      ? []
      : [...state.partials.values()].map((p) => {
          const rejected = combiner.rejections.find((r) => r.trusteeId === p.trusteeId);
          const valid = !rejected && combiner.describe().valid.includes(p.trusteeIndex);
          return { trusteeId: p.trusteeId, trusteeIndex: p.trusteeIndex, valid, ...(rejected ? { reason: rejected.reason } : {}) };
        });
    const waitingFor = state.waitingFor(this.precinctOpen);
    return {
      id: this.id,
      role: this.role,
      parent: state.entry.parent,
      phase: state.phase(this.precinctOpen),
      electionId: ctx.manifest.electionId,
      electionHash: ctx.hashHex,
      ...(this.node.precinct() ? { ballots: this.node.precinct()!.count } : {}),
      children,
      partials,
      threshold: { needed: ctx.manifest.threshold.threshold, valid: combiner?.validCount ?? 0 },
      hasResult: !!state.result,
      ...(waitingFor ? { waitingFor } : {}),
      equivocations: state.equivocations,
      refusedResults: state.refused,
      peers: this.node.host().peers().length,
    };
  }

  async peers(): Promise<PeerView[]> {
    return this.node.host().peers().map((p) => ({
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
    return { type: a.type, hash: a.hashHex, sender: senderOf(a), artifact: (ARTIFACT_CODECS[a.type].toJSON as (v: unknown) => unknown)(a.value) };
  }

  async tallies(): Promise<ArtifactView[]> {
    return [...this.node.state.tallies.firsts()].map(([, a]) => this.view(a));
  }

  async board(page: { from: number; limit: number }): Promise<{ items: ArtifactView[]; next?: number }> {
    const items: ArtifactView[] = [];
    let last = 0;
    for await (const item of this.node.store().list({ from: page.from, limit: page.limit })) {
      last = item.seq;
      items.push(this.view(validateArtifact(this.node.ctx, { type: item.type as ValidatedArtifact['type'], bytes: item.bytes })));
    }
    return items.length === page.limit ? { items, next: last + 1 } : { items };
  }

  private requirePrecinct(): DurablePrecinct {
    if (!this.node.precinct()) throw new ApiError('not-a-precinct', `${this.id} is a ${this.role}; only precincts take ballots and keep a ballot log`);
    return this.node.precinct()!;
  }

  async log(page: { from: number; limit: number }): Promise<LogEntryView[]> {
    const p = this.requirePrecinct();
    const out: LogEntryView[] = [];
    for await (const e of p.entries(page.from, page.limit)) {
      out.push({ seq: e.seq, voter: toHex(e.voter), ballotHash: toHex(e.ballotHash), prevHash: toHex(e.prevHash), entryHash: toHex(e.entryHash) });
    }
    return out;
  }

  async receipt(ballotHashHex: string): Promise<ReceiptView | undefined> {
    const p = this.requirePrecinct();
    const receipt = await p.receipt(fromHex(ballotHashHex));
    if (!receipt) return undefined;
    const tally = p.tally;
    if (!tally) return receiptView(receipt);
    const ballotHashes: Uint8Array[] = [];
    for await (const e of p.entries(1, tally.ballotCount)) ballotHashes.push(e.ballotHash);
    return receiptView(receipt, { tally, ballotHashes });
  }

  async result(): Promise<unknown | undefined> {
    const r = this.node.state.result;
    return r ? Result.toJSON(r) : undefined;
  }

  async record(): Promise<RecordExport> {
    const artifacts: RecordExport['artifacts'] = [];
    for await (const item of this.node.store().list()) {
      if (item.type === 'ballot' || item.type === 'receipt') continue;
      if (!(await this.node.isFirstInSlot(item.slot, toHex(item.hash)))) continue; // evidence is not record
      artifacts.push({ type: item.type as ValidatedArtifact['type'], data: Buffer.from(item.bytes).toString('base64') });
    }
    const ballots: RecordExport['ballots'] = {};
    const p = this.node.precinct();
    if (p?.tally) {
      const list: string[] = [];
      for await (const e of p.entries(1, p.tally.ballotCount)) list.push(Buffer.from(e.ballotBytes).toString('base64'));
      ballots[this.id] = list;
    }
    return { manifest: manifestToJSON(this.node.ctx.manifest), artifacts, ballots };
  }

  async metrics(): Promise<string> {
    return this.node.registry.render();
  }

  async submitBallot(voterId: string, ballotJson: unknown): Promise<{ receipt: unknown; duplicate: boolean }> {
    const p = this.requirePrecinct();
    try {
      const { receipt, duplicate } = await p.submit(voterId, Ballot.fromJSON(ballotJson));
      this.node.ballots.inc({ outcome: duplicate ? 'duplicate' : 'accepted' });
      return { receipt: Receipt.toJSON(receipt), duplicate };
    } catch (err) {
      // Refusals carry their code (REST gives each its status); anything else is our fault.
      this.node.ballots.inc({ outcome: isTallyMeshError(err) ? err.code : 'internal-error' });
      throw err;
    }
  }

  async close(): Promise<{ phase: string }> {
    this.requirePrecinct();
    await this.node.closePolls();
    return { phase: this.node.state.phase(this.precinctOpen) };
  }

  async decrypt(): Promise<{ phase: string }> {
    const { state } = this.node;
    if (!state.trustee) throw new ApiError('not-a-trustee', `${this.id} is a ${this.role}; only trustees decrypt`);
    if (!state.national) throw new ApiError('no-national-tally', 'the national tally has not arrived yet');
    if (!(await this.node.decryptNow())) throw new ApiError('hierarchy-incomplete', state.hierarchyProblem ?? 'the hierarchy is not complete yet');
    return { phase: state.phase(this.precinctOpen) };
  }

  // ---------------------------------------------------------------------------------------
  // ObserverApi: read-only accessors for the dashboard

  election(): ElectionView {
    const m = this.node.ctx.manifest;
    return {
      electionId: m.electionId,
      title: m.title,
      electionHash: this.node.ctx.hashHex,
      contests: m.contests.map((c) => ({ id: c.id, title: c.title, options: [...c.options], districtId: c.districtId, scopeId: this.node.ctx.scopes.contests.get(c.id)!.scopeId })),
      threshold: { needed: m.threshold.threshold, trustees: m.threshold.trustees },
      roster: m.roster.map((e) => ({ id: e.id, role: e.role, parent: e.parent, name: e.name, fips: e.fips, trusteeIndex: e.trusteeIndex })),
    };
  }

  heldArtifacts(): HeldArtifact[] {
    const { state } = this.node;
    const out: HeldArtifact[] = [];
    for (const [sender, a] of state.tallies.firsts()) {
      out.push({
        type: a.type,
        sender,
        hash: a.hashHex,
        ballotCount: a.value.ballotCount,
        ...(a.type === 'aggregate-tally' ? { children: a.value.children.map((c) => ({ id: c.id, tallyHash: toHex(c.tallyHash) })) } : {}),
      });
    }
    for (const [hash, p] of state.partials) out.push({ type: 'partial-decryption', sender: p.trusteeId, hash });
    const r = state.result;
    if (r) out.push({ type: 'result', sender: r.combinerId, hash: toHex(Result.hash(r)), ballotCount: r.ballotCount });
    return out;
  }

  async evidence(): Promise<EvidenceView[]> {
    const out: EvidenceView[] = [];
    for await (const e of this.node.store().equivocations()) {
      out.push({ sender: e.slot.slice(e.slot.indexOf('/') + 1), slot: e.slot, first: toHex(e.first), second: toHex(e.second), at: new Date(e.at).toISOString() });
    }
    return out;
  }

  /**
   * Remembers which roster nodes are connected now (the node calls it every tick). A connection
   * whose peer has stopped answering liveness pings (a cut link keeps it open for a while) does
   * not count; the peer was last seen when it last answered.
   */
  notePeers(): Map<string, number | undefined> {
    const now = Date.now();
    const stale = this.node.host().options.connection.livenessStaleMs;
    const connected = new Map<string, number | undefined>();
    for (const p of this.node.host().peers()) {
      if (!p.nodeId) continue;
      if (p.answeredAt !== undefined && now - p.answeredAt > stale) {
        this.lastConnected.set(p.nodeId, Math.max(this.lastConnected.get(p.nodeId) ?? 0, p.answeredAt));
        continue;
      }
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
    if (!this.node.state.result) return { state: 'waiting', checks: [], ballots: 0 };
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
      if (this.node.stopped()) return;
      this.recordCheckTask = checkRecordInWorker(this.id, data);
      const { checks, ballots, verdict } = await this.recordCheckTask.promise;
      this.recordCheckState = { state: 'done', checks, ballots, verdict };
    } catch (err) {
      if (this.node.stopped()) return;
      this.recordCheckState = { state: 'error', checks: [], ballots: 0, message: errorMessage(err) };
    } finally {
      this.recordCheckTask = undefined;
    }
  }
}
