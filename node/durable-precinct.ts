// The precinct role on durable storage: the pure state machine of roles/precinct.ts wrapped around
// the LevelDB ballot log, checkpoints and artifact store of storage/. A ballot is validated (proofs
// included) before it can reach the log, acknowledged only after the synced log batch resolved,
// and counted in log order; a restart rebuilds the state bit for bit from the latest checkpoint and
// the log after it, and stops with an error naming the entry if anything does not check out.
import { performance } from 'node:perf_hooks';
import { equalBytes } from '../crypto/bytes.ts';
import { TallyMeshError, errorMessage } from '../errors/tallymesh-error.ts';
import { contentHash } from '../protocol/artifact.ts';
import { Ballot } from '../protocol/ballot.ts';
import { slotKey } from '../protocol/validated-artifact.ts';
import { normalizeVoterId } from '../protocol/voter-id.ts';
import type { ElectionContext } from '../protocol/election.ts';
import type { Receipt } from '../protocol/receipt.ts';
import { PrecinctTally } from '../protocol/tally.ts';
import { ArtifactStore } from '../storage/artifact-store.ts';
import { BallotLog } from '../storage/ballot-log.ts';
import { CheckpointStore } from '../storage/checkpoints.ts';
import { openNodeDatabase, type NodeDatabase } from '../storage/database.ts';
import type { LogEntry, LogHead } from '../storage/log-entry.ts';
import { replayLog, type ReplayResult } from '../storage/recovery.ts';
import { SerialQueue } from '../storage/serial-queue.ts';
import { StorageError } from '../storage/storage-error.ts';
import { PrecinctRole, decodePrecinctState, encodePrecinctState, type LoggedBallot, type PrecinctPhase, type PrecinctState } from '../roles/precinct.ts';

/** Default checkpoint interval when neither the options nor the manifest give one. */
export const DEFAULT_CHECKPOINT_INTERVAL = 100;

/**
 * The log's ballot hash: the protocol's content hash of the ballot's canonical bytes, i.e.
 * Ballot.hash(Ballot.decode(bytes)) for every well-formed ballot, computed without decoding.
 */
export function hashBallotBytes(bytes: Uint8Array): Uint8Array {
  return contentHash('ballot', bytes);
}

export interface DurablePrecinctOptions {
  /** The node's data directory (LevelDB lives in <dataDir>/leveldb). Give this or `db`. */
  dataDir?: string;
  /** An already open database to use; the precinct then leaves closing it to the caller. */
  db?: NodeDatabase;
  ctx: ElectionContext;
  precinctId: string;
  /** The precinct's Ed25519 secret key (signs receipts and the precinct tally). */
  secretKey: Uint8Array;
  /** A checkpoint every N accepted ballots; default manifest.checkpointInterval, else 100. */
  checkpointInterval?: number;
  /** The clock (ms since the epoch) the opening hours are checked against; Date.now by default. */
  now?: () => number;
  /**
   * Artifact-store slot of the signed closing tally; default `tally/<precinctId>`, the slot the
   * node gives every tally (protocol/validated-artifact.ts slotKey), so that its pulls by sender find it.
   */
  tallySlot?: string;
}

export interface SubmitResult {
  receipt: Receipt;
  /** True when this voter had already cast this very ballot: the original receipt, nothing logged. */
  duplicate: boolean;
}

export type DurablePrecinctErrorCode =
  /** The voter already has a different ballot in the log. Nothing changed. */
  | 'voter-already-voted'
  /** The same ballot is already logged under another voter id. Nothing changed. */
  | 'ballot-already-logged'
  /** Another ballot with the same ballot id is already logged. Nothing changed. */
  | 'ballot-id-taken'
  /** The input cannot be stored as it is (storage refused it before writing). Nothing changed. */
  | 'invalid-input'
  /** The polls are closed: no new ballot is accepted. */
  | 'polls-closed'
  /** The polls have not opened yet (the manifest's opensAt). */
  | 'polls-not-open'
  /** The stored log, checkpoint or tally does not check out; the precinct refuses to start. */
  | 'recovery-failed'
  /** A storage write failed mid-operation; in-memory state may lag the log, so the precinct stopped (restart to recover). */
  | 'stopped'
  /** shutdown() was called. */
  | 'shut-down';

