// Where a partition's nodes run: a worker thread (WorkerHost) or the main thread itself
// (LocalHost, for workers: 0). Both answer the same requests with the same code (nodes.ts).
import { Worker } from 'node:worker_threads';
import { PartitionNodes, type NodeRequest, type Progress } from './nodes.ts';
import type { PartitionVerification, VerifyHost } from './verify.ts';

export interface NodeHost extends VerifyHost {
  readonly name: string;
  readonly ready: Promise<void>;
  call<T>(request: NodeRequest): Promise<T>;
  close(): Promise<void>;
}

const WORKER_ENTRY = new URL('./worker-entry.mjs', import.meta.url);

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

type WorkerMessage =
  | { kind: 'ready' }
  | { kind: 'progress'; phase: string; done: number; total: number }
  | { kind: 'reply'; id: number; value?: unknown; error?: string };

export class WorkerHost implements NodeHost {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  readonly ready: Promise<void>;

  constructor(
    readonly name: string,
    progress: Progress,
  ) {
    this.worker = new Worker(WORKER_ENTRY);
    let markReady!: () => void;
    let failReady!: (err: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    this.worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'ready') markReady();
      else if (m.kind === 'progress') progress(m.phase, m.done, m.total);
      else {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.error !== undefined) p?.reject(new Error(`${this.name}: ${m.error}`));
        else p?.resolve(m.value);
      }
    });
    const fail = (err: Error): void => {
      failReady(err);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      if (this.pending.size) fail(new Error(`${this.name} exited with code ${code}`));
    });
  }

  call<T>(request: NodeRequest): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, request });
    });
  }

  verify(dir: string, states: string[]): Promise<PartitionVerification> {
    return this.call({ type: 'verify', dir, states });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** The same nodes in the calling thread: each call runs synchronously when made. */
export class LocalHost implements NodeHost {
  private readonly nodes: PartitionNodes;
  readonly ready = Promise.resolve();
  constructor(
    readonly name: string,
    progress: Progress,
  ) {
    this.nodes = new PartitionNodes(progress);
  }

  call<T>(request: NodeRequest): Promise<T> {
    try {
      return Promise.resolve(this.nodes.handle(request) as T);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  verify(dir: string, states: string[]): Promise<PartitionVerification> {
    return this.call({ type: 'verify', dir, states });
  }

  async close(): Promise<void> {}
}
