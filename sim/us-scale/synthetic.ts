// Synthetic precincts at U.S. scale. 159 million ballots cannot each be encrypted and proved here
// (one ballot costs ~100 ms of CPU), so each precinct draws its voters' choices in plaintext
// (seeded: per contest of its ballot style, the counts of each allowed selection are a
// multinomial draw) and publishes a precinct tally that encrypts, for every tally word its
// style's contests fall in, the packed count word sum(count_o * M^slot) once, with the same DJN
// form as PaillierPublicKey.encrypt, c = (1 + m*n) * hs^a mod n^2 and a fresh uniform exponent a
// of randomnessBits bits. That ciphertext is exactly what multiplying the voters' ballot
// ciphertexts would give up to the randomness (which is uniform in both cases); a word none of
// its contests falls in is 1, as it is in a real precinct's tally. So every level above sees a
// proper precinct tally. What is synthetic: there are no individual ballots, validity proofs,
// receipts or logs behind it; ballotsRoot is the empty Merkle root and logHead the log's
// genesis hash, honest placeholders that claim no logged ballot.
import { EMPTY_ROOT } from '../../crypto/merkle.ts';
import type { PaillierPublicKey } from '../../crypto/paillier.ts';
import { packCounts, type ContestLayout } from '../../protocol/layout.ts';
import type { ElectionScopes } from '../../protocol/scopes.ts';
import type { TallyGroup } from '../../protocol/tally.ts';
import { LOG_GENESIS_HASH } from '../../protocol/log-chain.ts';
import { PROTOCOL_VERSION } from '../../protocol/manifest.ts';
import { PrecinctTally } from '../../protocol/tally.ts';
import { SeededRandom } from '../seeded-random.ts';
import { selectionWeights } from '../simulated-voters.ts';

/** Plaintext counts per contest (per option; abstentions are not counted). */
export type Counts = Map<string, number[]>;

/**
 * Binomial(n, p) draw: by waiting times when n·p is small (exact), else the normal
 * approximation, rounded and clamped (synthetic voters need the shape, not exact tails).
 */
export function drawBinomial(rng: SeededRandom, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const mean = n * p;
  if (mean < 12 || n - mean < 12) {
    const flip = p > 0.5;
    const q = flip ? 1 - p : p;
    const log1q = Math.log1p(-q);
    let x = 0;
    for (let at = 0; ; x++) {
      at += Math.floor(Math.log(1 - rng.next()) / log1q) + 1;
      if (at > n) break;
    }
    return flip ? n - x : x;
  }
  const x = Math.round(mean + Math.sqrt(mean * (1 - p)) * rng.gaussian());
  return Math.min(n, Math.max(0, x));
}

/**
 * Draws `ballots` voters' choices in the given contests (one precinct's ballot style). Each
 * precinct leans its own way: the standard weights of sim/simulated-voters.ts (earlier options
 * more popular, about 5% abstain) times a per-precinct log-normal factor per selection; the
 * counts of the selections are one multinomial draw (sequential binomials).
 */
export function drawPrecinctCounts(style: { contests: readonly ContestLayout[] }, seed: string, precinctId: string, ballots: number): Counts {
  const rng = new SeededRandom(seed, 'voters', precinctId);
  const counts: Counts = new Map();
  for (const c of style.contests) {
    const weights = selectionWeights(c).map((w) => w * Math.exp(0.3 * rng.gaussian()));
    let restWeight = weights.reduce((a, b) => a + b, 0);
    let restVoters = ballots;
    const perOption = new Array<number>(c.optionCount).fill(0);
    c.selections.forEach((sel, i) => {
      const picks = i === c.selections.length - 1 ? restVoters : drawBinomial(rng, restVoters, weights[i]! / restWeight);
      restVoters -= picks;
      restWeight -= weights[i]!;
      for (const o of sel) perOption[o]! += picks;
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

/**
 * The precinct's signed tally of its synthetic counts: one group per scope on its path, each word
 * an encryption of the packed counts of the style's contests in it, or 1 where none is.
 */
export function syntheticPrecinctTally(
  scopes: ElectionScopes,
  electionHash: Uint8Array,
  publicKey: PaillierPublicKey,
  precinctId: string,
  counts: Counts,
  ballotCount: number,
  secretKey: Uint8Array,
): PrecinctTally {
  const bigCounts = new Map([...counts].map(([k, row]) => [k, row.map((x) => BigInt(x))]));
  for (const contestId of counts.keys()) {
    const placed = scopes.contests.get(contestId);
    if (!placed || !scopes.groupsOf(precinctId).some((g) => g.scopeId === placed.scopeId)) throw new Error(`contest "${contestId}" is not counted on the path of "${precinctId}"`);
  }
  // A word is encrypted when one of the style's contests lies in it (a precinct with no ballots
  // has multiplied nothing into any word); the others are 1.
  const groups: TallyGroup[] = scopes.groupsOf(precinctId).map((layout) => {
    const plain = packCounts(layout, bigCounts);
    const touched = new Set(ballotCount === 0 ? [] : layout.contests.filter((c) => counts.has(c.contestId)).map((c) => c.word));
    return { scopeId: layout.scopeId, words: plain.map((m, w) => (touched.has(w) ? publicKey.encryptVariableTime(m) : 1n)) };
  });
  return PrecinctTally.sign(
    {
      version: PROTOCOL_VERSION,
      electionHash,
      precinctId,
      groups,
      ballotCount,
      ballotsRoot: EMPTY_ROOT,
      logHead: LOG_GENESIS_HASH,
    },
    secretKey,
  );
}