/** What the durable precinct throws (validation failures stay ProtocolErrors). */
export class DurablePrecinctError extends TallyMeshError {
  override readonly name = 'DurablePrecinctError';
  declare readonly code: DurablePrecinctErrorCode;
  constructor(
    code: DurablePrecinctErrorCode,
    message: string,
    /** The log entry concerned, when there is one. */
    readonly seq?: number,
    /** For 'recovery-failed': the storage layer's code (e.g. 'broken-chain', 'corrupt-entry'). */
    readonly storageCode?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** Cumulative timings of this process's submits, for metrics and benchmarks. */
export interface DurablePrecinctStats {
  submitted: number;
  accepted: number;
  duplicates: number;
  refused: number;
  checkpoints: number;
  /** Time in role.validate (structure, binding, validity proofs). */
  validateMs: number;
  /** Time waiting for the synced log batch (BallotLog.append). */
  appendMs: number;
  /** Time in role.apply and receipt signing. */
  applyMs: number;
  /** Time writing checkpoints. */
  checkpointMs: number;
}

function loggedBallot(entry: LogEntry): LoggedBallot {
  return { seq: entry.seq, voter: entry.voter, ballotHash: entry.ballotHash, prevHash: entry.prevHash, entryHash: entry.entryHash };
}

export class DurablePrecinct {
  private readonly role: PrecinctRole;
  private readonly log: BallotLog;
  private readonly checkpoints: CheckpointStore;
  private readonly artifacts: ArtifactStore;
  /** One queue around append + apply (+ checkpoint) and close: apply order = log order. */
  private readonly queue = new SerialQueue();
  private closedTally: PrecinctTally | undefined;
  private fault: Error | undefined;
  private isShutDown = false;
  private lastCheckpoint = 0;
  private recoveryResult: ReplayResult | undefined;
  readonly stats: DurablePrecinctStats = {
    submitted: 0,
    accepted: 0,
    duplicates: 0,
    refused: 0,
    checkpoints: 0,
    validateMs: 0,
    appendMs: 0,
    applyMs: 0,
    checkpointMs: 0,
  };

  private constructor(
    private readonly db: NodeDatabase,
    private readonly ownsDb: boolean,
    private readonly ctx: ElectionContext,
    readonly precinctId: string,
    secretKey: Uint8Array,
    /** A checkpoint is written whenever the count reaches a multiple of this. */
    readonly checkpointInterval: number,
    private readonly tallySlot: string,
    private readonly now: () => number,
  ) {
    this.role = new PrecinctRole(ctx, precinctId, secretKey);
    this.log = BallotLog.open(db, { hashBallot: hashBallotBytes });
    this.checkpoints = CheckpointStore.open(db);
    this.artifacts = ArtifactStore.open(db);
  }

  /**
   * Opens the precinct: the database (unless one is passed), then recovery from the latest
   * checkpoint and the log after it. Throws DurablePrecinctError 'recovery-failed' naming the
   * entry if the stored data is inconsistent; the database is closed again in that case if the
   * precinct opened it.
   */
  static async open(options: DurablePrecinctOptions): Promise<DurablePrecinct> {
    const interval = options.checkpointInterval ?? options.ctx.manifest.checkpointInterval ?? DEFAULT_CHECKPOINT_INTERVAL;
    if (!Number.isSafeInteger(interval) || interval < 1) throw new RangeError('checkpointInterval must be a positive integer');
    if ((options.db === undefined) === (options.dataDir === undefined)) throw new TypeError('give exactly one of dataDir and db');
    const db = options.db ?? (await openNodeDatabase(options.dataDir!));
    const ownsDb = options.db === undefined;
    try {
      const slot = options.tallySlot ?? slotKey('precinct-tally', options.precinctId);
      const precinct = new DurablePrecinct(db, ownsDb, options.ctx, options.precinctId, options.secretKey, interval, slot, options.now ?? Date.now);
      await precinct.recover();
      return precinct;
    } catch (error) {
      if (ownsDb) await db.close();
      throw error;
    }
  }

  /** The current state (a copy): tally words, count, chain head, Merkle frontier. */
  get state(): PrecinctState {
    return this.role.snapshot;
  }

  /** encodePrecinctState(state): what a checkpoint stores; equal bytes = equal state. */
  get stateBytes(): Uint8Array {
    return encodePrecinctState(this.role.snapshot);
  }

  get phase(): PrecinctPhase {
    return this.role.currentPhase;
  }

  /** Why the precinct stopped taking ballots (a storage failure; restart to recover), if it did. */
  get faultReason(): string | undefined {
    return this.fault === undefined ? undefined : `precinct ${this.precinctId} stopped after a storage failure (${errorMessage(this.fault)}); restart it to recover from its log`;
  }

  /** Number of ballots counted (= log length). */
  get count(): number {
    return this.role.snapshot.count;
  }

  /** The last counted log entry's seq and hash. */
  get head(): LogHead {
    const s = this.role.snapshot;
    return { seq: s.count, entryHash: s.chainHead };
  }

  /** The signed tally once the polls are closed. */
  get tally(): PrecinctTally | undefined {
    return this.closedTally;
  }

  /** What recovery did at open (checkpoint position, entries replayed, time). */
  get recovery(): ReplayResult {
    return this.recoveryResult!;
  }

  /**
   * Accepts a voter's ballot: validates it (proofs included), durably logs it, counts it and
   * returns the signed receipt, in that order. The same voter submitting the same ballot again
   * gets the original receipt with duplicate: true and nothing changes. Throws ProtocolError
   * for an invalid ballot, DurablePrecinctError 'voter-already-voted', 'ballot-already-logged'
   * or 'polls-closed' for a refused one; none of these writes anything.
   */
  async submit(voterId: unknown, ballot: Ballot | Uint8Array): Promise<SubmitResult> {
    this.checkUsable();
    this.stats.submitted += 1;
    // Bad input is refused here, before anything can reach storage: it never stops the precinct.
    let voter: Uint8Array;
    try {
      voter = this.role.commitVoter(normalizeVoterId(voterId));
    } catch (error) {
      this.stats.refused += 1;
      throw error;
    }
    const decoded = ballot instanceof Uint8Array ? Ballot.decode(ballot) : ballot;
    const bytes = Ballot.encode(decoded); // canonical bytes: what the log stores and hashes
    if (this.role.currentPhase === 'open') {
      // The manifest's hours: no ballot before opensAt, none at or after closesAt (the node closes
      // the polls then; a ballot arriving in between is refused, not counted late).
      const { opensAt, closesAt } = this.ctx.manifest;
      const now = this.now();
      if (opensAt > 0 && now < opensAt) {
        this.stats.refused += 1;
        throw new DurablePrecinctError('polls-not-open', `the polls of precinct ${this.precinctId} open at ${new Date(opensAt).toISOString()}`);
      }
      if (closesAt > 0 && now >= closesAt) {
        this.stats.refused += 1;
        throw new DurablePrecinctError('polls-closed', `the polls of precinct ${this.precinctId} closed at ${new Date(closesAt).toISOString()}`);
      }
      const started = performance.now();
      try {
        this.role.validate(decoded);
      } catch (error) {
        this.stats.refused += 1;
        throw error;
      } finally {
        this.stats.validateMs += performance.now() - started;
      }
    }
    return this.queue.run(() => this.ingest(voter, decoded, bytes));
  }

  /** The commitment the log holds for a voter id (throws 'invalid-voter-id' for a malformed one). */
  voterCommitment(voterId: unknown): Uint8Array {
    return this.role.commitVoter(normalizeVoterId(voterId));
  }

  /** The receipt of a logged ballot, by ballot hash (Ballot.hash), or undefined. */
  async receipt(ballotHash: Uint8Array): Promise<Receipt | undefined> {
    this.checkUsable();
    const entry = await this.log.getByBallotHash(ballotHash);
    return entry === undefined ? undefined : this.role.receiptFor(loggedBallot(entry));
  }

  /** Streams log entries from <= seq < from + limit, in order (storage's range read). */
  entries(from = 1, limit?: number): AsyncGenerator<LogEntry> {
    this.checkUsable();
    return this.log.entries(from, limit);
  }

  /**
   * Closes the polls after every earlier submit has finished, and durably stores the closed
   * phase with the signed tally (one synced write), so that after a restart the precinct stays
   * closed and returns the same tally. Idempotent.
   */
  async close(): Promise<PrecinctTally> {
    this.checkUsable();
    return this.queue.run(async () => {
      this.checkUsable();
      if (this.closedTally !== undefined) return this.closedTally;
      try {
        const count = this.count;
        if (count > this.lastCheckpoint) await this.saveCheckpoint();
        const tally = this.role.close();
        const bytes = PrecinctTally.encode(tally);
        await this.artifacts.put({
          hash: PrecinctTally.hash(tally),
          type: PrecinctTally.type,
          sender: this.precinctId,
          slot: this.tallySlot,
          bytes,
        });
        this.closedTally = tally;
        return tally;
      } catch (error) {
        throw this.stop('closing the polls', error);
      }
    });
  }

  /** Waits for queued work, then closes the database if this precinct opened it. Idempotent. */
  async shutdown(): Promise<void> {
    if (this.isShutDown) return;
    this.isShutDown = true;
    await this.queue.run(async () => undefined);
    if (this.ownsDb) await this.db.close();
  }

  // --- internals --------------------------------------------------------------------------

  private checkUsable(): void {
    if (this.isShutDown) throw new DurablePrecinctError('shut-down', `precinct ${this.precinctId} has been shut down`);
    if (this.fault !== undefined) {
      throw new DurablePrecinctError('stopped', `precinct ${this.precinctId} stopped after a storage failure (${errorMessage(this.fault)}); restart it to recover from its log`, undefined, undefined, {
        cause: this.fault,
      });
    }
  }

  /** Marks the precinct unusable: its memory may no longer match its log. */
  private stop(what: string, error: unknown): Error {
    if (error instanceof DurablePrecinctError) return error;
    this.fault = error instanceof Error ? error : new Error(String(error));
    return new DurablePrecinctError('stopped', `precinct ${this.precinctId} stopped while ${what}: ${errorMessage(error)}; restart it to recover from its log`, undefined, undefined, {
      cause: error,
    });
  }

  /** Runs in the queue: append, then apply, then receipt, then (maybe) checkpoint. */
  private async ingest(voter: Uint8Array, ballot: Ballot, bytes: Uint8Array): Promise<SubmitResult> {
    this.checkUsable();
    if (this.role.currentPhase !== 'open') return this.afterClose(voter, bytes);

    let entry: LogEntry;
    let duplicate: boolean;
    const appendStart = performance.now();
    try {
      ({ entry, duplicate } = await this.log.append(voter, ballot.ballotId, bytes));
    } catch (error) {
      throw this.refusal(error) ?? this.stop('logging a ballot', error);
    } finally {
      this.stats.appendMs += performance.now() - appendStart;
    }
    if (duplicate) {
      this.stats.duplicates += 1;
      return { receipt: this.role.receiptFor(loggedBallot(entry)), duplicate: true };
    }

    // The ballot is durable from here on: any failure below leaves memory behind the log.
    const applyStart = performance.now();
    let receipt: Receipt;
    try {
      const logged = loggedBallot(entry);
      this.role.apply(ballot, logged);
      receipt = this.role.receiptFor(logged);
    } catch (error) {
      throw this.stop(`counting log entry seq ${entry.seq}`, error);
    } finally {
      this.stats.applyMs += performance.now() - applyStart;
    }
    this.stats.accepted += 1;

    if (entry.seq % this.checkpointInterval === 0) {
      try {
        await this.saveCheckpoint();
      } catch (error) {
        // The ballot is logged and counted, so its receipt stands; the precinct stops taking more.
        this.stop(`writing the checkpoint at log seq ${entry.seq}`, error);
      }
    }
    return { receipt, duplicate: false };
  }

  /** After close, only an exact resubmission is answered (with its original receipt). */
  private async afterClose(voter: Uint8Array, bytes: Uint8Array): Promise<SubmitResult> {
    const existing = await this.log.getByVoter(voter);
    if (existing !== undefined && equalBytes(existing.ballotBytes, bytes)) {
      this.stats.duplicates += 1;
      return { receipt: this.role.receiptFor(loggedBallot(existing)), duplicate: true };
    }
    this.stats.refused += 1;
    throw new DurablePrecinctError('polls-closed', `the polls of precinct ${this.precinctId} are closed; no new ballot is accepted`);
  }

  /** The user-facing error for a storage admission refusal, or undefined for anything else. */
  private refusal(error: unknown): DurablePrecinctError | undefined {
    if (!(error instanceof StorageError)) return undefined;
    if (error.code === 'voter-already-voted') {
      this.stats.refused += 1;
      return new DurablePrecinctError(
        'voter-already-voted',
        'this voter has already cast a different ballot in this precinct; a voter may cast only one ballot, so this one was refused and nothing was recorded',
        error.seq,
        error.code,
        { cause: error },
      );
    }
    if (error.code === 'ballot-id-taken') {
      this.stats.refused += 1;
      return new DurablePrecinctError('ballot-id-taken', 'another ballot with this ballot id has already been cast in this precinct; this one was refused and nothing was recorded', error.seq, error.code, { cause: error });
    }
    if (error.code === 'invalid-argument') {
      // A caller's mistake caught by storage before it wrote anything: a refusal, not a fault.
      this.stats.refused += 1;
      return new DurablePrecinctError('invalid-input', `refused: ${error.message}; nothing was recorded`, undefined, error.code, { cause: error });
    }
    if (error.code === 'ballot-already-logged') {
      this.stats.refused += 1;
      return new DurablePrecinctError(
        'ballot-already-logged',
        'this exact ballot has already been cast under another voter id; it was refused and nothing was recorded',
        error.seq,
        error.code,
        { cause: error },
      );
    }
    return undefined;
  }

  private async saveCheckpoint(): Promise<void> {
    const started = performance.now();
    const state = this.role.snapshot;
    await this.checkpoints.save({ position: state.count, chainHead: state.chainHead, state: encodePrecinctState(state) });
    this.lastCheckpoint = state.count;
    this.stats.checkpoints += 1;
    this.stats.checkpointMs += performance.now() - started;
  }

  /** Latest checkpoint + replay of the log after it, then the closed phase if one is stored. */
  private async recover(): Promise<void> {
    let result: ReplayResult;
    try {
      result = await replayLog(this.log, this.checkpoints, {
        restore: (state, position) => this.restoreCheckpoint(state, position),
        apply: (entry) => this.replayEntry(entry),
      });
    } catch (error) {
      throw this.recoveryError(error);
    }
    this.recoveryResult = result;
    const s = this.role.snapshot;
    if (s.count !== result.head.seq || !equalBytes(s.chainHead, result.head.entryHash)) {
      throw new DurablePrecinctError('recovery-failed', `cannot recover precinct ${this.precinctId}: state after replay (count ${s.count}) does not end at the log head (seq ${result.head.seq})`, result.head.seq);
    }
    this.lastCheckpoint = result.fromPosition;
    // A crash between a log write and its checkpoint: write the missed checkpoint now.
    const missed = s.count > result.fromPosition && (s.count % this.checkpointInterval === 0 || s.count - result.fromPosition >= this.checkpointInterval);
    if (missed) await this.saveCheckpoint();
    await this.restoreClosedPhase();
  }

  private async restoreCheckpoint(stateBytes: Uint8Array | undefined, position: number): Promise<void> {
    if (stateBytes === undefined) return;
    const state = decodePrecinctState(stateBytes);
    if (state.count !== position || state.frontier.size !== position) {
      throw new Error(`checkpoint state counts ${state.count} ballots (frontier ${state.frontier.size}), not ${position}`);
    }
    state.words.forEach((w, i) => this.ctx.checkCiphertext(w, `checkpoint.words[${i}]`));
    const entry = await this.log.get(position);
    if (entry === undefined || !equalBytes(entry.entryHash, state.chainHead)) {
      throw new Error(`checkpoint state's chain head is not the hash of log entry seq ${position}`);
    }
    this.role.restore(state);
  }

  /** Replay of one verified log entry (its proofs were verified before it was logged). */
  private replayEntry(entry: LogEntry): void {
    const ballot = Ballot.decode(entry.ballotBytes);
    if (!equalBytes(ballot.electionHash, this.ctx.hash) || ballot.precinctId !== this.precinctId) {
      throw new Error(`log entry seq ${entry.seq} holds a ballot of another election or precinct ("${ballot.precinctId}")`);
    }
    this.role.apply(ballot, loggedBallot(entry));
  }

  private async restoreClosedPhase(): Promise<void> {
    let stored: Uint8Array | undefined;
    for await (const artifact of this.artifacts.bySlot(this.tallySlot)) {
      if (artifact.type === PrecinctTally.type && artifact.sender === this.precinctId) {
        stored = artifact.bytes; // the first one: a later one in the slot would be an equivocation
        break;
      }
    }
    if (stored === undefined) return;
    const recomputed = this.role.close(); // deterministic: same state and key give the same signed bytes
    if (!equalBytes(PrecinctTally.encode(recomputed), stored)) {
      let detail = 'its bytes differ';
      try {
        const tally = PrecinctTally.decode(stored);
        detail = `it counts ${tally.ballotCount} ballots, the log ${recomputed.ballotCount}`;
        if (tally.ballotCount === recomputed.ballotCount) detail = 'its tally words, Merkle root or log head differ from the log';
      } catch (error) {
        detail = `it is undecodable (${errorMessage(error)})`;
      }
      throw new DurablePrecinctError('recovery-failed', `cannot recover precinct ${this.precinctId}: the stored closing tally does not match the log: ${detail}`, recomputed.ballotCount);
    }
    this.closedTally = recomputed;
  }

  private recoveryError(error: unknown): Error {
    if (error instanceof StorageError) {
      const cause = error.cause === undefined ? '' : `: ${errorMessage(error.cause)}`;
      return new DurablePrecinctError('recovery-failed', `cannot recover precinct ${this.precinctId}: ${error.message}${cause}`, error.seq, error.code, { cause: error });
    }
    return new DurablePrecinctError('recovery-failed', `cannot recover precinct ${this.precinctId}: ${errorMessage(error)}`, undefined, undefined, { cause: error });
  }
}
