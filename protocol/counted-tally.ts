// Which of a signer's tallies counts. A node whose key was stolen can sign two different valid
// tallies, and gossip may bring either one first. The hierarchy itself settles it: every
// aggregate lists the content hashes of the children's tallies it multiplied, so from the
// national tally down, a signed chain names the version that was counted. A node checking the
// hierarchy (a trustee) follows that chain and keeps the other version only as evidence.
import { toHex } from '../crypto/bytes.ts';
import type { ElectionContext } from './election.ts';
import type { AggregateTally } from './tally.ts';

export interface TallyVersions<T> {
  /** The first valid tally seen from this node, if any. */
  first(nodeId: string): T | undefined;
  /** A valid tally held with this content hash (first or equivocating version), if any. */
  byHash(hashHex: string): T | undefined;
  /** The aggregate inside a held tally, undefined for a precinct tally. */
  aggregate(tally: T): AggregateTally | undefined;
}

/** The content hash of nodeId's tally as listed by its parent's counted tally, if that is held. */
export function listedTallyHash<T>(ctx: ElectionContext, nodeId: string, versions: TallyVersions<T>): string | undefined {
  const parentId = ctx.index.byId.get(nodeId)?.parent;
  if (!parentId) return undefined;
  const parent = countedTally(ctx, parentId, versions);
  const ref = parent === undefined ? undefined : versions.aggregate(parent)?.children.find((c) => c.id === nodeId);
  return ref ? toHex(ref.tallyHash) : undefined;
}

/**
 * nodeId's counted tally: the version its parent's counted tally lists (recursively up to the
 * national tally), else the first seen. Undefined when the listed version is not held: the
 * caller then fetches it by the hash that listedTallyHash gives.
 */
export function countedTally<T>(ctx: ElectionContext, nodeId: string, versions: TallyVersions<T>): T | undefined {
  const listed = listedTallyHash(ctx, nodeId, versions);
  return listed === undefined ? versions.first(nodeId) : versions.byHash(listed);
}
