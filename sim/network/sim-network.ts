// The simulated network: every node of the election on this machine, in this process
// (LocalNetwork), as its own OS process (NodeProcess), or in one of a few shard processes that
// each hold many nodes (ShardProcess, one per core), all on the ports setup wrote so that the
// kinds can reach each other.
import { join } from 'node:path';
import { LocalNetwork } from '../local-network.ts';
import { loadNodeConfig, type LoadedConfig } from '../../node/config.ts';
import { NodeProcess } from './node-process.ts';
import { ShardProcess } from './shard-process.ts';
import type { ShardStats } from './node-shard.ts';
import { placeOnHosts } from './host-placement.ts';

export interface SimNetworkOptions {
  /** Ids of the nodes that run as their own OS process. */
  processes: Set<string>;
  /** Run the nodes that are not their own process in this many shard processes (0: in this process). */
  shards?: number;
  /** Ids of the nodes not to start at all (offline trustees). */
  offline: Set<string>;
  /** Folder for the logs of node processes. */
  logDir?: string;
  /** PeerIds let in as observers on every node (the rogue peer). */
  observers?: string[];
  /** Runs a node process's command on that node's host (simulate --hosts). */
  hostCommand?: (id: string, cmd: string, args: string[]) => { cmd: string; args: string[] };
}

export class SimNetwork {
  private readonly local: LocalNetwork;
  private readonly procs = new Map<string, NodeProcess>();
  private readonly shards: ShardProcess[] = [];
  private readonly shardOf = new Map<string, ShardProcess>();
  readonly configs = new Map<string, LoadedConfig>();

  constructor(
    readonly electionDir: string,
    private readonly options: SimNetworkOptions,
  ) {
    const observers = options.observers ?? [];
    this.local = new LocalNetwork(electionDir, {
      fixedPorts: true,
      override: (c) => ({ ...(c.role === 'trustee' ? { autoDecrypt: true } : {}), ...(observers.length ? { observers } : {}) }),
    });
    for (const id of this.local.ids) {
      this.configs.set(id, this.local.config(id));
      if (options.processes.has(id)) {
        const config = this.local.config(id);
        if (observers.length) throw new Error('observers are configured for in-process nodes only');
        this.procs.set(
          id,
          new NodeProcess(id, config.configPath, `http://${config.rest.host}:${config.rest.port}`, {
            autoDecrypt: config.role === 'trustee',
            ...(options.logDir ? { logFile: join(options.logDir, `${id}.log`) } : {}),
            ...(options.hostCommand ? { command: (cmd: string, args: string[]) => options.hostCommand!(id, cmd, args) } : {}),
          }),
        );
      }
    }
    const sharded = this.local.ids.filter((id) => !options.processes.has(id) && !options.offline.has(id));
    if ((options.shards ?? 0) > 0 && sharded.length) {
      // Grouped as hosts are (a county with its precincts together), dealt round-robin.
      const placement = placeOnHosts(sharded.map((id) => this.configs.get(id)!), options.shards!);
      for (let i = 0; i < placement.hosts; i++) {
        this.shards.push(
          new ShardProcess(`shard-${i}`, electionDir, { ...(observers.length ? { observers } : {}), ...(options.logDir ? { logFile: join(options.logDir, `shard-${i}.log`) } : {}) }),
        );
      }
      for (const [id, i] of placement.hostOf) this.shardOf.set(id, this.shards[i]!);
    }
  }

  /** Shard processes and how many nodes each holds. */
  get shardSizes(): number[] {
    return this.shards.map((s) => [...this.shardOf.values()].filter((x) => x === s).length);
  }

  /** Memory of every shard process (empty when nodes run in this process). */
  shardStats(): Promise<ShardStats[]> {
    return Promise.all(this.shards.map((s) => s.stats()));
  }

  /** Every node id, parents before children. */
  get ids(): string[] {
    return this.local.ids;
  }

  get online(): string[] {
    return this.ids.filter((id) => !this.options.offline.has(id));
  }

  url(id: string): string {
    const c = this.configs.get(id);
    if (!c) throw new Error(`unknown node "${id}"`);
    return `http://${c.rest.host}:${c.rest.port}`;
  }

  isProcess(id: string): boolean {
    return this.procs.has(id);
  }

  async start(id: string): Promise<void> {
    const proc = this.procs.get(id);
    const shard = this.shardOf.get(id);
    if (proc) await proc.start();
    else if (shard) await shard.start(id);
    else await this.local.start(id);
  }

  /** Starts level by level (parents first, so children can dial them), a level at a time in parallel. */
  async startAll(onStarted?: (id: string) => void): Promise<void> {
    const levels = [['national'], ['state'], ['county'], ['precinct', 'trustee']];
    for (const roles of levels) {
      const ids = this.online.filter((id) => roles.includes(this.configs.get(id)!.role));
      await Promise.all(
        ids.map(async (id) => {
          await this.start(id);
          onStarted?.(id);
        }),
      );
    }
  }

  /** Graceful stop of one node. */
  async stop(id: string): Promise<void> {
    const proc = this.procs.get(id);
    const shard = this.shardOf.get(id);
    if (proc) await proc.stop();
    else if (shard) await shard.stop(id);
    else await this.local.stop(id);
  }

  /** SIGKILL of a node running as its own process. */
  async kill(id: string): Promise<void> {
    const proc = this.procs.get(id);
    if (!proc) throw new Error(`node "${id}" runs ${this.shardOf.has(id) ? 'in a shard' : 'in this process'} and cannot be killed alone`);
    await proc.kill();
  }

  async stopAll(): Promise<void> {
    // Each shard stops its own nodes, side by side.
    const shards = Promise.all(this.shards.map((s) => s.close()));
    for (const id of [...this.ids].reverse()) {
      if (!this.shardOf.has(id)) await this.stop(id).catch(() => undefined);
    }
    await shards;
  }

  static configPath(electionDir: string, id: string): string {
    return join(electionDir, 'nodes', `${id}.json`);
  }

  static load(electionDir: string, id: string): LoadedConfig {
    return loadNodeConfig(SimNetwork.configPath(electionDir, id));
  }
}
