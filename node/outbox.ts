// What this node must get onto its topics: each artifact it publishes or relays is kept, per
// topic, until gossip took it (sent, or a duplicate of what gossip already carried). Nobody
// subscribing yet is normal (a parent still starting): the artifact waits for the next flush.
// A topic whose publish keeps failing for other reasons is given up after a few flushes; peers
// that missed the artifact pull it.
import { createHash } from 'node:crypto';
import { errorMessage } from '../errors/tallymesh-error.ts';
import type { Envelope } from './network/envelope.ts';
import type { PublishStatus } from './network/gossip-service.ts';
import type { Topic } from './network/topics.ts';

export type Publish = (topic: Topic, envelope: Envelope) => Promise<{ status: PublishStatus }>;

/** Failed publishes of one artifact on one topic before it is left to pulls. */
export const MAX_PUBLISH_FAILURES = 5;

interface Outgoing {
  envelope: Envelope;
  /** Topic (as JSON) -> failures so far, for the topics not yet done. */
  pending: Map<string, { topic: Topic; failures: number }>;
}

export class Outbox {
  private readonly items = new Map<string, Outgoing>();
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly publish: Publish,
    private readonly log: (event: object, message: string) => void,
  ) {}

  get size(): number {
    return this.items.size;
  }

  /** Queues an artifact for these topics (once per content) and flushes. */
  send(envelope: Envelope, topics: Topic[]): void {
    if (!topics.length) return;
    const key = createHash('sha256').update(envelope.bytes).digest('hex');
    const item = this.items.get(key) ?? { envelope, pending: new Map() };
    for (const topic of topics) {
      const name = JSON.stringify(topic);
      if (!item.pending.has(name)) item.pending.set(name, { topic, failures: 0 });
    }
    this.items.set(key, item);
    void this.flush();
  }

  /** Tries every pending topic once; concurrent calls share one pass. */
  flush(): Promise<void> {
    this.flushing ??= this.pass().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async pass(): Promise<void> {
    for (const [key, item] of this.items) {
      for (const [name, entry] of item.pending) {
        let status: PublishStatus;
        try {
          ({ status } = await this.publish(entry.topic, item.envelope));
        } catch (err) {
          this.log({ event: 'publish-failed', err: errorMessage(err) }, 'publish failed; pull will serve it');
          status = 'failed';
          entry.failures = MAX_PUBLISH_FAILURES;
        }
        if (status === 'sent' || status === 'duplicate') item.pending.delete(name);
        else if (status === 'failed' && ++entry.failures >= MAX_PUBLISH_FAILURES) {
          this.log({ event: 'publish-given-up', topic: entry.topic.kind, type: item.envelope.type }, 'publishing kept failing; peers will pull it');
          item.pending.delete(name);
        }
      }
      if (item.pending.size === 0) this.items.delete(key);
    }
  }
}
