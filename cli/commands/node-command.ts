// `tallymesh node --config FILE`: runs one node of any role until SIGTERM or SIGINT, then shuts
// down gracefully: stop accepting (REST closes first), stop libp2p, flush and close LevelDB.
import type { Command } from 'commander';
import { startNode } from '../../node/node-runtime.ts';

export function registerNodeCommand(program: Command): void {
  program
    .command('node')
    .description('run a node of any role from a config that setup wrote')
    .requiredOption('--config <file>', 'the node config (DIR/nodes/<id>.json)')
    .option('--auto-decrypt', 'trustees: publish the partial decryption as soon as the hierarchy checks out')
    .action(async (opts: { config: string; autoDecrypt?: boolean }) => {
      const running = await startNode(opts.config, opts.autoDecrypt ? { override: { autoDecrypt: true } } : {});
      running.logger.info({ event: 'listening', rest: running.url }, `REST API at ${running.url}`);
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string): void => {
          running.logger.info({ event: 'signal', signal }, 'shutting down');
          running.stop().then(resolve, (err) => {
            running.logger.error({ err: String(err) }, 'shutdown failed');
            process.exitCode = 1;
            resolve();
          });
          // The stdin lifeline below keeps the event loop alive: release it, or a node stopped by
          // SIGTERM would linger until its parent exits (and a parent awaiting that exit, forever).
          process.stdin.destroy();
        };
        process.once('SIGTERM', () => shutdown('SIGTERM'));
        process.once('SIGINT', () => shutdown('SIGINT'));
        // Started by a simulation: stop when the parent goes away (its end of stdin closes), so
        // that no node outlives the run that started it.
        if (process.env.TALLYMESH_STOP_WITH_PARENT === '1') {
          process.stdin.on('data', () => undefined);
          process.stdin.once('close', () => shutdown('parent exited'));
        }
      });
    });
}
