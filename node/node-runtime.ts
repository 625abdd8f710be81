// A node as it runs: the TallyNode and its REST server, started from a config file and stopped
// together. Used by `tallymesh node`, the simulation and the integration tests.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { loadNodeConfig, type LoadedConfig } from './config.ts';
import { createNodeLogger } from './logger.ts';
import type { NetworkOptionsOverride } from './network/options.ts';
import { createRestServer } from './rest/server.ts';
import { TallyNode } from './tally-node.ts';

export interface RunningNode {
  node: TallyNode;
  config: LoadedConfig;
  /** The REST base URL, e.g. http://127.0.0.1:21001. */
  url: string;
  logger: Logger;
  stop(): Promise<void>;
}

export interface StartNodeOptions {
  /** Override config fields (tests use port 0 and their own listen addresses). */
  override?: Partial<LoadedConfig>;
  logger?: Logger;
  network?: NetworkOptionsOverride;
  tickMs?: number;
}

export async function startNode(configPath: string, options: StartNodeOptions = {}): Promise<RunningNode> {
  const config: LoadedConfig = { ...loadNodeConfig(configPath), ...options.override };
  const logger = options.logger ?? createNodeLogger(config.id);
  const adminToken = config.adminTokenFile ? readFileSync(config.adminTokenFile, 'utf8').trim() : undefined;
  const node = await TallyNode.start({
    config,
    logger,
    ...(adminToken ? { adminToken } : {}),
    ...(options.network ? { network: options.network } : {}),
    ...(options.tickMs ? { tickMs: options.tickMs } : {}),
  });
  let rest: Awaited<ReturnType<typeof createRestServer>> | undefined;
  let url: string;
  try {
    rest = await createRestServer(node.api, { host: config.rest.host, port: config.rest.port, logger });
    url = (await rest.start()).url;
  } catch (err) {
    await node.stop();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    node,
    config,
    url,
    logger,
    stop: () =>
      (stopping ??= (async () => {
        await rest?.stop();
        await node.stop();
      })()),
  };
}
