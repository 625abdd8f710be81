import { describe, expect, it } from 'vitest';
import { addTraffic, emptyTraffic, trafficOf } from '../../../sim/network/traffic.ts';

const METRICS = `# HELP gossipsub_rpc_sent_count_total RPCs sent
# TYPE gossipsub_rpc_sent_count_total counter
gossipsub_rpc_sent_count_total 12
gossipsub_rpc_recv_count_total 10
gossipsub_rpc_sent_message_total{topic="board"} 3
gossipsub_rpc_sent_message_total{topic="tallies"} 4
gossipsub_rpc_recv_message_total 5
gossipsub_rpc_sent_bytes_total 2048
gossipsub_rpc_recv_bytes_total 1024.5
tallymesh_pull_requests_total{side="client",outcome="ok"} 6
tallymesh_pull_requests_total{side="server",outcome="ok"} 100
tallymesh_pull_requests_total{side="client",outcome="timeout"} 1
gossipsub_rpc_sent_bytes_total_other 999
something_else NaN
`;

describe('traffic from /metrics', () => {
  it('sums every label set of the counted series, client-side pulls only', () => {
    expect(trafficOf(METRICS)).toEqual({ nodes: 1, rpcsSent: 12, rpcsReceived: 10, messagesSent: 7, messagesReceived: 5, bytesSent: 2048, bytesReceived: 1024.5, pulls: 7 });
  });

  it('adds nodes field by field; an empty page counts a node with nothing', () => {
    const one = trafficOf(METRICS);
    const sum = addTraffic(addTraffic(emptyTraffic(), one), trafficOf(''));
    expect(sum.nodes).toBe(2);
    expect(sum.messagesSent).toBe(7);
    expect(addTraffic(one, one).bytesSent).toBe(4096);
  });
});
