import { afterEach, describe, expect, it } from 'vitest';
import { utf8 } from '../../../crypto/bytes.ts';
import { hashParts } from '../../../crypto/hash.ts';
import { BallotLog } from '../../../storage/ballot-log.ts';
import { openNodeDatabase } from '../../../storage/database.ts';
import { seqKey } from '../../../storage/keys.ts';
import { decodeEntry, encodeEntry } from '../../../storage/log-codec.ts';
import { computeEntryHash, genesisHead } from '../../../storage/log-entry.ts';
import type { LogEntry } from '../../../storage/log-entry.ts';
import { collect, tempStorage } from '../../support/temp-storage.ts';

const storage = tempStorage();
const { tempDir, freshDb } = storage;
afterEach(() => storage.cleanup());

const hashBallot = (bytes: Uint8Array): Uint8Array => hashParts('test/ballot/v1', bytes);
const ballot = (label: string): Uint8Array => utf8(`ballot:${label}`);

/** A test voter's 32-byte commitment, and a ballot id derived from the ballot's bytes. */
const v = (label: string): Uint8Array => hashParts('test/voter/v1', label);
const idOf = (bytes: Uint8Array): string => `id-${Buffer.from(hashParts('test/ballot-id/v1', bytes)).toString('hex').slice(0, 16)}`;
const appendAs = (log: BallotLog, voter: string, bytes: Uint8Array) => log.append(v(voter), idOf(bytes), bytes);

describe('BallotLog append', () => {
  it('chains entries from the zero hash and indexes them', async () => {
    const log = BallotLog.open(await freshDb(), { hashBallot });
    expect(await log.head()).toEqual(genesisHead());

    const first = await appendAs(log, 'voter-1', ballot('a'));
    const second = await appendAs(log, 'voter-2', ballot('b'));

    expect(first.duplicate).toBe(false);
    expect(first.entry.seq).toBe(1);
    expect(first.entry.prevHash).toEqual(new Uint8Array(32));
    expect(first.entry.ballotHash).toEqual(hashBallot(ballot('a')));
    expect(first.entry.entryHash).toEqual(computeEntryHash(1, v('voter-1'), hashBallot(ballot('a')), new Uint8Array(32)));
    expect(second.entry.seq).toBe(2);
    expect(second.entry.prevHash).toEqual(first.entry.entryHash);
    expect(await log.head()).toEqual({ seq: 2, entryHash: second.entry.entryHash });
    expect(await log.get(1)).toEqual(first.entry);
    expect(await log.get(3)).toBeUndefined();
    expect(await log.getByVoter(v('voter-2'))).toEqual(second.entry);
    expect(await log.getByBallotHash(hashBallot(ballot('a')))).toEqual(first.entry);
    expect(await log.getByVoter(v('nobody'))).toBeUndefined();
    expect(await log.getByBallotHash(new Uint8Array(32))).toBeUndefined();
  });

  it('keeps its own copy of the ballot bytes', async () => {
    const log = BallotLog.open(await freshDb(), { hashBallot });
    const bytes = ballot('mutable');
    await appendAs(log, 'voter-1', bytes);
    bytes.fill(0);
    expect((await log.get(1))?.ballotBytes).toEqual(ballot('mutable'));
  });

  it('treats an identical resubmission as a duplicate and writes nothing', async () => {
    const log = BallotLog.open(await freshDb(), { hashBallot });
    const original = await appendAs(log, 'voter-1', ballot('a'));
    const again = await appendAs(log, 'voter-1', ballot('a'));

    expect(again).toEqual({ entry: original.entry, duplicate: true });
    expect(await log.head()).toEqual({ seq: 1, entryHash: original.entry.entryHash });
    expect(await collect(log.entries())).toHaveLength(1);
  });

  it('rejects a second, different ballot from the same voter and changes nothing', async () => {
    const log = BallotLog.open(await freshDb(), { hashBallot });
    const original = await appendAs(log, 'voter-1', ballot('a'));

    const attempt = appendAs(log, 'voter-1', ballot('b'));
    await expect(attempt).rejects.toMatchObject({ code: 'voter-already-voted', seq: 1 });
    await expect(attempt).rejects.toThrow(/seq 1\b/);
    expect(await log.head()).toEqual({ seq: 1, entryHash: original.entry.entryHash });
    expect(await log.getByBallotHash(hashBallot(ballot('b')))).toBeUndefined();
    expect(await log.getByVoter(v('voter-1'))).toEqual(original.entry);
  });

  it('rejects a different ballot that reuses a logged ballot id, in the same step as the voter check, and changes nothing', async () => {
    const log = BallotLog.open(await freshDb(), { hashBallot });
    const original = await log.append(v('voter-1'), 'ballot-7', ballot('a'));
    await expect(log.append(v('voter-2'), 'ballot-7', ballot('b'))).rejects.toMatchObject({ code: 'ballot-id-taken', seq: 1 });
    // Two voters racing with one id: exactly one is logged.
    const race = await Promise.allSettled([log.append(v('voter-3'), 'ballot-8', ballot('c')), log.append(v('voter-4'), 'ballot-8', ballot('d'))]);
    expect(race.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await log.head()).toMatchObject({ seq: 2 });
    expect(await log.getByVoter(v('voter-2'))).toBeUndefined();
    expect(await log.getByVoter(v('voter-1'))).toEqual(original.entry);
  });

  it('rejects the same ballot under another voter and changes nothing', async () => {
    const log = BallotLog.open(await freshDb(), { hashBallot });
    const original = await appendAs(log, 'voter-1', ballot('a'));

    const attempt = appendAs(log, 'voter-2', ballot('a'));
    await expect(attempt).rejects.toMatchObject({ code: 'ballot-already-logged', seq: 1 });
    await expect(attempt).rejects.toThrow(/seq 1\b/);
    expect(await log.head()).toEqual({ seq: 1, entryHash: original.entry.entryHash });
    expect(await log.getByVoter(v('voter-2'))).toBeUndefined();
  });

  it('gives concurrent appends distinct, contiguous seqs, even through two log objects', async () => {
    const db = await freshDb();
    const logs = [BallotLog.open(db, { hashBallot }), BallotLog.open(db, { hashBallot })];
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => appendAs(logs[i % 2]!, `voter-${i}`, ballot(String(i)))),
    );

    const seqs = results.map((r) => r.entry.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const stored = await collect(logs[0]!.entries());
    expect(stored.map((e) => e.seq)).toEqual(seqs);
    let prev = genesisHead();
    for (const entry of stored) {
      logs[0]!.verifyEntry(prev, entry);
      prev = entry;
    }
    expect((await logs[1]!.head()).seq).toBe(60);
  });

  it('logs concurrent identical submissions once', async () => {
    const log = BallotLog.open(await freshDb(), { hashBallot });
    const results = await Promise.all([appendAs(log, 'voter-1', ballot('a')), appendAs(log, 'voter-1', ballot('a'))]);

    expect(results.map((r) => r.duplicate).sort()).toEqual([false, true]);
    expect(results[0]!.entry).toEqual(results[1]!.entry);
    expect(await collect(log.entries())).toHaveLength(1);
  });

  it('keeps acknowledged entries across a close and reopen', async () => {
    const dir = tempDir();
    const first = await freshDb(dir);
    const appended = await appendAs(BallotLog.open(first, { hashBallot }), 'voter-1', ballot('a'));
    await first.close();

    const log = BallotLog.open(await freshDb(dir), { hashBallot });
    expect(await log.head()).toEqual({ seq: 1, entryHash: appended.entry.entryHash });
    expect(await log.getByVoter(v('voter-1'))).toEqual(appended.entry);
  });

  it('rejects voter commitments that are not 32 bytes, ballot ids that are not well-formed, and hash functions that are not SHA-256 sized', async () => {
    const db = await freshDb();
    const log = BallotLog.open(db, { hashBallot });
    await expect(log.append(new Uint8Array(31), 'id-1', ballot('a'))).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(log.append(v('voter-1'), '', ballot('a'))).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(log.append(v('voter-1'), 'id-\uD800', ballot('a'))).rejects.toMatchObject({ code: 'invalid-argument' });
    const shortHash = BallotLog.open(db, { hashBallot: (b) => hashBallot(b).subarray(0, 20) });
    await expect(appendAs(shortHash, 'voter-1', ballot('a'))).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(log.get(0)).rejects.toMatchObject({ code: 'invalid-argument' });
    expect(await log.head()).toEqual(genesisHead());
  });
});

