// The durable precinct: the precinct role on the LevelDB log. Receipts only after the synced
// write, duplicates refused or answered idempotently, checkpoints every N, bit-for-bit recovery,
// corruptions surfaced through the open path with the entry named, closing the polls durably,
// and a tally state whose size does not grow with the number of ballots.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { byteLength, equalBytes, toHex, utf8 } from '../../../crypto/bytes.ts';
import { frontierRoot, merkleRoot } from '../../../crypto/merkle.ts';
import { generateElection } from '../../../setup/election-setup.ts';
import { DurablePrecinct, DurablePrecinctError, hashBallotBytes } from '../../../node/durable-precinct.ts';
import { PrecinctRole, decodePrecinctState, encodePrecinctState } from '../../../roles/precinct.ts';
import { Ballot, ballotGroups, encryptBallot } from '../../../protocol/ballot.ts';
import { bigUint, encode, list } from '../../../protocol/codec.ts';
import { ElectionContext } from '../../../protocol/election.ts';
import { ProtocolError } from '../../../protocol/errors.ts';
import { logEntryHash, voterCommitment, voterCommitmentKey } from '../../../protocol/log-chain.ts';
import { MAX_KEY_BITS, type Contest } from '../../../protocol/manifest.ts';
import { Receipt, validateReceipt } from '../../../protocol/receipt.ts';
import { PrecinctTally, flatWordCount, validatePrecinctTally } from '../../../protocol/tally.ts';
import { ArtifactStore } from '../../../storage/artifact-store.ts';
import { BallotLog } from '../../../storage/ballot-log.ts';
import { CheckpointStore } from '../../../storage/checkpoints.ts';
import { openNodeDatabase, type NodeDatabase } from '../../../storage/database.ts';
import { seqKey } from '../../../storage/keys.ts';
import { decodeEntry, encodeEntry } from '../../../storage/log-codec.ts';
import type { LogEntry } from '../../../storage/log-entry.ts';
import { SeededRandom, drawBallot } from '../../../sim/simulated-voters.ts';
import { tempStorage } from '../../support/temp-storage.ts';

const INTERVAL = 5;

interface Fixture {
  ctx: ElectionContext;
  precinctId: string;
  otherPrecinctId: string;
  secretKey: Uint8Array;
  /** Valid ballots for precinctId (voter i + 1 casts ballots[i]). */
  ballots: Ballot[];
  /** A valid ballot for the other precinct. */
  foreign: Ballot;
}

let fx: Fixture;

beforeAll(() => {
  const election = generateElection({ keyBits: 1024, states: 1, countiesPerState: 1, precinctsPerCounty: 2, trustees: 1, threshold: 1, checkpointInterval: INTERVAL });
  const ctx = new ElectionContext(election.manifest);
  const [a, b] = election.manifest.roster.filter((e) => e.role === 'precinct');
  const rng = new SeededRandom('durable-precinct');
  const ballots = Array.from({ length: 16 }, () => encryptBallot(ctx, a!.id, drawBallot(ctx, a!.id, rng).choices));
  fx = {
    ctx,
    precinctId: a!.id,
    otherPrecinctId: b!.id,
    secretKey: election.nodeKeys.get(a!.id)!.secretKey,
    ballots,
    foreign: encryptBallot(ctx, b!.id, drawBallot(ctx, b!.id, rng).choices),
  };
});

/** The log's commitment to a voter id of this precinct. */
const commit = (voterId: string): Uint8Array => voterCommitment(voterCommitmentKey(fx.secretKey), voterId);

/** Appends straight into storage, as a precinct would (a ballot's own id, else a made-up one). */
function appendRaw(log: BallotLog, voterId: string, bytes: Uint8Array) {
  let ballotId = `raw-${voterId}`;
  try {
    ballotId = Ballot.decode(bytes).ballotId;
  } catch {
    // not a ballot: storage does not care
  }
  return log.append(commit(voterId), ballotId, bytes);
}

const storage = tempStorage('tm-durable-');
const { tempDir } = storage;


afterEach(async () => {
  vi.restoreAllMocks();
  await storage.cleanup();
});

async function openPrecinct(dataDir: string, extra: { checkpointInterval?: number } = {}): Promise<DurablePrecinct> {
  const p = await DurablePrecinct.open({ dataDir, ctx: fx.ctx, precinctId: fx.precinctId, secretKey: fx.secretKey, ...extra });
  storage.onCleanup(() => p.shutdown());
  return p;
}

