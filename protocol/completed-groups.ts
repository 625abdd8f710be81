// The groups the trustees decrypt: for every scope with contests, the scope node's own group in
// its counted tally (the first group of that tally; scopes.ts). Nothing outside the scope node's
// subtree votes in those contests, so the group is complete there.
import type { ElectionContext } from './election.ts';
import { ProtocolError } from './errors.ts';
import { childTallyOf, type AnyTally, type ChildTally } from './tally.ts';

export interface CompletedGroup {
  scopeId: string;
  /** Content hash of the scope node's tally that holds the group. */
  tallyHash: Uint8Array;
  /** That tally's ballot count. */
  ballotCount: number;
  words: bigint[];
}

/**
 * Per scope of ctx.scopes.scopes (roster order), its completed group; a hole (undefined) marks a
 * scope left unchecked (a receipt's check covers only the scopes on its precinct's path).
 */
export type ScopeGroups = readonly (CompletedGroup | undefined)[];

function groupOf(scopeId: string, child: ChildTally): CompletedGroup {
  const own = child.groups[0];
  if (child.id !== scopeId || !own || own.scopeId !== scopeId) {
    throw new ProtocolError('inconsistent', scopeId, `the tally offered for scope "${scopeId}" does not hold its group`);
  }
  return { scopeId, tallyHash: child.hash, ballotCount: child.ballotCount, words: own.words };
}

/** Every scope's completed group from the counted tallies (as their parents see them); throws naming a missing one. */
export function completedGroups(ctx: ElectionContext, childOf: (id: string) => ChildTally | undefined): CompletedGroup[] {
  return ctx.scopes.scopes.map((scope) => {
    const child = childOf(scope.scopeId);
    if (!child) throw new ProtocolError('inconsistent', scope.scopeId, `no tally of scope "${scope.scopeId}"`);
    return groupOf(scope.scopeId, child);
  });
}

/** completedGroups over full tallies. */
export function completedGroupsOf(ctx: ElectionContext, tallyOf: (id: string) => AnyTally | undefined): CompletedGroup[] {
  return completedGroups(ctx, (id) => {
    const t = tallyOf(id);
    return t ? childTallyOf(t) : undefined;
  });
}

/** The groups of the scopes whose tallies are given, holes for the rest. */
export function someCompletedGroups(ctx: ElectionContext, childOf: (id: string) => ChildTally | undefined): ScopeGroups {
  return ctx.scopes.scopes.map((scope) => {
    const child = childOf(scope.scopeId);
    return child ? groupOf(scope.scopeId, child) : undefined;
  });
}
