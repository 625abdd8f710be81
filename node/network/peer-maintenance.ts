// Keeping the links a node needs. Bootstrap peers (a node's parent; a trustee's national node)
// are redialled while not connected (libp2p's KEEP_ALIVE tag also redials them after a disconnect
// and spares them when it prunes). Links that carry nothing are reset: a roster peer that shares
// a topic with this node but whose subscriptions gossipsub never learned (its gossipsub stream
// failed to open, and gossipsub does not retry on a live connection), or one whose pull exchanges
// failed several times in a row. Closing the connection makes the dialling side redial with
// fresh streams.
import type { GossipSub } from '@chainsafe/libp2p-gossipsub';
import { KEEP_ALIVE, type Libp2p } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Multiaddr } from '@multiformats/multiaddr';
import { errorMessage } from '../../errors/tallymesh-error.ts';
import type { ElectionContext } from '../../protocol/election.ts';
import type { RosterEntry } from '../../protocol/manifest.ts';
import type { NetworkMetrics } from './metrics.ts';
import type { NetworkOptions } from './options.ts';
import { topicsForNode, type Topic } from './topics.ts';

export interface PeerMaintenanceInit {
  ctx: ElectionContext;
  libp2p: Libp2p;
  pubsub: GossipSub;
  bootstrap: Multiaddr[];
  /** This node's topics. */
  topics: readonly Topic[];
  name: (topic: Topic) => string;
  options: NetworkOptions;
  metrics: NetworkMetrics;
  log: (message: string) => void;
}

export class PeerMaintenance {
  private readonly rosterByPeerId: Map<string, RosterEntry>;
  private readonly mine: Set<string>;
  private readonly sharedTopics = new Map<string, string[]>();
  private readonly pullFailures = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private dialling = false;
  private stopped = false;

  constructor(private readonly init: PeerMaintenanceInit) {
    this.rosterByPeerId = new Map(init.ctx.manifest.roster.map((e) => [e.peerId, e]));
    this.mine = new Set(init.topics.map(init.name));
  }

  async start(): Promise<void> {
    for (const ma of this.init.bootstrap) {
      const id = ma.getPeerId();
      if (id) await this.init.libp2p.peerStore.merge(peerIdFromString(id), { tags: { [KEEP_ALIVE]: { value: 1 } } });
    }
    void this.redial();
    this.timer = setInterval(() => {
      void this.redial();
      this.checkGossipLinks();
    }, this.init.options.connection.bootstrapIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** A pull exchange with the peer got an answer (even a bad one): the link works. */
  pullAnswered(peerId: string): void {
    this.pullFailures.delete(peerId);
  }

  /** A pull exchange timed out or broke; after maxPullFailures in a row the link is reset. */
  pullFailed(peerId: string): void {
    const count = (this.pullFailures.get(peerId) ?? 0) + 1;
    this.pullFailures.set(peerId, count);
    if (!this.stopped && count >= this.init.options.connection.maxPullFailures && this.rosterByPeerId.has(peerId)) {
      this.pullFailures.delete(peerId);
      this.resetLink(peerId, 'pull-failures');
    }
  }

  /** Dials every bootstrap peer that is not connected. */
  private async redial(): Promise<void> {
    if (this.dialling || this.stopped) return;
    this.dialling = true;
    const { libp2p, options } = this.init;
    try {
      await Promise.all(
        this.init.bootstrap.map(async (ma) => {
          const id = ma.getPeerId();
          if (id && libp2p.getConnections(peerIdFromString(id)).length > 0) return;
          try {
            await libp2p.dial(ma, { signal: AbortSignal.timeout(options.connection.dialTimeoutMs) });
          } catch (err) {
            if (!this.stopped) this.init.log(`bootstrap dial ${ma.toString()} failed: ${errorMessage(err)}`);
          }
        }),
      );
    } finally {
      this.dialling = false;
    }
  }

  private resetLink(peerId: string, reason: 'no-gossip' | 'pull-failures'): void {
    this.init.metrics.linkResets.inc({ reason });
    this.init.log(`closing the connection to ${this.rosterByPeerId.get(peerId)?.id ?? peerId} (${reason}); it will be redialled`);
    void this.init.libp2p.hangUp(peerIdFromString(peerId)).catch(() => undefined);
  }

  /** See options.connection.gossipLinkGraceMs. */
  private checkGossipLinks(): void {
    const { libp2p, pubsub, ctx, options } = this.init;
    const now = Date.now();
    const oldest = new Map<string, number>();
    for (const conn of libp2p.getConnections()) {
      const id = conn.remotePeer.toString();
      oldest.set(id, Math.min(oldest.get(id) ?? Infinity, conn.timeline.open));
    }
    const subscribers = new Map<string, Set<string>>();
    const subscribes = (topic: string, id: string): boolean => {
      let set = subscribers.get(topic);
      if (!set) subscribers.set(topic, (set = new Set(pubsub.getSubscribers(topic).map((p) => p.toString()))));
      return set.has(id);
    };
    for (const [id, openedAt] of oldest) {
      const entry = this.rosterByPeerId.get(id);
      if (!entry || now - openedAt < options.connection.gossipLinkGraceMs) continue;
      let shared = this.sharedTopics.get(id);
      if (!shared) this.sharedTopics.set(id, (shared = topicsForNode(ctx, entry.id).map(this.init.name).filter((t) => this.mine.has(t))));
      if (shared.length && !shared.some((t) => subscribes(t, id))) this.resetLink(id, 'no-gossip');
    }
  }
}