async function reopen(p: DurablePrecinct, dataDir: string): Promise<DurablePrecinct> {
  await p.shutdown();
  return openPrecinct(dataDir);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const voter = (i: number): string => `voter-${i + 1}`;

async function submitMany(p: DurablePrecinct, from: number, to: number): Promise<Receipt[]> {
  const out: Receipt[] = [];
  for (let i = from; i < to; i++) out.push((await p.submit(voter(i), fx.ballots[i]!)).receipt);
  return out;
}

/** The state a fresh role reaches applying `entries` from genesis. */
function replayFromGenesis(entries: LogEntry[]): Uint8Array {
  const role = new PrecinctRole(fx.ctx, fx.precinctId, fx.secretKey);
  for (const e of entries) role.apply(Ballot.decode(e.ballotBytes), e);
  return encodePrecinctState(role.snapshot);
}

/** Expects a DurablePrecinctError with this code (and seq, if given) from `promise`. */
async function expectPrecinctError(promise: Promise<unknown>, code: string, seq?: number): Promise<DurablePrecinctError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DurablePrecinctError);
  const e = error as DurablePrecinctError;
  expect(e.code).toBe(code);
  if (seq !== undefined) {
    expect(e.seq).toBe(seq);
    expect(e.message).toContain(`seq ${seq}`);
  }
  return e;
}

describe('submitting ballots', () => {
  it('logs the ballot, counts it and returns a signed receipt that points at its log entry', async () => {
    const p = await openPrecinct(tempDir());
    const { receipt, duplicate } = await p.submit(voter(0), fx.ballots[0]!);
    expect(duplicate).toBe(false);
    validateReceipt(fx.ctx, receipt);
    expect(receipt.logPosition).toBe(1);
    expect(receipt.ballotHash).toEqual(Ballot.hash(fx.ballots[0]!));
    const [entry] = await collect(p.entries());
    expect(entry!.voter).toEqual(commit(voter(0)));
    expect(entry!.ballotBytes).toEqual(Ballot.encode(fx.ballots[0]!));
    expect(entry!.entryHash).toEqual(receipt.chainHead);
    expect(entry!.entryHash).toEqual(logEntryHash(1, commit(voter(0)), receipt.ballotHash, new Uint8Array(32)));
    expect(p.state.count).toBe(1);
    expect(p.state.words).toEqual(ballotGroups(fx.ctx, fx.ballots[0]!).flat());
    expect(p.state.chainHead).toEqual(receipt.chainHead);
    expect(Receipt.encode((await p.receipt(receipt.ballotHash))!)).toEqual(Receipt.encode(receipt));
    expect(await p.receipt(new Uint8Array(32))).toBeUndefined();
  });

  it('accepts the ballot as canonical bytes too', async () => {
    const p = await openPrecinct(tempDir());
    const { receipt } = await p.submit(voter(0), Ballot.encode(fx.ballots[0]!));
    expect(receipt.ballotHash).toEqual(Ballot.hash(fx.ballots[0]!));
    expect(hashBallotBytes(Ballot.encode(fx.ballots[0]!))).toEqual(Ballot.hash(fx.ballots[0]!));
  });

  it('issues the receipt only after the synced log write has resolved', async () => {
    const dir = tempDir();
    const db = await openNodeDatabase(dir);
    storage.onCleanup(() => db.close());
    const p = await DurablePrecinct.open({ db, ctx: fx.ctx, precinctId: fx.precinctId, secretKey: fx.secretKey });
    storage.onCleanup(() => p.shutdown());
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const write = db.write.bind(db);
    let writes = 0;
    let written = false;
    vi.spyOn(db, 'write').mockImplementation(async (ops) => {
      writes += 1;
      await gate;
      await write(ops);
      written = true;
    });
    let settled = false;
    const pending = p.submit(voter(0), fx.ballots[0]!).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(writes).toBe(1); // the append's batch is under way ...
    expect(settled).toBe(false); // ... and no receipt exists yet
    expect(p.count).toBe(0); // nor is the ballot counted
    release();
    const { receipt } = await pending;
    expect(written).toBe(true);
    expect(receipt.logPosition).toBe(1);
  });

  it('issues no receipt and stops the precinct when the log write fails; the ballot is not in the log', async () => {
    const dir = tempDir();
    const db = await openNodeDatabase(dir);
    storage.onCleanup(() => db.close());
    const p = await DurablePrecinct.open({ db, ctx: fx.ctx, precinctId: fx.precinctId, secretKey: fx.secretKey });
    storage.onCleanup(() => p.shutdown());
    await p.submit(voter(0), fx.ballots[0]!);
    vi.spyOn(db, 'write').mockRejectedValueOnce(new Error('disk full'));
    const e = await expectPrecinctError(p.submit(voter(1), fx.ballots[1]!), 'stopped');
    expect(e.message).toContain('disk full');
    await expectPrecinctError(p.submit(voter(2), fx.ballots[2]!), 'stopped');
    await p.shutdown();
    const again = await DurablePrecinct.open({ db, ctx: fx.ctx, precinctId: fx.precinctId, secretKey: fx.secretKey });
    storage.onCleanup(() => again.shutdown());
    expect(again.count).toBe(1);
    expect(await again.receipt(Ballot.hash(fx.ballots[1]!))).toBeUndefined();
  });

  it('never logs an invalid ballot: bad proof, wrong precinct, wrong election, malformed bytes, off its ballot style', async () => {
    const p = await openPrecinct(tempDir());
    const good = fx.ballots[0]!;
    const contest = good.contests[0]!;
    const badProof: Ballot = {
      ...good,
      contests: [{ ...contest, proof: { ...contest.proof, responses: contest.proof.responses.map((r, i) => (i === 0 ? r + 1n : r)) } }, ...good.contests.slice(1)],
    };
    await expect(p.submit(voter(0), badProof)).rejects.toMatchObject({ name: 'ProtocolError', code: 'bad-proof' });
    await expect(p.submit(voter(0), fx.foreign)).rejects.toBeInstanceOf(ProtocolError);
    await expect(p.submit(voter(0), { ...good, electionHash: new Uint8Array(32) })).rejects.toMatchObject({ code: 'wrong-election' });
    await expect(p.submit(voter(0), utf8('not a ballot'))).rejects.toBeInstanceOf(ProtocolError);
    // Off its style: a contest missing, a style that is no style of the election.
    await expect(p.submit(voter(0), { ...good, contests: good.contests.slice(1) })).rejects.toMatchObject({ code: 'off-style' });
    await expect(p.submit(voter(0), { ...good, ballotStyleId: 'no-such-style' })).rejects.toMatchObject({ code: 'unknown-ballot-style' });
    expect(p.count).toBe(0);
    expect(await collect(p.entries())).toEqual([]);
    expect(p.stats.accepted).toBe(0);
    // the voter can still vote with a valid ballot
    expect((await p.submit(voter(0), good)).receipt.logPosition).toBe(1);
  });
});

