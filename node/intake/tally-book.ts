// The tally hierarchy as one node knows it: the first valid tally of every signer, every other
// valid version held (a stolen key can sign two), and which version counts (the one its parent's
// counted tally lists, up to the national tally: protocol/counted-tally.ts). Pure.
import type { ElectionContext } from '../../protocol/election.ts';
import { countedTally, listedTallyHash, type TallyVersions } from '../../protocol/counted-tally.ts';
import type { AggregateTally, AnyTally } from '../../protocol/tally.ts';
import { senderOf, type TallyArtifact } from '../../protocol/validated-artifact.ts';

export class TallyBook {
  /** The first valid tally of every node, by node id. */
  private readonly first = new Map<string, TallyArtifact>();
  /** Every valid tally held, by content hash: first versions and equivocating ones. */
  private readonly versions = new Map<string, TallyArtifact>();
  private readonly lookup: TallyVersions<TallyArtifact> = {
    first: (id) => this.first.get(id),
    byHash: (hex) => this.versions.get(hex),
    aggregate: (a) => (a.type === 'aggregate-tally' ? a.value : undefined),
  };

  constructor(private readonly ctx: ElectionContext) {}

  /** Records the first tally of its signer. */
  addFirst(a: TallyArtifact): void {
    this.first.set(senderOf(a), a);
    this.versions.set(a.hashHex, a);
  }

  /** Records another valid version (equivocation evidence, maybe the counted one). */
  addVersion(a: TallyArtifact): void {
    this.versions.set(a.hashHex, a);
  }

  firstOf(id: string): TallyArtifact | undefined {
    return this.first.get(id);
  }

  has(id: string): boolean {
    return this.first.has(id);
  }

  hasVersion(hashHex: string): boolean {
    return this.versions.has(hashHex);
  }

  version(hashHex: string): TallyArtifact | undefined {
    return this.versions.get(hashHex);
  }

  /** How many nodes have a first tally here. */
  get size(): number {
    return this.first.size;
  }

  /** Every node's first tally, in arrival order. */
  firsts(): IterableIterator<[string, TallyArtifact]> {
    return this.first.entries();
  }

  /** id's tally as the hierarchy counts it, as a protocol AnyTally. */
  counted(id: string): AnyTally | undefined {
    const a = countedTally(this.ctx, id, this.lookup);
    if (!a) return undefined;
    return a.type === 'precinct-tally' ? { kind: 'precinct', tally: a.value } : { kind: 'aggregate', tally: a.value };
  }

  /** The content hash the counted parent lists for id, when that parent is held. */
  listedHash(id: string): string | undefined {
    return listedTallyHash(this.ctx, id, this.lookup);
  }

  /**
   * The first tally missing on the path from the national tally down to id, as the hash its
   * counted parent lists (to pull it); undefined when the whole path is held (or the national
   * tally itself is missing, which the caller names).
   */
  missingOnPath(id: string): { hash: string; about: string } | undefined {
    const path: string[] = [];
    for (let n: string | undefined = id; n; n = this.ctx.index.byId.get(n)?.parent) path.unshift(n);
    for (const node of path.slice(1)) {
      if (this.counted(node)) continue;
      const hash = this.listedHash(node);
      return hash === undefined ? undefined : { hash, about: node };
    }
    return undefined;
  }

  /** The first national tally held. */
  get national(): AggregateTally | undefined {
    const a = this.first.get(this.ctx.index.national.id);
    return a?.type === 'aggregate-tally' ? a.value : undefined;
  }
}
