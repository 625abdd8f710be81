// Where a partition's nodes run: a worker thread (WorkerHost) or the main thread itself
// (LocalHost, for workers: 0). Both answer the same requests with the same code (nodes.ts).
import { WorkerClient } from '../../threads/worker-rpc.ts';
import { PartitionNodes, type NodeRequest, type Progress } from './nodes.ts';

export interface NodeHost {
  readonly name: string;
  readonly ready: Promise<void>;
  call<T>(request: NodeRequest): Promise<T>;
  close(): Promise<void>;
}

const PARTITION_WORKER = new URL('./worker.ts', import.meta.url);

export class WorkerHost implements NodeHost {
  private readonly worker: WorkerClient;

  constructor(
    readonly name: string,
    progress: Progress,
  ) {
    this.worker = new WorkerClient(PARTITION_WORKER, {
      name,
      onEvent: (e) => {
        const { phase, done, total } = e as { phase: string; done: number; total: number };
        progress(phase, done, total);
      },
    });
  }

  get ready(): Promise<void> {
    return this.worker.ready;
  }

  call<T>(request: NodeRequest): Promise<T> {
    return this.worker.call<T>(request);
  }


  close(): Promise<void> {
    return this.worker.close();
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


  async close(): Promise<void> {}
}
