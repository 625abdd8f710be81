// The simulation's end of a shard (node-shard.ts): an OS process holding many nodes, started and
// stopped one by one on request. Requests are numbered so that several can be in flight.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ShardOptions, ShardReply, ShardStats } from './node-shard.ts';

// Built (dist/), this file and the shard entry are JavaScript; from the sources the entry runs
// through the tsx loader, as worker threads do (threads/worker-entry.mjs).
const BUILT = import.meta.url.endsWith('.js');
const ENTRY = fileURLToPath(new URL(BUILT ? './node-shard.js' : './node-shard.ts', import.meta.url));

export class ShardProcess {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private next = 1;
  private failure: Error | undefined;
  private readonly exited: Promise<void>;
  /** Resolves when the shard has loaded and answers requests. */
  readonly ready: Promise<void>;

  constructor(
    readonly name: string,
    electionDir: string,
    options: ShardOptions & { logFile?: string } = {},
  ) {
    const { logFile, ...shardOptions } = options;
    // The loader by its own address, so that the shard starts from any working directory.
    const args = [...(BUILT ? [] : ['--import', import.meta.resolve('tsx')]), ENTRY, electionDir, JSON.stringify(shardOptions)];
    this.child = spawn(process.execPath, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TALLYMESH_LOG_LEVEL: process.env.TALLYMESH_LOG_LEVEL ?? 'warn' },
    });
    if (logFile) this.child.stderr!.pipe(createWriteStream(logFile, { flags: 'a' }));
    else this.child.stderr!.resume();
    // The shard's first line is reply 0, "ready".
    this.ready = new Promise<void>((resolve, reject) => this.pending.set(0, { resolve: () => resolve(), reject }));
    this.ready.catch(() => undefined); // also reported to every call
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let r: ShardReply;
      try {
        r = JSON.parse(line) as ShardReply;
      } catch {
        return; // not a reply (a dependency writing to stdout): ignored
      }
      const p = this.pending.get(r.seq);
      if (!p) return;
      this.pending.delete(r.seq);
      if (r.ok) p.resolve(r.value);
      else p.reject(new Error(`${this.name}: ${r.error}`));
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.failure ??= new Error(`${this.name} exited (code ${code}, signal ${signal})`);
        for (const p of this.pending.values()) p.reject(this.failure);
        this.pending.clear();
        resolve();
      }),
    );
  }

  private call<T>(request: { op: string; node?: string }): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const seq = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin!.write(JSON.stringify({ seq, ...request }) + '\n');
    });
  }

  async start(node: string): Promise<void> {
    await this.ready;
    await this.call({ op: 'start', node });
  }

  stop(node: string): Promise<void> {
    return this.call({ op: 'stop', node });
  }

  stats(): Promise<ShardStats> {
    return this.call<ShardStats>({ op: 'stats' });
  }

  /** Stops every node of the shard (its stdin closes) and waits for the process to exit; kills it after graceMs. */
  async close(graceMs = 60_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin!.end();
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([this.exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
    clearTimeout(timer);
    if (late) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}
