// The faults on the wire of `simulate --hosts N` (sim/network/host-lab.ts), started when the polls
// close so that they fall on the aggregation: a partition of a state's host from the national
// host, healed after a while; a county's link going down and up every few seconds; a slow
// trustee. Nothing here is told to the nodes: they must ride it out by themselves.
import type { HostLab } from './host-lab.ts';
import type { Placement } from './host-placement.ts';

export interface WireFaultOptions {
  partitionMs: number;
  flapMs: number;
  slowTrusteeMs: number;
}

export interface WireFaults {
  /** Heals whatever is still broken (the run's end, or a failure). */
  stop(): void;
  /** Resolves when every timed fault is over. */
  done: Promise<void>;
}

/** The period of a flapping link: this long down, this long up. */
export const FLAP_PERIOD_MS = 3_000;

export function startWireFaults(lab: HostLab, placement: Placement, o: WireFaultOptions, note: (line: string) => void, ids = { state: 'state-01', county: 'county-01-001', trustee: 'trustee-01', national: 'national' }): WireFaults {
  const host = (id: string): number => {
    const h = placement.hostOf.get(id);
    if (h === undefined) throw new Error(`no host for ${id}`);
    return h;
  };
  const undo: (() => void)[] = [];
  const timers: NodeJS.Timeout[] = [];
  const waits: Promise<void>[] = [];
  const after = (ms: number, fn: () => void): Promise<void> =>
    new Promise((resolve) => {
      timers.push(
        setTimeout(() => {
          fn();
          resolve();
        }, ms),
      );
    });

  if (o.partitionMs > 0) {
    const [a, b] = [host(ids.state), host(ids.national)];
    if (a === b) throw new Error(`--partition needs ${ids.state} and the national node on different hosts (more --hosts)`);
    lab.partition(a, b);
    const heal = (): void => lab.heal(a, b);
    undo.push(heal);
    note(`--partition: ${ids.state}'s host (${lab.address(a)}) cut off from the national host (${lab.address(b)}) for ${o.partitionMs / 1000} s`);
    waits.push(after(o.partitionMs, () => (heal(), note(`--partition: healed after ${o.partitionMs / 1000} s`))));
  }
  if (o.flapMs > 0) {
    const h = host(ids.county);
    let up = true;
    const flap = setInterval(() => {
      up = !up;
      lab.setLink(h, up);
    }, FLAP_PERIOD_MS);
    const steady = (): void => {
      clearInterval(flap);
      lab.setLink(h, true);
    };
    undo.push(steady);
    note(`--flap: ${ids.county}'s host link (${lab.address(h)}) down and up every ${FLAP_PERIOD_MS / 1000} s for ${o.flapMs / 1000} s`);
    waits.push(after(o.flapMs, () => (steady(), note('--flap: the link is up for good'))));
  }
  if (o.slowTrusteeMs > 0) {
    lab.shapeLink(host(ids.trustee), { latencyMs: o.slowTrusteeMs });
    note(`--slow-trustee: ${o.slowTrusteeMs} ms latency on ${ids.trustee}'s host`);
  }
  return {
    stop() {
      for (const t of timers) clearTimeout(t);
      for (const fn of undo) fn();
    },
    done: Promise.all(waits).then(() => undefined),
  };
}
