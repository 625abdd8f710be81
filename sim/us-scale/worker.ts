// Worker thread of the U.S.-scale run: hosts one partition's nodes (nodes.ts) and answers the
// run's requests one at a time; progress goes to the parent as events.
import { emit, serveRequests } from '../../threads/worker-rpc.ts';
import { PartitionNodes, type NodeRequest } from './nodes.ts';

const nodes = new PartitionNodes((phase, done, total) => emit({ phase, done, total }));
serveRequests((request: NodeRequest) => nodes.handle(request));
