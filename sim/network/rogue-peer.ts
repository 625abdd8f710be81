// A misbehaving peer for the fault scenarios (--rogue-peer) and the fault-tolerance tests: a bare libp2p host (createNetworkHost, no
// TallyNode behind it, nothing stored, pull requests answered "not found") that publishes exactly
// what the test hands it. It runs either with a fresh key outside the roster (an observer, which
// the honest nodes must be configured to admit) or with a roster node's stolen/own key (e.g. a
// cheating trustee that never runs the real node).
import { generateSigningKey } from '../../crypto/signature.ts';
import type { ElectionContext } from '../../protocol/election.ts';
import { peerIdFromEd25519 } from '../../protocol/peer-id.ts';
import type { Envelope } from '../../node/network/envelope.ts';
import { createNetworkHost, type NetworkHost } from '../../node/network/host.ts';
import type { Topic } from '../../node/network/topics.ts';

export interface RogueKey {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  /** The PeerId the key gives on libp2p (to list it among a node's observers). */
  peerId: string;
}

/** A fresh Ed25519 key outside every roster. */
export function rogueKey(): RogueKey {
  const { secretKey, publicKey } = generateSigningKey();
  return { secretKey, publicKey, peerId: peerIdFromEd25519(publicKey) };
}

export interface RoguePeer {
  host: NetworkHost;
  peerId: string;
  /** Publishes on a topic; throws unless gossip sent it to at least one peer. */
  publish(topic: Topic, envelope: Envelope): Promise<number>;
  stop(): Promise<void>;
}

export interface RoguePeerInit {
  ctx: ElectionContext;
  secretKey: Uint8Array;
  /** Multiaddr with /p2p/<PeerId> of the honest node the rogue attacks. */
  target: string;
  /** Topics on which the target must be seen subscribed before start() returns. */
  topics: Topic[];
  /** True for a key outside the roster. */
  observer?: boolean;
  timeoutMs?: number;
}

/** Starts the rogue, connects it to `target` and waits until the target's subscriptions are known. */
export async function startRoguePeer(init: RoguePeerInit): Promise<RoguePeer> {
  const targetPeerId = /\/p2p\/([^/]+)$/.exec(init.target)?.[1];
  if (!targetPeerId) throw new Error(`${init.target} does not end in /p2p/<PeerId>`);
  const host = await createNetworkHost({
    secretKey: init.secretKey,
    ctx: init.ctx,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: [init.target],
    ...(init.observer ? { observer: true } : {}),
  });
  try {
    for (const topic of init.topics) {
      const end = Date.now() + (init.timeoutMs ?? 60_000);
      while (!host.subscribers(topic).includes(targetPeerId)) {
        if (Date.now() > end) throw new Error(`the rogue ${host.peerId} never saw ${targetPeerId} subscribed to ${host.topicString(topic)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (err) {
    await host.stop();
    throw err;
  }
  return {
    host,
    peerId: host.peerId,
    async publish(topic, envelope) {
      const { status, recipients } = await host.publish(topic, envelope);
      if (status !== 'sent') throw new Error(`the rogue's ${envelope.type} on ${host.topicString(topic)} was not sent: ${status}`);
      return recipients;
    },
    stop: () => host.stop(),
  };
}
