// Synthetic precincts at U.S. scale. 159 million ballots cannot each be encrypted and proved here
// (one ballot costs ~100 ms of CPU), so each precinct draws its voters' choices in plaintext
// (seeded: every voter draws one selection per contest) and publishes a precinct tally that
// encrypts its per-word count vector once: the packed word sum(count_o * M^slot), encrypted with
// the same DJN form as PaillierPublicKey.encrypt, c = (1 + m*n) * hs^a mod n^2 with a fresh uniform
// exponent a of randomnessBits bits. That ciphertext is exactly what multiplying the voters'
// ballot ciphertexts would give up to the randomness (which is uniform in both cases), so every
// level above sees a proper precinct tally. What is synthetic: there are no individual ballots,
// validity proofs, receipts or logs behind it; ballotsRoot is the empty Merkle root and logHead
// the log's genesis hash, honest placeholders that claim no logged ballot.
import { EMPTY_ROOT } from '../../crypto/merkle.ts';
import type { PaillierPublicKey } from '../../crypto/paillier.ts';
import type { BallotLayout } from '../../protocol/layout.ts';
import type { ScopeLayout } from '../../protocol/scopes.ts';
import { packCounts } from '../../protocol/layout.ts';
import { LOG_GENESIS_HASH } from '../../protocol/log-chain.ts';
import { PROTOCOL_VERSION } from '../../protocol/manifest.ts';
import { PrecinctTally } from '../../protocol/tally.ts';
import { SeededRandom } from '../seeded-random.ts';
import { selectionWeights } from '../simulated-voters.ts';

/** Plaintext counts per contest (per option; abstentions are not counted). */
export type Counts = Map<string, number[]>;

/**
 * Draws `ballots` voters' choices for one precinct. Each precinct leans its own way: the
 * standard weights of sim/simulated-voters.ts (earlier options more popular, about 5% abstain)
 * times a per-precinct log-normal factor per option.
 */
export function drawPrecinctCounts(layout: BallotLayout, seed: string, precinctId: string, ballots: number): Counts {
  const rng = new SeededRandom(seed, 'voters', precinctId);
  const counts: Counts = new Map();
  for (const c of layout.contests) {
    const k = c.selections.length;
    const weights = selectionWeights(c).map((w) => w * Math.exp(0.3 * rng.gaussian()));
    const total = weights.reduce((a, b) => a + b, 0);
    const cumulative: number[] = [];
    let acc = 0;
    for (const w of weights) cumulative.push((acc += w / total));
    const picks = new Array<number>(k).fill(0);
    for (let v = 0; v < ballots; v++) {
      const x = rng.next();
      let i = 0;
      while (i < k - 1 && x >= cumulative[i]!) i++;
      picks[i]!++;
    }
    const perOption = new Array<number>(c.optionCount).fill(0);
    c.selections.forEach((sel, i) => {
      for (const o of sel) perOption[o]! += picks[i]!;
    });
    counts.set(c.contestId, perOption);
  }
  return counts;
}

export function addCounts(into: Counts, add: Counts): void {
  for (const [contest, row] of add) {
    const acc = into.get(contest) ?? new Array<number>(row.length).fill(0);
    row.forEach((x, i) => (acc[i]! += x));
    into.set(contest, acc);
  }
}

/** The precinct's signed tally of its synthetic counts. */
export function syntheticPrecinctTally(
  layout: ScopeLayout,
  electionHash: Uint8Array,
  publicKey: PaillierPublicKey,
  precinctId: string,
  counts: Counts,
  ballotCount: number,
  secretKey: Uint8Array,
): PrecinctTally {
  const plain = packCounts(
    layout,
    new Map([...counts].map(([k, row]) => [k, row.map((x) => BigInt(x))])),
  );
  return PrecinctTally.sign(
    {
      version: PROTOCOL_VERSION,
      electionHash,
      precinctId,
      // The U.S.-scale ballot is one style counted at the national scope: one group.
      groups: [{ scopeId: layout.scopeId, words: plain.map((m) => publicKey.encryptVariableTime(m)) }],
      ballotCount,
      ballotsRoot: EMPTY_ROOT,
      logHead: LOG_GENESIS_HASH,
    },
    secretKey,
  );
}