describe('duplicates', () => {
  it('refuses a second, different ballot from a voter who already voted, and changes nothing', async () => {
    const p = await openPrecinct(tempDir());
    await submitMany(p, 0, 2);
    const before = p.stateBytes;
    const e = await expectPrecinctError(p.submit(voter(0), fx.ballots[2]!), 'voter-already-voted');
    expect(e.message).toMatch(/already cast a different ballot/);
    expect(e.seq).toBe(1);
    expect(p.stateBytes).toEqual(before);
    expect((await collect(p.entries())).length).toBe(2);
    expect(await p.receipt(Ballot.hash(fx.ballots[2]!))).toBeUndefined();
  });

  it('refuses the same ballot under another voter id', async () => {
    const p = await openPrecinct(tempDir());
    await submitMany(p, 0, 1);
    const before = p.stateBytes;
    await expectPrecinctError(p.submit(voter(9), fx.ballots[0]!), 'ballot-already-logged');
    expect(p.stateBytes).toEqual(before);
    expect((await collect(p.entries())).length).toBe(1);
  });

  it('answers a resubmitted accepted ballot with its original receipt and no second entry, also after a restart', async () => {
    const dir = tempDir();
    let p = await openPrecinct(dir);
    const [first] = await submitMany(p, 0, 3);
    const before = p.stateBytes;
    const again = await p.submit(voter(0), fx.ballots[0]!);
    expect(again.duplicate).toBe(true);
    expect(Receipt.encode(again.receipt)).toEqual(Receipt.encode(first!));
    expect(p.stateBytes).toEqual(before);
    p = await reopen(p, dir);
    const afterRestart = await p.submit(voter(0), Ballot.encode(fx.ballots[0]!));
    expect(afterRestart.duplicate).toBe(true);
    expect(Receipt.encode(afterRestart.receipt)).toEqual(Receipt.encode(first!));
    expect((await collect(p.entries())).length).toBe(3);
    expect(p.stats.duplicates).toBe(1);
  });

  it('serialises concurrent submits: apply order is log order, and one voter racing two ballots gets exactly one in', async () => {
    const p = await openPrecinct(tempDir());
    const results = await Promise.allSettled([
      ...fx.ballots.slice(0, 8).map((b, i) => p.submit(voter(i), b)),
      p.submit(voter(0), fx.ballots[8]!), // voter 1 again, different ballot, concurrently
      p.submit(voter(1), fx.ballots[1]!), // voter 2 again, same ballot, concurrently
    ]);
    const accepted = results.filter((r) => r.status === 'fulfilled' && !r.value.duplicate);
    expect(accepted.length).toBe(8);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBe(1);
    expect(((refused[0] as PromiseRejectedResult).reason as DurablePrecinctError).code).toBe('voter-already-voted');
    const positions = accepted.map((r) => (r as PromiseFulfilledResult<{ receipt: Receipt }>).value.receipt.logPosition).sort((a, b) => a - b);
    expect(positions).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const entries = await collect(p.entries());
    expect(entries.map((e) => toHex(e.voter))).toEqual(fx.ballots.slice(0, 8).map((_, i) => toHex(commit(voter(i)))));
    expect(p.stateBytes).toEqual(replayFromGenesis(entries));
  });
});

