// `tallymesh verify DIR [--receipt FILE]`: re-checks a record offline and prints every numbered
// check with pass or fail. Exit status 0 only if every check passes.
import { readFileSync } from 'node:fs';
import { fromHex } from '../../crypto/bytes.ts';
import { Receipt } from '../../protocol/receipt.ts';
import { verifyRecord, type CheckResult, type ReceiptInput, type Verification } from '../../protocol/verify.ts';
import { readRecord } from '../../record/record-files.ts';

export function formatCheck(r: CheckResult): string {
  const label = `${String(r.number).padStart(2)}. ${r.name}`.padEnd(26);
  const status = r.status === 'pass' ? 'PASS' : r.status === 'fail' ? 'FAIL' : 'SKIP';
  const lines = [`${label} ${status}  ${r.title}`];
  for (const d of r.details.slice(0, 20)) lines.push(`      - ${d}`);
  if (r.details.length > 20) lines.push(`      … and ${r.details.length - 20} more`);
  return lines.join('\n');
}

/** A receipt file as `tallymesh vote --receipt-out` writes it. */
export function readReceiptFile(path: string): ReceiptInput {
  const json = JSON.parse(readFileSync(path, 'utf8')) as { receipt?: unknown; inclusion?: { size?: unknown; path?: unknown } };
  const receipt = Receipt.fromJSON(json.receipt ?? json);
  const inc = json.inclusion;
  if (inc && typeof inc.size === 'number' && Array.isArray(inc.path)) {
    return { receipt, inclusion: { size: inc.size, path: inc.path.map((h) => fromHex(String(h))) } };
  }
  return { receipt };
}

export function runVerify(dir: string, options: { receipt?: string; print?: (line: string) => void }): Verification {
  const print = options.print ?? ((line: string) => process.stdout.write(line + '\n'));
  const record = readRecord(dir);
  const receipt = options.receipt ? readReceiptFile(options.receipt) : undefined;
  print(`TallyMesh verifier: ${dir}`);
  const verification = verifyRecord(record, receipt, { onCheck: (r) => print(formatCheck(r)) });
  if (verification.electionHash) print(`election hash ${verification.electionHash}`);
  const failed = verification.checks.filter((c) => c.status !== 'pass');
  print(failed.length === 0 ? `All ${verification.checks.length} checks passed.` : `${failed.length} of ${verification.checks.length} checks did not pass: ${failed.map((c) => c.number).join(', ')}.`);
  return verification;
}
