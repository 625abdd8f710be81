// One shard of a simulated network: many nodes of one election in one OS process (simulate
// --shards N), so that N event loops, one per core, carry the nodes instead of one. Each node is
// still its own libp2p host, LevelDB and REST port, on the ports setup wrote, exactly as in
// LocalNetwork; the simulation drives it through REST like any other node.
//
// Control is JSON lines: requests on stdin, replies on stdout (shard-process.ts is the other end).
//   { seq, op: 'start', node }  starts a node (its parent should already run: the caller goes level by level)
//   { seq, op: 'stop', node }   stops it gracefully
//   { seq, op: 'stats' }        { rss, maxRss, heapUsed, nodes }: this process's memory
// The shard stops every node and exits when stdin closes (the simulation ended or died) or on
// SIGTERM/SIGINT. Its nodes' logs go to stderr.
//
//   node node-shard.js ELECTION_DIR [OPTIONS_JSON]     OPTIONS_JSON: { observers?: string[] }
import '../../polyfill.ts';
import { pino } from 'pino';
import { createInterface } from 'node:readline';
import { LocalNetwork } from '../local-network.ts';

export type ShardRequest = { seq: number; op: 'start' | 'stop'; node: string } | { seq: number; op: 'stats' };
export type ShardReply = { seq: number; ok: true; value: unknown } | { seq: number; ok: false; error: string };
export interface ShardStats {
  rss: number;
  /** Peak resident memory of this process so far (bytes). */
  maxRss: number;
  /** V8's heap: used and reserved. */
  heapUsed: number;
  heapTotal: number;
  /** Memory of C++ objects bound to JS (buffers, native addons) and of ArrayBuffers alone. */
  external: number;
  arrayBuffers: number;
  nodes: number;
}
export interface ShardOptions {
  observers?: string[];
}

async function main(): Promise<void> {
  const [electionDir, optionsJson] = process.argv.slice(2);
  if (!electionDir) throw new Error('usage: node-shard ELECTION_DIR [OPTIONS_JSON]');
  const options = JSON.parse(optionsJson ?? '{}') as ShardOptions;
  const observers = options.observers ?? [];
  const level = process.env.TALLYMESH_LOG_LEVEL ?? 'warn';
  const net = new LocalNetwork(electionDir, {
    fixedPorts: true,
    override: (c) => ({ ...(c.role === 'trustee' ? { autoDecrypt: true } : {}), ...(observers.length ? { observers } : {}) }),
    logger: (id) => pino({ level, base: { node: id } }, process.stderr),
  });
  const reply = (r: ShardReply): void => void process.stdout.write(JSON.stringify(r) + '\n');
  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (stopping ??= net.stopAll().finally(() => {
      process.stdin.destroy();
    }));
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());

  const handle = async (req: ShardRequest): Promise<unknown> => {
    switch (req.op) {
      case 'start':
        await net.start(req.node);
        return {};
      case 'stop':
        await net.stop(req.node);
        return {};
      case 'stats': {
        const m = process.memoryUsage();
        return { rss: m.rss, maxRss: process.resourceUsage().maxRSS * 1024, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, nodes: net.nodes.size } satisfies ShardStats;
      }
    }
  };
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    let req: ShardRequest;
    try {
      req = JSON.parse(line) as ShardRequest;
    } catch {
      return reply({ seq: -1, ok: false, error: `not a JSON request: ${line.slice(0, 80)}` });
    }
    handle(req).then(
      (value) => reply({ seq: req.seq, ok: true, value }),
      (err: unknown) => reply({ seq: req.seq, ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  });
  lines.once('close', () => void shutdown());
  reply({ seq: 0, ok: true, value: 'ready' });
}

main().catch((err: unknown) => {
  process.stderr.write(`node-shard: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(2);
});