describe('database', () => {
  it('opens a data directory once per process', async () => {
    const dir = tempDir();
    await freshDb(dir);
    await expect(openNodeDatabase(dir)).rejects.toMatchObject({ code: 'already-open' });
  });
});

describe('entry encoding', () => {
  const entry: LogEntry = {
    seq: 7,
    voter: v('voter-é'),
    ballotId: 'ballot-é',
    ballotBytes: ballot('x'),
    ballotHash: hashBallot(ballot('x')),
    prevHash: new Uint8Array(32).fill(1),
    entryHash: new Uint8Array(32).fill(2),
  };

  it('round-trips', () => {
    expect(decodeEntry(encodeEntry(entry), 7)).toEqual(entry);
  });

  it('rejects every truncation and trailing bytes', () => {
    const bytes = encodeEntry(entry);
    for (let length = 0; length < bytes.length; length++) {
      expect(() => decodeEntry(bytes.subarray(0, length), 7)).toThrow(expect.objectContaining({ code: 'undecodable-entry', seq: 7 }));
    }
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(() => decodeEntry(longer, 7)).toThrow(/seq 7\b.*trailing/);
  });

  it('rejects an entry stored under another seq', () => {
    expect(() => decodeEntry(encodeEntry(entry), 8)).toThrow(expect.objectContaining({ code: 'misplaced-entry', seq: 8 }));
  });
});

describe('streaming reads', () => {
  it('reads entries 500..549 of 1000 without touching the others', async () => {
    const db = await freshDb();
    const log = BallotLog.open(db, { hashBallot });
    await Promise.all(Array.from({ length: 1000 }, (_, i) => appendAs(log, `voter-${i + 1}`, ballot(String(i + 1)))));
    // Entries just outside the range are garbage: reading them would throw.
    const raw = db.keyspace('log-entry');
    await raw.put(seqKey(499), utf8('garbage'));
    await raw.put(seqKey(550), utf8('garbage'));

    const range = await collect(log.entries(500, 50));
    expect(range.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 500 + i));
    expect(range[0]!.voter).toEqual(v('voter-500'));
    await expect(collect(log.entries(499, 1))).rejects.toMatchObject({ code: 'undecodable-entry', seq: 499 });
  });

  it('stops reading when the consumer stops', async () => {
    const log = BallotLog.open(await freshDb(), { hashBallot });
    for (let i = 1; i <= 5; i++) await appendAs(log, `voter-${i}`, ballot(String(i)));
    const seen: number[] = [];
    for await (const entry of log.entries(2)) {
      seen.push(entry.seq);
      if (entry.seq === 3) break;
    }
    expect(seen).toEqual([2, 3]);
    expect(await collect(log.entries(4, 0))).toEqual([]);
  });
});
