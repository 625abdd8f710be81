// How a verification reads on a terminal: one line per check (number, name, status, title) with
// its reasons below, then what was covered and the verdict.
import type { CheckResult } from './checks.ts';
import type { Verification } from './verify-record.ts';

/** Reason lines printed per check; the rest are counted. */
export const DETAIL_LINES = 20;

export function formatCheck(r: CheckResult): string {
  const label = `${String(r.number).padStart(2)}. ${r.name}`.padEnd(26);
  const status = r.status === 'pass' ? 'PASS' : r.status === 'fail' ? 'FAIL' : 'SKIP';
  const lines = [`${label} ${status}  ${r.title}`];
  for (const d of r.details.slice(0, DETAIL_LINES)) lines.push(`      - ${d}`);
  if (r.details.length > DETAIL_LINES) lines.push(`      … and ${r.details.length - DETAIL_LINES} more`);
  return lines.join('\n');
}

/** The lines after the checks: coverage and verdict. */
export function formatSummary(v: Verification): string[] {
  const c = v.coverage;
  const lines: string[] = [];
  if (v.electionHash) lines.push(`election hash ${v.electionHash}`);
  if (c.scope) {
    const where = c.path.length ? `subtree of ${c.scope}, with its path ${[c.scope, ...c.path].join(' -> ')}` : 'the whole election';
    lines.push(
      `covered: ${where}; ${c.precincts} of ${c.precinctsInScope} precincts' ballots (${c.ballots} ballots, every proof checked; ${c.precinctsInRoster} precincts in the roster), ` +
        `${c.tallies} tallies, ${c.partials} valid partial decryptions`,
    );
  }
  const failed = [...v.checks, ...v.receipts].filter((x) => x.status === 'fail').map((x) => x.number);
  if (v.verdict === 'pass') lines.push(`PASS: all ${v.checks.length + v.receipts.length} checks passed over the whole election.`);
  else if (v.verdict === 'partial') lines.push(`PARTIAL: every check that ran passed, but ${v.partialBecause.join('; ')}.`);
  else lines.push(`FAIL: ${failed.length ? `checks ${failed.join(', ')} failed` : 'the record cannot be verified'}.`);
  return lines;
}
