// `tallymesh record --from URL [--from URL ...] --out DIR`: collects the election record from one
// or more nodes' REST APIs (GET /record), merges it (node/record-merge.ts) and writes the folder
// that `tallymesh verify DIR` reads.
import { existsSync, readdirSync } from 'node:fs';
import type { Command } from 'commander';
import type { ElectionRecord } from '../../protocol/record.ts';
import { NodeClient } from '../http-client.ts';
import type { RecordExport } from '../../node/api/node-api.ts';
import { writeRecord } from '../../record/record-files.ts';
import { mergeRecordExports } from '../../record/record-merge.ts';
import { errorMessage } from '../../errors/tallymesh-error.ts';

export interface RecordOptions {
  from: string[];
  out: string;
  print?: (line: string) => void;
  warn?: (line: string) => void;
  /** How long one node may take to send its export (ms). */
  timeoutMs?: number;
}

/** A national node's export is megabytes of artifacts read from its store, and a busy node (or
 * hundreds of nodes sharing one process in a simulation) takes far longer than the 30 s given
 * to other requests. */
export const RECORD_TIMEOUT_MS = 5 * 60_000;
/** Sources asked at once. */
export const RECORD_CONCURRENCY = 8;

export interface RecordOutcome {
  record: ElectionRecord;
  /** Everything noteworthy that did not stop the command (also printed with warn). */
  warnings: string[];
  /** The URLs whose export was used. */
  sources: string[];
}

export async function runRecord(o: RecordOptions): Promise<RecordOutcome> {
  const print = o.print ?? ((line: string) => process.stdout.write(line + '\n'));
  const warnings: string[] = [];
  const warn = (line: string): void => {
    warnings.push(line);
    (o.warn ?? ((l: string) => process.stderr.write(`warning: ${l}\n`)))(line);
  };
  if (o.from.length === 0) throw new Error('give at least one --from URL');
  if (existsSync(o.out) && readdirSync(o.out).length > 0) throw new Error(`${o.out} is not empty: write the record into a new folder`);

  // A few sources at a time (a simulation collects from hundreds of precincts); merged in the
  // order given, so the first source's version wins as it would one by one.
  const fetched: ({ source: string; data: RecordExport } | undefined)[] = new Array(o.from.length);
  let next = 0;
  const fetchNext = async (): Promise<void> => {
    for (let i = next++; i < o.from.length; i = next++) {
      const client = new NodeClient(o.from[i]!, { timeoutMs: o.timeoutMs ?? RECORD_TIMEOUT_MS });
      try {
        const data = await client.record();
        if (!data || typeof data !== 'object') throw new Error('the response is not a record');
        fetched[i] = { source: client.baseUrl, data };
      } catch (err) {
        warn(`${client.baseUrl}: ${errorMessage(err)}; this source is left out`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(RECORD_CONCURRENCY, o.from.length) }, fetchNext));
  const exports = fetched.filter((e): e is { source: string; data: RecordExport } => e !== undefined);
  if (exports.length === 0) throw new Error('no node served its record');
  const { record, sources } = mergeRecordExports(exports, warn);
  writeRecord(o.out, record);
  const ballotCount = [...record.ballots.values()].reduce((n, l) => n + l.length, 0);
  print(
    `wrote ${o.out}: manifest ${record.manifest.electionId}, ${ballotCount} ballots of ${record.ballots.size} precincts, ` +
      `${record.precinctTallies.length} precinct tallies, ${record.aggregateTallies.length} aggregate tallies, ` +
      `${record.partials.length} partial decryptions, ${record.result ? 'a result' : 'no result'} (from ${sources.length} of ${o.from.length} nodes)`,
  );
  if (!record.result) warn('the record has no result yet; verify will fail until one is published');
  return { record, warnings, sources };
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerRecordCommand(program: Command): Command {
  return program
    .command('record')
    .description("collect the election record from nodes' REST APIs into a folder for `tallymesh verify`")
    .option('--from <url>', 'a node REST URL; repeat to merge several nodes', collect, [] as string[])
    .requiredOption('--out <dir>', 'folder to write the record into (new or empty)')
    .action(async (opts: { from: string[]; out: string }) => {
      try {
        await runRecord(opts);
      } catch (err) {
        process.stderr.write(`tallymesh record: ${errorMessage(err)}\n`);
        process.exitCode = 1;
      }
    });
}
