// What a node still needs, as pull requests, each with the roster node it is about. Pure: it
// reads the node's state and decides; catch-up.ts asks peers.
import type { RosterEntry } from '../../protocol/manifest.ts';
import type { NodeState } from '../intake/node-state.ts';
import type { PullRequest } from '../network/pull-protocol.ts';

/**
 * Something to pull. `grace`: gossip normally brings it (the tallies below an aggregator or a
 * trustee), so it is first asked for only after the grace period.
 */
export interface Want {
  request: PullRequest;
  about: string;
  grace?: boolean;
}

const tallyRequest = (e: RosterEntry): PullRequest => ({ by: 'sender', type: e.role === 'precinct' ? 'precinct-tally' : 'aggregate-tally', sender: e.id });

export function wantedArtifacts(state: NodeState): Want[] {
  const { ctx, tallies } = state;
  const want: Want[] = [];
  const nationalEntry = ctx.index.national;
  const national = state.national;
  // A parent: its children's tallies, until it has aggregated them.
  if (state.aggregator && !state.aggregated) {
    for (const child of ctx.index.childrenOf(state.id)) if (!tallies.has(child.id)) want.push({ request: tallyRequest(child), about: child.id });
  }
  if (state.trustee && !state.hasOwnPartial) {
    // A trustee checks the whole hierarchy before it decrypts.
    if (!national) want.push({ request: tallyRequest(nationalEntry), about: nationalEntry.id });
    else missingBelow(state, nationalEntry.id, want);
  } else if (state.aggregated) {
    // An aggregator that has reported keeps its whole subtree (the board brings it; this fills
    // what gossip missed), so that a node whose only peer it is (a trustee connected to the
    // national node) can pull any tally from it, and its record export is complete.
    missingBelow(state, state.id, want);
  }
  // A closed precinct keeps the tallies above it, so that it can serve a voter the chain from
  // its tally up to the result (GET /proof) without the voter asking anyone else.
  if (state.role === 'precinct' && state.precinctClosed) {
    for (let e = ctx.index.byId.get(state.entry.parent); e; e = e.parent ? ctx.index.byId.get(e.parent) : undefined) {
      if (!tallies.has(e.id)) want.push({ request: tallyRequest(e), about: e.id, grace: true });
    }
  }
  if (state.combines && !national) want.push({ request: tallyRequest(nationalEntry), about: nationalEntry.id });
  if (state.combiner && !state.result) {
    const have = new Set([...state.partials.values()].map((p) => p.trusteeId));
    for (const t of ctx.index.trustees) if (!have.has(t.id)) want.push({ request: { by: 'sender', type: 'partial-decryption', sender: t.id }, about: t.id });
  }
  // The result, once it can exist for this node: precincts (not on the board) pull it after
  // their polls close, the others once the national tally or their own tally is here.
  if (!state.result && (national || state.aggregated || state.precinctClosed)) {
    const combiner = ctx.index.combiner.id;
    want.push({ request: { by: 'sender', type: 'result', sender: combiner }, about: combiner });
    // What a result held back needs before it can be checked (check 9): the national tally and
    // the partials it lists. A precinct, off the board, gets them this way.
    for (const piece of state.pendingPieces) want.push({ request: { by: 'hash', hash: piece.hash }, about: piece.about });
  }
  return want;
}

/** Pull requests for the tallies below rootId that are not held, following the listed hashes. */
function missingBelow(state: NodeState, rootId: string, want: Want[]): void {
  for (const e of descendants(state, rootId)) {
    const listed = state.tallies.listedHash(e.id);
    if (listed !== undefined && !state.tallies.hasVersion(listed)) want.push({ request: { by: 'hash', hash: listed }, about: e.id, grace: true });
    else if (listed === undefined && !state.tallies.has(e.id)) want.push({ request: tallyRequest(e), about: e.id, grace: true });
  }
}

const descendantCache = new WeakMap<NodeState, Map<string, RosterEntry[]>>();

/** Every roster node below id in the hierarchy (children first). */
function descendants(state: NodeState, id: string): RosterEntry[] {
  let cache = descendantCache.get(state);
  if (!cache) descendantCache.set(state, (cache = new Map()));
  let out = cache.get(id);
  if (!out) {
    out = [];
    for (let level = state.ctx.index.childrenOf(id); level.length; level = level.flatMap((e) => state.ctx.index.childrenOf(e.id))) out.push(...level);
    cache.set(id, out);
  }
  return out;
}
