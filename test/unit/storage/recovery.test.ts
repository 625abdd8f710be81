import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { concatBytes, u64be, utf8 } from '../../../crypto/bytes.ts';
import { hashParts } from '../../../crypto/hash.ts';
import { BallotLog } from '../../../storage/ballot-log.ts';
import { CheckpointStore } from '../../../storage/checkpoints.ts';
import { openNodeDatabase } from '../../../storage/database.ts';
import type { NodeDatabase } from '../../../storage/database.ts';
import { seqKey } from '../../../storage/keys.ts';
import { decodeEntry, encodeEntry } from '../../../storage/log-codec.ts';
import { computeEntryHash } from '../../../storage/log-entry.ts';
import type { LogEntry } from '../../../storage/log-entry.ts';
import { replayLog } from '../../../storage/recovery.ts';
import type { ReplayHandlers } from '../../../storage/recovery.ts';
import { REPO_ROOT } from '../../support/paths.ts';
import { collect, tempStorage } from '../../support/temp-storage.ts';

const storage = tempStorage();
const { tempDir, freshDb } = storage;
afterEach(() => storage.cleanup());

const hashBallot = (bytes: Uint8Array): Uint8Array => hashParts('test/ballot/v1', bytes);
const ballot = (n: number): Uint8Array => utf8(`ballot:${n}`);

/** A test voter's 32-byte commitment, and a ballot id derived from the ballot's bytes. */
const v = (label: string): Uint8Array => hashParts('test/voter/v1', label);
const idOf = (bytes: Uint8Array): string => `id-${Buffer.from(hashParts('test/ballot-id/v1', bytes)).toString('hex').slice(0, 16)}`;
const appendAs = (log: BallotLog, voter: string, bytes: Uint8Array) => log.append(v(voter), idOf(bytes), bytes);

interface Fixture {
  db: NodeDatabase;
  log: BallotLog;
  checkpoints: CheckpointStore;
}

async function fixture(entries: number): Promise<Fixture> {
  const db = await freshDb();
  const log = BallotLog.open(db, { hashBallot });
  for (let i = 1; i <= entries; i++) await appendAs(log, `voter-${i}`, ballot(i));
  return { db, log, checkpoints: CheckpointStore.open(db) };
}

/** A stand-in for the caller's tally: a count and a running digest of applied entries. */
class Folder implements ReplayHandlers {
  count = 0;
  digest: Uint8Array = new Uint8Array(32);
  restoredFrom: number | undefined;
  readonly applied: number[] = [];

  restore(state: Uint8Array | undefined, position: number): void {
    this.restoredFrom = position;
    if (state === undefined) return;
    this.count = Number(new DataView(state.buffer, state.byteOffset).getBigUint64(0));
    this.digest = state.slice(8);
  }

  apply(entry: LogEntry): void {
    this.applied.push(entry.seq);
    this.count += 1;
    this.digest = hashParts('test/fold/v1', this.digest, entry.ballotHash);
  }

  state(): Uint8Array {
    return concatBytes(u64be(this.count), this.digest);
  }
}

/** Overwrites the raw stored entry at `seq` with a modified copy. */
async function rewriteEntry(f: Fixture, seq: number, change: (entry: LogEntry) => LogEntry): Promise<void> {
  const raw = f.db.keyspace('log-entry');
  const stored = await raw.get(seqKey(seq));
  await raw.put(seqKey(seq), encodeEntry(change(decodeEntry(stored!, seq))));
}

async function expectReplayError(f: Fixture, code: string, seq: number, handlers: ReplayHandlers = new Folder()): Promise<void> {
  const replay = replayLog(f.log, f.checkpoints, handlers);
  await expect(replay).rejects.toMatchObject({ name: 'StorageError', code, seq });
  await expect(replayLog(f.log, f.checkpoints, new Folder())).rejects.toThrow(new RegExp(`seq ${seq}\\b`));
}

describe('CheckpointStore', () => {
  it('finds the latest by numeric position, not name order', async () => {
    const { checkpoints } = await fixture(0);
    for (const position of [100, 1000, 200]) {
      await checkpoints.save({ position, chainHead: new Uint8Array(32).fill(position % 256), state: utf8(`state@${position}`) });
    }
    expect((await checkpoints.latest())?.position).toBe(1000);
    expect((await checkpoints.latest())?.state).toEqual(utf8('state@1000'));
    expect((await collect(checkpoints.list())).map((c) => c.position)).toEqual([100, 200, 1000]);
    expect((await collect(checkpoints.list({ from: 150, limit: 1 }))).map((c) => c.position)).toEqual([200]);
  });

  it('is idempotent for the same checkpoint and refuses a different one at the same position', async () => {
    const { checkpoints } = await fixture(0);
    const checkpoint = { position: 100, chainHead: new Uint8Array(32).fill(1), state: utf8('s') };
    await checkpoints.save(checkpoint);
    await checkpoints.save(checkpoint);
    const conflict = checkpoints.save({ ...checkpoint, state: utf8('other') });
    await expect(conflict).rejects.toMatchObject({ code: 'checkpoint-conflict', seq: 100 });
    expect((await checkpoints.latest())?.state).toEqual(utf8('s'));
  });

  it('prunes all but the latest K', async () => {
    const { checkpoints } = await fixture(0);
    for (const position of [300, 100, 400, 200]) {
      await checkpoints.save({ position, chainHead: new Uint8Array(32), state: new Uint8Array(0) });
    }
    expect(await checkpoints.prune(2)).toBe(2);
    expect((await collect(checkpoints.list())).map((c) => c.position)).toEqual([300, 400]);
    expect(await checkpoints.prune(2)).toBe(0);
  });

  it('returns undefined when empty and rejects invalid checkpoints', async () => {
    const { checkpoints } = await fixture(0);
    expect(await checkpoints.latest()).toBeUndefined();
    await expect(checkpoints.save({ position: 0, chainHead: new Uint8Array(32), state: new Uint8Array(0) })).rejects.toMatchObject({
      code: 'invalid-argument',
    });
    await expect(checkpoints.save({ position: 1, chainHead: new Uint8Array(31), state: new Uint8Array(0) })).rejects.toMatchObject({
      code: 'invalid-argument',
    });
  });
});

