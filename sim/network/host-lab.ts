// Hosts for the simulation: Linux network namespaces joined by a bridge, one address each, so
// that nodes on different hosts talk over real veth links and are dialled by their host's
// address, never 127.0.0.1 (`simulate --hosts N`). Only this run's own namespaces, links and
// addresses are touched: every name carries the run's tag (tm + this process id in base 36), the
// subnet is a 10.x.0.0/16 that no interface here uses yet, and the lab is removed when the run
// ends, on failure, Ctrl-C (SIGINT) and SIGTERM included; a later run also removes what a run that
// died before its cleanup (SIGKILL) left behind.
//
// Faults on the wire:
//   - a partition of two hosts: each routes the other's address through the root namespace,
//     which does not forward on the lab's bridge, so their packets vanish without an error and
//     open connections stall, as on a cut link; healed by removing the two routes;
//   - a link that goes down and up: the host's veth on the bridge side;
//   - latency, jitter and loss on the host's side of its link (its packets out; a round trip
//     crosses two): tc netem where the kernel has it, else tm-netdelay (native/netdelay), which
//     iptables hands every packet leaving the host's eth0 through NFQUEUE, and which holds each
//     for the latency ± jitter, in order, or drops it with the loss probability.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface LinkShape {
  latencyMs?: number;
  jitterMs?: number;
  lossPercent?: number;
}

const TAG_PATTERN = /^tm([0-9a-z]+)h\d+$/;

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryIp(args: string[]): boolean {
  return spawnSync('ip', args, { stdio: 'ignore' }).status === 0;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether namespaces can be made here, and if not, why (the simulation then uses loopback). */
export function namespaceSupport(): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'network namespaces need root (run as root, or without --hosts)' };
  if (spawnSync('ip', ['-V'], { stdio: 'ignore' }).status !== 0) return { ok: false, reason: 'the `ip` command (iproute2) is not installed' };
  const probe = `tm${process.pid.toString(36)}probe`;
  if (!tryIp(['netns', 'add', probe])) return { ok: false, reason: '`ip netns add` failed (no permission to create network namespaces here)' };
  tryIp(['netns', 'del', probe]);
  return { ok: true };
}

/** tm-netdelay, built by `npm install` (native/netdelay/build.mjs) where libnetfilter-queue is. */
const NETDELAY = fileURLToPath(new URL('../../native/netdelay/build/tm-netdelay', import.meta.url));

/** How latency and loss are put on a link here: tc netem, tm-netdelay, or not at all (and why). */
export type WireShaping = { ok: true; by: 'netem' | 'netdelay' } | { ok: false; reason: string };

let shaping: WireShaping | undefined;

export function wireShaping(): WireShaping {
  if (shaping) return shaping;
  const netem = netemSupport();
  if (netem.ok) return (shaping = { ok: true, by: 'netem' });
  if (!existsSync(NETDELAY)) return (shaping = { ok: false, reason: `${netem.reason}, and tm-netdelay is not built (npm install builds it where libnetfilter-queue-dev is installed)` });
  if (spawnSync('iptables', ['--version'], { stdio: 'ignore' }).status !== 0) return (shaping = { ok: false, reason: `${netem.reason}, and iptables (to steer packets to tm-netdelay) is not installed` });
  return (shaping = { ok: true, by: 'netdelay' });
}

/** Whether `tc qdisc … netem` works here (the kernel may be built without sch_netem). */
export function netemSupport(): { ok: true } | { ok: false; reason: string } {
  const probe = `tm${process.pid.toString(36)}netem`;
  if (!tryIp(['netns', 'add', probe])) return { ok: false, reason: 'no network namespace to probe tc netem in' };
  try {
    const r = spawnSync('ip', ['netns', 'exec', probe, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], { encoding: 'utf8' });
    if (r.status === 0) return { ok: true };
    return { ok: false, reason: `tc netem is unavailable: ${(r.stderr || r.error?.message || 'tc failed').trim()} (a kernel without CONFIG_NET_SCH_NETEM, or no tc)` };
  } finally {
    tryIp(['netns', 'del', probe]);
  }
}

