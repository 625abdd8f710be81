// Worker thread of the U.S.-scale run: hosts one partition's nodes (nodes.ts) and answers the
// run's requests one at a time. Replies carry the request id; progress messages carry none.
import { parentPort } from 'node:worker_threads';
import { PartitionNodes, type NodeRequest } from './nodes.ts';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

const nodes = new PartitionNodes((phase, done, total) => port.postMessage({ kind: 'progress', phase, done, total }));

port.on('message', (msg: { id: number; request: NodeRequest }) => {
  try {
    const value = nodes.handle(msg.request);
    const transfer: ArrayBuffer[] = [];
    if (value && typeof value === 'object') {
      for (const v of Object.values(value)) if (v instanceof Uint8Array && v.byteLength > 1 << 16 && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength) transfer.push(v.buffer as ArrayBuffer);
    }
    port.postMessage({ kind: 'reply', id: msg.id, value }, transfer);
  } catch (err) {
    port.postMessage({ kind: 'reply', id: msg.id, error: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err) });
  }
});
port.postMessage({ kind: 'ready' });