describe('replayLog', () => {
  it('replays an empty log', async () => {
    const f = await fixture(0);
    const folder = new Folder();
    const result = await replayLog(f.log, f.checkpoints, folder);
    expect(result).toMatchObject({ replayed: 0, fromPosition: 0, head: { seq: 0 } });
    expect(folder.restoredFrom).toBe(0);
  });

  it('reaches the same state from a checkpoint as from the start of the log', async () => {
    const f = await fixture(250);

    const full = new Folder();
    const fromStart = await replayLog(f.log, f.checkpoints, full);
    expect(fromStart).toMatchObject({ replayed: 250, fromPosition: 0 });
    expect(full.applied).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));

    // The caller's checkpoint after entry 100: fold the first 100 entries.
    const upTo100 = new Folder();
    for await (const entry of f.log.entries(1, 100)) upTo100.apply(entry);
    const at100 = await f.log.get(100);
    await f.checkpoints.save({ position: 100, chainHead: at100!.entryHash, state: upTo100.state() });

    const resumed = new Folder();
    const fromCheckpoint = await replayLog(f.log, f.checkpoints, resumed);
    expect(fromCheckpoint).toMatchObject({ replayed: 150, fromPosition: 100 });
    expect(fromCheckpoint.head).toEqual(fromStart.head);
    expect(resumed.restoredFrom).toBe(100);
    expect(resumed.applied).toEqual(full.applied.slice(100));
    expect(resumed.state()).toEqual(full.state());
    expect(fromCheckpoint.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('replays nothing after a checkpoint at the head', async () => {
    const f = await fixture(3);
    const head = await f.log.head();
    await f.checkpoints.save({ position: 3, chainHead: head.entryHash, state: new Folder().state() });
    expect(await replayLog(f.log, f.checkpoints, new Folder())).toMatchObject({ replayed: 0, fromPosition: 3 });
  });

  it('rejects a ballot whose hash does not match its bytes', async () => {
    const f = await fixture(10);
    await rewriteEntry(f, 5, (e) => ({ ...e, ballotBytes: utf8('tampered') }));
    await expectReplayError(f, 'bad-ballot-hash', 5);
  });

  it('rejects a broken chain, applying nothing past it', async () => {
    const f = await fixture(10);
    // A self-consistent entry (its own hash recomputes) that does not chain to entry 4.
    await rewriteEntry(f, 5, (e) => {
      const prevHash = new Uint8Array(32).fill(9);
      return { ...e, prevHash, entryHash: computeEntryHash(e.seq, e.voter, e.ballotHash, prevHash) };
    });
    const folder = new Folder();
    await expectReplayError(f, 'broken-chain', 5, folder);
    expect(folder.applied).toEqual([1, 2, 3, 4]);
  });

  it('rejects an entry hash that does not recompute', async () => {
    const f = await fixture(10);
    await rewriteEntry(f, 5, (e) => ({ ...e, entryHash: new Uint8Array(32).fill(7) }));
    await expectReplayError(f, 'bad-entry-hash', 5);
  });

  it('rejects a missing entry', async () => {
    const f = await fixture(10);
    await f.db.keyspace('log-entry').del(seqKey(5));
    await expectReplayError(f, 'gap', 5);
  });

  it('rejects an undecodable entry', async () => {
    const f = await fixture(10);
    await f.db.keyspace('log-entry').put(seqKey(5), utf8('not an entry'));
    await expectReplayError(f, 'undecodable-entry', 5);
  });

  it('rejects an entry stored under another seq', async () => {
    const f = await fixture(10);
    const raw = f.db.keyspace('log-entry');
    await raw.put(seqKey(5), (await raw.get(seqKey(6)))!);
    await expectReplayError(f, 'misplaced-entry', 5);
  });

  it('rejects an index that does not point at its entry', async () => {
    const f = await fixture(10);
    await f.db.keyspace('log-voter').put(v('voter-5'), seqKey(6));
    const g = await fixture(10);
    await g.db.keyspace('log-ballot-id').put(utf8((await g.log.get(3))!.ballotId), seqKey(4));
    await expectReplayError(g, 'bad-index', 3);
    await expectReplayError(f, 'bad-index', 5);
  });

  it('rejects a head that is not the last entry', async () => {
    const f = await fixture(10);
    // Entry 10 vanishes with its indexes, but the head still names it.
    const last = (await f.log.get(10))!;
    await f.db.keyspace('log-entry').del(seqKey(10));
    await f.db.keyspace('log-voter').del(last.voter);
    await f.db.keyspace('log-ballot-id').del(utf8(last.ballotId));
    await f.db.keyspace('log-ballot').del(last.ballotHash);
    await expectReplayError(f, 'head-mismatch', 10);
  });

  it('rejects a checkpoint whose chain head is not the log entry at its position', async () => {
    const f = await fixture(10);
    await f.checkpoints.save({ position: 5, chainHead: new Uint8Array(32).fill(3), state: new Folder().state() });
    await expectReplayError(f, 'checkpoint-mismatch', 5);
  });

  it('rejects a checkpoint beyond the end of the log', async () => {
    const f = await fixture(10);
    await f.checkpoints.save({ position: 20, chainHead: new Uint8Array(32), state: new Folder().state() });
    await expectReplayError(f, 'checkpoint-mismatch', 20);
  });

  it('wraps an exception thrown by apply() and names the entry', async () => {
    const f = await fixture(10);
    const failure = new Error('ballot does not decode');
    const handlers: ReplayHandlers = {
      restore: () => undefined,
      apply: (entry) => {
        if (entry.seq === 5) throw failure;
      },
    };
    const replay = replayLog(f.log, f.checkpoints, handlers);
    await expect(replay).rejects.toMatchObject({ code: 'corrupt-entry', seq: 5, cause: failure });
    await expect(replay).rejects.toThrow(/seq 5\b/);
  });

  it('wraps an exception thrown by restore() and names the checkpoint position', async () => {
    const f = await fixture(10);
    await f.checkpoints.save({ position: 4, chainHead: (await f.log.get(4))!.entryHash, state: utf8('?') });
    const handlers: ReplayHandlers = {
      restore: () => {
        throw new Error('state does not decode');
      },
      apply: () => undefined,
    };
    await expect(replayLog(f.log, f.checkpoints, handlers)).rejects.toMatchObject({ code: 'corrupt-checkpoint', seq: 4 });
  });
});

describe('crash safety', () => {
  // A child process appends ballots (checkpointing every 50) and reports each acknowledgement; it
  // is killed with SIGKILL mid-stream. Every acknowledged ballot must survive, exactly once.
  const root = REPO_ROOT;
  const child = `
    const { openNodeDatabase } = await import(${JSON.stringify(path.join(root, 'storage/database.ts'))});
    const { BallotLog } = await import(${JSON.stringify(path.join(root, 'storage/ballot-log.ts'))});
    const { CheckpointStore } = await import(${JSON.stringify(path.join(root, 'storage/checkpoints.ts'))});
    const { hashParts } = await import(${JSON.stringify(path.join(root, 'crypto/hash.ts'))});
    const { u64be } = await import(${JSON.stringify(path.join(root, 'crypto/bytes.ts'))});
    const db = await openNodeDatabase(process.argv[1]);
    const log = BallotLog.open(db, { hashBallot: (b) => hashParts('test/ballot/v1', b) });
    const checkpoints = CheckpointStore.open(db);
    for (let i = 1; ; i++) {
      const { entry } = await log.append(hashParts('test/voter/v1', 'voter-' + i), 'id-' + i, new TextEncoder().encode('ballot:' + i));
      if (entry.seq % 50 === 0) await checkpoints.save({ position: entry.seq, chainHead: entry.entryHash, state: u64be(entry.seq) });
      process.stdout.write('ack ' + entry.seq + '\\n');
    }
  `;

  it('loses no acknowledged ballot and counts none twice when killed mid-append', async () => {
    const dir = tempDir();
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child, dir], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let acked = 0;
    let buffered = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) acked = Math.max(acked, Number(line.slice(4)));
      if (acked >= 180) proc.kill('SIGKILL');
    });
    await new Promise((resolve) => proc.on('exit', resolve));
    expect(acked).toBeGreaterThanOrEqual(180);

    const db = await openNodeDatabase(dir);
    storage.onCleanup(() => db.close());
    const log = BallotLog.open(db, { hashBallot });
    let count = 0;
    const result = await replayLog(log, CheckpointStore.open(db), {
      restore: (state, position) => {
        count = state === undefined ? 0 : Number(new DataView(state.buffer, state.byteOffset).getBigUint64(0));
        expect(count).toBe(position);
      },
      apply: () => {
        count += 1;
      },
    });
    expect(result.head.seq).toBeGreaterThanOrEqual(acked);
    expect(count).toBe(result.head.seq);
    expect(result.fromPosition).toBeGreaterThanOrEqual(150);
    for (const seq of [1, 50, acked]) expect((await log.get(seq))?.voter).toEqual(v(`voter-${seq}`));
  });
});
