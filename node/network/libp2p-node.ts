// The libp2p 2 node every TallyMesh host runs: TCP, Noise, Yamux, Identify, Ping and gossipsub
// with TallyMesh's settings (options.ts), the roster gater and both libraries' metrics wired into
// the node's registry. Assembly only: what runs on top is in gossip-service.ts,
// peer-maintenance.ts and pull-protocol.ts.
import { gossipsub, type GossipSub } from '@chainsafe/libp2p-gossipsub';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import { StrictNoSign, type Ed25519PrivateKey, type Libp2p, type Message } from '@libp2p/interface';
import { ping, type PingService } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import { createHash } from 'node:crypto';
import type { RosterGater } from './gater.ts';
import { gossipsubMetricsRegister, libp2pMetrics } from './library-metrics.ts';
import type { MetricsRegistry } from './metrics.ts';
import type { NetworkOptions } from './options.ts';

export interface Libp2pNodeInit {
  privateKey: Ed25519PrivateKey;
  listen: string[];
  gater: RosterGater;
  options: NetworkOptions;
  registry: MetricsRegistry;
  /** Every topic string of the election (gossipsub drops the rest unread). */
  allowedTopics: Set<string>;
  /** The topics this node subscribes to, each with the label its metrics carry (board, tallies). */
  subscribed: Map<string, string>;
}

export interface Libp2pNode {
  libp2p: Libp2p;
  pubsub: GossipSub;
  ping: PingService;
}

/** Gossip message ids name content per topic, so the same artifact on two topics travels on both. */
export function messageId(msg: Message): Uint8Array {
  return new Uint8Array(createHash('sha256').update(msg.topic).update('\0').update(msg.data).digest());
}

export async function createLibp2pNode(init: Libp2pNodeInit): Promise<Libp2pNode> {
  const { options } = init;
  const libp2p = await createLibp2p({
    privateKey: init.privateKey,
    addresses: { listen: init.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: init.gater,
    connectionManager: {
      allow: options.connection.allow,
      maxConnections: options.connection.maxConnections,
      dialTimeout: options.connection.dialTimeoutMs,
    },
    // The connection monitor pings every connection (needs the ping service) and records its RTT.
    connectionMonitor: { pingInterval: options.connection.pingIntervalMs, pingTimeout: { minTimeout: options.connection.pingTimeoutMinMs } },
    metrics: () => libp2pMetrics(init.registry),
    services: {
      identify: identify(),
      // The connection monitor's pings and ping() share these per-connection stream limits
      // (libp2p's default of 1 outbound makes an explicit ping collide with the monitor's).
      ping: ping({ maxInboundStreams: 4, maxOutboundStreams: 4 }),
      pubsub: gossipsub({
        // Artifacts carry their own signatures; gossip-level signing would only add bytes, and
        // unsigned messages let ids be content hashes, so re-publications are deduplicated.
        globalSignaturePolicy: StrictNoSign,
        msgIdFn: messageId,
        asyncValidation: true,
        emitSelf: false,
        floodPublish: true,
        doPX: false,
        // The gossip service checks for subscribers and duplicates itself before publishing, so
        // neither condition needs to come back as an error.
        allowPublishToZeroTopicPeers: false,
        ignoreDuplicatePublishError: true,
        D: options.gossip.D,
        Dlo: options.gossip.Dlo,
        Dhi: options.gossip.Dhi,
        heartbeatInterval: options.gossip.heartbeatIntervalMs,
        seenTTL: options.gossip.seenTTLMs,
        allowedTopics: init.allowedTopics,
        scoreParams: {
          topics: Object.fromEntries([...init.subscribed.keys()].map((t) => [t, { ...options.score.topic }])),
          IPColocationFactorWhitelist: new Set(options.score.colocationWhitelist),
        },
        scoreThresholds: options.score.thresholds,
        metricsRegister: gossipsubMetricsRegister(init.registry),
        metricsTopicStrToLabel: init.subscribed,
      }),
    },
  });
  // gossipsub() is typed as the generic PubSub interface; the object is the GossipSub class.
  return { libp2p, pubsub: libp2p.services.pubsub as unknown as GossipSub, ping: libp2p.services.ping as PingService };
}
