// A server-sent-events feed: one snapshot function polled on a timer while someone listens, its
// result pushed to every subscriber only when it changed. One computation serves all listeners,
// and nothing runs while nobody listens.
import type { ServerResponse } from 'node:http';

export interface FeedOptions<T> {
  /** SSE event name. */
  event: string;
  /** What is sent; a failure is reported to onError and retried on the next tick. */
  snapshot: () => Promise<T>;
  /** The part of a snapshot that counts as a change (e.g. without its timestamp). */
  changeKey: (value: T) => string;
  intervalMs?: number;
  /** A comment line now and then keeps proxies from closing an idle stream. */
  heartbeatMs?: number;
  maxSubscribers?: number;
  onError?: (err: unknown) => void;
}

export const FEED_DEFAULTS = { intervalMs: 500, heartbeatMs: 15_000, maxSubscribers: 32 } as const;

export class EventFeed<T> {
  private readonly subscribers = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private lastKey: string | undefined;
  private lastFrame: string | undefined;
  private polling = false;
  private closed = false;
  private eventId = 0;

  constructor(private readonly options: FeedOptions<T>) {}

  get size(): number {
    return this.subscribers.size;
  }

  get full(): boolean {
    return this.subscribers.size >= (this.options.maxSubscribers ?? FEED_DEFAULTS.maxSubscribers);
  }

  /** Starts the stream on a raw response; the caller has checked `full`. */
  subscribe(res: ServerResponse): void {
    if (this.closed) {
      res.end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    // Tell EventSource to reconnect after 2 s if the node restarts.
    res.write('retry: 2000\n\n');
    this.subscribers.add(res);
    res.on('close', () => this.unsubscribe(res));
    res.on('error', () => this.unsubscribe(res));
    // A newcomer gets the latest snapshot at once, the others only on change.
    if (this.lastFrame) res.write(this.lastFrame);
    this.ensureTimers();
    void this.poll();
  }

  private unsubscribe(res: ServerResponse): void {
    this.subscribers.delete(res);
    if (this.subscribers.size === 0) this.stopTimers();
  }

  private ensureTimers(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.options.intervalMs ?? FEED_DEFAULTS.intervalMs);
    this.heartbeat = setInterval(() => this.broadcast(': keep-alive\n\n'), this.options.heartbeatMs ?? FEED_DEFAULTS.heartbeatMs);
    this.timer.unref();
    this.heartbeat.unref();
  }

  private stopTimers(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    this.timer = undefined;
    this.heartbeat = undefined;
    // The next subscriber starts from a fresh snapshot.
    this.lastKey = undefined;
    this.lastFrame = undefined;
  }

  /** Takes a snapshot and sends it to everyone if it changed. */
  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      const value = await this.options.snapshot();
      const key = this.options.changeKey(value);
      if (key !== this.lastKey) {
        this.lastKey = key;
        this.lastFrame = `id: ${++this.eventId}\nevent: ${this.options.event}\ndata: ${JSON.stringify(value)}\n\n`;
        this.broadcast(this.lastFrame);
      }
    } catch (err) {
      this.options.onError?.(err);
    } finally {
      this.polling = false;
    }
  }

  private broadcast(frame: string): void {
    for (const res of this.subscribers) {
      if (!res.writableEnded && !res.destroyed) res.write(frame);
    }
  }

  /** Ends every stream and stops polling (the server is closing). */
  close(): void {
    this.closed = true;
    this.stopTimers();
    for (const res of this.subscribers) res.end();
    this.subscribers.clear();
  }
}