describe('bad input never stops the precinct', () => {
  it('refuses a voter id holding a lone surrogate with a named error, and keeps taking ballots and closes', async () => {
    const p = await openPrecinct(tempDir());
    for (const bad of ['\ud800', 'voter-\udbff', '', ' voter', 'a\u0000b', 'x'.repeat(129), 42, null]) {
      const err = await p.submit(bad, fx.ballots[0]!).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(bad)).toBeInstanceOf(ProtocolError);
      expect((err as ProtocolError).code).toBe('invalid-voter-id');
    }
    expect(p.faultReason).toBeUndefined();
    expect((await p.submit(voter(0), fx.ballots[0]!)).duplicate).toBe(false);
    expect((await p.close()).ballotCount).toBe(1);
  });

  it('keeps two ids that differ only in invalid code units apart (both refused), and one id in two normal forms together', async () => {
    const p = await openPrecinct(tempDir());
    await expect(p.submit('voter-\ud800', fx.ballots[0]!)).rejects.toMatchObject({ code: 'invalid-voter-id' });
    await expect(p.submit('voter-\udbff', fx.ballots[1]!)).rejects.toMatchObject({ code: 'invalid-voter-id' });
    const composed = 'Jos\u00e9';
    const decomposed = 'Jose\u0301';
    await p.submit(composed, fx.ballots[0]!);
    await expectPrecinctError(p.submit(decomposed, fx.ballots[1]!), 'voter-already-voted');
    expect((await p.submit(decomposed, fx.ballots[0]!)).duplicate).toBe(true);
  });
});

describe('opening hours', () => {
  it('refuses ballots before opensAt and from closesAt on, with named errors', async () => {
    const t0 = Date.parse('2026-11-03T06:00:00Z');
    const hours = new ElectionContext({ ...fx.ctx.manifest, opensAt: t0, closesAt: t0 + 13 * 3600_000 });
    let now = t0 - 1;
    const p = await DurablePrecinct.open({ dataDir: tempDir(), ctx: hours, precinctId: fx.precinctId, secretKey: fx.secretKey, now: () => now });
    storage.onCleanup(() => p.shutdown());
    const early = await expectPrecinctError(p.submit(voter(0), fx.ballots[0]!), 'polls-not-open');
    expect(early.message).toContain('2026-11-03T06:00:00.000Z');
    now = t0 + 13 * 3600_000;
    await expectPrecinctError(p.submit(voter(0), fx.ballots[0]!), 'polls-closed');
    expect(p.count).toBe(0);
  });
});

