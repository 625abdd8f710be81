// Check 4: no ballot twice, by content hash or by ballot id, within a precinct. Across precincts
// no repeat is possible: check 3 binds every ballot (and its proofs) to its precinct, and the
// precinct id is part of the bytes the hash covers.
import { toHex } from '../../crypto/bytes.ts';
import type { CheckTally } from './checks.ts';
import type { CheckedBallots } from './check-03-ballot-proofs.ts';

export function checkBallotUniqueness(file: string, checked: CheckedBallots, tally: CheckTally): boolean {
  const byHash = new Map<string, number>();
  const byId = new Map<string, number>();
  let ok = true;
  checked.ballots.forEach((b, i) => {
    const h = toHex(checked.hashes[i]!);
    const sameHash = byHash.get(h);
    const sameId = byId.get(b.ballotId);
    if (sameHash !== undefined) {
      ok = false;
      tally.failures.push(`${file}: ballot ${i + 1} repeats ballot ${sameHash} (same ballot hash)`);
    } else if (sameId !== undefined) {
      ok = false;
      tally.failures.push(`${file}: ballot ${i + 1} repeats the ballot id "${b.ballotId}" of ballot ${sameId}`);
    }
    if (sameHash === undefined) byHash.set(h, i + 1);
    if (sameId === undefined) byId.set(b.ballotId, i + 1);
  });
  if (ok) tally.covered++;
  return ok;
}