/** Removes the namespaces and bridges of earlier runs whose process is gone. */
export function sweepAbandonedLabs(): string[] {
  const removed: string[] = [];
  const names = ip(['netns', 'list']).split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);
  for (const name of names) {
    const m = TAG_PATTERN.exec(name);
    if (m && !alive(parseInt(m[1]!, 36)) && tryIp(['netns', 'del', name])) removed.push(name);
  }
  for (const line of ip(['-o', 'link', 'show', 'type', 'bridge']).split('\n')) {
    const m = /^\d+:\s+(tm([0-9a-z]+)br)[:@]/.exec(line);
    if (m && !alive(parseInt(m[2]!, 36)) && tryIp(['link', 'del', m[1]!])) removed.push(m[1]!);
  }
  return removed;
}

/** A 10.x.0.0/16 (x in 200..249) that no interface of this machine is on. */
function freeSubnet(): number {
  const used = ip(['-4', '-o', 'addr', 'show']);
  for (let x = 200; x < 250; x++) if (!used.includes(` 10.${x}.`)) return x;
  throw new Error('no free 10.x.0.0/16 for the simulation\'s hosts (10.200-10.249 are all in use)');
}

export class HostLab {
  private destroyed = false;
  private readonly created: string[] = [];
  /** tm-netdelay of each shaped host, where netem is missing. */
  private readonly delayers = new Map<number, ChildProcess>();
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.destroy();
    process.kill(process.pid, signal); // the handlers are gone: the default action follows
  };
  private readonly onExit = (): void => this.destroy();
  readonly tag = `tm${process.pid.toString(36)}`;
  readonly bridge = `${this.tag}br`;

  private constructor(
    readonly count: number,
    private readonly subnet: number,
  ) {}

  /** Creates `count` hosts on one bridge. Throws (having removed what it made) if any step fails. */
  static create(count: number, shape: LinkShape = {}): HostLab {
    if (!Number.isInteger(count) || count < 1 || count > 60_000) throw new RangeError('a lab has 1 to 60,000 hosts');
    sweepAbandonedLabs();
    const lab = new HostLab(count, freeSubnet());
    process.once('SIGINT', lab.onSignal);
    process.once('SIGTERM', lab.onSignal);
    process.once('exit', lab.onExit);
    try {
      ip(['link', 'add', lab.bridge, 'type', 'bridge']);
      lab.created.push(lab.bridge);
      ip(['addr', 'add', `${lab.gateway}/16`, 'dev', lab.bridge]);
      // The root namespace must drop what a partition sends it, not pass it on.
      writeFileSync(`/proc/sys/net/ipv4/conf/${lab.bridge}/forwarding`, '0');
      ip(['link', 'set', lab.bridge, 'up']);
      for (let i = 0; i < count; i++) lab.addHost(i, shape);
      return lab;
    } catch (err) {
      lab.destroy();
      throw err;
    }
  }

  /** The root namespace's address on the bridge (where the simulation reaches the hosts from). */
  get gateway(): string {
    return `10.${this.subnet}.0.1`;
  }

  /** The namespace of host i. */
  ns(i: number): string {
    return `${this.tag}h${i}`;
  }

  /** Host i's address (the root namespace, where the simulation runs, is 10.x.0.1). */
  address(i: number): string {
    const n = i + 2;
    return `10.${this.subnet}.${n >> 8}.${n & 255}`;
  }

  /** The bridge-side end of host i's veth pair, in the root namespace. */
  private veth(i: number): string {
    return this.ns(i);
  }

  /** The command line that runs `cmd args` on host i. */
  command(i: number, cmd: string, args: string[]): { cmd: string; args: string[] } {
    return { cmd: 'ip', args: ['netns', 'exec', this.ns(i), cmd, ...args] };
  }

  private addHost(i: number, shape: LinkShape): void {
    const ns = this.ns(i);
    ip(['netns', 'add', ns]);
    this.created.push(ns);
    ip(['link', 'add', this.veth(i), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    ip(['link', 'set', this.veth(i), 'master', this.bridge, 'up']);
    ip(['-n', ns, 'addr', 'add', `${this.address(i)}/16`, 'dev', 'eth0']);
    ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    if (shape.latencyMs || shape.jitterMs || shape.lossPercent) this.shapeLink(i, shape);
  }

  /** Latency, jitter and loss on host i's side of its link; a new shape replaces the old. */
  shapeLink(i: number, shape: LinkShape): void {
    const how = wireShaping();
    if (!how.ok) throw new Error(`cannot shape links here: ${how.reason}`);
    const latency = shape.latencyMs ?? 0;
    const jitter = Math.min(shape.jitterMs ?? 0, latency);
    if (how.by === 'netem') {
      const args = ['netns', 'exec', this.ns(i), 'tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'netem'];
      if (latency || jitter) args.push('delay', `${latency}ms`, ...(jitter ? [`${jitter}ms`] : []));
      if (shape.lossPercent) args.push('loss', `${shape.lossPercent}%`);
      ip(args);
      return;
    }
    const old = this.delayers.get(i);
    if (old) {
      old.kill('SIGTERM');
    } else {
      execFileSync('ip', ['netns', 'exec', this.ns(i), 'iptables', '-A', 'OUTPUT', '-o', 'eth0', '-j', 'NFQUEUE', '--queue-num', '0', '--queue-bypass'], { stdio: 'ignore' });
    }
    const args = ['netns', 'exec', this.ns(i), NETDELAY, '--queue', '0', '--delay', String(latency), '--jitter', String(jitter), '--loss', String(shape.lossPercent ?? 0), '--seed', String(i + 1)];
    const child = spawn('ip', args, { stdio: 'ignore' });
    child.unref();
    this.delayers.set(i, child);
    // Bound within a moment; until then --queue-bypass lets packets through undelayed, so wait.
    const until = Date.now() + 2_000;
    while (Date.now() < until && !this.delaying(i)) spawnSync('sleep', ['0.02']);
  }

  /** Whether host i's queue has its delayer bound (the kernel lists a bound queue). */
  private delaying(i: number): boolean {
    const r = spawnSync('ip', ['netns', 'exec', this.ns(i), 'cat', '/proc/net/netfilter/nfnetlink_queue'], { encoding: 'utf8' });
    return r.status === 0 && /^\s*0\s/m.test(r.stdout);
  }

  /** Cuts hosts a and b off from each other (both directions) until heal(a, b). */
  partition(a: number, b: number): void {
    ip(['-n', this.ns(a), 'route', 'add', `${this.address(b)}/32`, 'via', this.gateway]);
    ip(['-n', this.ns(b), 'route', 'add', `${this.address(a)}/32`, 'via', this.gateway]);
  }

  heal(a: number, b: number): void {
    tryIp(['-n', this.ns(a), 'route', 'del', `${this.address(b)}/32`]);
    tryIp(['-n', this.ns(b), 'route', 'del', `${this.address(a)}/32`]);
  }

  /** Host i's link down (its cable pulled) or up again. */
  setLink(i: number, up: boolean): void {
    ip(['link', 'set', this.veth(i), up ? 'up' : 'down']);
  }

  /** The namespaces of this lab that exist (for tests and the cleanup check). */
  existing(): string[] {
    const names = new Set(ip(['netns', 'list']).split('\n').map((l) => l.split(' ')[0]!));
    return Array.from({ length: this.count }, (_, i) => this.ns(i)).filter((n) => names.has(n));
  }

  /** Removes every namespace (and with it its veth pair) and the bridge. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
    process.removeListener('exit', this.onExit);
    for (const d of this.delayers.values()) d.kill('SIGTERM');
    for (const name of this.created.reverse()) {
      if (name === this.bridge) tryIp(['link', 'del', name]);
      else tryIp(['netns', 'del', name]);
    }
  }
}
