// Which host each node runs on in `simulate --hosts N`: the way an election would be deployed,
// one host for the national node, one per state, one per county with its precincts (a county
// office runs its precincts' machines, or they sit near it), one per trustee. With fewer hosts
// than those groups, the groups are dealt round-robin onto the hosts; with more, the extra hosts
// are not made. Shards (simulate --shards N) are placed the same way.
import type { RosterEntry } from '../../protocol/manifest.ts';

export interface Placement {
  /** Host index of every node. */
  hostOf: Map<string, number>;
  /** Hosts used (at most the number asked for). */
  hosts: number;
  /** Each host's nodes, for the report. */
  groups: string[][];
}

export function placeOnHosts(roster: readonly Pick<RosterEntry, 'id' | 'role' | 'parent'>[], hosts: number): Placement {
  if (!Number.isInteger(hosts) || hosts < 1) throw new RangeError('--hosts must be a positive integer');
  const children = new Map<string, string[]>();
  for (const e of roster) if (e.role === 'precinct') children.set(e.parent, [...(children.get(e.parent) ?? []), e.id]);
  const groups: string[][] = [];
  for (const e of roster) {
    if (e.role === 'national' || e.role === 'state' || e.role === 'trustee') groups.push([e.id]);
    else if (e.role === 'county') groups.push([e.id, ...(children.get(e.id) ?? [])]);
  }
  const used = Math.min(hosts, groups.length);
  const hostOf = new Map<string, number>();
  const byHost: string[][] = Array.from({ length: used }, () => []);
  groups.forEach((group, g) => {
    for (const id of group) {
      hostOf.set(id, g % used);
      byHost[g % used]!.push(id);
    }
  });
  return { hostOf, hosts: used, groups: byHost };
}
