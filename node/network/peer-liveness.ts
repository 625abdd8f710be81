// Whether each roster peer this node is connected to still answers. A cut link drops packets
// without an error, and libp2p's connection monitor notices only when its ping times out, whose
// floor is 30 s (options.ts: a shorter one closed busy nodes' live connections). This service
// pings every connected roster peer at its own pace with a short timeout, and only records the
// answers: it never closes a connection, so a busy peer shown as unresponsive for a moment costs
// nothing. The node's /peers, /hierarchy and dashboard report a peer that has not answered for
// longer than `livenessStaleMs` as not connected (node/api/node-api-impl.ts).
import type { Libp2p } from '@libp2p/interface';
import type { PingService } from '@libp2p/ping';
import type { NetworkOptions } from './options.ts';

export interface PeerLivenessInit {
  libp2p: Libp2p;
  ping: PingService;
  /** Peers to probe: the roster's (observers are not this node's business). */
  isRosterPeer: (peerId: string) => boolean;
  options: NetworkOptions;
}

export class PeerLiveness {
  private readonly answered = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly init: PeerLivenessInit) {}

  start(): void {
    this.timer = setInterval(() => this.probe(), this.init.options.connection.livenessIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** When the peer last answered a probe (ms since the epoch), if it has since this node started. */
  answeredAt(peerId: string): number | undefined {
    return this.answered.get(peerId);
  }

  private probe(): void {
    const { libp2p, ping, isRosterPeer, options } = this.init;
    for (const conn of libp2p.getConnections()) {
      const peer = conn.remotePeer;
      const id = peer.toString();
      if (!isRosterPeer(id) || this.inFlight.has(id)) continue;
      this.inFlight.add(id);
      ping
        .ping(peer, { signal: AbortSignal.timeout(options.connection.livenessTimeoutMs) })
        .then(
          () => {
            if (!this.stopped) this.answered.set(id, Date.now());
          },
          () => undefined, // no answer in time: the record of the last one stands
        )
        .finally(() => this.inFlight.delete(id));
    }
  }
}
