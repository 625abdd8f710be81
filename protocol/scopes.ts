// Where each contest is counted. A contest's scope is the lowest roster node that covers every
// precinct voting in it (the precincts on a ballot style that carries it); its encrypted tally
// travels up the hierarchy only that far. The contests of one scope are packed together into that
// scope's tally words (layout.ts), in manifest order, so a scope's decryption costs
// ceil(options / slotsPerWord) words or little more, however many districts the scope holds.
//
// A node's tally carries one group per scope on its path to the national node (itself first) that
// has contests: the groups its subtree contributes to. Its own group is complete: nothing outside
// its subtree votes in those contests, so that group is what the trustees decrypt.
import { ballotLayout, type BallotLayout, type ContestLayout } from './layout.ts';
import { contestOnStyle, type BallotStyle, type Contest, type Manifest, type RosterEntry } from './manifest.ts';

/** What scopes are computed from: the whole roster's tree and the precincts' styles. */
export type TreeEntry = Pick<RosterEntry, 'id' | 'role' | 'parent' | 'ballotStyles'>;

interface Tree {
  byId: ReadonlyMap<string, TreeEntry>;
}
import { ProtocolError } from './errors.ts';

export interface ScopeLayout extends BallotLayout {
  /** The roster node at which these contests are complete. */
  scopeId: string;
}

export interface PlacedContest {
  contest: Contest;
  scopeId: string;
  layout: ContestLayout;
}

export class ElectionScopes {
  /** Every scope with contests, in roster order. */
  readonly scopes: ScopeLayout[];
  /**
   * The batches a trustee's decryption proofs cover (docs/protocol.md section 5): one per state
   * that is or holds a scope, and one for the scopes above the states, named by the national node;
   * in roster order of their ids, each with the indexes (into `scopes`) of its scopes, ascending.
   */
  readonly batches: { batchId: string; scopes: number[] }[];
  readonly byScope = new Map<string, ScopeLayout>();
  readonly contests = new Map<string, PlacedContest>();
  private readonly styles = new Map<string, BallotStyle>();
  private readonly styleContests = new Map<string, PlacedContest[]>();
  private readonly pathGroups = new Map<string, ScopeLayout[]>();
  private readonly contestIndex = new Map<string, number>();
  private readonly byDistrict = new Map<string, PlacedContest[]>();

  private readonly index: Tree;

  /**
   * `tree` is the whole roster (by default the manifest's; a receipt check's manifest excerpt
   * keeps a few entries, so it passes the skeleton it skimmed from all of them).
   */
  constructor(manifest: Manifest, tree: readonly TreeEntry[] = manifest.roster) {
    this.index = { byId: new Map(tree.map((e) => [e.id, e])) };
    for (const s of manifest.ballotStyles) this.styles.set(s.id, s);
    manifest.contests.forEach((c, i) => this.contestIndex.set(c.id, i));
    const scopeOf = contestScopes(manifest, tree, this.index);
    const byScope = new Map<string, Contest[]>();
    for (const c of manifest.contests) {
      const scope = scopeOf.get(c.id);
      if (scope === undefined) throw new ProtocolError('inconsistent', `manifest.contests.${c.id}`, 'contest is on no precinct\'s ballot style');
      const list = byScope.get(scope) ?? [];
      list.push(c);
      byScope.set(scope, list);
    }
    this.scopes = [];
    for (const entry of tree) {
      const contests = byScope.get(entry.id);
      if (!contests) continue;
      const layout: ScopeLayout = { ...ballotLayout({ keyBits: manifest.keyBits, slotBits: manifest.slotBits, contests }), scopeId: entry.id };
      this.scopes.push(layout);
      this.byScope.set(entry.id, layout);
      contests.forEach((contest, i) => {
        const placed = { contest, scopeId: entry.id, layout: layout.contests[i]! };
        this.contests.set(contest.id, placed);
        const list = this.byDistrict.get(contest.districtId) ?? [];
        list.push(placed);
        this.byDistrict.set(contest.districtId, list);
      });
    }
    const batchScopes = new Map<string, number[]>();
    this.scopes.forEach((scope, k) => {
      const id = this.batchOf(scope.scopeId);
      const list = batchScopes.get(id) ?? [];
      list.push(k);
      batchScopes.set(id, list);
    });
    this.batches = tree.filter((e) => batchScopes.has(e.id)).map((e) => ({ batchId: e.id, scopes: batchScopes.get(e.id)! }));
  }

