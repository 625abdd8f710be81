// Starts every node of an election on this machine, in one process: each with its own libp2p
// host on 127.0.0.1, its own LevelDB and its own REST port. Parents start before children so
// that each node can dial its parent's real address (ports are chosen by the OS).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { loadNodeConfig, type LoadedConfig } from '../node/config.ts';
import { startNode, type RunningNode } from '../node/node-runtime.ts';
import type { NetworkOptionsOverride } from '../node/network/options.ts';

const START_ORDER = ['national', 'state', 'county', 'precinct', 'trustee'] as const;

export interface LocalNetworkOptions {
  /** Only these node ids (default: all). */
  only?: (id: string) => boolean;
  /** Per-node config overrides (e.g. autoDecrypt for trustees). */
  override?: (config: LoadedConfig) => Partial<LoadedConfig>;
  logger?: (id: string) => Logger;
  network?: NetworkOptionsOverride;
  tickMs?: number;
  /** Use the ports and bootstrap addresses setup wrote (so that nodes in other processes can
   *  reach these), instead of OS-chosen ports. */
  fixedPorts?: boolean;
}

export class LocalNetwork {
  readonly nodes = new Map<string, RunningNode>();
  /** The libp2p address each node last listened on: a restart reuses its port, so peers that
   *  remember it can redial. */
  private readonly lastListen = new Map<string, string>();
  private readonly configs = new Map<string, { path: string; config: LoadedConfig }>();

  constructor(
    readonly electionDir: string,
    private readonly options: LocalNetworkOptions = {},
  ) {
    for (const f of readdirSync(join(electionDir, 'nodes')).filter((f) => f.endsWith('.json'))) {
      const path = join(electionDir, 'nodes', f);
      const config = loadNodeConfig(path);
      this.configs.set(config.id, { path, config });
    }
  }

  get ids(): string[] {
    return [...this.configs.values()]
      .filter((c) => this.options.only?.(c.config.id) ?? true)
      .sort((a, b) => START_ORDER.indexOf(a.config.role) - START_ORDER.indexOf(b.config.role))
      .map((c) => c.config.id);
  }

  config(id: string): LoadedConfig {
    const c = this.configs.get(id);
    if (!c) throw new Error(`no config for node "${id}"`);
    return c.config;
  }

  /** The address a node should dial to reach `id`, if it runs. */
  private dialAddress(id: string): string | undefined {
    const running = this.nodes.get(id);
    return running?.node.host.addresses().find((a) => a.includes('/ip4/127.0.0.1/'));
  }

  /** Starts one node (again), dialling its parent (trustees: the national node) if it runs. */
  async start(id: string): Promise<RunningNode> {
    if (this.nodes.has(id)) return this.nodes.get(id)!;
    const { path, config } = this.configs.get(id)!;
    const national = [...this.configs.values()].find((c) => c.config.role === 'national')!.config.id;
    const upstream = config.parent || (config.role === 'trustee' ? national : '');
    const dial = upstream ? this.dialAddress(upstream) : undefined;
    const logger = this.options.logger?.(id) ?? pino({ level: 'silent' });
    const ports = this.options.fixedPorts
      ? {}
      : { listen: [this.lastListen.get(id) ?? '/ip4/127.0.0.1/tcp/0'], bootstrap: dial ? [dial] : [], rest: { host: '127.0.0.1', port: 0 } };
    const running = await startNode(path, {
      override: { ...ports, ...(this.options.override?.(config) ?? {}) },
      logger,
      ...(this.options.network ? { network: this.options.network } : {}),
      ...(this.options.tickMs ? { tickMs: this.options.tickMs } : {}),
    });
    this.nodes.set(id, running);
    const address = this.dialAddress(id);
    if (address) this.lastListen.set(id, address.replace(/\/p2p\/.*$/, ''));
    return running;
  }

  async startAll(): Promise<void> {
    for (const id of this.ids) await this.start(id);
  }

  async stop(id: string): Promise<void> {
    const running = this.nodes.get(id);
    this.nodes.delete(id);
    await running?.stop();
  }

  async stopAll(): Promise<void> {
    const ids = [...this.nodes.keys()].reverse();
    for (const id of ids) await this.stop(id);
  }

  url(id: string): string {
    const running = this.nodes.get(id);
    if (!running) throw new Error(`node "${id}" is not running`);
    return running.url;
  }
}
