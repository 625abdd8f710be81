// The process the crash tests kill. It opens a durable precinct (recovering whatever the last,
// killed run left), then ingests the pool's ballots that are not yet logged, several in flight,
// and reports each receipt on stdout only after submit() has returned it. The parent SIGKILLs it
// at random moments and checks the database after every kill.
//
//   node --import tsx bench/crash/crash-ingest-child.ts <setup.json> <pool.bin> <dataDir> [concurrency]
//
// stdout, one line each (a line without its newline was cut by the kill and is ignored):
//   ready <count> <checkpoint position> <entries replayed>
//   dup <receipt hex>        the last logged ballot resubmitted: must be its original receipt
//   refused <code>           a second, different ballot for a voter who already voted
//   receipt <receipt hex>    a newly accepted ballot
//   done <count>             every pool ballot is logged
import { toHex } from '../../crypto/bytes.ts';
import { sign } from '../../crypto/signature.ts';
import { Ballot, validateBallot } from '../../protocol/ballot.ts';
import { Receipt } from '../../protocol/receipt.ts';
import { DurablePrecinct, DurablePrecinctError } from '../../node/durable-precinct.ts';
import { poolVoterId, readPool, readPoolSetup } from '../../sim/ballot-file.ts';

function say(line: string): void {
  // stdout is a pipe: writes are synchronous on Linux, so the line is in the kernel before we go on.
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const [setupFile, poolFile, dataDir, concurrencyArg] = process.argv.slice(2);
  if (setupFile === undefined || poolFile === undefined || dataDir === undefined) {
    throw new Error('usage: crash-ingest-child.ts <setup.json> <pool.bin> <dataDir> [concurrency]');
  }
  const concurrency = Math.max(1, Number(concurrencyArg ?? 3));
  const setup = readPoolSetup(setupFile);
  const pool = readPool(poolFile);
  // Warm up first (the first proof check builds fixed-base tables, the first signature its own),
  // so that the kill window after 'ready' falls on ingestion rather than on one-off set-up.
  if (pool[0] !== undefined) validateBallot(setup.ctx, Ballot.decode(pool[0]), setup.precinctId);
  sign('receipt', new Uint8Array(1), setup.secretKey);
  const precinct = await DurablePrecinct.open({
    dataDir,
    ctx: setup.ctx,
    precinctId: setup.precinctId,
    secretKey: setup.secretKey,
    checkpointInterval: setup.checkpointInterval,
  });
  // The log holds voters' commitments: map them back to the pool's voter ids.
  const idOf = new Map(pool.map((_, i) => [toHex(precinct.voterCommitment(poolVoterId(i))), poolVoterId(i)]));
  const logged = new Set<string>();
  let last: { voterId: string; ballotBytes: Uint8Array } | undefined;
  for await (const entry of precinct.entries()) {
    const voterId = idOf.get(toHex(entry.voter));
    if (voterId === undefined) throw new Error(`log entry seq ${entry.seq} holds a voter outside the pool`);
    logged.add(voterId);
    last = { voterId, ballotBytes: entry.ballotBytes };
  }
  say(`ready ${precinct.count} ${precinct.recovery.fromPosition} ${precinct.recovery.replayed}`);

  const todo = pool.map((bytes, i) => ({ voterId: poolVoterId(i), bytes })).filter((b) => !logged.has(b.voterId));
  if (last !== undefined) {
    // Idempotence across restarts: the same ballot again gets the same receipt and no new entry.
    const again = await precinct.submit(last.voterId, last.ballotBytes);
    if (!again.duplicate) throw new Error(`resubmitting ${last.voterId}'s ballot was not reported as a duplicate`);
    say(`dup ${toHex(Receipt.encode(again.receipt))}`);
    const other = todo[0];
    if (other !== undefined) {
      // A second, different ballot for a voter who already voted is refused and changes nothing.
      try {
        await precinct.submit(last.voterId, other.bytes);
        throw new Error(`a second ballot for ${last.voterId} was accepted`);
      } catch (error) {
        if (!(error instanceof DurablePrecinctError) || error.code !== 'voter-already-voted') throw error;
        say(`refused ${error.code}`);
      }
    }
  }

  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < todo.length) {
      const item = todo[next++]!;
      const { receipt, duplicate } = await precinct.submit(item.voterId, item.bytes);
      if (duplicate) throw new Error(`${item.voterId} was not logged at start but came back as a duplicate`);
      say(`receipt ${toHex(Receipt.encode(receipt))}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  say(`done ${precinct.count}`);
  await precinct.shutdown();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`crash-ingest-child: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