  /** The state on a node's path (the node itself if a state), or the root above the states. */
  private batchOf(nodeId: string): string {
    let id = nodeId;
    for (let e = this.index.byId.get(id); e; e = this.index.byId.get(e.parent)) {
      id = e.id;
      if (e.role === 'state') return id;
    }
    return id;
  }

  /** The scopes whose groups a node's tally carries: those on its path to the root, itself first. */
  groupsOf(nodeId: string): ScopeLayout[] {
    let groups = this.pathGroups.get(nodeId);
    if (groups) return groups;
    groups = [];
    for (let id: string | undefined = nodeId; id; id = this.index.byId.get(id)?.parent) {
      const scope = this.byScope.get(id);
      if (scope) groups.push(scope);
    }
    this.pathGroups.set(nodeId, groups);
    return groups;
  }

  style(styleId: string): BallotStyle | undefined {
    return this.styles.get(styleId);
  }

  /** The contests on a ballot of the style, in manifest order. */
  contestsOfStyle(styleId: string): PlacedContest[] {
    let list = this.styleContests.get(styleId);
    if (list) return list;
    const style = this.styles.get(styleId);
    if (!style) throw new ProtocolError('unknown-ballot-style', 'ballotStyleId', `ballot style "${styleId}" is not in the manifest`);
    list = style.districtIds
      .flatMap((d) => this.byDistrict.get(d) ?? [])
      .filter((p) => contestOnStyle(p.contest, style))
      .sort((a, b) => this.order(a) - this.order(b));
    this.styleContests.set(styleId, list);
    return list;
  }

  private order(p: PlacedContest): number {
    return this.contestIndex.get(p.contest.id)!;
  }

  /** Total tally words decrypted for the election: the sum over scopes. */
  get decryptedWords(): number {
    return this.scopes.reduce((n, s) => n + s.wordCount, 0);
  }
}

/** The depth of a roster node: 0 for the root. */
function depthOf(index: Tree, id: string): number {
  let d = 0;
  for (let p = index.byId.get(id)?.parent; p; p = index.byId.get(p)?.parent) d++;
  return d;
}

/** The lowest common ancestor (or self) of two roster nodes. */
function commonAncestor(index: Tree, a: string, b: string, depth: (id: string) => number): string {
  let x = a;
  let y = b;
  let dx = depth(x);
  let dy = depth(y);
  while (dx > dy) {
    x = index.byId.get(x)!.parent;
    dx--;
  }
  while (dy > dx) {
    y = index.byId.get(y)!.parent;
    dy--;
  }
  while (x !== y) {
    x = index.byId.get(x)!.parent;
    y = index.byId.get(y)!.parent;
  }
  return x;
}

/**
 * Each contest's scope: the lowest common ancestor of the precincts on the ballot styles that
 * carry it. Computed per style first (its precincts' ancestor), then per contest over its styles.
 */
export function contestScopes(manifest: Manifest, tree: readonly TreeEntry[], index: Tree): Map<string, string> {
  const depths = new Map<string, number>();
  const depth = (id: string): number => {
    let d = depths.get(id);
    if (d === undefined) depths.set(id, (d = depthOf(index, id)));
    return d;
  };
  const styleRoot = new Map<string, string>();
  for (const e of tree) {
    if (e.role !== 'precinct') continue;
    for (const s of e.ballotStyles) {
      const root = styleRoot.get(s);
      styleRoot.set(s, root === undefined ? e.id : commonAncestor(index, root, e.id, depth));
    }
  }
  const stylesByDistrict = new Map<string, BallotStyle[]>();
  for (const s of manifest.ballotStyles) {
    for (const d of s.districtIds) {
      const list = stylesByDistrict.get(d) ?? [];
      list.push(s);
      stylesByDistrict.set(d, list);
    }
  }
  const out = new Map<string, string>();
  for (const c of manifest.contests) {
    let scope: string | undefined;
    for (const s of stylesByDistrict.get(c.districtId) ?? []) {
      const root = styleRoot.get(s.id);
      if (root === undefined || !contestOnStyle(c, s)) continue;
      scope = scope === undefined ? root : commonAncestor(index, scope, root, depth);
    }
    // A contest of one precinct is counted at its county: decryptions stay bounded by the
    // counties, and a precinct's tally carries no group of its own.
    if (scope !== undefined && index.byId.get(scope)?.role === 'precinct') scope = index.byId.get(scope)!.parent;
    if (scope !== undefined) out.set(c.id, scope);
  }
  return out;
}
