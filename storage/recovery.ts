// Restart = latest checkpoint + replay of every log entry after it, verifying the whole chain
// from the checkpoint to the stored head. Any inconsistency stops replay with a StorageError
// naming the seq: a node must not serve from state it cannot vouch for, and never skips an entry.
import { performance } from 'node:perf_hooks';
import { equalBytes } from '../crypto/bytes.ts';
import type { BallotLog } from './ballot-log.ts';
import type { CheckpointStore } from './checkpoints.ts';
import { genesisHead } from './log-entry.ts';
import type { LogEntry, LogHead } from './log-entry.ts';
import { StorageError } from './storage-error.ts';

/** How replay hands state to the caller. Either may be async. */
export interface ReplayHandlers {
  /** Called once, first: the latest checkpoint's state and position, or (undefined, 0). */
  restore(state: Uint8Array | undefined, position: number): void | Promise<void>;
  /** Called for every entry after the checkpoint, in seq order, after the entry is verified. */
  apply(entry: LogEntry): void | Promise<void>;
}

/** What replay did. */
export interface ReplayResult {
  /** Number of entries passed to apply(). */
  readonly replayed: number;
  /** Position of the checkpoint replay started from (0: none). */
  readonly fromPosition: number;
  /** The verified head of the log after replay. */
  readonly head: LogHead;
  readonly durationMs: number;
}

/**
 * Restores the latest checkpoint and applies every later entry, verifying checkpoint, chain,
 * hashes, indexes and head. On any StorageError the handlers' state is unusable.
 */
export async function replayLog(log: BallotLog, checkpoints: CheckpointStore, handlers: ReplayHandlers): Promise<ReplayResult> {
  const started = performance.now();
  const { start, state } = await startingPoint(log, checkpoints);
  await restoreState(handlers, state, start.seq);
  let prev = start;
  let replayed = 0;
  for await (const entry of log.entries(start.seq + 1)) {
    log.verifyEntry(prev, entry);
    await log.verifyIndexes(entry);
    await applyEntry(handlers, entry);
    prev = { seq: entry.seq, entryHash: entry.entryHash };
    replayed += 1;
  }
  await checkHead(log, prev);
  return { replayed, fromPosition: start.seq, head: prev, durationMs: performance.now() - started };
}

/** The latest checkpoint, checked against the log entry at its position. */
async function startingPoint(log: BallotLog, checkpoints: CheckpointStore): Promise<{ start: LogHead; state: Uint8Array | undefined }> {
  const checkpoint = await checkpoints.latest();
  if (checkpoint === undefined) return { start: genesisHead(), state: undefined };
  const { position, chainHead } = checkpoint;
  const entry = await log.get(position);
  if (entry === undefined || !equalBytes(entry.entryHash, chainHead)) {
    const problem = entry === undefined ? 'the log has no entry there' : 'its chain head differs from the log entry';
    throw new StorageError('checkpoint-mismatch', `checkpoint at position ${position} (log seq ${position}): ${problem}`, {
      seq: position,
    });
  }
  return { start: { seq: position, entryHash: chainHead }, state: checkpoint.state };
}

async function restoreState(handlers: ReplayHandlers, state: Uint8Array | undefined, position: number): Promise<void> {
  try {
    await handlers.restore(state, position);
  } catch (cause) {
    throw new StorageError('corrupt-checkpoint', `restore() rejected the checkpoint at position ${position} (log seq ${position})`, {
      seq: position,
      cause,
    });
  }
}

async function applyEntry(handlers: ReplayHandlers, entry: LogEntry): Promise<void> {
  try {
    await handlers.apply(entry);
  } catch (cause) {
    throw new StorageError('corrupt-entry', `apply() rejected log entry seq ${entry.seq}`, { seq: entry.seq, cause });
  }
}

/** The stored head must be exactly the last entry replay reached. */
async function checkHead(log: BallotLog, last: LogHead): Promise<void> {
  const head = await log.head();
  if (head.seq !== last.seq || !equalBytes(head.entryHash, last.entryHash)) {
    const problem = head.seq === last.seq ? 'with a different entryHash' : `but the log ends at seq ${last.seq}`;
    throw new StorageError('head-mismatch', `stored log head names seq ${head.seq} ${problem}`, { seq: head.seq });
  }
}
