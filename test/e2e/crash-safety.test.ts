// Crash safety: a child process ingests ballots through the durable precinct and is killed with
// SIGKILL at random moments, 30 times; after every kill this process opens the database, replays
// it and checks that every acknowledged ballot is in the log exactly once, that the tally is the
// product of the logged ballots, that no receipt refers to a missing entry, and that the state
// recovered from the latest checkpoint equals a replay of the whole log (see
// bench/crash/crash-harness.ts). bench/crash/stress-crash.ts runs the same campaign 1000 times.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../crypto/bytes.ts';
import { DurablePrecinct } from '../../node/durable-precinct.ts';
import { Ballot } from '../../protocol/ballot.ts';
import { Receipt } from '../../protocol/receipt.ts';
import { createPoolSetup, generateBallotsParallel, readPool, writePoolSetup, type PoolSetup } from '../../sim/ballot-file.ts';
import { CrashCheckError, runCrashCampaign, verifyPrecinctDir } from '../../bench/crash/crash-harness.ts';

const KILLS = 30;
const POOL = 100;
const INTERVAL = 5;

let workDir: string;
let setup: PoolSetup;
let setupFile: string;
let poolFile: string;

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-crash-'));
  setup = createPoolSetup({ keyBits: 1024, checkpointInterval: INTERVAL });
  setupFile = path.join(workDir, 'setup.json');
  poolFile = path.join(workDir, 'pool.bin');
  writePoolSetup(setupFile, setup);
  await generateBallotsParallel(setupFile, POOL, poolFile);
});

afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe('crash safety under SIGKILL', () => {
  it(`loses no acknowledged ballot and counts none twice across ${KILLS} random kills`, { timeout: 240_000 }, async () => {
    const report = await runCrashCampaign({
      setup,
      setupFile,
      poolFile,
      poolSize: POOL,
      workDir: path.join(workDir, 'campaign'),
      kills: KILLS,
      maxKillDelayMs: 500,
      startupKillShare: 0.15,
      concurrency: 3,
    });
    // Every property was checked after every kill (runCrashCampaign throws on the first failure).
    console.info(`crash campaign: ${JSON.stringify(report)}`);
    expect(report.kills).toBe(KILLS);
    expect(report.receiptsChecked).toBeGreaterThan(0);
    expect(report.killsMidIngest).toBeGreaterThan(0); // kills did land while ballots were going in
    expect(report.maxLogLength).toBeGreaterThanOrEqual(INTERVAL); // and across checkpoints
  });

  it('the checker is not vacuous: it catches a receipt whose ballot is not in the log', async () => {
    const dataDir = path.join(workDir, 'checker');
    const pool = readPool(poolFile);
    const p = await DurablePrecinct.open({ dataDir, ctx: setup.ctx, precinctId: setup.precinctId, secretKey: setup.secretKey, checkpointInterval: INTERVAL });
    const receipts = new Map<string, Uint8Array>();
    for (let i = 0; i < 3; i++) {
      const { receipt } = await p.submit(`voter-${i + 1}`, pool[i]!);
      receipts.set(toHex(receipt.ballotHash), Receipt.encode(receipt));
    }
    await p.shutdown();
    expect((await verifyPrecinctDir(setup, dataDir, receipts)).count).toBe(3);

    // An acknowledged ballot missing from the log: a receipt the precinct signed for a 4th ballot
    // that was never logged (as if a receipt had been issued before the write).
    const missingHash = Ballot.hash(Ballot.decode(pool[3]!));
    const forged = Receipt.sign({ ...Receipt.decode(receipts.values().next().value!), ballotHash: missingHash, logPosition: 4 }, setup.secretKey);
    const lost = new Map(receipts).set(toHex(missingHash), Receipt.encode(forged));
    await expect(verifyPrecinctDir(setup, dataDir, lost)).rejects.toThrow(CrashCheckError);
    await expect(verifyPrecinctDir(setup, dataDir, lost)).rejects.toThrow(/refers to no log entry/);

    // A receipt whose position disagrees with the log.
    const [firstHex, firstBytes] = receipts.entries().next().value!;
    const moved = Receipt.sign({ ...Receipt.decode(firstBytes), logPosition: 2 }, setup.secretKey);
    await expect(verifyPrecinctDir(setup, dataDir, new Map([[firstHex, Receipt.encode(moved)]]))).rejects.toThrow(/says position 2/);

    // A head that was in the log before the kill and is gone now.
    await expect(verifyPrecinctDir(setup, dataDir, receipts, { seq: 3, entryHash: new Uint8Array(32) })).rejects.toThrow(/missing or changed/);
  });
});
