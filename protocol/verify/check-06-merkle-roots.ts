// Check 6: a precinct tally's ballotsRoot is the RFC 9162 Merkle root of its ballots' hashes in
// log order (leaf = SHA-256(0x00 || ballot hash)), so every receipt's inclusion proof can be
// checked against it.
import { equalBytes } from '../../crypto/bytes.ts';
import { merkleRoot } from '../../crypto/merkle.ts';
import type { PrecinctTally } from '../tally.ts';
import type { CheckTally } from './checks.ts';
import type { CheckedBallots } from './check-03-ballot-proofs.ts';

export function checkMerkleRoot(t: PrecinctTally, file: string, checked: CheckedBallots, tally: CheckTally): boolean {
  if (!equalBytes(merkleRoot(checked.hashes), t.ballotsRoot)) {
    tally.failures.push(`${file}: ballotsRoot is not the Merkle root of the precinct's ballots in log order`);
    return false;
  }
  tally.covered++;
  return true;
}
