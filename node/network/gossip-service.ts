// Gossip in and out. In: every message on our topics is validated (artifact-validators.ts), the
// verdict goes back to gossipsub through gossipOutcome (the one mapping), and accepted artifacts
// reach the node's handler. Out: publish() says what became of an artifact without reading
// gossipsub's error texts: it checks for subscribers and for a copy gossip already carried
// itself, so a thrown error is always a real failure.
import type { GossipSub, GossipsubMessage } from '@chainsafe/libp2p-gossipsub';
import { errorMessage } from '../../errors/tallymesh-error.ts';
import type { ArtifactType } from '../../protocol/artifact.ts';
import type { ElectionContext } from '../../protocol/election.ts';
import type { ValidatedArtifact } from '../../protocol/validated-artifact.ts';
import { contentHash } from '../../protocol/artifact.ts';
import { toHex } from '../../crypto/bytes.ts';
import { validateGossipMessage } from './artifact-validators.ts';
import { encodeEnvelope, type Envelope } from './envelope.ts';
import { GossipValidationError, gossipOutcome, recordOutcome } from './gossip-validation.ts';
import type { NetworkMetrics } from './metrics.ts';
import type { NetworkOptions } from './options.ts';
import type { Topic } from './topics.ts';

export interface ArtifactMeta {
  topic: Topic;
  /** The peer that forwarded the message to us (not necessarily its author). */
  from: string;
}

/** One handler per artifact type, called after the artifact was accepted. */
export type ArtifactHandlers = {
  [K in ArtifactType]?: (artifact: Extract<ValidatedArtifact, { type: K }>, meta: ArtifactMeta) => void | Promise<void>;
};

/**
 * 'sent': some peer's stream took it; 'no-peers': nobody subscribes (or no stream took it) yet,
 * try again later; 'duplicate': gossip already carried these bytes on this topic (pull serves
 * latecomers); 'failed': gossipsub refused it for another reason (logged).
 */
export type PublishStatus = 'sent' | 'no-peers' | 'duplicate' | 'failed';

/** Content hashes seen per topic, oldest forgotten first. */
class SeenSet {
  private readonly items = new Set<string>();
  constructor(private readonly capacity: number) {}
  has(key: string): boolean {
    return this.items.has(key);
  }
  add(key: string): void {
    this.items.delete(key);
    this.items.add(key);
    if (this.items.size > this.capacity) this.items.delete(this.items.values().next().value!);
  }
}

export interface GossipServiceInit {
  ctx: ElectionContext;
  pubsub: GossipSub;
  /** Our topics by topic string. */
  topics: Map<string, Topic>;
  name: (topic: Topic) => string;
  options: NetworkOptions;
  metrics: NetworkMetrics;
  handlers: ArtifactHandlers;
  /** What the node itself must judge before gossip forwards an artifact (a result: check 9);
   *  returns the error to answer with, or undefined to accept. */
  judge?: (artifact: ValidatedArtifact) => GossipValidationError | undefined;
  log: (message: string) => void;
}

export class GossipService {
  private readonly seen: SeenSet;
  private readonly listener = (event: CustomEvent<GossipsubMessage>): void => this.onMessage(event.detail);

  constructor(private readonly init: GossipServiceInit) {
    this.seen = new SeenSet(init.options.gossip.seenArtifacts);
  }

  start(): void {
    this.init.pubsub.addEventListener('gossipsub:message', this.listener);
    for (const t of this.init.topics.keys()) this.init.pubsub.subscribe(t);
  }

  stop(): void {
    this.init.pubsub.removeEventListener('gossipsub:message', this.listener);
  }

  /** Peers gossipsub knows to subscribe to a topic. */
  subscribers(topic: Topic): string[] {
    return this.init.pubsub.getSubscribers(this.init.name(topic)).map((p) => p.toString());
  }

  async publish(topic: Topic, envelope: Envelope): Promise<{ status: PublishStatus; recipients: number }> {
    const { pubsub, options, metrics } = this.init;
    const data = encodeEnvelope(envelope);
    if (data.length > options.gossip.maxMessageBytes) {
      throw new RangeError(`a ${envelope.type} of ${data.length} bytes is over the gossip limit of ${options.gossip.maxMessageBytes}: serve it over pull`);
    }
    const name = this.init.name(topic);
    const key = `${name} ${toHex(contentHash(envelope.type, envelope.bytes))}`;
    if (this.seen.has(key)) return { status: 'duplicate', recipients: 0 };
    const threshold = options.score.thresholds.publishThreshold;
    if (!pubsub.getSubscribers(name).some((p) => pubsub.getScore(p.toString()) >= threshold)) return { status: 'no-peers', recipients: 0 };
    let recipients: number;
    try {
      recipients = (await pubsub.publish(name, data)).recipients.length;
    } catch (err) {
      this.init.log(`publishing a ${envelope.type} on ${topic.kind} failed: ${errorMessage(err)}`);
      return { status: 'failed', recipients: 0 };
    }
    // gossipsub now remembers these bytes: a second publish would be its duplicate.
    this.seen.add(key);
    if (recipients === 0) return { status: 'no-peers', recipients: 0 };
    metrics.gossipPublished.inc({ topic: topic.kind, type: envelope.type });
    return { status: 'sent', recipients };
  }

  private onMessage({ propagationSource, msgId, msg }: GossipsubMessage): void {
    const { ctx, pubsub, options, metrics } = this.init;
    const topic = this.init.topics.get(msg.topic);
    let artifact: ValidatedArtifact | undefined;
    let error: unknown;
    try {
      if (!topic) throw new GossipValidationError('ignore', 'unknown-topic', `not subscribed to ${msg.topic}`);
      // Seen per topic: the same artifact arriving on a tally topic and on the board must be
      // accepted (and so forwarded) on both, or the board would stop at the first parent.
      artifact = validateGossipMessage(ctx, topic, msg.data, { maxMessageBytes: options.gossip.maxMessageBytes, seen: (h) => this.seen.has(`${msg.topic} ${h}`) });
      const refusal = this.init.judge?.(artifact);
      if (refusal) {
        artifact = undefined;
        throw refusal;
      }
    } catch (err) {
      error = err ?? new Error('validator threw nothing');
    }
    const outcome = gossipOutcome(artifact ? undefined : error);
    pubsub.reportMessageValidationResult(msgId, propagationSource.toString(), outcome.result);
    recordOutcome(metrics, topic?.kind ?? 'unknown', outcome);
    if (artifact && topic) {
      this.seen.add(`${msg.topic} ${artifact.hashHex}`);
      void this.dispatch(artifact, { topic, from: propagationSource.toString() });
    }
  }

  private async dispatch(artifact: ValidatedArtifact, meta: ArtifactMeta): Promise<void> {
    const handler = this.init.handlers[artifact.type] as ((a: ValidatedArtifact, m: ArtifactMeta) => void | Promise<void>) | undefined;
    if (!handler) return;
    try {
      await handler(artifact, meta);
    } catch (err) {
      this.init.metrics.handlerErrors.inc({ type: artifact.type });
      this.init.log(`handler for ${artifact.type} ${artifact.hashHex} failed: ${errorMessage(err)}`);
    }
  }
}
