// When each missing artifact is asked for (pure; time passed in). A child's tally does not exist
// until its polls close, and hundreds of nodes asking every second would only load the network:
// each want is asked for again after a growing pause (1 s doubling to 30 s). What gossip normally
// brings is first asked for only after a grace period, so that a busy network is not asked twice.
import type { Want } from './wants.ts';

export interface PullScheduleOptions {
  graceMs: number;
  maxPullsInFlight: number;
}

interface Backoff {
  next: number;
  delay: number;
  attempt: number;
}

export interface DuePull {
  want: Want;
  key: string;
  /** 0 for the first request of this want, then 1, 2, ...: which other peers to ask rotates with it. */
  attempt: number;
}

export const FIRST_DELAY_MS = 1000;
export const MAX_DELAY_MS = 30_000;

export const wantKey = (w: Want): string => JSON.stringify(w.request);

export class PullSchedule {
  private readonly backoff = new Map<string, Backoff>();

  constructor(private readonly options: PullScheduleOptions) {}

  /**
   * The wants to ask for now, at most enough to fill maxPullsInFlight beside those under way
   * (`inFlight`); each is marked as asked, so it is due again only after its pause.
   */
  due(wants: readonly Want[], now: number, inFlight: ReadonlySet<string>): DuePull[] {
    const ready: { want: Want; key: string }[] = [];
    for (const want of wants) {
      const key = wantKey(want);
      if (inFlight.has(key)) continue;
      const last = this.backoff.get(key);
      if (!last && want.grace && this.options.graceMs > 0) this.backoff.set(key, { next: now + this.options.graceMs, delay: FIRST_DELAY_MS / 2, attempt: -1 });
      else if ((last?.next ?? 0) <= now) ready.push({ want, key });
    }
    return ready.slice(0, Math.max(0, this.options.maxPullsInFlight - inFlight.size)).map(({ want, key }) => {
      const last = this.backoff.get(key);
      const delay = Math.min(MAX_DELAY_MS, (last?.delay ?? FIRST_DELAY_MS / 2) * 2);
      const attempt = (last?.attempt ?? -1) + 1;
      this.backoff.set(key, { next: now + delay, delay, attempt });
      return { want, key, attempt };
    });
  }
}
