// Check 8: partial decryptions. Each trustee's partial (whose signature check 2 verified) names
// the national tally's hash and decrypts every scope's completed group: one group per scope in
// roster order, naming the scope node's counted tally, one share per word, and every share's
// proof of equality of discrete logs verifies against that trustee's verification key. At least t distinct
// trustees must have valid partials. Depends on check 7 for the national tally.
import { toHex } from '../../crypto/bytes.ts';
import { errorMessage } from '../../errors/tallymesh-error.ts';
import type { ElectionContext } from '../election.ts';
import { PartialDecryption, validatePartialDecryption } from '../partial-decryption.ts';
import type { ScopeGroups } from '../completed-groups.ts';
import type { CheckTally } from './checks.ts';

/** The valid partials by content hash (proofs are randomised: a trustee may have two valid ones). */
export function checkPartialDecryptions(
  ctx: ElectionContext,
  partials: readonly { file: string; partial: PartialDecryption }[],
  groups: ScopeGroups,
  nationalHash: Uint8Array,
  tally: CheckTally,
): Map<string, PartialDecryption> {
  const valid = new Map<string, PartialDecryption>();
  for (const { file, partial } of partials) {
    try {
      validatePartialDecryption(ctx, partial, nationalHash, groups);
      valid.set(toHex(PartialDecryption.hash(partial)), partial);
      tally.covered++;
    } catch (err) {
      tally.failures.push(`${file}: ${errorMessage(err)}`);
    }
  }
  const t = ctx.manifest.threshold.threshold;
  const trustees = new Set([...valid.values()].map((p) => p.trusteeIndex)).size;
  if (trustees < t) tally.failures.push(`only ${trustees} trustees have valid partial decryptions, ${t} are needed`);
  return valid;
}
