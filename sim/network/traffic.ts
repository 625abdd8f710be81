// What the nodes sent and received in a run, summed from every node's /metrics (gossipsub's own
// counters and TallyMesh's pull exchanges): the growth curve's messages and bytes per node.

/** Sums over nodes; `nodes` is how many answered. */
export interface Traffic {
  nodes: number;
  /** gossipsub RPCs (one frame to one peer, carrying messages and control). */
  rpcsSent: number;
  rpcsReceived: number;
  /** Published or forwarded messages inside those RPCs. */
  messagesSent: number;
  messagesReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Pull protocol exchanges this node started (client side). */
  pulls: number;
}

const SERIES: Record<string, keyof Omit<Traffic, 'nodes' | 'pulls'>> = {
  gossipsub_rpc_sent_count_total: 'rpcsSent',
  gossipsub_rpc_recv_count_total: 'rpcsReceived',
  gossipsub_rpc_sent_message_total: 'messagesSent',
  gossipsub_rpc_recv_message_total: 'messagesReceived',
  gossipsub_rpc_sent_bytes_total: 'bytesSent',
  gossipsub_rpc_recv_bytes_total: 'bytesReceived',
};

export const emptyTraffic = (): Traffic => ({ nodes: 0, rpcsSent: 0, rpcsReceived: 0, messagesSent: 0, messagesReceived: 0, bytesSent: 0, bytesReceived: 0, pulls: 0 });

/** One node's counters from Prometheus text (every label set of a series summed). */
export function trafficOf(metrics: string): Traffic {
  const t = emptyTraffic();
  t.nodes = 1;
  for (const line of metrics.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    const field = SERIES[m[1]!];
    if (field) t[field] += value;
    else if (m[1] === 'tallymesh_pull_requests_total' && m[2]?.includes('side="client"')) t.pulls += value;
  }
  return t;
}

export function addTraffic(a: Traffic, b: Traffic): Traffic {
  const out = emptyTraffic();
  for (const k of Object.keys(out) as (keyof Traffic)[]) out[k] = a[k] + b[k];
  return out;
}

/** Every node's /metrics, a few at a time; a node that does not answer is left out (see `nodes`). */
export async function scrapeTraffic(urls: readonly string[], concurrency = 16): Promise<Traffic> {
  let total = emptyTraffic();
  const queue = [...urls];
  await Promise.all(
    Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let url = queue.shift(); url !== undefined; url = queue.shift()) {
        try {
          const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(30_000) });
          if (res.ok) total = addTraffic(total, trafficOf(await res.text()));
        } catch {
          // not counted
        }
      }
    }),
  );
  return total;
}
