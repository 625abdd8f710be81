// Catch-up: asks peers for what the node still wants (wants.ts), when it is due (pull-schedule.ts),
// in the order most likely to find it (pull-order.ts), and hands what comes back to the node's
// intake. Pulls run beside the node's tick and are not awaited by it: an exchange with a slow
// peer takes up to a minute per peer asked, and the tick must go on republishing what found no
// peers and moving the role forward meanwhile.
import { errorMessage } from '../../errors/tallymesh-error.ts';
import type { ElectionContext } from '../../protocol/election.ts';
import type { ValidatedArtifact } from '../../protocol/validated-artifact.ts';
import type { NetworkHost } from '../network/host.ts';
import type { Counter } from '../network/metrics.ts';
import type { NetworkOptions } from '../network/options.ts';
import { pullOrder } from './pull-order.ts';
import { PullSchedule } from './pull-schedule.ts';
import type { Want } from './wants.ts';

export interface CatchUpInit {
  ctx: ElectionContext;
  host: NetworkHost;
  options: NetworkOptions['pull'];
  /** Takes a pulled, validated artifact into the node. */
  accept: (a: ValidatedArtifact) => Promise<void>;
  pulled: Counter;
  log: (event: object, message: string) => void;
}

export class CatchUp {
  private readonly schedule: PullSchedule;
  private readonly pulling = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly init: CatchUpInit) {
    this.schedule = new PullSchedule(init.options);
  }

  /** Starts a pull for each due want; does not wait for them. */
  run(wants: readonly Want[]): void {
    if (this.stopped) return;
    const due = this.schedule.due(wants, Date.now(), new Set(this.pulling.keys()));
    if (!due.length) return;
    const peers = this.init.host
      .peers()
      .filter((p) => p.admission === 'roster')
      .map((p) => p.peerId);
    for (const { want, key, attempt } of due) {
      const done = this.pullOne(want, peers, attempt)
        .catch((err) => this.init.log({ event: 'pull-failed', err: errorMessage(err) }, 'pull failed'))
        .finally(() => this.pulling.delete(key));
      this.pulling.set(key, done);
    }
  }

  /** Stops starting pulls and waits for those under way (stopping the host ends them). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled(this.pulling.values());
  }

  private async pullOne(want: Want, peers: string[], attempt: number): Promise<void> {
    const { ctx, host } = this.init;
    for (const peerId of pullOrder(ctx, want.about, peers, attempt, this.init.options.othersPerAttempt)) {
      if (this.stopped) return;
      try {
        const envelopes = await host.pull(peerId, want.request);
        if (!envelopes.length) continue;
        for (const env of envelopes) {
          const a = host.validate(env);
          this.init.pulled.inc({ type: a.type });
          await this.init.accept(a);
        }
        return;
      } catch (err) {
        const peer = host.peers().find((p) => p.peerId === peerId)?.nodeId ?? peerId;
        this.init.log({ event: 'pull-failed', peer, err: errorMessage(err) }, 'pull failed');
      }
    }
  }
}
