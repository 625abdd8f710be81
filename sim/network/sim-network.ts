// The simulated network: every node of the election on this machine, each in this process
// (LocalNetwork) or as its own OS process (NodeProcess), all on the ports setup wrote so that
// the two kinds can reach each other.
import { join } from 'node:path';
import { LocalNetwork } from '../local-network.ts';
import { loadNodeConfig, type LoadedConfig } from '../../node/config.ts';
import { NodeProcess } from './node-process.ts';

export interface SimNetworkOptions {
  /** Ids of the nodes that run as their own OS process. */
  processes: Set<string>;
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
    if (proc) await proc.start();
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
    if (proc) await proc.stop();
    else await this.local.stop(id);
  }

  /** SIGKILL of a node running as its own process. */
  async kill(id: string): Promise<void> {
    const proc = this.procs.get(id);
    if (!proc) throw new Error(`node "${id}" runs in this process and cannot be killed alone`);
    await proc.kill();
  }

  async stopAll(): Promise<void> {
    for (const id of [...this.ids].reverse()) {
      await this.stop(id).catch(() => undefined);
    }
  }

  static configPath(electionDir: string, id: string): string {
    return join(electionDir, 'nodes', `${id}.json`);
  }

  static load(electionDir: string, id: string): LoadedConfig {
    return loadNodeConfig(SimNetwork.configPath(electionDir, id));
  }
}
