// A node running as its own OS process: the same `tallymesh node` binary and config a real
// deployment uses. Started, stopped gracefully (SIGTERM) or killed outright (SIGKILL).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/tallymesh.js', import.meta.url));

export class NodeProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;

  constructor(
    readonly id: string,
    private readonly configPath: string,
    readonly url: string,
    private readonly options: {
      autoDecrypt?: boolean;
      logFile?: string;
      /** How to run a command where the node lives (another host's network namespace); here by default. */
      command?: (cmd: string, args: string[]) => { cmd: string; args: string[] };
    } = {},
  ) {}

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    const node = [BIN, 'node', '--config', this.configPath, ...(this.options.autoDecrypt ? ['--auto-decrypt'] : [])];
    // `ip netns exec` execs the command in place, so signals reach the node itself.
    const { cmd, args } = this.options.command?.(process.execPath, node) ?? { cmd: process.execPath, args: node };
    // stdin stays open as a lifeline: if this process dies, the node sees it close and stops.
    const child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TALLYMESH_LOG_LEVEL: process.env.TALLYMESH_LOG_LEVEL ?? 'warn', TALLYMESH_STOP_WITH_PARENT: '1' },
    });
    if (this.options.logFile) {
      const log = createWriteStream(this.options.logFile, { flags: 'a' });
      child.stdout!.pipe(log);
      child.stderr!.pipe(log);
    } else {
      child.stdout!.resume();
      child.stderr!.resume();
    }
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`node ${this.id} exited during start (code ${child.exitCode}, signal ${child.signalCode})`);
      try {
        // Bounded: under load a connection can stall, and the deadline below must still hold.
        const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(5_000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > end) throw new Error(`node ${this.id} did not answer /health within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Graceful: SIGTERM, then wait for the process to flush and exit. A node that has not exited
   * after `graceMs` is killed, so that a stuck node cannot hang the simulation; its LevelDB
   * writes are synced before they are acknowledged, so nothing acknowledged is lost either way.
   */
  async stop(graceMs = 30_000): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const overdue = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs)));
    const late = await Promise.race([this.exited!.then(() => false), overdue]);
    clearTimeout(timer);
    if (late) await this.kill();
  }

  /** SIGKILL: the process gets no chance to flush anything. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exited;
  }
}
