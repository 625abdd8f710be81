// Check 9: the result. It is made under the national tally (its hash and ballot count), lists t
// partial decryptions of distinct trustees that check 8 found valid, by ascending trustee index;
// per scope it names the scope node's counted tally and its ballot count, combining the partials
// gives exactly its words, and its counts are what the words unpack to. Its readable result.json, when present,
// says exactly what result.bin says. Nodes run the same checkResult before they accept a result
// from the network (node/intake).
import { equalBytes, toHex } from '../../crypto/bytes.ts';
import { combineVerifiedPartials } from '../../crypto/threshold.ts';
import type { ElectionContext } from '../election.ts';
import { errorMessage } from '../../errors/tallymesh-error.ts';
import { ProtocolError } from '../errors.ts';
import { shareAsPartial, type PartialDecryption } from '../partial-decryption.ts';
import { Result, contestCounts, validateResult } from '../result.ts';
import type { AggregateTally } from '../tally.ts';
import type { ScopeGroups } from '../completed-groups.ts';

/** Throws a ProtocolError naming the first way the result is not the decryption of the completed groups given. */
export function checkResult(
  ctx: ElectionContext,
  result: Result,
  national: AggregateTally,
  nationalHash: Uint8Array,
  groups: ScopeGroups,
  validPartials: ReadonlyMap<string, PartialDecryption>,
): void {
  validateResult(ctx, result);
  if (!equalBytes(result.tallyHash, nationalHash)) throw new ProtocolError('inconsistent', 'result.tallyHash', 'the result is not of the national tally');
  if (result.ballotCount !== national.ballotCount) throw new ProtocolError('inconsistent', 'result.ballotCount', 'ballot count differs from the national tally');
  const t = ctx.manifest.threshold.threshold;
  if (result.partials.length !== t) throw new ProtocolError('inconsistent', 'result.partials', `the result must list ${t} partials, it lists ${result.partials.length}`);
  const used = result.partials.map((h) => {
    const p = validPartials.get(toHex(h));
    if (!p) throw new ProtocolError('inconsistent', 'result.partials', `partial ${toHex(h).slice(0, 16)}… is not a valid partial decryption of the national tally`);
    return p;
  });
  // One order (ascending trustee index, which also makes the trustees distinct), so that the
  // list has a single encoding for a given set of partials.
  used.forEach((p, i) => {
    const before = used[i - 1];
    if (before && before.trusteeIndex === p.trusteeIndex) throw new ProtocolError('inconsistent', 'result.partials', `trustee ${p.trusteeIndex} is listed twice`);
    if (before && before.trusteeIndex > p.trusteeIndex) {
      throw new ProtocolError('inconsistent', 'result.partials', `partials must be listed by ascending trustee index: ${p.trusteeIndex} comes after ${before.trusteeIndex}`);
    }
  });
  // validateResult checked the scopes' ids and word counts; a hole in `groups` is left unchecked.
  groups.forEach((g, k) => {
    if (!g) return;
    const s = result.scopes[k]!;
    const path = `result.scopes[${k}]`;
    if (s.scopeId !== g.scopeId) throw new ProtocolError('inconsistent', `${path}.scopeId`, `expected scope "${g.scopeId}"`);
    if (!equalBytes(s.tallyHash, g.tallyHash)) throw new ProtocolError('inconsistent', `${path}.tallyHash`, `not the counted tally of "${g.scopeId}"`);
    if (s.ballotCount !== g.ballotCount) throw new ProtocolError('inconsistent', `${path}.ballotCount`, `ballot count differs from the tally of "${g.scopeId}"`);
    g.words.forEach((c, w) => {
      const { plaintext } = combineVerifiedPartials(ctx.threshold, c, used.map((p) => shareAsPartial(p.trusteeIndex, p.groups[k]!.shares[w]!)));
      if (plaintext !== s.words[w]) throw new ProtocolError('inconsistent', `${path}.words[${w}]`, 'combining the partials gives another plaintext');
    });
    if (JSON.stringify(contestCounts(ctx, g.scopeId, s.words)) !== JSON.stringify(s.contests)) {
      throw new ProtocolError('inconsistent', `${path}.contests`, 'counts differ from the decrypted words');
    }
  });
}

/** The readable view says what the canonical result says; throws naming the difference. */
export function checkResultView(result: Result, view: unknown): void {
  let parsed: Result;
  try {
    parsed = Result.fromJSON(view);
  } catch (err) {
    throw new ProtocolError('inconsistent', 'result.json', `is not a result: ${errorMessage(err)}`);
  }
  if (!equalBytes(Result.encode(parsed), Result.encode(result))) throw new ProtocolError('inconsistent', 'result.json', 'says something else than result.bin');
}
