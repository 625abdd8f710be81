// `tallymesh verify DIR [--receipt FILE ...] [--jobs N] [--subtree NODE] [--tallies-only]`:
// re-checks a record folder offline (record/verify-record-dir.ts) and prints every numbered check,
// what was covered and the verdict. Exit status: 0 everything checked and passed; 3 what was
// checked passed but not everything was (a subtree, or ballots not in the record); 1 a check
// failed; 2 the command was used wrongly.
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { fromHex } from '../../crypto/bytes.ts';
import { errorMessage } from '../../errors/tallymesh-error.ts';
import { Receipt } from '../../protocol/receipt.ts';
import { formatCheck, formatSummary, type ReceiptInput, type Verification } from '../../protocol/verify/index.ts';
import { verifyRecordDir } from '../../record/verify-record-dir.ts';

export const VERIFY_EXIT = { pass: 0, fail: 1, partial: 3 } as const;

/**
 * A receipt file as `tallymesh vote --receipt-out` and GET /receipts/:hash write it:
 * { receipt, inclusion?: { size, path: [hex] }, precinct?: URL } (or the bare receipt JSON).
 */
export function readReceiptFile(path: string): ReceiptInput & { precinct?: string } {
  const json = JSON.parse(readFileSync(path, 'utf8')) as { receipt?: unknown; inclusion?: { size?: unknown; path?: unknown }; precinct?: unknown };
  const receipt = Receipt.fromJSON(json.receipt ?? json);
  const inc = json.inclusion;
  const precinct = typeof json.precinct === 'string' ? { precinct: json.precinct } : {};
  if (inc && typeof inc.size === 'number' && Array.isArray(inc.path)) {
    return { label: path, receipt, inclusion: { size: inc.size, path: inc.path.map((h) => fromHex(String(h))) }, ...precinct };
  }
  return { label: path, receipt, ...precinct };
}

export interface VerifyCommandOptions {
  receipt?: string[];
  jobs?: number;
  subtree?: string;
  talliesOnly?: boolean;
  print?: (line: string) => void;
}

export async function runVerify(dir: string, options: VerifyCommandOptions = {}): Promise<Verification> {
  const print = options.print ?? ((line: string) => process.stdout.write(line + '\n'));
  const receipts = (options.receipt ?? []).map((file) => {
    try {
      return readReceiptFile(file);
    } catch (err) {
      throw new InvalidArgumentError(`--receipt ${file}: ${errorMessage(err)}`);
    }
  });
  print(`TallyMesh verifier: ${dir}`);
  const verification = await verifyRecordDir(dir, {
    receipts,
    ...(options.jobs ? { jobs: options.jobs } : {}),
    ...(options.subtree ? { subtree: options.subtree } : {}),
    ...(options.talliesOnly ? { talliesOnly: true } : {}),
    onCheck: (r) => print(formatCheck(r)),
  });
  for (const line of formatSummary(verification)) print(line);
  return verification;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--jobs must be a positive integer');
  return n;
};

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('re-check an election record offline; exit 0 if everything passed, 3 if what was checked passed but not everything was, 1 if a check failed')
    .argument('<dir>', 'election record folder')
    .option('--receipt <file>', 'also check a voter receipt (repeat for several; the record is verified once)', collect, [] as string[])
    .option('--jobs <n>', 'worker threads (default: every core)', positive)
    .option('--subtree <node>', 'check only this node\'s subtree and its path up to the result')
    .option('--tallies-only', 'check the tallies where the record holds no ballots (the verdict is then partial)')
    .action(async (dir: string, opts: VerifyCommandOptions) => {
      const v = await runVerify(dir, opts);
      process.exitCode = VERIFY_EXIT[v.verdict];
    });
}
