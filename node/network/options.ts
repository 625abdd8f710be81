// Every tunable of the network layer in one place, with the reason for each default. Hosts take
// a partial override per section (resolveNetworkOptions), so tests and deployments change a
// number without touching the code that uses it.
import type { TopicScoreParams } from '@chainsafe/libp2p-gossipsub/score';

const MiB = 1024 * 1024;

export const NETWORK_DEFAULTS = {
  topics: {
    /** Topic names carry this many hex digits of the election hash: enough to keep elections apart
     * on a shared network; validators still compare the full hash inside every artifact. */
    electionHashPrefixHex: 16,
  },
  gossip: {
    /** Tallies are small (a few KiB per word); anything larger than this goes over the pull
     * protocol. gossipsub drops RPCs over 4 MiB without a word, so stay clearly below that. */
    maxMessageBytes: 3 * MiB,
    /** Mesh degree. The hierarchy's topics have few subscribers (a parent and its children). */
    D: 6,
    Dlo: 4,
    Dhi: 12,
    heartbeatIntervalMs: 700,
    /** How long gossipsub remembers message ids to drop duplicates (ms). */
    seenTTLMs: 10 * 60_000,
    /** Content hashes of accepted artifacts we remember to answer a re-publication with Ignore. */
    seenArtifacts: 100_000,
  },
  score: {
    thresholds: {
      /** Below this a peer gets no gossip (IHAVE) from us. */
      gossipThreshold: -10,
      /** Below this we do not publish to it. */
      publishThreshold: -50,
      /** Below this everything it sends is dropped unread. */
      graylistThreshold: -80,
      acceptPXThreshold: 10,
      opportunisticGraftThreshold: 5,
    },
    /**
     * Per-topic parameters. Tally topics carry one message per child, so the mesh-delivery-rate
     * penalties (P3, P3b) would punish honest quiet peers: they are off. What remains: a small
     * reward for time in mesh and first deliveries, and a heavy, slowly decaying penalty per
     * invalid (rejected) message (P4 is weight * count^2), so one forged tally pushes a peer well
     * below zero and it stays there for many minutes.
     */
    topic: {
      topicWeight: 1,
      timeInMeshWeight: 0.01,
      timeInMeshQuantum: 1000,
      timeInMeshCap: 300,
      firstMessageDeliveriesWeight: 1,
      firstMessageDeliveriesDecay: 0.9,
      firstMessageDeliveriesCap: 10,
      meshMessageDeliveriesWeight: 0,
      meshMessageDeliveriesDecay: 0.5,
      meshMessageDeliveriesCap: 100,
      meshMessageDeliveriesThreshold: 1,
      meshMessageDeliveriesWindow: 10,
      meshMessageDeliveriesActivation: 5000,
      meshFailurePenaltyWeight: 0,
      meshFailurePenaltyDecay: 0.5,
      invalidMessageDeliveriesWeight: -100,
      /** Per decay interval (1 s): 0.999 halves the count in about 11.5 minutes. */
      invalidMessageDeliveriesDecay: 0.999,
    } satisfies TopicScoreParams,
    /** Many nodes share an address on a test machine or behind one NAT; the IP colocation
     * penalty must not punish them for it. */
    colocationWhitelist: ['127.0.0.1', '::1'],
  },
  pull: {
    protocol: '/tallymesh/pull/1.0.0',
    /** Largest single frame (one artifact) accepted on a pull stream. */
    maxFrameBytes: 64 * MiB,
    /** Largest request frame: a request is a hash or a (type, sender) pair. */
    maxRequestBytes: 4096,
    /** Most artifacts one response may carry. */
    maxItems: 4096,
    /** Whole exchange, dial to last byte (ms). */
    timeoutMs: 60_000,
    maxInboundStreams: 32,
    maxOutboundStreams: 64,
    /** Peers other than the author asked per catch-up attempt, rotating between attempts: finds
     * a copy held only by a sibling within a few attempts without a stream to every peer. */
    othersPerAttempt: 2,
    /** How long a node waits before pulling a tally that the board normally brings (the tallies
     * below an aggregator or a trustee): in a busy network gossip is seconds behind, and pulling
     * what is already on its way doubles the work (ms). */
    graceMs: 5_000,
    /** Most catch-up pulls a node has under way at once. */
    maxPullsInFlight: 32,
  },
  connection: {
    /** libp2p refuses more than a few inbound connections per second and host; a local network
     * runs every node on one host, so loopback is exempt from those limits. */
    allow: ['/ip4/127.0.0.0/ipcidr/8', '/ip6/::1/ipcidr/128'],
    /** At least this many connections; a node with more roster children than fit, a county with
     * thousands of precincts, gets its children plus connectionHeadroom (connectionLimit below). */
    maxConnections: 300,
    /** Connections beyond a node's roster children: its parent, board mesh peers, trustees, observers. */
    connectionHeadroom: 64,
    dialTimeoutMs: 10_000,
    /** Bootstrap peers not connected are redialled this often (ms). */
    bootstrapIntervalMs: 5_000,
    /** libp2p's connection monitor pings each connection this often; peers() reports the RTT. */
    pingIntervalMs: 10_000,
    /** The monitor closes a connection whose ping is not answered in time (adaptive, never less
     * than this). libp2p's 5 s floor closed live connections of nodes that were merely busy
     * (a county validating a burst of tallies); each redial costs a Noise handshake, which loads
     * them further. A peer that is really gone still fails its TCP writes and pulls. */
    pingTimeoutMinMs: 30_000,
    /** Every connected roster peer is also pinged this often with this timeout, only to report
     * whether it answers (peer-liveness.ts; nothing is closed); one that has not answered for
     * livenessStaleMs is shown as not connected. */
    livenessIntervalMs: 5_000,
    livenessTimeoutMs: 3_000,
    livenessStaleMs: 12_000,
    /**
     * A connection to a roster peer that shares a topic with this node but over which gossipsub
     * has not learned that peer's subscriptions after this long carries no gossip (its gossipsub
     * stream failed to open, e.g. under load, and gossipsub does not retry on a live connection):
     * it is closed, and the redial opens fresh streams (ms).
     */
    gossipLinkGraceMs: 30_000,
    /** Consecutive failed (timed out or broken) pull exchanges with one peer after which its
     * connection is closed and redialled: the streams of a half-dead connection never recover. */
    maxPullFailures: 3,
  },
};

type Widen<T> = T extends number ? number : T extends string ? string : T extends readonly (infer U)[] ? Widen<U>[] : T extends object ? { [K in keyof T]: Widen<T[K]> } : T;

export type NetworkOptions = Widen<typeof NETWORK_DEFAULTS>;
export type NetworkOptionsOverride = { [K in keyof NetworkOptions]?: Partial<NetworkOptions[K]> };

/** Defaults with each section's fields overridden by the caller's. */
export function resolveNetworkOptions(override: NetworkOptionsOverride = {}): NetworkOptions {
  const d: NetworkOptions = NETWORK_DEFAULTS;
  return {
    topics: { ...d.topics, ...override.topics },
    gossip: { ...d.gossip, ...override.gossip },
    score: { ...d.score, ...override.score },
    pull: { ...d.pull, ...override.pull },
    connection: { ...d.connection, ...override.connection },
  };
}

/**
 * How many connections a node may hold: the configured floor, or more when its roster children
 * alone would exceed it (each child keeps a connection to its parent; in the U.S. shape 83
 * counties have over 300 precincts, the largest 2,057).
 */
export function connectionLimit(options: NetworkOptions, rosterChildren: number): number {
  return Math.max(options.connection.maxConnections, rosterChildren + options.connection.connectionHeadroom);
}