describe('the public log', () => {
  it('holds no voter id, and its commitments cannot be tested against guessed ids without the precinct\'s key; its chain checks from public data alone', async () => {
    const dir = tempDir();
    const p = await openPrecinct(dir);
    await submitMany(p, 0, 4);
    const entries = await collect(p.entries());
    const otherKey = voterCommitmentKey(new Uint8Array(32).fill(7));
    let prev: Uint8Array = new Uint8Array(32);
    entries.forEach((e, i) => {
      // The stored bytes never hold the id.
      expect(Buffer.from(encodeEntry(e)).includes(Buffer.from(voter(i)))).toBe(false);
      // A guess of the id, hashed or committed under any other key, does not match.
      expect(toHex(e.voter)).not.toBe(toHex(voterCommitment(otherKey, voter(i))));
      expect(toHex(e.voter)).toBe(toHex(commit(voter(i)))); // the precinct (and an auditor with its key) can
      // Anyone can check the chain: seq, commitment, ballot hash and previous hash give the entry hash.
      expect(toHex(e.entryHash)).toBe(toHex(logEntryHash(e.seq, e.voter, e.ballotHash, prev)));
      prev = e.entryHash;
    });
  });
});

describe('ballot ids', () => {
  it('refuses a second, different ballot that reuses a ballot id, from another voter, and changes nothing', async () => {
    const p = await openPrecinct(tempDir());
    await submitMany(p, 0, 1);
    const before = p.stateBytes;
    const reused = encryptBallot(fx.ctx, fx.precinctId, {}, fx.ballots[0]!.ballotId);
    const e = await expectPrecinctError(p.submit(voter(7), reused), 'ballot-id-taken');
    expect(e.message).toMatch(/ballot id/);
    expect(p.stateBytes).toEqual(before);
    expect((await collect(p.entries())).length).toBe(1);
  });

  it('lets exactly one of two voters racing with one ballot id in', async () => {
    const p = await openPrecinct(tempDir());
    const id = 'aa'.repeat(16);
    const a = encryptBallot(fx.ctx, fx.precinctId, {}, id);
    const b = encryptBallot(fx.ctx, fx.precinctId, {}, id);
    const outcomes = await Promise.allSettled([p.submit(voter(1), a), p.submit(voter(2), b)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(p.count).toBe(1);
  });
});

describe('checkpoints and recovery', () => {
  it('checkpoints every N accepted ballots, numbered by log position, holding the state at that position', async () => {
    const dir = tempDir();
    const p = await openPrecinct(dir);
    expect(p.checkpointInterval).toBe(INTERVAL); // from the manifest
    await submitMany(p, 0, 12);
    const db = await reopenDbAfter(p, dir);
    const checkpoints = await collect(CheckpointStore.open(db).list());
    expect(checkpoints.map((c) => c.position)).toEqual([5, 10]);
    const entries = await collect(BallotLog.open(db, { hashBallot: hashBallotBytes }).entries());
    for (const cp of checkpoints) {
      expect(cp.chainHead).toEqual(entries[cp.position - 1]!.entryHash);
      expect(cp.state).toEqual(replayFromGenesis(entries.slice(0, cp.position)));
      const state = decodePrecinctState(cp.state);
      expect(state.count).toBe(cp.position);
      expect(frontierRoot(state.frontier)).toEqual(merkleRoot(entries.slice(0, cp.position).map((e) => e.ballotHash)));
    }
  });

  it('honours an explicit checkpoint interval', async () => {
    const dir = tempDir();
    const p = await openPrecinct(dir, { checkpointInterval: 2 });
    await submitMany(p, 0, 5);
    const db = await reopenDbAfter(p, dir);
    expect((await collect(CheckpointStore.open(db).list())).map((c) => c.position)).toEqual([2, 4]);
  });

  it('rebuilds the state bit for bit after a restart, from the latest checkpoint plus the entries after it', async () => {
    const dir = tempDir();
    let p = await openPrecinct(dir);
    const receipts = await submitMany(p, 0, 13);
    const before = p.stateBytes;
    p = await reopen(p, dir);
    expect(p.stateBytes).toEqual(before);
    expect(p.recovery.fromPosition).toBe(10);
    expect(p.recovery.replayed).toBe(3);
    expect(p.stateBytes).toEqual(replayFromGenesis(await collect(p.entries())));
    for (const r of receipts) expect(Receipt.encode((await p.receipt(r.ballotHash))!)).toEqual(Receipt.encode(r));
    // and it carries on from there
    const next = await p.submit(voter(13), fx.ballots[13]!);
    expect(next.receipt.logPosition).toBe(14);
    expect(p.stateBytes).toEqual(replayFromGenesis(await collect(p.entries())));
  });

  it('writes a checkpoint missed by a crash when it reopens', async () => {
    const dir = tempDir();
    const db = await openNodeDatabase(dir);
    storage.onCleanup(() => db.close());
    // Entries 1..5 logged straight into storage: as if the node died before checkpoint 5.
    const log = BallotLog.open(db, { hashBallot: hashBallotBytes });
    for (let i = 0; i < 5; i++) await appendRaw(log, voter(i), Ballot.encode(fx.ballots[i]!));
    const p = await DurablePrecinct.open({ db, ctx: fx.ctx, precinctId: fx.precinctId, secretKey: fx.secretKey });
    storage.onCleanup(() => p.shutdown());
    expect(p.recovery.replayed).toBe(5);
    const [cp] = await collect(CheckpointStore.open(db).list());
    expect(cp?.position).toBe(5);
    expect(cp?.state).toEqual(p.stateBytes);
  });

  it('streams log entries in ranges', async () => {
    const p = await openPrecinct(tempDir());
    await submitMany(p, 0, 6);
    expect((await collect(p.entries(3, 2))).map((e) => e.seq)).toEqual([3, 4]);
    expect((await collect(p.entries(5))).map((e) => e.seq)).toEqual([5, 6]);
  });
});

/** Shuts `p` down and opens its database directly (for inspection or corruption). */
async function reopenDbAfter(p: DurablePrecinct, dir: string): Promise<NodeDatabase> {
  await p.shutdown();
  const db = await openNodeDatabase(dir);
  storage.onCleanup(() => db.close());
  return db;
}

describe('recovery refuses an inconsistent store, naming the entry', () => {
  /** A directory with `n` accepted ballots (checkpoint at 5), left closed. */
  async function logOf(n: number): Promise<string> {
    const dir = tempDir();
    const p = await openPrecinct(dir);
    await submitMany(p, 0, n);
    await p.shutdown();
    return dir;
  }

  async function tamper(dir: string, fn: (db: NodeDatabase) => Promise<void>): Promise<void> {
    const db = await openNodeDatabase(dir);
    try {
      await fn(db);
    } finally {
      await db.close();
    }
  }

  async function rewriteEntry(db: NodeDatabase, seq: number, change: (e: LogEntry) => LogEntry): Promise<void> {
    const raw = db.keyspace('log-entry');
    await raw.put(seqKey(seq), encodeEntry(change(decodeEntry((await raw.get(seqKey(seq)))!, seq))));
  }

  it('an entry whose bytes are valid storage-wise but not a decodable Ballot', async () => {
    const dir = await logOf(3);
    await tamper(dir, async (db) => {
      await appendRaw(BallotLog.open(db, { hashBallot: hashBallotBytes }), 'voter-x', utf8('valid log bytes, not a ballot'));
    });
    const e = await expectPrecinctError(openPrecinct(dir), 'recovery-failed', 4);
    expect(e.storageCode).toBe('corrupt-entry');
    expect(e.message).toContain('ballot');
  });

  it('an entry whose ballot bytes no longer match its ballot hash', async () => {
    const dir = await logOf(4);
    await tamper(dir, (db) =>
      rewriteEntry(db, 2, (e) => {
        const bytes = new Uint8Array(e.ballotBytes);
        bytes[bytes.length - 10]! ^= 1;
        return { ...e, ballotBytes: bytes };
      }),
    );
    // replay starts at genesis (no checkpoint yet), so it reaches seq 2
    const e = await expectPrecinctError(openPrecinct(dir), 'recovery-failed', 2);
    expect(e.storageCode).toBe('bad-ballot-hash');
  });

  it('a broken hash chain (prevHash rewritten, entry hash recomputed to match)', async () => {
    const dir = await logOf(7);
    await tamper(dir, (db) =>
      rewriteEntry(db, 7, (e) => {
        const prevHash = new Uint8Array(32).fill(7);
        return { ...e, prevHash, entryHash: logEntryHash(e.seq, e.voter, e.ballotHash, prevHash) };
      }),
    );
    const e = await expectPrecinctError(openPrecinct(dir), 'recovery-failed', 7);
    expect(e.storageCode).toBe('broken-chain');
  });

  it('an entry hash that does not recompute', async () => {
    const dir = await logOf(3);
    await tamper(dir, (db) => rewriteEntry(db, 3, (e) => ({ ...e, entryHash: new Uint8Array(32).fill(1) })));
    const e = await expectPrecinctError(openPrecinct(dir), 'recovery-failed', 3);
    expect(e.storageCode).toBe('bad-entry-hash');
  });

  it('a missing entry', async () => {
    const dir = await logOf(8);
    await tamper(dir, (db) => db.keyspace('log-entry').del(seqKey(7)));
    await expectPrecinctError(openPrecinct(dir), 'recovery-failed', 7);
  });

  it('a well-formed ballot of another precinct in the log', async () => {
    const dir = await logOf(2);
    await tamper(dir, async (db) => {
      await appendRaw(BallotLog.open(db, { hashBallot: hashBallotBytes }), 'voter-x', Ballot.encode(fx.foreign));
    });
    const e = await expectPrecinctError(openPrecinct(dir), 'recovery-failed', 3);
    expect(e.message).toContain(fx.otherPrecinctId);
  });

  it('a checkpoint whose state is undecodable', async () => {
    const dir = await logOf(7);
    await tamper(dir, async (db) => {
      const entry = decodeEntry((await db.keyspace('log-entry').get(seqKey(7)))!, 7);
      await CheckpointStore.open(db).save({ position: 7, chainHead: entry.entryHash, state: utf8('garbage') });
    });
    const e = await expectPrecinctError(openPrecinct(dir), 'recovery-failed', 7);
    expect(e.storageCode).toBe('corrupt-checkpoint');
  });

  it('a checkpoint holding the state of another position', async () => {
    const dir = await logOf(7);
    await tamper(dir, async (db) => {
      const store = CheckpointStore.open(db);
      const five = (await store.latest())!;
      const entry = decodeEntry((await db.keyspace('log-entry').get(seqKey(7)))!, 7);
      await store.save({ position: 7, chainHead: entry.entryHash, state: five.state });
    });
    const e = await expectPrecinctError(openPrecinct(dir), 'recovery-failed', 7);
    expect(e.storageCode).toBe('corrupt-checkpoint');
  });

  it('a checkpoint whose chain head is not the log entry at its position', async () => {
    const dir = await logOf(7);
    await tamper(dir, async (db) => {
      const store = CheckpointStore.open(db);
      const five = (await store.latest())!;
      await store.save({ position: 6, chainHead: five.chainHead, state: five.state });
    });
    const e = await expectPrecinctError(openPrecinct(dir), 'recovery-failed', 6);
    expect(e.storageCode).toBe('checkpoint-mismatch');
  });
});

describe('closing the polls', () => {
  it('closes durably: the precinct stays closed after a restart and returns the same signed tally', async () => {
    const dir = tempDir();
    let p = await openPrecinct(dir);
    const receipts = await submitMany(p, 0, 7);
    const tally = await p.close();
    validatePrecinctTally(fx.ctx, tally);
    expect(tally.ballotCount).toBe(7);
    expect(tally.logHead).toEqual(receipts[6]!.chainHead);
    expect(tally.ballotsRoot).toEqual(merkleRoot(receipts.map((r) => r.ballotHash)));
    expect(p.phase).toBe('closed');
    expect(PrecinctTally.encode(await p.close())).toEqual(PrecinctTally.encode(tally)); // idempotent

    await expectPrecinctError(p.submit(voter(7), fx.ballots[7]!), 'polls-closed');
    const dup = await p.submit(voter(0), fx.ballots[0]!); // an accepted ballot still gets its receipt
    expect(dup.duplicate).toBe(true);
    expect(Receipt.encode(dup.receipt)).toEqual(Receipt.encode(receipts[0]!));

    p = await reopen(p, dir);
    expect(p.phase).toBe('closed');
    expect(PrecinctTally.encode(p.tally!)).toEqual(PrecinctTally.encode(tally));
    expect(PrecinctTally.encode(await p.close())).toEqual(PrecinctTally.encode(tally));
    await expectPrecinctError(p.submit(voter(7), fx.ballots[7]!), 'polls-closed');
    expect(p.count).toBe(7);
    expect(p.recovery.replayed).toBe(0); // close wrote a checkpoint at the final position

    // stored in the node's tally slot, where pulls by sender look for it
    const db = await reopenDbAfter(p, dir);
    const stored = await collect(ArtifactStore.open(db).bySlot(`tally/${fx.precinctId}`));
    expect(stored.map((a) => [a.type, a.sender])).toEqual([['precinct-tally', fx.precinctId]]);
    expect(toHex(stored[0]!.hash)).toBe(toHex(PrecinctTally.hash(tally)));
    expect(toHex(stored[0]!.bytes)).toBe(toHex(PrecinctTally.encode(tally)));
  });

  it('lets the submits queued before close finish first', async () => {
    const p = await openPrecinct(tempDir());
    const pending = [0, 1, 2].map((i) => p.submit(voter(i), fx.ballots[i]!));
    const tally = await p.close();
    await Promise.all(pending);
    expect(tally.ballotCount).toBe(3);
  });

  it('refuses to start if the log no longer matches the stored closing tally', async () => {
    const dir = tempDir();
    const p = await openPrecinct(dir);
    await submitMany(p, 0, 2);
    await p.close();
    await p.shutdown();
    const db = await openNodeDatabase(dir);
    await appendRaw(BallotLog.open(db, { hashBallot: hashBallotBytes }), voter(5), Ballot.encode(fx.ballots[5]!));
    await db.close();
    const e = await expectPrecinctError(openPrecinct(dir), 'recovery-failed');
    expect(e.message).toMatch(/closing tally does not match the log: it counts 2 ballots, the log 3/);
  });
});

describe('the tally state does not grow with the ballots', () => {
  // One yes/no contest keeps 200 real ballots cheap; the state's size depends on the number of
  // tally words and the Merkle frontier only.
  const YES_NO: Contest[] = [{ id: 'measure', title: 'Measure', districtId: 'all', partyId: '', kind: 'plurality', options: ['Yes', 'No'], selectionLimit: 1, allowAbstain: true, writeIn: false }];

  it('after 10 and after 200 ballots: same tally words, plus one 32-byte frontier peak per set bit of the count', async () => {
    const election = generateElection({ keyBits: 1024, states: 1, countiesPerState: 1, precinctsPerCounty: 1, trustees: 1, threshold: 1, contests: YES_NO });
    const ctx = new ElectionContext(election.manifest);
    const precinctId = election.manifest.roster.find((e) => e.role === 'precinct')!.id;
    const p = await DurablePrecinct.open({ dataDir: tempDir(), ctx, precinctId, secretKey: election.nodeKeys.get(precinctId)!.secretKey });
    storage.onCleanup(() => p.shutdown());
    const wordsSchema = list(bigUint(2 * MAX_KEY_BITS), 64);
    const maxWordsBytes = 4 + flatWordCount(ctx, precinctId) * (2 + byteLength(ctx.publicKey.n2));
    const FIXED = 4 + 32 + 4 + 4; // count, chain head, frontier size, peak-list length
    const sizes = new Map<number, { total: number; words: number; peaks: number }>();
    for (let i = 0; i < 200; i++) {
      await p.submit(`voter-${i + 1}`, encryptBallot(ctx, precinctId, { measure: [i % 3 === 2 ? 0 : 1].slice(0, i % 5 === 4 ? 0 : 1) }));
      const count = i + 1;
      if (count === 10 || count === 200) {
        const s = p.state;
        sizes.set(count, { total: p.stateBytes.length, words: encode(wordsSchema, s.words).length, peaks: s.frontier.peaks.length });
      }
    }
    const at10 = sizes.get(10)!;
    const at200 = sizes.get(200)!;
    for (const [count, s] of sizes) {
      const setBits = count.toString(2).replaceAll('0', '').length;
      expect(s.peaks).toBe(setBits); // 10 = 0b1010 -> 2 peaks, 200 = 0b11001000 -> 3 peaks
      expect(s.total).toBe(s.words + FIXED + 32 * s.peaks);
      expect(s.words).toBeLessThanOrEqual(maxWordsBytes); // the words part is bounded by a constant
      expect(s.total).toBeLessThanOrEqual(maxWordsBytes + FIXED + 32 * (Math.floor(Math.log2(count)) + 1));
    }
    // Ciphertexts are encoded without leading zero bytes, so a word can be a byte shorter now and
    // then (probability ~1/64 per word); apart from that the words part is the same size.
    expect(Math.abs(at200.words - at10.words)).toBeLessThanOrEqual(flatWordCount(ctx, precinctId));
    expect(at200.total - at10.total - (at200.words - at10.words)).toBe(32 * (at200.peaks - at10.peaks));
    // and the tally is the product of all 200 ballots
    const entries = await collect(p.entries());
    expect(entries.length).toBe(200);
    expect(toHex(frontierRoot(p.state.frontier))).toBe(toHex(merkleRoot(entries.map((e) => e.ballotHash))));
    expect(equalBytes(p.state.chainHead, entries[199]!.entryHash)).toBe(true);
  });
});
