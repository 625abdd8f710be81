// Which peers a pull asks, in order (pure). The peers most likely to hold the artifact first: its
// author, then the author's nearest connected ancestor (a parent holds its children's tallies, the
// national node the whole hierarchy), then a few other peers, different ones at each attempt.
// Asking every peer each time would cost every node a stream per peer per missing artifact: with
// hundreds of nodes waiting for tallies that do not exist yet, that alone saturates them.
import type { ElectionContext } from '../../protocol/election.ts';

export function pullOrder(ctx: ElectionContext, about: string, connected: readonly string[], attempt: number, othersPerAttempt: number): string[] {
  const connectedSet = new Set(connected);
  const preferred: string[] = [];
  for (let e = ctx.index.byId.get(about); e; e = e.parent ? ctx.index.byId.get(e.parent) : undefined) {
    if (connectedSet.has(e.peerId)) {
      preferred.push(e.peerId);
      if (e.id !== about) break;
    }
  }
  const others = connected.filter((p) => !preferred.includes(p));
  const fanout = Math.min(othersPerAttempt, others.length);
  const start = others.length ? (attempt * fanout) % others.length : 0;
  return [...preferred, ...Array.from({ length: fanout }, (_, i) => others[(start + i) % others.length]!)];
}
