// Request/response over worker threads, the one way TallyMesh runs work off the main thread
// (ballot encryption in simulations, record verification, the U.S.-scale partitions, a node's
// check of its own record). A worker runs a TypeScript module through threads/worker-entry.mjs;
// the module calls serveRequests(handler). The parent sends a request and awaits its reply;
// requests are numbered so that several can be in flight; the worker may also post events
// (progress) between replies. Errors come back as TallyMeshError objects (toObject/revive),
// so their codes survive the thread boundary.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { TallyMeshError, errorMessage, isTallyMeshError, type ErrorObject } from '../errors/tallymesh-error.ts';

const WORKER_ENTRY = new URL('./worker-entry.mjs', import.meta.url);
// Built to dist/ (npm run build), this file is JavaScript and so are the worker modules next to
// it: callers name a module by its source name (`new URL('./x.ts', import.meta.url)`), and the
// built one is the same path ending in .js.
const BUILT = import.meta.url.endsWith('.js');
const runnable = (module: URL): string => (BUILT ? module.href.replace(/\.ts$/, '.js') : module.href);

type ToWorker = { id: number; request: unknown };
type FromWorker =
  | { kind: 'ready' }
  | { kind: 'event'; event: unknown }
  | { kind: 'reply'; id: number; value: unknown }
  | { kind: 'fail'; id: number; error: ErrorObject };

export interface WorkerClientOptions {
  /** Given to the module as workerData.data. */
  data?: unknown;
  /** Events the module posts with emit(). */
  onEvent?: (event: unknown) => void;
  /** A worker that is only waited on never keeps the process alive. */
  unref?: boolean;
  name?: string;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/** One worker thread running `module`; call() sends a request and resolves with its reply. */
export class WorkerClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private failure: Error | undefined;
  readonly name: string;
  /** Resolves once the module has loaded and called serveRequests. */
  readonly ready: Promise<void>;

  constructor(module: URL, options: WorkerClientOptions = {}) {
    this.name = options.name ?? module.pathname.split('/').pop()!;
    this.worker = new Worker(WORKER_ENTRY, { workerData: { module: runnable(module), data: options.data } });
    if (options.unref) this.worker.unref();
    let markReady!: () => void;
    let failReady!: (err: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    this.ready.catch(() => undefined); // reported to the callers of call() as well
    this.worker.on('message', (m: FromWorker) => {
      if (m.kind === 'ready') markReady();
      else if (m.kind === 'event') options.onEvent?.(m.event);
      else {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.kind === 'reply') p?.resolve(m.value);
        else p?.reject(TallyMeshError.revive(m.error));
      }
    });
    const fail = (err: Error): void => {
      this.failure ??= err;
      failReady(err);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new TallyMeshError('worker-exited', `${this.name}: the worker thread exited (code ${code})`)));
  }

  /** Requests in flight. */
  get busy(): number {
    return this.pending.size;
  }

  call<T>(request: unknown, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, request } satisfies ToWorker, transfer);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Several workers running one module; each call goes to the least busy one. */
export class WorkerPool {
  readonly workers: WorkerClient[];

  constructor(module: URL, size: number, options: WorkerClientOptions = {}) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('a worker pool needs at least one worker');
    this.workers = Array.from({ length: size }, (_, i) => new WorkerClient(module, { ...options, name: `${options.name ?? 'worker'}-${i}` }));
  }

  get size(): number {
    return this.workers.length;
  }

  get ready(): Promise<void> {
    return Promise.all(this.workers.map((w) => w.ready)).then(() => undefined);
  }

  call<T>(request: unknown, transfer: ArrayBuffer[] = []): Promise<T> {
    let best = this.workers[0]!;
    for (const w of this.workers) if (w.busy < best.busy) best = w;
    return best.call<T>(request, transfer);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

/** In a worker: the data its parent gave (WorkerClientOptions.data). */
export function workerInput<T>(): T {
  return (workerData as { data: T }).data;
}

/** In a worker: posts an event to the parent (between replies). */
export function emit(event: unknown): void {
  parentPort?.postMessage({ kind: 'event', event } satisfies FromWorker);
}

/** Large byte arrays of a reply move instead of being copied. */
function transferables(value: unknown): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) {
      if (v instanceof Uint8Array && v.byteLength > 1 << 16 && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && v.buffer instanceof ArrayBuffer) out.push(v.buffer);
    }
  }
  return out;
}

/** In a worker: answers each request with handler's value (or its error), one at a time in order. */
export function serveRequests(handler: (request: never) => unknown): void {
  if (isMainThread || !parentPort) throw new TallyMeshError('not-a-worker', 'serveRequests runs in a worker thread');
  const port = parentPort;
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (m: ToWorker) => {
    queue = queue.then(async () => {
      try {
        const value = await handler(m.request as never);
        port.postMessage({ kind: 'reply', id: m.id, value } satisfies FromWorker, transferables(value));
      } catch (err) {
        const error: ErrorObject = isTallyMeshError(err) ? err.toObject() : { name: 'Error', code: 'worker-failed', message: errorMessage(err) };
        port.postMessage({ kind: 'fail', id: m.id, error } satisfies FromWorker);
      }
    });
  });
  port.postMessage({ kind: 'ready' } satisfies FromWorker);
}
